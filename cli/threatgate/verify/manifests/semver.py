"""Semantic versions (SemVer 2.0) and npm/Cargo ranges: the floor a range admits.

Ranges: ``^``, ``~`` (and ``~>``), ``>=``, ``<=``, ``>``, ``<``, ``=``, ``x``/``X``/``*``
wildcards and partial versions, hyphen ranges ``1.2 - 2.3``, ``||`` alternatives, and
comparators joined by spaces or commas (and). Versions may start with ``v`` (Go).
Prereleases are ordered per SemVer 2.0; build metadata is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from threatgate.verify.manifests.base import NoVersion

_IDENT = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_FULL = re.compile(rf"v?(\d+)\.(\d+)\.(\d+)(?:-({_IDENT}))?(?:\+{_IDENT})?")
_PARTIAL = re.compile(
    rf"v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-({_IDENT}))?(?:\+{_IDENT})?")


@dataclass(frozen=True, order=False)
class SemVer:
    """A semantic version; comparison follows SemVer 2.0 precedence (build ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _FULL.fullmatch(text.strip())
        if match is None or max(len(g) for g in match.groups()[:3]) > 30:
            raise ValueError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
        return cls(int(match[1]), int(match[2]), int(match[3]), _prerelease(match[4]))

    def key(self) -> tuple[Any, ...]:
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: SemVer) -> bool:
        return bool(self.key() < other.key())

    def __le__(self, other: SemVer) -> bool:
        return bool(self.key() <= other.key())

    def __gt__(self, other: SemVer) -> bool:
        return bool(self.key() > other.key())

    def __ge__(self, other: SemVer) -> bool:
        return bool(self.key() >= other.key())

    def same(self, other: SemVer) -> bool:
        return bool(self.key() == other.key())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{'.'.join(map(str, self.prerelease))}" if self.prerelease else text


def _prerelease(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() and len(p) <= 30 else p for p in text.split("."))


#: A comparator of a desugared range: (operator, version), operator one of = > >= < <=.
Comparator = tuple[str, SemVer]
#: Alternatives (joined by ||), each a list of comparators that must all hold.
Range = list[list[Comparator]]

_ZERO = SemVer(0, 0, 0, (0,))  # the lowest version there is: nothing is below it
_OPS = ("~>", ">=", "<=", "^", "~", ">", "<", "=")
_HYPHEN = re.compile(r"(\S+)\s+-\s+(\S+)")


def parse_range(text: str, *, bare_is_caret: bool = False) -> Range:
    """An npm/Cargo range as alternatives of comparators; ValueError if malformed."""
    if len(text) > 1000:
        raise ValueError("range is too long")
    alternatives: Range = []
    for part in text.split("||"):
        part = part.strip()
        hyphen = _HYPHEN.fullmatch(part)
        if hyphen:
            alternatives.append(_desugar(">=", hyphen[1]) + _desugar("<=", hyphen[2]))
            continue
        part = re.sub(r"(~>|>=|<=|\^|~|>|<|=)\s+", r"\1", part)
        comparators: list[Comparator] = []
        for token in (t for t in re.split(r"[\s,]+", part) if t):
            op = next((o for o in _OPS if token.startswith(o)), "")
            version = token[len(op):]
            if not op and bare_is_caret:
                op = "^"
            comparators += _desugar(op or "=", version)
        alternatives.append(comparators)
    return alternatives


def _desugar(op: str, text: str) -> list[Comparator]:
    match = _PARTIAL.fullmatch(text)
    if match is None:
        shown = (op if op != "=" else "") + text
        raise ValueError(f"{shown!r} is not a version or a range")
    parts: list[int | None] = []
    for group in match.groups()[:3]:
        if group is None or group in "xX*" or (parts and parts[-1] is None):
            parts.append(None)
        else:
            if len(group) > 30:
                raise ValueError(f"{text!r}: number too long")
            parts.append(int(group))
    major, minor, patch = parts
    pre = _prerelease(match[4])
    if pre and patch is None:
        raise ValueError(f"{text!r}: a prerelease needs a full MAJOR.MINOR.PATCH version")
    if major is None:  # *, x
        return [("<", _ZERO)] if op in (">", "<") else []
    low = SemVer(major, minor or 0, patch or 0, pre)
    if minor is None:
        up_partial = SemVer(major + 1, 0, 0, (0,))
    elif patch is None:
        up_partial = SemVer(major, minor + 1, 0, (0,))
    else:
        up_partial = SemVer(major, minor, patch + 1, (0,))
    full = patch is not None
    if op == "=":
        return [("=", low)] if full else [(">=", low), ("<", up_partial)]
    if op == "^":
        if major > 0 or minor is None:
            upper = SemVer(major + 1, 0, 0, (0,))
        elif minor > 0 or patch is None:
            upper = SemVer(0, minor + 1, 0, (0,))
        else:
            upper = SemVer(0, 0, patch + 1, (0,))
        return [(">=", low), ("<", upper)]
    if op in ("~", "~>"):
        upper = (SemVer(major + 1, 0, 0, (0,)) if minor is None
                 else SemVer(major, minor + 1, 0, (0,)))
        return [(">=", low), ("<", upper)]
    if op == ">":
        return [(">", low)] if full else [(">=", SemVer(*_drop_pre(up_partial)))]
    if op == ">=":
        return [(">=", low)]
    if op == "<":
        return [("<", low)] if full else [("<", SemVer(low.major, low.minor, low.patch, (0,)))]
    # <=
    return [("<=", low)] if full else [("<", up_partial)]


def _drop_pre(version: SemVer) -> tuple[int, int, int]:
    return version.major, version.minor, version.patch


def _holds(comparator: Comparator, version: SemVer) -> bool:
    op, bound = comparator
    if op == "=":
        return version.same(bound)
    if op == ">":
        return version > bound
    if op == ">=":
        return version >= bound
    if op == "<":
        return version < bound
    return version <= bound


def _holds_just_above(comparator: Comparator, version: SemVer) -> bool:
    """Whether the comparator holds for the versions immediately above ``version``."""
    op, bound = comparator
    if op == "=":
        return False
    if op in (">", ">="):
        return version >= bound
    return version < bound


def range_admits(rng: Range, version: SemVer, *, exclusive: bool = False) -> bool:
    """Whether the range holds at ``version`` (or just above it when ``exclusive``)."""
    holds = _holds_just_above if exclusive else _holds
    return any(all(holds(c, version) for c in alt) for alt in rng)


def range_floor(rng: Range) -> tuple[SemVer, bool] | None:
    """(lowest admitted version, exclusive) of a range; None without a lower bound.

    Raises :class:`NoVersion` when the range admits no version at all.
    """
    floors: list[tuple[SemVer, bool]] = []
    for alt in rng:
        lows = [(v, op == ">") for op, v in alt if op in ("=", ">", ">=")]
        if not lows:
            return None
        best = lows[0]
        for low in lows[1:]:
            if low[0] > best[0] or (low[0].same(best[0]) and low[1]):
                best = low
        holds = _holds_just_above if best[1] else _holds
        if all(holds(c, best[0]) for c in alt):
            floors.append(best)
    if not floors:
        raise NoVersion("admits no version at all")
    result = floors[0]
    for floor in floors[1:]:
        if floor[0] < result[0] or (floor[0].same(result[0]) and not floor[1]):
            result = floor
    return result
