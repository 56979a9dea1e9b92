"""Matching the two sides: models by id (a renamed or moved model keeps its history),
entities inside a model by id (acceptances by id, else by the threat or objective they
name)."""

from __future__ import annotations

import json
from typing import Any

from threatgate.diff.results import ModelSide
from threatgate.model.vocabulary import items

SidePair = tuple[ModelSide | None, ModelSide | None]
#: (entity at BASE, entity at HEAD, its index at BASE, its index at HEAD).
EntityPair = tuple[dict[str, Any] | None, dict[str, Any] | None, int | None, int | None]


def _content_key(side: ModelSide) -> str | None:
    """The model apart from its id: equal for a file moved and given a new id."""
    if side.document is None or side.error:
        return None
    return canonical({k: v for k, v in side.data.items() if k != "id"})


def pair_models(base: list[ModelSide], head: list[ModelSide]) -> list[SidePair]:
    """Match the sides by model id; then a model given a new id in the same file, or moved
    to another file with a new id and otherwise the same content, is the same model
    (renamed); a side that cannot be read pairs by path."""
    pairs: list[SidePair] = []
    head_by_id: dict[str, ModelSide] = {}
    for side in head:
        if side.model_id is not None:
            head_by_id.setdefault(side.model_id, side)
    used: set[int] = set()
    unpaired_base: list[ModelSide] = []
    for side in base:
        match = head_by_id.get(side.model_id) if side.model_id is not None else None
        if match is not None and id(match) not in used:
            used.add(id(match))
            pairs.append((side, match))
        else:
            unpaired_base.append(side)
    rest_head = [s for s in head if id(s) not in used and (
        s.model_id is None or not any(b.model_id == s.model_id for b in base))]
    head_by_path = {s.path: s for s in rest_head}
    head_by_content: dict[str, ModelSide] = {}
    for side in rest_head:
        key = _content_key(side)
        if key is not None:
            head_by_content.setdefault(key, side)
    for side in unpaired_base:
        other = head_by_path.get(side.path)
        if other is None or id(other) in used:
            key = _content_key(side)
            other = head_by_content.get(key) if key is not None else None
        if other is not None and id(other) not in used:
            used.add(id(other))
            pairs.append((side, other))
        else:
            pairs.append((side, None))
    pairs.extend((None, s) for s in head if id(s) not in used)
    return pairs


def acceptance_target(entry: dict[str, Any]) -> str:
    """What an acceptance accepts, as reports name it: ``threat T1`` or ``objective CO1``."""
    if isinstance(entry.get("threat"), str):
        return f"threat {entry['threat']}"
    if isinstance(entry.get("objective"), str):
        return f"objective {entry['objective']}"
    return "?"


def entity_key(kind: str, entry: dict[str, Any]) -> str | None:
    """How an entity is named in reports: its id (an acceptance without one: its target)."""
    if isinstance(entry.get("id"), str):
        return str(entry["id"])
    if kind == "acceptances":
        return acceptance_target(entry)
    return None


def key_field(entry: dict[str, Any]) -> str:
    """The key whose line names the entity: ``id``, else what an acceptance accepts."""
    return next((k for k in ("id", "threat", "objective") if k in entry), "id")


def _pair_acceptances_by_target(
    left: list[tuple[int, dict[str, Any]]], new: list[tuple[int, dict[str, Any]]],
    taken: set[int], pairs: list[EntityPair],
) -> list[tuple[int, dict[str, Any]]]:
    """Pair the acceptances left over by id with one naming the same target; return the
    ones still unpaired."""
    still: list[tuple[int, dict[str, Any]]] = []
    for i, e in left:
        target = acceptance_target(e)
        match = next((
            (j, f) for j, f in new
            if j not in taken and acceptance_target(f) == target
            and not (isinstance(e.get("id"), str) and isinstance(f.get("id"), str))
        ), None)
        if match is not None:
            taken.add(match[0])
            pairs.append((e, match[1], i, match[0]))
        else:
            still.append((i, e))
    return still


def match_entities(kind: str, base: dict[str, Any], head: dict[str, Any]) -> list[EntityPair]:
    """Pairs (before, after, base index, head index), matched by id; acceptances then by
    the threat or objective they name."""
    old = [(i, e) for i, e in items(base, kind) if entity_key(kind, e) is not None]
    new = [(i, e) for i, e in items(head, kind) if entity_key(kind, e) is not None]
    pairs: list[EntityPair] = []
    taken: set[int] = set()
    left: list[tuple[int, dict[str, Any]]] = []
    new_by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, e in new:
        if isinstance(e.get("id"), str):
            new_by_id.setdefault(e["id"], (i, e))
    for i, e in old:
        found = new_by_id.get(e["id"]) if isinstance(e.get("id"), str) else None
        if found is not None and found[0] not in taken:
            taken.add(found[0])
            pairs.append((e, found[1], i, found[0]))
        else:
            left.append((i, e))
    if kind == "acceptances":
        left = _pair_acceptances_by_target(left, new, taken, pairs)
    pairs.extend((e, None, i, None) for i, e in left)
    seen_ids = {p[0]["id"] for p in pairs if p[0] is not None and isinstance(p[0].get("id"), str)}
    for j, f in new:
        if j in taken:
            continue
        if isinstance(f.get("id"), str) and f["id"] in seen_ids and kind != "acceptances":
            continue  # a duplicate id at HEAD: validate reports it
        pairs.append((None, f, None, j))
    return pairs


def indexed(data: dict[str, Any], kind: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """The entities of a collection by id (the first of a duplicated id), with their index."""
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, entry in items(data, kind):
        if isinstance(entry.get("id"), str):
            out.setdefault(entry["id"], (index, entry))
    return out


def canonical(value: Any) -> str:
    """A value as text that is equal for equal values, whatever the order of their keys."""
    return json.dumps(value, sort_keys=True, default=str)
