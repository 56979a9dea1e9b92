"""The registry of regression kinds, and what a check sees of the model it looks at.

A check is a function registered with :func:`regression_check` for the kinds it reports
(one kind, or a small family found in one pass over the same entities). It receives a
:class:`Comparison` and reports through :meth:`Comparison.add`. Checks run in the order
of their ``order`` number.

One cause, one entry: a regression that is the root of a cause (a removed control:
``cause="control:C2"``) absorbs the regressions that cause explains (the groups it
shrinks, the objectives it leaves at risk: ``because_of={"control:C2"}``), which become
lines of its ``details``. The regressions are then listed most severe first.

Checks over the change as a whole (the configuration that decides what is reviewed) are
registered with ``scope="repository"``: they receive the change's
:class:`~threatgate.diff.results.DiffResult`-level inputs instead (see
:mod:`threatgate.diff.regressions.configuration`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from threatgate.diff.results import ModelSide, Regression
from threatgate.model.vocabulary import FINDING_RANK, SEVERITIES
from threatgate.support.registry import Registry


@dataclass
class Comparison:
    """The two sides of one model, and the regressions found so far."""

    model: str
    base: ModelSide | None
    head: ModelSide | None
    found: list[Regression] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """Both sides exist and neither failed to be read."""
        return (self.base is not None and self.head is not None
                and not (self.base.error or self.head.error))

    def sides(self) -> tuple[ModelSide, ModelSide]:
        """BASE and HEAD, for a check that runs only when both exist."""
        assert self.base is not None and self.head is not None
        return self.base, self.head

    def add(self, kind: str, entity: str, message: str, side: ModelSide,
            path: tuple[str | int, ...] = (), *, line: int | None = None,
            aliases: Iterable[str] = (), severity: str | None = None,
            details: Iterable[str] = (), cause: str | None = None,
            because_of: Iterable[str] = ()) -> Regression:
        """Report a regression located at ``path`` in ``side`` (or on ``line``).

        ``aliases`` are other names an ``x-regression-ok`` note may give the entity;
        ``severity`` defaults to the kind's; ``cause`` and ``because_of`` fold the
        consequences of one cause into it (see the module's docstring).
        """
        regression = Regression(
            kind, self.model, entity, message, side.path,
            side.line(path) if line is None else line,
            "head" if side is self.head else "base",
            aliases=frozenset({entity, *aliases}),
            severity=severity or REGISTRY[kind].severity,
            details=list(details), cause=cause, because_of=frozenset(because_of))
        self.found.append(regression)
        return regression

    def tier(self, objectives: Iterable[str] = (), threats: Iterable[str] = ()) -> str | None:
        """The highest severity among these threats and the risk tiers of these
        objectives, on either side (None when all are unscored or unknown)."""
        wanted_o, wanted_t = set(objectives), set(threats)
        found: list[str] = []
        for side in (self.base, self.head):
            if side is None or side.assessment is None:
                continue
            found += [o.tier for o in side.assessment.objectives if o.id in wanted_o]
            found += [t.severity for t in side.assessment.threats if t.id in wanted_t]
        scored = [s for s in found if s in SEVERITIES]
        return min(scored, key=FINDING_RANK.__getitem__) if scored else None

    def data(self, side: str) -> dict[str, Any]:
        """The model's data at ``"base"`` or ``"head"`` ({} when that side is missing)."""
        chosen = self.base if side == "base" else self.head
        return chosen.data if chosen is not None else {}


Finder = Callable[[Comparison], None]


@dataclass(frozen=True)
class RegressionCheck:
    kinds: tuple[str, ...]
    order: int
    #: A :data:`Finder` for a model; for the change (scope ``repository``) a function of
    #: the change's :class:`~threatgate.diff.sides.ModelFiles` returning its regressions.
    find: Callable[..., Any]
    #: Run only when both sides exist and were read (else: for every pair of sides).
    readable_only: bool
    #: Whether an ``x-regression-ok`` note can acknowledge these kinds.
    acknowledgeable: bool
    #: How much a regression of these kinds matters when nothing it weakens is scored.
    severity: str = "medium"
    #: ``model`` (a check per model) or ``repository`` (one for the whole change).
    scope: str = "model"


#: regression kind -> the check that reports it.
REGISTRY: Registry[str, RegressionCheck] = Registry("regression kind")


def regression_check(*kinds: str, order: int, readable_only: bool = True,
                     acknowledgeable: bool = True, severity: str = "medium",
                     scope: str = "model") -> Callable[[Any], Any]:
    """Register a check for ``kinds``; ``order`` places it among the others."""

    def register(find: Any) -> Any:
        check = RegressionCheck(kinds, order, find, readable_only, acknowledgeable,
                                severity, scope)
        for kind in kinds:
            REGISTRY.add(kind, check)
        return find

    return register


def ordered_checks(scope: str = "model") -> list[RegressionCheck]:
    """Every registered check of ``scope`` once, in its order."""
    unique = {check.kinds: check for check in REGISTRY.values() if check.scope == scope}
    return sorted(unique.values(), key=lambda check: (check.order, check.kinds))


def fold(found: list[Regression]) -> list[Regression]:
    """One cause, one entry: a regression every cause of which is reported as a root is
    left out, and said in the first root's details instead. Then most severe first."""
    roots: dict[str, Regression] = {}
    for regression in found:
        if regression.cause is not None:
            roots.setdefault(regression.cause, regression)
    kept: list[Regression] = []
    for regression in found:
        causes = regression.because_of - ({regression.cause} if regression.cause else set())
        if causes and causes <= roots.keys():
            root = roots[min(causes)]
            if root is not regression:
                line = f"{regression.kind}: {regression.message}"
                if line not in root.details:
                    root.details.append(line)
                root.severity = min(root.severity, regression.severity,
                                    key=FINDING_RANK.__getitem__)
                continue
        kept.append(regression)
    kept.sort(key=lambda r: FINDING_RANK.get(r.severity, len(FINDING_RANK)))
    return kept


def find_regressions(model: str, base: ModelSide | None,
                     head: ModelSide | None) -> list[Regression]:
    """The regressions of one model; either side may be missing or unreadable."""
    comparison = Comparison(model, base, head)
    for check in ordered_checks():
        if comparison.readable or not check.readable_only:
            check.find(comparison)
    return fold(comparison.found)
