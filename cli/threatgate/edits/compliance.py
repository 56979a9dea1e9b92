"""Compliance edits: a control's requirement mappings, and controls added to cover gaps.

Every operation works on a :class:`~threatgate.document.editor.ModelEditor`; run it
through :func:`threatgate.document.transaction.edit_file` (with the repository's
catalogues) for the lock, the validation of the result and the atomic write. A
requirement is checked against its framework's catalogue before anything changes, with
the closest ids when it is not there.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from threatgate.catalogues.library import CatalogueLibrary
from threatgate.catalogues.model import did_you_mean
from threatgate.document.editor import REMOVE, ModelEditor
from threatgate.document.errors import EditError
from threatgate.edits.entities import Added, Edited, add_entity, find_entity
from threatgate.edits.fields import KINDS
from threatgate.model.vocabulary import id_list


def checked_reference(reference: str, catalogues: CatalogueLibrary) -> str:
    """``FRAMEWORK:REQUIREMENT`` as written, once its catalogue knows it (else a usage
    error naming the closest framework or requirement ids)."""
    framework, sep, requirement = reference.strip().partition(":")
    if not sep or not framework or not requirement:
        raise EditError.usage(f"{reference!r}: write FRAMEWORK:REQUIREMENT, e.g. "
                              "asvs-5.0:V1.2.4")
    catalogue = catalogues.get(framework)
    if catalogue is None:
        close = did_you_mean(framework, catalogues.ids(), 1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise EditError.usage(f"{reference}: unknown framework {framework!r}{hint} "
                              "(`threatgate compliance list` shows them)")
    if requirement not in catalogue:
        hints = catalogue.suggest(requirement)
        hint = (f"; did you mean {', '.join(f'{framework}:{h}' for h in hints)}?"
                if hints else "")
        raise EditError.usage(f"{reference}: not a requirement of {framework}{hint}")
    return f"{framework}:{requirement}"


def map_requirements(editor: ModelEditor, control_id: str, references: Sequence[str],
                     catalogues: CatalogueLibrary, *, remove: bool = False) -> Edited:
    """Add requirements to a control's ``compliance`` (those already there are skipped),
    or with ``remove`` take them out (each must be there; the field goes when empty)."""
    if not references:
        raise EditError.usage("give at least one requirement, e.g. asvs-5.0:V1.2.4")
    index, entry = find_entity(editor.data, KINDS["control"], control_id)
    current = id_list(entry.get("compliance"))
    if remove:
        wanted = [r.strip() for r in references]
        absent = [r for r in wanted if r not in current]
        if absent:
            raise EditError.usage(f"control {control_id} does not map {', '.join(absent)} "
                                  f"(it maps: {', '.join(current) or 'nothing'})")
        after = [r for r in current if r not in wanted]
    else:
        wanted = [checked_reference(r, catalogues) for r in references]
        after = current + [r for i, r in enumerate(wanted)
                           if r not in current and r not in wanted[:i]]
    before = copy.deepcopy(entry)
    if after == current:
        return Edited("control", control_id, [], before, copy.deepcopy(entry))
    editor.update("controls", index, {"compliance": after or REMOVE})
    changed = copy.deepcopy(before)
    if after:
        changed["compliance"] = after
    else:
        changed.pop("compliance", None)
    return Edited("control", control_id, ["compliance"], before, changed)


@dataclass(frozen=True)
class NewControl:
    """A control to add, planned, with the requirements it answers."""

    title: str
    description: str
    compliance: tuple[str, ...]


def add_planned_controls(editor: ModelEditor, controls: Sequence[NewControl],
                         catalogues: CatalogueLibrary, *, today: dt.date) -> list[Added]:
    """Append each control (status planned) with its mappings; a control whose title the
    model already has gets the mappings instead, so applying twice adds nothing twice."""
    added: list[Added] = []
    for control in controls:
        references = [checked_reference(r, catalogues) for r in control.compliance]
        existing = next((str(e.get("id")) for e in editor.data.get("controls") or []
                         if isinstance(e, dict) and e.get("title") == control.title), None)
        if existing is not None:
            map_requirements(editor, existing, references, catalogues)
            continue
        values = {"title": control.title, "status": "planned", "compliance": references}
        if control.description:
            values["description"] = control.description
        added.append(add_entity(editor, KINDS["control"], values, entity_id=None,
                                today=today))
    return added
