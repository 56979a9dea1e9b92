"""Removing an entity, and what goes with it.

Removing an entity first works out what references it (the reference table of the
``dangling-reference`` rule). Objectives built on a removed asset or attacker are
dropped with it; any other reference blocks the removal unless it is forced, and a
forced removal cleans up: the id leaves every list that names it (a mitigation group
left empty goes too), and an entry that cannot exist without it (a data flow without
its component, an acceptance without its threat, a finding without its control) is
removed as well. Controls that served an objective or a threat before and serve none
afterwards are reported as orphaned. Generated entities that are removed are recorded
in ``generation.removed`` so that ``threatgate generate --model`` never brings them
back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threatgate.document.editor import REMOVE, ModelEditor
from threatgate.document.errors import EditError
from threatgate.edits.entities import find_entity, owner_of
from threatgate.edits.fields import KIND_OF_COLLECTION, Kind, field_spec
from threatgate.edits.generation import generation_record, record_removed
from threatgate.model.vocabulary import COLLECTIONS, id_list, items
from threatgate.validate.rules.references import BOUNDARY, REFERENCES

#: Every reference field: (collection, field, target collection, is a list, holds groups).
ALL_REFERENCES = (*REFERENCES, BOUNDARY)


@dataclass(frozen=True)
class Reference:
    """One place that names an entity being removed."""

    collection: str
    index: int
    owner: str
    field: str
    target: str
    line: int
    #: False for the objectives of a removed asset or attacker: they go with it.
    blocking: bool = True

    def describe(self) -> str:
        return f"{COLLECTIONS[self.collection]} {self.owner} {self.field}"


@dataclass
class Dropped:
    """An entry removed because it cannot exist without a removed entity."""

    collection: str
    entity_id: str
    reason: str


@dataclass
class Cleaned:
    """A reference field from which removed ids were taken out (or that was unset)."""

    collection: str
    entity_id: str
    field: str
    removed: list[str]
    empty_groups: int = 0
    unset: bool = False


@dataclass
class Removed:
    kind: str
    entity_id: str
    dropped: list[Dropped] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    cleaned: list[Cleaned] = field(default_factory=list)
    generation_removed: list[str] = field(default_factory=list)
    orphaned_controls: list[str] = field(default_factory=list)


def _names(value: Any, target: str, is_list: bool, grouped: bool) -> bool:
    if not is_list:
        return bool(value == target)
    if grouped:
        return any(isinstance(g, list) and target in g for g in value or [])
    return target in id_list(value)


def _required_single(collection: str, name: str) -> bool:
    """A single reference the entry cannot exist without (it goes with the target)."""
    if collection in ("acceptances", "findings"):
        return True
    kind = KIND_OF_COLLECTION.get(collection)
    spec = field_spec(kind, name) if kind is not None else None
    return spec is not None and spec.required


def served_controls(data: dict[str, Any]) -> set[str]:
    """Controls named by a mitigation group of an active objective or by a threat."""
    served: set[str] = set()
    for _, objective in items(data, "objectives"):
        if objective.get("status") == "removed":
            continue
        for group in objective.get("mitigated_by") or []:
            served.update(id_list(group))
    for _, threat in items(data, "threats"):
        served.update(id_list(threat.get("mitigations")))
    return served


def plan_removal(editor: ModelEditor, kind: Kind, ident: str) -> tuple[Removed, dict[
        tuple[str, int], str], dict[tuple[str, int], dict[str, set[str]]]]:
    """What removing the entity takes with it: (result skeleton, drops, list cleanups)."""
    from threatgate.model.loader import load_text

    data = editor.data
    index, entry = find_entity(data, kind, ident)
    located = load_text(editor.text, locate=True)
    result = Removed(kind.name, owner_of(entry, index))
    drops: dict[tuple[str, int], str] = {(kind.collection, index): ""}
    cleanups: dict[tuple[str, int], dict[str, set[str]]] = {}
    queue: list[tuple[str, str, str]] = []
    if isinstance(entry.get("id"), str):
        queue.append((kind.collection, entry["id"], f"{kind.label} {entry['id']}"))
    while queue:
        collection, target, what = queue.pop(0)
        for source, name, wanted, is_list, grouped in ALL_REFERENCES:
            if wanted != collection:
                continue
            for i, other in items(data, source):
                if (source, i) in drops or not _names(other.get(name), target, is_list,
                                                       grouped):
                    continue
                owner = owner_of(other, i)
                cascade = source == "objectives" and name in ("asset", "attacker")
                line = located.locate((source, i, name))[0]
                result.references.append(
                    Reference(source, i, owner, name, target, line, blocking=not cascade))
                if is_list:
                    cleanups.setdefault((source, i), {}).setdefault(name, set()).add(target)
                elif cascade or _required_single(source, name):
                    label = COLLECTIONS[source]
                    drops[(source, i)] = what
                    reason = (f"built on {what}, which is removed" if cascade
                              else f"its {name} ({what}) is removed")
                    result.dropped.append(Dropped(source, owner, reason))
                    if isinstance(other.get("id"), str):
                        queue.append((source, other["id"], f"{label} {other['id']}"))
                else:
                    cleanups.setdefault((source, i), {})[name] = {target}
    return result, drops, cleanups


def _going_with(ref: Reference, ident: str) -> str:
    """How a reference to an entity that goes with the removed one relates to it."""
    return f" (names {ref.target}, which goes with {ident})" if ref.target != ident else ""


def remove_entity(editor: ModelEditor, kind: Kind, ident: str, *, force: bool) -> Removed:
    """Remove an entity, and with ``force`` every reference to it (see the module doc)."""
    result, drops, cleanups = plan_removal(editor, kind, ident)
    blocking = [ref for ref in result.references if ref.blocking]
    if blocking and not force:
        raise EditError(
            f"{kind.label} {result.entity_id} is referenced {len(blocking)} time(s); "
            "nothing was removed (--force removes the references too)",
            pointers=[(ref.line, ref.describe() + _going_with(ref, ident)) for ref in blocking])
    data = editor.data
    served_before = served_controls(data)
    record = generation_record(data)
    emitted, already = set(record["emitted"]), set(record["removed"])
    for collection, index in drops:
        entry = data[collection][index]
        entity_id = entry.get("id")
        if not isinstance(entity_id, str) or entity_id in already:
            continue
        if entry.get("origin") == "generated" or entity_id in emitted:
            result.generation_removed.append(entity_id)
    batches: dict[str, dict[int, dict[str, Any]]] = {}
    for (collection, index), fields in sorted(cleanups.items()):
        if (collection, index) in drops:
            continue
        entry = data[collection][index]
        changes: dict[str, Any] = {}
        for name, targets in fields.items():
            value = entry.get(name)
            cleaned = Cleaned(collection, owner_of(entry, index), name, sorted(targets))
            if not isinstance(value, list):
                changes[name] = REMOVE
                cleaned.unset = True
            elif name == "mitigated_by":
                groups = [[c for c in g if c not in targets] if isinstance(g, list) else g
                          for g in value]
                kept = [g for g in groups if g != []]
                cleaned.empty_groups = len(groups) - len(kept)
                changes[name] = kept if kept else REMOVE
            else:
                kept = [v for v in value if v not in targets]
                changes[name] = kept if kept else REMOVE
            result.cleaned.append(cleaned)
        batches.setdefault(collection, {})[index] = changes
    for collection, batch in batches.items():
        editor.update_many(collection, batch)
    for collection, index in sorted(drops, key=lambda d: (d[0], -d[1])):
        editor.remove(collection, index)
    record_removed(editor, result.generation_removed)
    control_order = [str(e.get("id")) for _, e in items(editor.data, "controls")]
    orphaned = (served_before - served_controls(editor.data))
    result.orphaned_controls = [c for c in control_order if c in orphaned]
    return result


