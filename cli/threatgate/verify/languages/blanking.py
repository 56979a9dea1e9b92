"""Blanking comments and literals: the one engine behind every non-syntax-tree reading.

:func:`blank_comments_and_strings` replaces every comment and string, character,
template and regular-expression literal of a file with spaces (newlines are kept, so
positions and line numbers are those of the real file). What opens a comment or a literal
in each language comes from :mod:`threatgate.verify.languages.registry`; how each kind of
literal ends is decided here.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any

import regex

from threatgate.verify.languages.registry import BY_NAME, LANGUAGES
from threatgate.verify.regexes import match_at, search

Span = tuple[int, int, str]  # start, end, "comment" or "string"

#: Where each kind of interpolating string part ends or opens a hole.
_PART_TOKENS: dict[str, str] = {
    "template": r"(?s)\\.|\$\{|`",           # JavaScript / TypeScript `...${x}...`
    "interpolated": r"(?s)\\.|\{\{|\{|\"|\n",  # C# $"...{x}..."
    "verbatim-interpolated": r"\"\"|\{\{|\{|\"",  # C# $@"...{x}..."
}

#: After these words a '/' starts a regular expression literal, not a division.
_REGEX_KEYWORDS = frozenset({"return", "typeof", "instanceof", "in", "of", "new", "delete",
                             "void", "throw", "case", "do", "else", "yield", "await"})


def blank_comments_and_strings(text: str, language: str) -> str:
    """``text`` with every comment and literal replaced by spaces, newlines kept.

    The result has the same length and the same line breaks as ``text``, so an index or
    a line number found in it is one of the original. Code inside interpolation holes
    (JavaScript ``${...}``, C# ``{...}`` in ``$"..."``) stays, since it is code.
    """
    if language not in BY_NAME:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    return blank(text, literal_spans(text, language), ("comment", "string"))


def blank(text: str, spans: Iterable[Span], kinds: tuple[str, ...]) -> str:
    pieces: list[str] = []
    last = 0
    for start, end, kind in spans:
        if kind not in kinds:
            continue
        pieces.append(text[last:start])
        pieces.append("\n".join(" " * len(part) for part in text[start:end].split("\n")))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def literal_spans(text: str, language: str) -> list[Span]:
    """The comments and literals of ``text``, in order, never overlapping."""
    spans: list[Span] = []
    holes: list[list[Any]] = []  # open interpolation holes: [string kind, brace depth]
    tokens = BY_NAME[language].literal_openers
    # Braces only matter inside an interpolation hole: outside one, the search passes
    # them by itself instead of stopping at each (a file of `{{{{...` is one search).
    outside = tokens.replace("{}]", "]")
    regex_literals = RegexLiteralScanner(text)
    pos, size = 0, len(text)
    while pos < size:
        found = search(tokens if holes else outside, text, 0, pos)
        if found is None:
            break
        token, start = found.group(0), found.start()
        pos = found.end()
        if token == "{":
            if holes:
                holes[-1][1] += 1
        elif token == "}":
            if holes and holes[-1][1] == 0:
                pos = _string_part(text, start, pos, holes.pop()[0], spans, holes)
            elif holes:
                holes[-1][1] -= 1
        elif token in ("//", "#"):
            end = text.find("\n", start)
            pos = size if end < 0 else end
            spans.append((start, pos, "comment"))
        elif token == "/*":
            pos = _block_comment_end(text, start, nested=BY_NAME[language].nested_block_comments)
            spans.append((start, pos, "comment"))
        elif token == "/":
            literal_end = regex_literals.end(start)
            if literal_end is not None:
                spans.append((start, literal_end, "string"))
                pos = literal_end
        else:
            pos = _literal(text, start, token, language, spans, holes)
    return spans


def _block_comment_end(text: str, start: int, nested: bool) -> int:
    if not nested:
        end = text.find("*/", start + 2)
        return len(text) if end < 0 else end + 2
    depth, pos = 0, start
    while True:
        found = search(r"/\*|\*/", text, 0, pos)
        if found is None:
            return len(text)
        depth += 1 if found.group(0) == "/*" else -1
        pos = found.end()
        if depth == 0:
            return int(pos)


class RegexLiteralScanner:
    """Ends of JavaScript regular expression literals, in linear time over a file.

    A ``/`` that could open a literal is read on to the closing ``/`` of its line; when
    there is none (a division, or hostile text such as ``/[/[/[...``) every later ``/``
    of the line would read on to the line end again: quadratic. So the first reading that
    fails on a line computes, in one backward pass over the rest of the line, where a
    reading starting at each position would end; later ``/`` of that line look it up.
    A reading is a walk whose state is only "inside a character class" or not, and the
    position after a ``/`` is a character boundary of the first walk (escapes pair the
    same way in both states), so the pass, aligned on that walk, serves them all.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_begin = self.line_end = -1  # the part of a line with computed endings
        self.closing: array[int] = array("i")  # position -> its closing '/' (or -1)

    def end(self, start: int) -> int | None:
        """The end of the literal whose ``/`` is at ``start``, or None (a division)."""
        text = self.text
        if not _may_open_regex(text, start):
            return None
        if self.line_begin <= start < self.line_end:
            closing = int(self.closing[start + 1 - self.line_begin])
        else:
            found = match_at(_REGEX_LITERAL_BODY, text, start + 1)
            if found is not None:
                return int(found.end())
            self._compute_line(start + 1)
            return None
        if closing < 0:
            return None
        flags = match_at(r"[\w$]*", text, closing + 1)
        return int(flags.end()) if flags is not None else closing + 1

    def _compute_line(self, begin: int) -> None:
        """Where a walk from each position of ``begin``'s line (from ``begin``) ends."""
        text = self.text
        line_end = text.find("\n", begin)
        line_end = len(text) if line_end < 0 else line_end
        # escapes become two neutral characters; a lone backslash ends the line's hope
        line = _ESCAPE.sub("  ", text[begin:line_end])
        closing = array("i", bytes(4 * (len(line) + 1)))
        closing[len(line)] = -1
        outside = inside = -1  # where a walk outside / inside a class would end
        for index in range(len(line) - 1, -1, -1):
            char = line[index]
            if char == "/":
                outside = begin + index
            elif char == "[":
                outside = inside
            elif char == "]":
                inside = outside
            elif char == "\\":
                outside = inside = -1
            closing[index] = outside
        self.line_begin, self.line_end, self.closing = begin, line_end, closing


_ESCAPE = regex.compile(r"\\[^\n]")
_REGEX_LITERAL_BODY = r"(?:[^\\/\[\n]|\\[^\n]|\[(?:[^\]\\\n]|\\[^\n])*+\])*+/[\w$]*"


def _may_open_regex(text: str, start: int) -> bool:
    """Whether the ``/`` at ``start`` can open a regular expression (by the token before)."""
    before = start - 1
    while before >= 0 and text[before] in " \t\r\n":
        before -= 1
    if before >= 0:
        previous = text[before]
        if previous in ")]}\"'`":
            return False
        if previous.isalnum() or previous in "_$":
            word_start = before
            while word_start > 0 and (text[word_start - 1].isalnum()
                                      or text[word_start - 1] in "_$"):
                word_start -= 1
            if text[word_start:before + 1] not in _REGEX_KEYWORDS:
                return False
    return True


def _end_of(pattern: str, text: str, pos: int) -> int:
    """The end of the anchored match of ``pattern`` at ``pos`` (it always matches)."""
    found = match_at(pattern, text, pos)
    return found.end() if found is not None else len(text)


def _literal(text: str, start: int, token: str, language: str, spans: list[Span],
             holes: list[list[Any]]) -> int:
    """Record the literal opened by ``token`` at ``start``; return where code resumes."""
    after = start + len(token)
    if language in ("javascript", "typescript") and token == "`":
        return _string_part(text, start, after, "template", spans, holes)
    if language == "csharp" and token in ('$"', '$@"', '@$"'):
        kind = "interpolated" if token == '$"' else "verbatim-interpolated"
        return _string_part(text, start, after, kind, spans, holes)
    if language == "rust" and token.endswith("'"):
        found = match_at(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,6}\}|[^\n])|[^\\'\n\r])'",
                         text, after - 1)
        if found is None:
            return after  # a lifetime or a label, not a character
        end = found.end()
    elif language == "rust" and token != '"':  # raw string r#"..."#
        hashes = token.count("#")
        close = text.find('"' + "#" * hashes, after)
        end = len(text) if close < 0 else close + 1 + hashes
    elif language == "rust":
        end = _closing(text, after, '"', multiline=True)
    elif language == "go" and token == "`":
        close = text.find("`", after)
        end = len(text) if close < 0 else close + 1
    elif language == "java" and token == '"""':
        end = _end_of(r'(?s)(?:[^"\\]|\\.|"(?!""))*+(?:"""|\Z)', text, after)
    elif language == "csharp" and token.endswith('"""'):
        quotes = token.lstrip("$")
        close = text.find(quotes, after)
        end = len(text) if close < 0 else close + len(quotes)
    elif language == "csharp" and token == '@"':
        end = _end_of(r'(?:[^"]|"")*+(?:"|\Z)', text, after)
    elif language == "python":
        quote = token.lstrip("rRbBuUfF")
        if len(quote) == 3:
            q = quote[0]
            end = _end_of(rf"(?s)(?:[^{q}\\]|\\.|{q}(?!{q}{q}))*+(?:{q}{q}{q}|\Z)", text, after)
        else:
            end = _closing(text, after, quote, multiline=False)
    else:
        end = _closing(text, after, token, multiline=False)
    spans.append((start, end, "string"))
    return int(end)


def _closing(text: str, pos: int, quote: str, multiline: bool) -> int:
    """After the closing ``quote`` (backslash escapes), or at the line end if unclosed."""
    other = "" if multiline else r"\n"
    end = _end_of(rf"(?s)(?:[^{quote}\\{other}]|\\.)*+", text, pos)
    return end + 1 if end < len(text) and text[end] == quote else end


def _string_part(text: str, start: int, pos: int, kind: str, spans: list[Span],
                 holes: list[list[Any]]) -> int:
    """Record an interpolating string part from ``start`` (its opening delimiter or the
    ``}`` closing a hole; its content starts at ``pos``) to its end or to the next hole;
    return where scanning resumes."""
    while True:
        found = search(_PART_TOKENS[kind], text, 0, pos)
        if found is None:
            spans.append((start, len(text), "string"))
            return len(text)
        token, pos = found.group(0), found.end()
        if token in ("${", "{"):
            spans.append((start, pos, "string"))
            holes.append([kind, 0])
            return int(pos)
        if token in ("`", '"'):
            spans.append((start, pos, "string"))
            return int(pos)
        if token == "\n":  # an unclosed single-line string ends with its line
            spans.append((start, found.start(), "string"))
            return int(found.start())
