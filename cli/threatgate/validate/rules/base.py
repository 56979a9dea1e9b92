"""The rule registry and the context rules run in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import EntityRef, id_index
from threatgate.support.registry import Registry

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class RuleProblem:
    rule: str
    severity: Severity
    path: JsonPath
    message: str


@dataclass
class RuleContext:
    """The model under check, today's date, and the problems found so far."""

    data: dict[str, Any]
    today: dt.date
    problems: list[RuleProblem] = field(default_factory=list)
    #: The compliance frameworks mappings are checked against (read only when needed).
    catalogues: CatalogueLibrary = SHIPPED
    _current: RuleInfo | None = None
    _ids: dict[str, list[EntityRef]] | None = None
    _by_collection: dict[str, frozenset[str]] | None = None

    @property
    def ids(self) -> dict[str, list[EntityRef]]:
        """Every entity id and where it is defined (computed once, shared by the rules)."""
        if self._ids is None:
            self._ids = id_index(self.data)
        return self._ids

    def ids_of(self, collection: str) -> frozenset[str]:
        """Ids defined in one collection (every collection's, built in one pass)."""
        if self._by_collection is None:
            found: dict[str, set[str]] = {}
            for entity_id, places in self.ids.items():
                for place in places:
                    found.setdefault(place.collection, set()).add(entity_id)
            self._by_collection = {name: frozenset(ids) for name, ids in found.items()}
        return self._by_collection.get(collection, frozenset())

    def report(self, path: JsonPath, message: str) -> None:
        assert self._current is not None
        info = self._current
        self.problems.append(RuleProblem(info.id, info.severity, path, message))


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    severity: Severity
    summary: str
    check: Callable[[RuleContext], None]


RULES: Registry[str, RuleInfo] = Registry("rule")


def rule(
    rule_id: str, severity: Severity, summary: str
) -> Callable[[Callable[[RuleContext], None]], Callable[[RuleContext], None]]:
    """Register a rule under a stable id (shown in brackets after every message)."""

    def register(check: Callable[[RuleContext], None]) -> Callable[[RuleContext], None]:
        RULES.add(rule_id, RuleInfo(rule_id, severity, summary, check))
        return check

    return register


def run_rules(data: dict[str, Any], today: dt.date,
              catalogues: CatalogueLibrary = SHIPPED) -> list[RuleProblem]:
    context = RuleContext(data, today, catalogues=catalogues)
    for info in RULES.values():
        context._current = info
        info.check(context)
    return context.problems
