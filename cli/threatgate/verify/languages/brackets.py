"""Bracket structure of blanked code: matching brackets, bodies, top-level items.

Every function here reads code whose comments and literals are blanked, so a bracket in
a string or a comment is never counted.
"""

from __future__ import annotations

import regex

from threatgate.verify.regexes import finditer, search


def _go_type_literal(code: str, brace: int) -> bool:
    """Whether the ``{`` at ``brace`` opens a Go ``struct{...}``/``interface{...}`` type."""
    return search(r"(?<![\w$])(?:struct|interface)\s*\Z", code[max(0, brace - 40):brace]) \
        is not None


def matching_bracket(code: str, opening: int) -> int:
    """The index after the bracket closing the one at ``opening`` (or the end of code)."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    open_char = code[opening]
    close_char = pairs[open_char]
    pattern = regex.escape(open_char) + "|" + regex.escape(close_char)
    depth, pos = 0, opening
    while True:
        found = search(pattern, code, 0, pos)
        if found is None:
            return len(code)
        depth += 1 if found.group(0) == open_char else -1
        pos = found.end()
        if depth == 0:
            return int(pos)


def find_body(code: str, pos: int, language: str, arrow: bool = True) -> tuple[int, int] | None:
    """The body after a definition's header starting at ``pos``: a braced block (from
    its ``{`` to after its ``}``) or, after ``=>``, an expression; None if the header
    ends (``;``, or the enclosing block closes) first."""
    depth = angle = 0
    while True:
        found = search(r"=>|->|[()\[\]{};<>]", code, 0, pos)
        if found is None:
            return None
        token, start, pos = found.group(0), found.start(), found.end()
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth -= 1
            if depth < 0:
                return None
        elif token == "{":
            if depth == 0 and angle == 0:
                if language == "go" and _go_type_literal(code, start):
                    pos = matching_bracket(code, start)
                    continue
                return start, matching_bracket(code, start)
            depth += 1
        elif token == "}":
            if depth == 0:
                return None
            depth -= 1
        elif token == ";":
            if depth == 0:
                return None
        elif token == "=>":
            if arrow and depth == 0 and angle == 0:
                return _arrow_body(code, pos)
        elif language == "typescript" and depth == 0 and token in ("<", ">"):
            angle = angle + 1 if token == "<" else max(0, angle - 1)


def _arrow_body(code: str, pos: int) -> tuple[int, int]:
    """The body after ``=>``: a block, or an expression up to where it visibly ends."""
    found = search(r"\S", code, 0, pos)
    if found is None:
        return pos, len(code)
    if found.group(0) == "{":
        return found.start(), matching_bracket(code, found.start())
    depth, scan = 0, found.start()
    while True:
        token = search(r"[()\[\]{}]|[;,]|\n", code, 0, scan)
        if token is None:
            return pos, len(code)
        char, scan = token.group(0), token.end()
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return pos, token.start()
        elif depth == 0 and char in ";,":
            return pos, token.start()
        elif depth == 0 and char == "\n":
            following = search(r"\S", code, 0, scan)
            if following is None or following.group(0) not in ".?:+-*/%&|=<>,(":
                return pos, token.start()


def brace_depth(code: str, body_start: int, index: int) -> int:
    """How many braces are open at ``index``, counting from the one at ``body_start``."""
    return code.count("{", body_start, index) - code.count("}", body_start, index)


def top_level_items(code: str, low: int, high: int) -> list[tuple[int, int]]:
    """Comma-separated items of ``code[low:high]``, commas inside brackets not counted."""
    items: list[tuple[int, int]] = []
    depth, start = 0, low
    for found in finditer(r"[()\[\]{},]", code[low:high]):
        char = found.group(0)
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            items.append((start, low + found.start()))
            start = low + found.end()
    items.append((start, high))
    return items
