"""Edits of one control beyond its fields: a refined description with its justification,
links to evidence, and its assertions added or deleted one by one.

Like :mod:`threatgate.edits.entities`, every operation works on a
:class:`~threatgate.document.editor.ModelEditor` (only the control's entry changes); run it
through :func:`threatgate.document.transaction.edit_file` for the lock, the checks and the
atomic write.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from threatgate.document.editor import REMOVE, ModelEditor
from threatgate.document.errors import EditError
from threatgate.edits.entities import Edited, find_entity
from threatgate.edits.fields import KINDS
from threatgate.edits.findings import check_assertion

#: The control field holding links to evidence kept outside the assertions (a ticket, a
#: design document, a test run): an extension field, which every model may carry.
EVIDENCE_FIELD = "x-evidence"

#: Longest evidence link or justification accepted (one line of a note, one URL).
MAX_TEXT = 10_000


def _control(editor: ModelEditor, control_id: str) -> tuple[int, dict[str, Any]]:
    return find_entity(editor.data, KINDS["control"], control_id)


def _apply(editor: ModelEditor, control_id: str, index: int, before: dict[str, Any],
           changes: dict[str, Any]) -> Edited:
    before = copy.deepcopy(before)  # the editor updates the entry in place
    after = copy.deepcopy(before)
    for key, value in changes.items():
        if value is REMOVE:
            after.pop(key, None)
        else:
            after[key] = value
    real = {k: v for k, v in changes.items() if before.get(k, REMOVE) != after.get(k, REMOVE)}
    if real:
        editor.update("controls", index, real)
    return Edited("control", control_id, list(real), before, after)


def _checked_text(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise EditError.usage(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise EditError.usage(f"{what} is longer than {MAX_TEXT} characters")
    return text


def appended_note(notes: Any, line: str) -> str:
    """``notes`` with ``line`` added at the end, on its own line."""
    if isinstance(notes, str) and notes.strip():
        ending = "\n" if notes.endswith("\n") else ""
        return notes.rstrip("\n") + "\n" + line + ending
    return line


def refine_control(editor: ModelEditor, control_id: str, description: str,
                   justification: str, *, today: dt.date) -> Edited:
    """Replace a control's description; the reason goes, dated, at the end of its notes.

    The old description is not kept in the file (Git has it); the note says why it
    changed, so that a reviewer reads the justification next to the new text.
    """
    text = _checked_text(description, "the description")
    reason = " ".join(_checked_text(justification, "the justification").split())
    index, entry = _control(editor, control_id)
    if entry.get("description") == text:
        return Edited("control", control_id, [], copy.deepcopy(entry),
                      copy.deepcopy(entry))
    note = f"{today.isoformat()} description refined: {reason}"
    changes = {"description": text, "notes": appended_note(entry.get("notes"), note)}
    return _apply(editor, control_id, index, entry, changes)


def _links(entry: Mapping[str, Any]) -> list[str]:
    current = entry.get(EVIDENCE_FIELD)
    if current is None:
        return []
    if not isinstance(current, list) or not all(isinstance(v, str) for v in current):
        raise EditError(f"{EVIDENCE_FIELD} of control {entry.get('id')} is not a list of "
                        "links; fix it by hand first")
    return list(current)


def add_evidence_links(editor: ModelEditor, control_id: str,
                       links: Sequence[str]) -> Edited:
    """Add links to the control's evidence list (``x-evidence``); links already there are
    skipped, so adding twice is harmless."""
    wanted = [_checked_text(link, "an evidence link") for link in links]
    if not wanted:
        raise EditError.usage("give at least one evidence link")
    index, entry = _control(editor, control_id)
    current = _links(entry)
    merged = current + [link for i, link in enumerate(wanted)
                        if link not in current and link not in wanted[:i]]
    return _apply(editor, control_id, index, entry, {EVIDENCE_FIELD: merged})


def remove_evidence_links(editor: ModelEditor, control_id: str,
                          links: Sequence[str]) -> Edited:
    """Take links out of the control's evidence list; the field goes when it empties."""
    wanted = [link.strip() for link in links]
    if not wanted:
        raise EditError.usage("give at least one evidence link")
    index, entry = _control(editor, control_id)
    current = _links(entry)
    absent = [link for link in wanted if link not in current]
    if absent:
        held = ", ".join(current) or "none"
        raise EditError.usage(f"control {control_id} has no evidence link "
                              f"{', '.join(absent)} (it has: {held})")
    kept = [link for link in current if link not in wanted]
    return _apply(editor, control_id, index, entry, {EVIDENCE_FIELD: kept or REMOVE})


def add_assertions(editor: ModelEditor, control_id: str,
                   assertions: Sequence[Mapping[str, Any]]) -> Edited:
    """Append assertions to a control, each checked against the assertion schema first;
    an assertion the control already has is skipped."""
    if not assertions:
        raise EditError.usage("give at least one assertion")
    for number, assertion in enumerate(assertions, 1):
        if not isinstance(assertion, Mapping):
            raise EditError.usage(f"assertion {number} is not a mapping")
        check_assertion(assertion, f"assertion {number}")
    index, entry = _control(editor, control_id)
    current = entry.get("assertions")
    existing = list(current) if isinstance(current, list) else []
    new = [dict(a) for a in assertions if dict(a) not in existing]
    new = [a for i, a in enumerate(new) if a not in new[:i]]
    return _apply(editor, control_id, index, entry, {"assertions": existing + new})


def delete_assertion(editor: ModelEditor, control_id: str, position: int | None = None, *,
                     assertion_id: str | None = None) -> Edited:
    """Delete one assertion of a control: the one at ``position`` (0-based) of its list,
    or the one whose ``id`` is ``assertion_id``."""
    if (position is None) == (assertion_id is None):
        raise EditError.usage("name the assertion by its index or by its id (one of them)")
    index, entry = _control(editor, control_id)
    current = entry.get("assertions")
    existing = list(current) if isinstance(current, list) else []
    if assertion_id is not None:
        ids = [a.get("id") if isinstance(a, dict) else None for a in existing]
        if assertion_id not in ids:
            named = ", ".join(str(i) for i in ids if i is not None) or "none has an id"
            raise EditError.usage(f"control {control_id} has no assertion with id "
                                  f"{assertion_id} ({named})")
        position = ids.index(assertion_id)
    if position is None or not 0 <= position < len(existing):
        raise EditError.usage(f"control {control_id} has {len(existing)} assertion(s); "
                              f"there is no assertion at index {position}")
    kept = existing[:position] + existing[position + 1:]
    return _apply(editor, control_id, index, entry, {"assertions": kept or REMOVE})
