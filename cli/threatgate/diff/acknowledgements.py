"""Acknowledging regressions with ``x-regression-ok`` notes in the model at HEAD.

Acknowledging a regression is done in the model itself, so that it is reviewed with the
change: a top-level ``x-regression-ok`` list in the model at HEAD, each item a mapping
``{kind: <regression kind>, entity: <id>, reason: <why this is fine>}``. The entity is
the id of the control, threat, objective or finding (for an acceptance: its id or the
threat or objective it names; for ``model-removed``: the removed model's id, written in
any model changed by the same change; for ``configuration-weakened``: the configuration
file's path, in any model changed by the change). Only items *added by the change* count: an item
already present, identical, at BASE acknowledges nothing, so an old note never silences
a new regression. An acknowledged regression is still reported, but does not fail
``--fail-on-regression``.
"""

from __future__ import annotations

from typing import Any

from threatgate.diff.match import canonical
from threatgate.diff.regressions import REGISTRY
from threatgate.diff.results import ModelSide, Regression

ACK_KEY = "x-regression-ok"


def _ack_entries(side: ModelSide | None) -> list[Any]:
    if side is None or side.document is None:
        return []
    value = side.data.get(ACK_KEY)
    return value if isinstance(value, list) else []


def new_notes(head: ModelSide, base: ModelSide | None) -> tuple[list[dict[str, str]],
                                                                list[str]]:
    """The well-formed notes added by the change, and complaints about the others."""
    old = {canonical(e) for e in _ack_entries(base)}
    notes: list[dict[str, str]] = []
    problems: list[str] = []
    raw = head.data.get(ACK_KEY)
    if raw is not None and not isinstance(raw, list):
        return [], [f"{head.path}:{head.line((ACK_KEY,))}: {ACK_KEY} must be a list of "
                    "{kind, entity, reason} mappings; ignored"]
    for index, entry in enumerate(_ack_entries(head)):
        where = f"{head.path}:{head.line((ACK_KEY, index))}"
        if canonical(entry) in old:
            continue
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and str(entry[k]).strip()
            for k in ("kind", "entity", "reason")
        ):
            problems.append(f"{where}: {ACK_KEY} item needs kind, entity and a non-empty "
                            "reason; ignored")
            continue
        check = REGISTRY.get(entry["kind"])
        if check is None or not check.acknowledgeable:
            problems.append(f"{where}: {ACK_KEY}: {entry['kind']!r} is not a regression kind "
                            "that can be acknowledged; ignored")
            continue
        notes.append({"kind": entry["kind"], "entity": entry["entity"],
                      "reason": entry["reason"].strip(), "where": where})
    return notes, problems


def acknowledge(regressions: list[Regression], head: ModelSide, base: ModelSide | None,
                only_kind: str | None = None) -> list[str]:
    """Mark the regressions a new note names; return complaints about the notes.

    With ``only_kind``, only regressions of that kind are looked at, and notes that
    acknowledge nothing are not complained about (they may be meant for another model).
    """
    notes, problems = new_notes(head, base)
    used: set[int] = set()
    for regression in regressions:
        if regression.acknowledged or (only_kind and regression.kind != only_kind):
            continue
        for position, note in enumerate(notes):
            if note["kind"] == regression.kind and (
                note["entity"] == regression.entity or note["entity"] in regression.aliases
            ):
                regression.acknowledged = True
                regression.reason = note["reason"]
                used.add(position)
                break
    if only_kind is None:
        anywhere = {kind for kind, check in REGISTRY.items() if check.scope == "repository"}
        anywhere.add("model-removed")
        for position, note in enumerate(notes):
            if position not in used and note["kind"] not in anywhere:
                problems.append(f"{note['where']}: {ACK_KEY}: no {note['kind']} regression of "
                                f"{note['entity']} in this change; the note acknowledges "
                                "nothing")
    return problems
