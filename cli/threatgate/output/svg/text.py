"""Text in the data-flow diagram: estimated widths, word wrap, ellipsis.

Text widths are estimated (no font metrics are available offline), so long names are
wrapped and cut with an ellipsis; the full text is always in the element's ``<title>``.
"""

from __future__ import annotations

import unicodedata

from threatgate.output.escape.text import one_line_collapsed


def text_width(text: str, size: float) -> float:
    """Estimated advance width of ``text`` in a sans-serif font of ``size`` pixels."""
    width = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        if unicodedata.east_asian_width(char) in "WF":
            width += 1.0
        elif char in "il.,:;'|!jI ":
            width += 0.3
        elif char.isupper() or char in "mwMW@%&":
            width += 0.72
        else:
            width += 0.56
    return width * size


def _cut(text: str, width: float, size: float) -> str:
    """The longest prefix of ``text`` that fits ``width`` with an ellipsis appended."""
    for end in range(len(text), 0, -1):
        candidate = text[:end].rstrip() + "\u2026"
        if text_width(candidate, size) <= width:
            return candidate
    return "\u2026"


def wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; overlong words are broken and
    the last line is cut with an ellipsis when text remains. Only the start of a very
    long text is looked at (more than can ever fit), so the work stays bounded."""
    words = one_line_collapsed(text)[: 80 * max_lines].split(" ")
    lines: list[str] = []
    current = ""
    pending = [w for w in words if w]
    while pending:
        word = pending.pop(0)
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
            pending.insert(0, word)
        else:  # a single word wider than the line: break it
            end = max(1, len(word) - 1)
            while end > 1 and text_width(word[:end], size) > width:
                end -= 1
            lines.append(word[:end])
            pending.insert(0, word[end:])
        if len(lines) == max_lines:
            rest = " ".join(([current] if current else []) + pending)
            if rest:
                lines[-1] = _cut(f"{lines[-1]} {rest}", width, size)
            return lines
    if current:
        lines.append(current)
    return lines
