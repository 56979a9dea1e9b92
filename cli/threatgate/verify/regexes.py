"""Regular expressions from model files, run so that none can hang a CI job.

Patterns come from pull requests, so a catastrophic-backtracking expression is an
attack, not a mistake. They run on the ``regex`` engine with a time limit per search;
a pattern that runs out of time makes its assertion an ``error``, never a hang.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import regex

from threatgate.verify.base import EvidenceError

TIMEOUT_SECONDS = 1.0


@lru_cache(maxsize=512)
def compile_pattern(pattern: str, flags: int = 0) -> Any:
    try:
        return regex.compile(pattern, flags | regex.VERSION0)
    except regex.error as exc:
        raise EvidenceError(f"invalid regular expression {pattern!r}: {exc}") from None


def flags_of(assertion: dict[str, Any]) -> int:
    flags = 0
    if assertion.get("multiline"):
        flags |= regex.MULTILINE
    if assertion.get("dotall"):
        flags |= regex.DOTALL
    if assertion.get("ignore_case"):
        flags |= regex.IGNORECASE
    return flags


def search(pattern: str, text: str, flags: int = 0, pos: int = 0) -> Any:
    """The first match (or None), giving up after :data:`TIMEOUT_SECONDS`."""
    try:
        return compile_pattern(pattern, flags).search(text, pos, timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        raise EvidenceError(f"regular expression {pattern!r} ran out of time "
                            f"({TIMEOUT_SECONDS:g} s); simplify it") from None


def match_at(pattern: str, text: str, pos: int) -> Any:
    """The match of ``pattern`` starting exactly at ``pos`` (or None), time-limited like
    :func:`search` (an anchored search would scan on)."""
    try:
        return compile_pattern(pattern).match(text, pos, timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        raise EvidenceError(f"a search ran out of time ({TIMEOUT_SECONDS:g} s)") from None


def finditer(pattern: str, text: str, flags: int = 0) -> Iterator[Any]:
    try:
        yield from compile_pattern(pattern, flags).finditer(text, timeout=TIMEOUT_SECONDS)
    except TimeoutError:
        raise EvidenceError(f"regular expression {pattern!r} ran out of time "
                            f"({TIMEOUT_SECONDS:g} s); simplify it") from None


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1
