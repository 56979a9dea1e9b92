"""Text and locations printed on a terminal."""

from __future__ import annotations

from threatgate.output.escape.text import location, one_line


def terminal_text(text: str) -> str:
    """Text from models, packs or endpoints for a terminal: line breaks and tabs kept,
    every other control or format character (escape sequences) dropped."""
    if text.isprintable():
        return text
    return "".join(char for char in text if char.isprintable() or char in "\n\t")


def terminal_location(path: str, line: int | None = None, column: int | None = None) -> str:
    """``path:line:column`` (or ``path:line``, or ``path`` alone) for a terminal.

    The path is a file name or comes from a model, so it is escaped like any other text
    from a file: a newline in it cannot split the line, an escape sequence cannot reach
    the terminal.
    """
    return one_line(location(path, line, column))
