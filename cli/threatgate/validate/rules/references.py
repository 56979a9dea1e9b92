"""Every cross-reference names an existing entity of the right kind."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import COLLECTIONS, article, items, objective_removed
from threatgate.validate.rules.base import JsonPath, RuleContext, rule

#: (collection, field, target collection, field holds a list, field holds groups of ids)
Reference = tuple[str, str, str, bool, bool]

REFERENCES: tuple[Reference, ...] = (
    ("dataflows", "from", "components", False, False),
    ("dataflows", "to", "components", False, False),
    ("dataflows", "data", "assets", True, False),
    ("objectives", "asset", "assets", False, False),
    ("objectives", "attacker", "attackers", False, False),
    ("objectives", "mitigated_by", "controls", True, True),
    ("objectives", "assumptions", "assumptions", True, False),
    ("threats", "objectives", "objectives", True, False),
    ("threats", "components", "components", True, False),
    ("threats", "dataflows", "dataflows", True, False),
    ("threats", "mitigations", "controls", True, False),
    ("acceptances", "threat", "threats", False, False),
    ("acceptances", "objective", "objectives", False, False),
    ("findings", "control", "controls", False, False),
)


def _targets(value: Any, is_list: bool, grouped: bool) -> Iterator[tuple[JsonPath, str]]:
    if not is_list:
        if isinstance(value, str):
            yield (), value
        return
    if not isinstance(value, list):
        return
    for i, item in enumerate(value):
        if grouped:
            if isinstance(item, list):
                for j, inner in enumerate(item):
                    if isinstance(inner, str):
                        yield (i, j), inner
        elif isinstance(item, str):
            yield (i,), item


#: References a removed objective may keep after their target disappeared.
REMOVED_EXEMPT = frozenset({("objectives", "asset"), ("objectives", "attacker")})

#: A component's boundary may be a plain label while a model has no architecture yet, so
#: an undeclared one is only a warning.
BOUNDARY: Reference = ("components", "boundary", "trust_boundaries", False, False)


def _check(context: RuleContext, references: tuple[Reference, ...]) -> None:
    data = context.data
    everything = context.ids
    known = {collection: context.ids_of(collection) for collection in COLLECTIONS}
    suggestions = _Suggestions(known)
    for collection, field, target, is_list, grouped in references:
        wanted = COLLECTIONS[target]
        for index, entry in items(data, collection):
            if (collection, field) in REMOVED_EXEMPT and objective_removed(entry):
                continue  # its asset or attacker is gone: that is why it was removed
            owner = f"{COLLECTIONS[collection]} {entry.get('id', f'#{index + 1}')}"
            for sub_path, ref in _targets(entry.get(field), is_list, grouped):
                if ref in known[target]:
                    continue
                elsewhere = everything.get(ref)
                if elsewhere:
                    detail = f"'{ref}' is {article(elsewhere[0].kind)}, not {article(wanted)}"
                else:
                    close = suggestions.closest(ref, target)
                    hint = (
                        f"; did you mean '{close[0]}'?"
                        if close
                        else (f"; no {wanted} is defined" if not known[target] else "")
                    )
                    detail = f"no {wanted} has id '{ref}'{hint}"
                context.report((collection, index, field, *sub_path), f"{owner}, {field}: {detail}")


#: Suggestions ("did you mean") are looked for among at most this many ids, for at most
#: this many references per rule and only for ids this short: each is a fuzzy comparison
#: with every candidate, so unbounded they would make a large broken model quadratic.
SUGGESTION_CANDIDATES = 1000
SUGGESTION_LOOKUPS = 100
SUGGESTION_ID_LENGTH = 100


class _Suggestions:
    """Close matches for dangling references, within a fixed budget."""

    def __init__(self, known: dict[str, frozenset[str]]) -> None:
        self.known = known
        self.sorted: dict[str, list[str]] = {}
        self.lookups = 0

    def closest(self, ref: str, target: str) -> list[str]:
        candidates = self.known[target]
        if (len(candidates) > SUGGESTION_CANDIDATES or len(ref) > SUGGESTION_ID_LENGTH
                or self.lookups >= SUGGESTION_LOOKUPS):
            return []
        self.lookups += 1
        if target not in self.sorted:
            self.sorted[target] = sorted(c for c in candidates
                                         if len(c) <= SUGGESTION_ID_LENGTH)
        return difflib.get_close_matches(ref, self.sorted[target], n=1)


@rule(
    "dangling-reference",
    Severity.ERROR,
    "A reference names an id that does not exist, or an entity of another kind.",
)
def dangling_references(context: RuleContext) -> None:
    _check(context, REFERENCES)


@rule(
    "undeclared-boundary",
    Severity.WARNING,
    "A component names a trust boundary that trust_boundaries does not declare.",
)
def undeclared_boundaries(context: RuleContext) -> None:
    _check(context, (BOUNDARY,))
