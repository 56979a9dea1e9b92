"""The edit verbs: add and edit entities of a model, and set a control's status.

Every operation works on a :class:`threatgate.document.editor.ModelEditor`, so it changes
only the entries it touches and leaves every other byte of the file as it was; run it
through :func:`threatgate.document.transaction.edit_file` to get the lock, the checks and
the atomic write. Removing an entity is :mod:`threatgate.edits.removal`.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from threatgate.document.editor import REMOVE, ModelEditor
from threatgate.document.errors import EditError
from threatgate.edits.fields import (
    KINDS,
    Kind,
    field_spec,
    fields_of,
    item_text,
    known_field,
    list_field,
)
from threatgate.edits.generation import generation_record, in_generator_namespace
from threatgate.errors import InputError
from threatgate.model.vocabulary import article, id_index, items

ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
MAX_ID = 64


# --- finding entities -----------------------------------------------------------------------


def _suggest(word: str, known: Iterable[str]) -> str:
    listed = sorted(known)
    close = difflib.get_close_matches(word, listed, n=1, cutoff=0.5)
    shown = ", ".join(listed[:20]) + (", ..." if len(listed) > 20 else "")
    return (f"; did you mean {close[0]}?" if close else "") + f" (defined: {shown or 'none'})"


def find_entity(data: dict[str, Any], kind: Kind, ident: str) -> tuple[int, dict[str, Any]]:
    """The entry of ``kind`` with id ``ident``; an acceptance may also be named by the
    threat or objective it accepts, when only one acceptance names it."""
    entries = list(items(data, kind.collection))
    found = [(i, e) for i, e in entries if e.get("id") == ident]
    position = re.fullmatch(r"#([1-9][0-9]{0,8})", ident)
    if not found and position:
        found = [(i, e) for i, e in entries if i == int(position.group(1)) - 1]
    if not found and kind.name == "acceptance":
        found = [(i, e) for i, e in entries if ident in (e.get("threat"), e.get("objective"))]
        if len(found) > 1:
            places = ", ".join(f"#{i + 1}" for i, _ in found)
            raise EditError.usage(f"{len(found)} acceptances name {ident} ({places}); choose "
                                  "one by its id or its position, e.g. '#2' for the second "
                                  "acceptance")
    if found:
        return found[0]
    elsewhere = id_index(data).get(ident)
    if elsewhere:
        other = elsewhere[0].kind
        hint = ("; use `threatgate findings update` for findings"
                if elsewhere[0].collection == "findings" else "")
        raise EditError.usage(f"{ident} is {article(other)}, not {article(kind.label)}{hint}")
    known = [str(e["id"]) for _, e in entries if isinstance(e.get("id"), str)]
    raise EditError.usage(f"no {kind.label} {ident} in this model" + _suggest(ident, known))


def owner_of(entry: Mapping[str, Any], index: int) -> str:
    entity_id = entry.get("id")
    return entity_id if isinstance(entity_id, str) else f"#{index + 1}"


# --- ids ------------------------------------------------------------------------------------


_NUMBERED = re.compile(r"(.*?)(\d+)\Z")


def next_id(data: dict[str, Any], text: str, kind: Kind,
            name: str | None = None) -> str:
    """The next free id in the style of the kind's existing ids (T1..Tn -> T<n+1>).

    The number is one past the highest one written anywhere in the file with that
    prefix (ids, lists, comments), so an id that is still mentioned, or that was
    removed and recorded in ``generation.removed``, is never handed out again. Ids are
    unique across every kind of entity. Kinds named rather than numbered (components,
    trust boundaries) get an id made from the name.

    The style is that of the ids written by hand; ids the generator made (its
    namespace, ``T-<rule>-<component>``, ``C-<control>``) never set it and are never
    handed out, so the rule that later fires for an id always finds it free. A kind
    with generated ids only is numbered in their dash style (``T-1``, ``C-1``), which
    the generator never makes.
    """
    taken = set(id_index(data))
    generated = {*generation_record(data)["emitted"], *generation_record(data)["removed"]}
    numbered: dict[str, list[str]] = {}
    dashed = False
    for _, entry in items(data, kind.collection):
        entity_id = str(entry.get("id", ""))
        if (entity_id in generated or entry.get("origin") == "generated"
                or in_generator_namespace(kind.collection, entity_id)):
            dashed = dashed or entity_id.startswith(f"{kind.prefix}-")
            continue
        match = _NUMBERED.match(entity_id)
        if match and match.group(1):
            numbered.setdefault(match.group(1), []).append(match.group(2))
    if not numbered and not kind.prefix:
        return _slug_id(name or kind.name, taken)
    prefix = f"{kind.prefix}-" if dashed and kind.prefix else kind.prefix
    if numbered:
        prefix = max(numbered, key=lambda p: (len(numbered[p]), p == kind.prefix))
    digits = numbered.get(prefix, [])
    width = max((len(d) for d in digits if d.startswith("0")), default=0)
    pattern = re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(prefix)}(\d{{1,9}})(?![A-Za-z0-9_])")
    numbers = [int(m.group(1)) for m in pattern.finditer(text)]
    numbers += [int(d) for d in digits]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:0{width}d}" in taken:
        number += 1
    return f"{prefix}{number:0{width}d}"


def _slug_id(name: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:MAX_ID - 4] or "item"
    if not slug[0].isalpha():
        slug = f"c-{slug}"[:MAX_ID - 4]
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def check_new_id(data: dict[str, Any], entity_id: str) -> None:
    if not ID_PATTERN.match(entity_id) or len(entity_id) > MAX_ID:
        raise EditError.usage(f"{entity_id!r} is not a valid id (a letter, then letters, digits, "
                              f"'_', '.' or '-'; at most {MAX_ID} characters)")
    used = id_index(data).get(entity_id)
    if used:
        raise EditError(f"id {entity_id} is already used by {article(used[0].kind)} "
                         f"({used[0].collection}[{used[0].index}]); ids are unique across "
                         "every kind of entity and never reused")


# --- add ------------------------------------------------------------------------------------


@dataclass
class Added:
    kind: str
    entity_id: str | None
    entry: dict[str, Any]


def add_entity(editor: ModelEditor, kind: Kind, values: Mapping[str, Any], *,
               entity_id: str | None, today: dt.date) -> Added:
    """Append a new entity built from ``values`` (field -> value) to the model."""
    data = editor.data
    entry = {known_field(kind, key): value for key, value in values.items()}
    if kind.name == "control":
        entry.setdefault("status", "planned")
    if kind.name == "acceptance":
        entry.setdefault("accepted_on", today.isoformat())
        if ("threat" in entry) == ("objective" in entry):
            raise EditError.usage("an acceptance names exactly one of --threat or --objective")
    missing = [spec for spec in fields_of(kind.name) if spec.required and spec.name not in entry]
    if missing:
        options = ", ".join(f"--{spec.option}" for spec in missing)
        raise EditError.usage(f"a new {kind.label} needs {options}")
    if entity_id is not None:
        check_new_id(data, entity_id)
    elif kind.name != "acceptance" or any(
            isinstance(e.get("id"), str) for _, e in items(data, kind.collection)):
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        entity_id = next_id(data, editor.text, kind, name)
    new = {"id": entity_id, **entry} if entity_id is not None else entry
    editor.append(kind.collection, new)
    return Added(kind.name, entity_id, copy.deepcopy(new))


# --- edit -----------------------------------------------------------------------------------


@dataclass
class EditRequest:
    """What ``edit`` changes: fields set, fields removed, items added to or taken from lists."""

    set: dict[str, Any] = field(default_factory=dict)
    unset: Sequence[str] = ()
    add_to: Sequence[tuple[str, Any]] = ()
    remove_from: Sequence[tuple[str, Any]] = ()

    @property
    def empty(self) -> bool:
        return not (self.set or self.unset or self.add_to or self.remove_from)


@dataclass
class Edited:
    kind: str
    entity_id: str
    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changed(self) -> bool:
        return bool(self.fields)



def edit_entity(editor: ModelEditor, kind: Kind, ident: str, request: EditRequest) -> Edited:
    """Change fields of one entity; nothing else in the file changes."""
    if request.empty:
        raise EditError.usage("nothing to change: give a field option, --set, --unset, --add-to or "
                              "--remove-from")
    index, entry = find_entity(editor.data, kind, ident)
    before = copy.deepcopy(entry)
    after = copy.deepcopy(entry)
    for key, value in request.set.items():
        after[known_field(kind, key)] = value
    for name in request.unset:
        key = known_field(kind, name)
        spec = field_spec(kind, key)
        if spec is not None and spec.required:
            raise EditError.usage(f"{key} is required for {article(kind.label)}; it can be changed "
                                  "but not removed")
        after.pop(key, None)
    for name, additions in request.add_to:
        spec = list_field(kind, name)
        current = list(after.get(spec.name) or [])
        current += [item for i, item in enumerate(additions)
                    if item not in current and item not in additions[:i]]
        after[spec.name] = current
    for name, removals in request.remove_from:
        spec = list_field(kind, name)
        current = list(after.get(spec.name) or [])
        absent = [item for item in removals if item not in current]
        if absent:
            shown = ", ".join(item_text(item) for item in absent)
            held = ", ".join(item_text(item) for item in current) or "nothing"
            raise EditError.usage(f"{spec.name} of {kind.label} {ident} does not hold {shown} "
                                  f"(it holds {held})")
        current = [item for item in current if item not in removals]
        if current or spec.required:
            after[spec.name] = current
        else:
            after.pop(spec.name, None)
    changes: dict[str, Any] = {}
    for key in after:
        if key not in before or before[key] != after[key]:
            changes[key] = after[key]
    for key in before:
        if key not in after:
            changes[key] = REMOVE
    if changes:
        editor.update(kind.collection, index, changes)
    return Edited(kind.name, owner_of(before, index), list(changes), before, after)


# --- set-status -----------------------------------------------------------------------------


@cache
def control_statuses() -> tuple[str, ...]:
    """The control statuses the schema allows."""
    from threatgate.model.schema import schema_documents

    common = schema_documents()["common.schema.json"]
    return tuple(common["$defs"]["controlStatus"]["enum"])


@dataclass
class StatusChange:
    control_id: str
    before: str
    after: str
    note: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def set_status(editor: ModelEditor, control_id: str, status: str, *, note: str | None,
               today: dt.date) -> StatusChange:
    """Move a control to ``status``; a note goes, dated, at the end of its ``notes``.

    Setting the status a control already has changes nothing (the note is not added
    either), so that running the same command twice is harmless.
    """
    statuses = control_statuses()
    if status not in statuses:
        close = difflib.get_close_matches(status, statuses, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise EditError.usage(f"'{status}' is not a control status{hint} (one of: "
                              f"{', '.join(statuses)})")
    if note is not None and not note.strip():
        raise EditError.usage("--note must not be empty")
    index, entry = find_entity(editor.data, KINDS["control"], control_id)
    before = str(entry.get("status"))
    if before == status:
        return StatusChange(control_id, before, status, None)
    changes, line = status_fields(entry, status, note, today)
    editor.update("controls", index, changes)
    return StatusChange(control_id, before, status, line)


def status_fields(entry: Mapping[str, Any], status: str, note: str | None,
                  today: dt.date) -> tuple[dict[str, Any], str | None]:
    """The fields of a control entry that move it to ``status``, with ``note`` appended to
    its notes as ``YYYY-MM-DD OLD -> NEW: NOTE``; and that line."""
    before = str(entry.get("status"))
    changes: dict[str, Any] = {"status": status}
    if note is None:
        return changes, None
    line = f"{today.isoformat()} {before} -> {status}: {note.strip()}"
    notes = entry.get("notes")
    if isinstance(notes, str) and notes.strip():
        ending = "\n" if notes.endswith("\n") else ""
        changes["notes"] = notes.rstrip("\n") + "\n" + line + ending
    else:
        changes["notes"] = line
    return changes, line


# --- choosing the model, showing the change ---------------------------------------------------



def resolve_model(given: Path | None, config: Any, entity_id: str | None = None) -> Path:
    """The model file to edit: the one given, else the repository's only model.

    With several models and an id, the one model that defines the id is chosen. A
    MODEL that is no file but a model's id (``shop``, as ``render`` and ``export`` take
    it) names that model's file.
    """
    if given is not None:
        from threatgate.model.discovery import model_file

        # An unknown id stays as given: the edit then says the file does not exist.
        return model_file(given, config) or given
    from threatgate.model.discovery import discover, loadable_models

    files = [f for f in discover([], config) if f.refused is None]
    if len(files) == 1:
        return files[0].path
    shown = ", ".join(f.display for f in files[:5]) + (", ..." if len(files) > 5 else "")
    if entity_id is not None:
        defining = [model_file for model_file, data in loadable_models(config)
                    if entity_id in id_index(data)]
        if len(defining) == 1:
            return defining[0].path
        if defining:
            names = ", ".join(f.display for f in defining)
            raise InputError(f"{entity_id} is defined in several models ({names}); "
                             "give the model file")
    raise InputError(f"the repository has {len(files)} models ({shown}); give the model "
                     "file to edit")


def unified_diff(before: bytes, after: bytes, name: str) -> str:
    """The change as a unified diff (what ``--dry-run`` prints)."""
    old = before.decode("utf-8-sig", "replace").splitlines(keepends=True)
    new = after.decode("utf-8-sig", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
