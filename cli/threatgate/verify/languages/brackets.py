"""Bracket structure of blanked code: matching brackets, bodies, top-level items.

Every function here reads code whose comments and literals are blanked, so a bracket in
a string or a comment is never counted.

Code files come from pull requests, so the structure is read in one pass over the
code's tokens (:class:`Structure`, kept for the last two files) and every question after
that costs a lookup or a walk that remembers its answers: thousands of definitions
nested thousands deep (``{{{{...``, ``((((...``) cost linear time, not a rescan of the
rest of the file per bracket.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache
from itertools import compress
from typing import Any

from threatgate.verify.regexes import finditer, search

#: The tokens the walks below look at, each a kind (its index here), and ``=>`` (ARROW)
#: and ``->`` (THIN_ARROW), which are not a ``>``.
_TOKEN_CHARACTERS = "([{)]};,<>\n"
_NOT_A_TOKEN = re.compile(r"[^()\[\]{};,<>\n=\-]")
_IS_TOKEN = bytes(int(chr(byte) in _TOKEN_CHARACTERS) for byte in range(256))
_KIND_OF_BYTE = bytes.maketrans(_TOKEN_CHARACTERS.encode(), bytes(range(11)))
_TWO_CHARACTER_ARROW = re.compile(rb"[=-]>")
_NON_SPACE = re.compile(r"\S")
CLOSERS = (3, 4, 5)
SEMICOLON, COMMA, LESS, GREATER, NEWLINE, ARROW, THIN_ARROW = 6, 7, 8, 9, 10, 11, 12
BRACE = 2
#: Not resolved yet / resolved to "no answer", in the remembered walks.
_UNKNOWN, _NONE = -2, -1
#: A line break does not end an arrow function's expression before these characters.
_CONTINUATION = frozenset(".?:+-*/%&|=<>,(")


def _int_array(size: int, value: int) -> array[int]:
    """``size`` integers (positions and token indices of a file up to a few megabytes)."""
    return array("i", [value]) * size


class Structure:
    """The tokens of ``code`` and how they nest, read in one pass.

    Per token (by index, in code order): its position and kind; for an opening bracket
    the index after the closing bracket of the same kind (:meth:`closing`) and the token
    after the first closing bracket of any kind that brings the depth back
    (``group_end``, how the walks skip a nested group); for ``<`` the token after the
    ``>`` that balances it at the same depth before any ``;`` (``angle_end``, or
    :data:`_NONE`); and, per brace, the innermost ``{`` still open after it.
    """

    def __init__(self, code: str) -> None:
        self.code = code
        self.positions, kinds = _tokens(code)
        self.kinds = bytes(kinds)
        count = self.count = len(self.positions)
        self.same_end = _int_array(count, len(code))
        self.group_end = _int_array(count, count)
        self._read_nesting()
        self._angle_end: array[int] | None = None
        self._braces: tuple[array[int], array[int]] | None = None
        self._walks: dict[tuple[str, bool], array[int]] = {}
        self._arrow_ends: array[int] | None = None
        self._following: array[int] | None = None

    def _read_nesting(self) -> None:
        positions, same_end, group_end = self.positions, self.same_end, self.group_end
        same: list[array[int]] = [array("i"), array("i"), array("i")]  # per bracket kind
        mixed: array[int] = array("i")  # any kind, closed by any kind
        for index, kind in enumerate(self.kinds):
            if kind < 3:
                same[kind].append(index)
                mixed.append(index)
            elif kind < 6:
                if same[kind - 3]:
                    same_end[same[kind - 3].pop()] = positions[index] + 1
                if mixed:
                    group_end[mixed.pop()] = index + 1

    @property
    def angle_end(self) -> array[int]:
        """Per ``<``: the token after the ``>`` that balances it at the same depth before
        any ``;`` or the end of its group (:data:`_NONE`: none). Read when first asked."""
        if self._angle_end is None:
            angle_end = self._angle_end = _int_array(self.count, _NONE)
            pending: array[int] = array("i")  # unbalanced `<` of the open groups
            level_start: array[int] = array("i", [0])  # where each group's `<` begin
            for index, kind in enumerate(self.kinds):
                if kind < 3:
                    level_start.append(len(pending))
                elif kind < 6 or kind == SEMICOLON:
                    del pending[level_start[-1]:]
                    if kind != SEMICOLON and len(level_start) > 1:
                        level_start.pop()
                elif kind == LESS:
                    pending.append(index)
                elif kind == GREATER and len(pending) > level_start[-1]:
                    angle_end[pending.pop()] = index + 1
        return self._angle_end

    def _brace_marks(self) -> tuple[array[int], array[int]]:
        """The positions of the braces, and the innermost ``{`` open after each."""
        if self._braces is None:
            marks, open_after, braces = array("i"), array("i"), array("i")
            for index, kind in enumerate(self.kinds):
                if kind == BRACE:
                    braces.append(self.positions[index])
                elif kind == BRACE + 3:
                    if braces:
                        braces.pop()
                else:
                    continue
                marks.append(self.positions[index])
                open_after.append(braces[-1] if braces else _NONE)
            self._braces = marks, open_after
        return self._braces

    def token_at(self, position: int) -> int:
        """The index of the first token at or after ``position``."""
        return bisect_left(self.positions, position)

    def closing(self, opening: int) -> int:
        """The index after the bracket closing the one at ``opening`` (or the end)."""
        index = self.token_at(opening)
        if index < self.count and self.positions[index] == opening:
            return self.same_end[index]
        return len(self.code)

    def innermost_brace(self, position: int) -> int:
        """The position of the innermost ``{`` open at ``position`` (-1: none)."""
        marks, open_after = self._brace_marks()
        before = bisect_left(marks, position)
        return open_after[before - 1] if before else _NONE

    def _walk(self, start: int, memo: array[int], step: Callable[[int], int | None]) -> int:
        """Follow ``step`` from token ``start`` to a token it stops at (or :data:`_NONE`),
        remembering the answer for every token passed: each token is stepped once."""
        passed = []
        index = start
        while True:
            if index >= self.count:
                answer = _NONE
                break
            if memo[index] != _UNKNOWN:
                answer = memo[index]
                break
            following = step(index)
            if following is None:
                answer = index
                break
            passed.append(index)
            index = following
        for index in passed:
            memo[index] = answer
        if start < self.count:
            memo[start] = answer
        return answer

    def body_token(self, position: int, language: str, arrow: bool) -> int:
        """The ``{`` (or ``=>``) token where a definition's header from ``position`` ends
        in a body, or :data:`_NONE` (see :func:`find_body`)."""
        memo = self._walks.get((language, arrow))
        if memo is None:
            memo = self._walks[(language, arrow)] = _int_array(self.count, _UNKNOWN)
        kinds, code = self.kinds, self.code

        def step(index: int) -> int | None:
            kind = kinds[index]
            if kind in (0, 1):
                return self.group_end[index]
            if kind == BRACE:
                at = self.positions[index]
                if language == "go" and _go_type_literal(code, at):
                    return self.token_at(self.same_end[index])
                return None
            if kind in CLOSERS or kind == SEMICOLON:
                return self.count  # no body
            if kind == ARROW and arrow:
                return None
            if kind == LESS and language == "typescript":
                end = self.angle_end[index]
                return self.count if end == _NONE else end
            return index + 1

        return self._walk(self.token_at(position), memo, step)

    def arrow_end(self, position: int) -> int:
        """Where an arrow function's expression starting at ``position`` ends."""
        if self._arrow_ends is None:
            self._arrow_ends = _int_array(self.count, _UNKNOWN)
        kinds = self.kinds

        def step(index: int) -> int | None:
            kind = kinds[index]
            if kind < 3:
                return self.group_end[index]
            if kind < 8:  # a closing bracket, `;` or `,`
                return None
            if kind == NEWLINE and chr(self.following(index)) not in _CONTINUATION:
                return None
            return index + 1

        found = self._walk(self.token_at(position), self._arrow_ends, step)
        return len(self.code) if found == _NONE else self.positions[found]

    def following(self, newline: int) -> int:
        """The first character after the line break token ``newline`` that is not
        white space (as a code point; 0 at the end of the code)."""
        if self._following is None:
            self._following = self._read_following()
        return self._following[newline]

    def _read_following(self) -> array[int]:
        code, kinds, positions = self.code, self.kinds, self.positions
        following = _int_array(self.count, 0)
        later = 0
        for index in range(self.count - 1, -1, -1):
            if kinds[index] != NEWLINE:
                later = ord(code[positions[index]])
                continue
            limit = positions[index + 1] if index + 1 < self.count else len(code)
            found = _NON_SPACE.search(code, positions[index] + 1, limit)
            if found is not None:
                later = ord(found.group())
            elif index + 1 >= self.count:
                later = 0
            following[index] = later
        return following


def _tokens(code: str) -> tuple[array[int], bytearray]:
    """The positions and kinds of the tokens of ``code``, read at the speed of C: the
    characters that are not tokens are masked, the rest picked out by ``compress``."""
    masked = _NOT_A_TOKEN.sub("\0", code).encode("ascii")
    keep = masked.translate(_IS_TOKEN)
    positions = array("i", compress(range(len(masked)), keep))
    kinds = bytearray(compress(masked.translate(_KIND_OF_BYTE), keep))
    for arrow in _TWO_CHARACTER_ARROW.finditer(masked):  # `=>` and `->`, at their start
        index = bisect_left(positions, arrow.end() - 1)
        positions[index] = arrow.start()
        kinds[index] = ARROW if arrow.group()[:1] == b"=" else THIN_ARROW
    return positions, kinds


@lru_cache(maxsize=2)
def structure(code: str) -> Structure:
    """The :class:`Structure` of ``code``, kept for the last two files only: the
    structure of a file at the evidence cap takes a hundred megabytes or so."""
    return Structure(code)


def _go_type_literal(code: str, brace: int) -> bool:
    """Whether the ``{`` at ``brace`` opens a Go ``struct{...}``/``interface{...}`` type."""
    return search(r"(?<![\w$])(?:struct|interface)\s*\Z", code[max(0, brace - 40):brace]) \
        is not None


def matching_bracket(code: str, opening: int) -> int:
    """The index after the bracket closing the one at ``opening`` (or the end of code)."""
    return structure(code).closing(opening)


def find_body(code: str, pos: int, language: str, arrow: bool = True) -> tuple[int, int] | None:
    """The body after a definition's header starting at ``pos``: a braced block (from
    its ``{`` to after its ``}``) or, after ``=>``, an expression; None if the header
    ends (``;``, or the enclosing block closes) first."""
    layout = structure(code)
    found = layout.body_token(pos, language, arrow)
    if found == _NONE:
        return None
    start = layout.positions[found]
    if layout.kinds[found] == BRACE:
        return start, layout.same_end[found]
    return _arrow_body(layout, start + 2)


def _arrow_body(layout: Structure, pos: int) -> tuple[int, int]:
    """The body after ``=>``: a block, or an expression up to where it visibly ends."""
    found = _NON_SPACE.search(layout.code, pos)
    if found is None:
        return pos, len(layout.code)
    if found.group() == "{":
        return found.start(), layout.closing(found.start())
    return pos, layout.arrow_end(found.start())


def top_level_items(code: str, low: int, high: int) -> list[tuple[int, int]]:
    """Comma-separated items of ``code[low:high]``, commas inside brackets not counted."""
    layout = structure(code)
    kinds, positions = layout.kinds, layout.positions
    items: list[tuple[int, int]] = []
    depth, start = 0, low
    index = layout.token_at(low)
    while index < layout.count and positions[index] < high:
        kind = kinds[index]
        if kind < 3 and depth == 0:
            index = layout.group_end[index]
            if positions[index - 1] >= high:  # the group is not closed before high
                break
            continue
        if kind < 3:
            depth += 1
        elif kind < 6:
            depth -= 1
        elif kind == COMMA and depth == 0:
            items.append((start, positions[index]))
            start = positions[index] + 1
        index += 1
    items.append((start, high))
    return items


def matches_in_bodies(code: str, pattern: str, bodies: list[tuple[int, int]]) -> list[Any]:
    """The matches of ``pattern`` (group ``n``) written directly in one of the braced
    ``bodies`` (each from its ``{`` to after its ``}``), not in a block nested deeper.

    One search of the whole code, each match placed by the innermost ``{`` open at its
    name: bodies nested in one another are not searched once each.
    """
    if not bodies:
        return []
    ends = dict(bodies)
    layout = structure(code)
    found = []
    for match in finditer(pattern, code):
        end = ends.get(layout.innermost_brace(match.start("n")))
        if end is not None and match.end() <= end:
            found.append(match)
    return found
