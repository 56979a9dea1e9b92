"""The registry of regression kinds, and what a check sees of the model it looks at.

A check is a function registered with :func:`regression_check` for the kinds it reports
(one kind, or a small family found in one pass over the same entities). It receives a
:class:`Comparison` and reports through :meth:`Comparison.add`. Checks run in the order
of their ``order`` number, and each reports in the order of the entities it walks, which
is the order regressions are listed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from threatgate.diff.results import ModelSide, Regression
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
            aliases: Iterable[str] = ()) -> None:
        """Report a regression located at ``path`` in ``side`` (or on ``line``).

        ``aliases`` are other names an ``x-regression-ok`` note may give the entity.
        """
        self.found.append(Regression(
            kind, self.model, entity, message, side.path,
            side.line(path) if line is None else line,
            "head" if side is self.head else "base",
            aliases=frozenset({entity, *aliases})))


Finder = Callable[[Comparison], None]


@dataclass(frozen=True)
class RegressionCheck:
    kinds: tuple[str, ...]
    order: int
    find: Finder
    #: Run only when both sides exist and were read (else: for every pair of sides).
    readable_only: bool
    #: Whether an ``x-regression-ok`` note can acknowledge these kinds.
    acknowledgeable: bool


#: regression kind -> the check that reports it.
REGISTRY: Registry[str, RegressionCheck] = Registry("regression kind")


def regression_check(*kinds: str, order: int, readable_only: bool = True,
                     acknowledgeable: bool = True) -> Callable[[Finder], Finder]:
    """Register a check for ``kinds``; ``order`` places it among the others."""

    def register(find: Finder) -> Finder:
        check = RegressionCheck(kinds, order, find, readable_only, acknowledgeable)
        for kind in kinds:
            REGISTRY.add(kind, check)
        return find

    return register


def ordered_checks() -> list[RegressionCheck]:
    """Every registered check once, in its order."""
    unique = {check.kinds: check for check in REGISTRY.values()}
    return sorted(unique.values(), key=lambda check: (check.order, check.kinds))


def find_regressions(model: str, base: ModelSide | None,
                     head: ModelSide | None) -> list[Regression]:
    """The regressions of one model; either side may be missing or unreadable."""
    comparison = Comparison(model, base, head)
    for check in ordered_checks():
        if comparison.readable or not check.readable_only:
            check.find(comparison)
    return comparison.found
