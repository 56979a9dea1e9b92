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


#: Longer patterns are refused before they are compiled.
MAX_PATTERN_LENGTH = 10_000
#: The largest program a pattern may compile to, in pattern items: a counted repeat
#: ``x{n}`` is compiled ``n`` times over (nested ``((a{100}){100}){100}`` is a million
#: items and hundreds of megabytes), so compilation time and memory follow this bound.
MAX_PROGRAM_ITEMS = 100_000

_COUNTED_REPEAT = regex.compile(r"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}")
_GROUP_HEADER = regex.compile(r"(?:\?(?:P?<[^>]*>|P=[^)]*|<?[=!]|[>|:]|[a-zA-Z\-]*:?"
                              r"|#[^)]*))?")
_CLASS_BODY = regex.compile(r"\^?\]?(?:[^\\\]]|\\.)*+\]?", regex.DOTALL)


def shown(pattern: str) -> str:
    """A regular expression as messages show it: ``/pattern/``, its backslashes as typed
    (``repr`` would double them)."""
    return f"/{pattern}/"


def program_items(pattern: str) -> int:
    """An upper estimate of the size of ``pattern``'s compiled program, in items.

    Every character, escape and character class is one item; a group is the sum of its
    items; a counted repeat multiplies what it repeats by its least count (which the
    engine writes out), ``*``, ``+``, ``?`` and open repeats do not. The estimate stops
    growing past :data:`MAX_PROGRAM_ITEMS` + 1.
    """
    stack: list[int] = [0]  # items of each open group
    last = 0  # items of the last atom (what a quantifier applies to)
    pos, size = 0, len(pattern)
    while pos < size:
        char = pattern[pos]
        if char == "\\":
            pos += 2
            if pattern[pos - 1:pos] in ("p", "P", "N", "x", "g") \
                    and pattern[pos:pos + 1] in ("{", "<"):
                close = pattern.find("}" if pattern[pos] == "{" else ">", pos)
                pos = size if close < 0 else close + 1
            last = 1
        elif char == "[":
            pos = _CLASS_BODY.match(pattern, pos + 1).end()
            last = 1
        elif char == "(":
            stack.append(0)
            pos, last = _GROUP_HEADER.match(pattern, pos + 1).end(), 0
            continue
        elif char == ")" and len(stack) > 1:
            last = stack.pop()
            pos += 1
        elif char == "{" and (counted := _COUNTED_REPEAT.match(pattern, pos)) is not None:
            least = int(counted[1] or 0)
            stack[-1] += last * max(0, least - 1)
            last = 0
            pos = counted.end()
            if stack[-1] > MAX_PROGRAM_ITEMS:
                return MAX_PROGRAM_ITEMS + 1
            continue
        elif char in "*+?|":
            pos += 1
            last = 0
            continue
        else:
            pos, last = pos + 1, 1
        stack[-1] += last
        if stack[-1] > MAX_PROGRAM_ITEMS:
            return MAX_PROGRAM_ITEMS + 1
    return sum(stack)


def check_pattern_size(pattern: str) -> None:
    """Refuse, with the reason, a pattern too long or whose program would be too large."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise EvidenceError(f"regular expression {pattern[:60]!r}... is {len(pattern)} "
                            f"characters long; patterns are at most {MAX_PATTERN_LENGTH}")
    if program_items(pattern) > MAX_PROGRAM_ITEMS:
        raise EvidenceError(
            f"regular expression {pattern[:100]!r} repeats too much to compile (counted "
            f"repeats such as {{n}} multiply to over {MAX_PROGRAM_ITEMS} items); use + or * "
            "or smaller counts")


@lru_cache(maxsize=512)
def compile_pattern(pattern: str, flags: int = 0) -> Any:
    check_pattern_size(pattern)
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
