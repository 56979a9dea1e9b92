"""The domain model: the entity collections of a model file and the facts derived from them.

Functions here read the plain data the loader produced. They are defensive: a model that
failed schema validation may still reach them, so malformed entries are skipped, never
trusted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Top-level collections of a model, in file order, with the singular name of their items.
COLLECTIONS: dict[str, str] = {
    "trust_boundaries": "trust boundary",
    "components": "component",
    "dataflows": "data flow",
    "assets": "asset",
    "attackers": "attacker",
    "objectives": "objective",
    "threats": "threat",
    "controls": "control",
    "assumptions": "assumption",
    "acceptances": "acceptance",
    "findings": "finding",
}

#: The one severity scale of threats (score bands); tiers add ``unscored`` at the end.
SEVERITIES = ("critical", "high", "medium", "low")
#: Threat severities and objective risk tiers, most severe first.
SEVERITY_ORDER = (*SEVERITIES, "unscored")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}
#: Severities of findings: the threat scale plus ``info``, most severe first.
FINDING_SEVERITIES = (*SEVERITIES, "info")
FINDING_RANK = {name: rank for rank, name in enumerate(FINDING_SEVERITIES)}
#: Severities that count as "critical or high" wherever the gate or a report says so.
SEVERE = frozenset({"critical", "high"})
CONTROL_STATUSES = ("planned", "in_progress", "implemented", "not_applicable", "wont_do")


def severity_from_score(likelihood: float, impact: float) -> str:
    """Severity band of likelihood x impact: >= 20 critical, >= 12 high, >= 6 medium, else low."""
    score = likelihood * impact
    if score >= 20:
        return "critical"
    if score >= 12:
        return "high"
    if score >= 6:
        return "medium"
    return "low"


def objective_removed(objective: Mapping[str, Any]) -> bool:
    """A removed objective (``status: removed``) is kept for the record and ignored by
    assessment, the gate and the checks on its asset and attacker."""
    return objective.get("status") == "removed"


def is_score(value: Any) -> bool:
    """A likelihood or impact of 1 to 5 (``4.0`` counts: JSON Schema calls it an integer)."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and float(value).is_integer()
        and 1 <= value <= 5
    )


def article(noun: str) -> str:
    """``a`` or ``an`` before a noun, for messages."""
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def items(data: dict[str, Any], collection: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, entry) for the well-formed entries of a collection."""
    entries = data.get(collection)
    if not isinstance(entries, list):
        return
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield index, entry


def text(entry: Mapping[str, Any], key: str) -> str | None:
    """A field's value when it is a string; ``None`` for anything else (or nothing)."""
    value = entry.get(key)
    return value if isinstance(value, str) else None


def id_list(value: Any) -> list[str]:
    """The string ids of a reference list, ignoring anything malformed."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str)]


@dataclass(frozen=True, slots=True)
class EntityRef:
    """Where an entity is defined: its collection and its index in it."""

    collection: str
    index: int

    @property
    def kind(self) -> str:
        return COLLECTIONS[self.collection]

    @property
    def path(self) -> tuple[str, int]:
        return (self.collection, self.index)


def id_index(data: dict[str, Any]) -> dict[str, list[EntityRef]]:
    """Every entity id of the model with the places that define it (more than one = a clash).

    Collections are visited in the order the file lists them, so the first place is the
    first definition a reader meets.
    """
    index: dict[str, list[EntityRef]] = {}
    for collection in [key for key in data if key in COLLECTIONS]:
        for position, entry in items(data, collection):
            entity_id = entry.get("id")
            if isinstance(entity_id, str):
                index.setdefault(entity_id, []).append(EntityRef(collection, position))
    return index


def ids_of(data: dict[str, Any], collection: str) -> set[str]:
    return {e["id"] for _, e in items(data, collection) if isinstance(e.get("id"), str)}
