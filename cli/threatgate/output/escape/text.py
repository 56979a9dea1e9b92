"""Text for any target: one visible line (the base of every other escaper), a location
``path:line:col``, text that encodes as UTF-8."""

from __future__ import annotations


def one_line(text: str) -> str:
    """Escape control, format and line-separator characters taken from a model file.

    Keys and values quoted in messages come from the file; printed raw, a newline
    would split one problem over two lines and an escape sequence would reach the
    terminal.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def utf8_text(text: str) -> str:
    """Text that encodes as UTF-8: lone surrogates (undecodable file names) become '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def location(path: str, line: int | None = None, column: int | None = None) -> str:
    """``path:line:column``, ``path:line`` or ``path`` alone, as compilers and editors
    write a place in a file; escaped by the caller for its target
    (:func:`threatgate.output.escape.terminal.terminal_location` on a terminal)."""
    if line is None:
        return path
    return f"{path}:{line}" if column is None else f"{path}:{line}:{column}"


def one_line_collapsed(text: str) -> str:
    """Whitespace runs (newlines included) as one space, other invisible or control
    characters (bidirectional overrides, NUL, escape) as their escape sequence."""
    return one_line(" ".join(text.split()))


def one_line_shortened(text: str, limit: int) -> str:
    """:func:`one_line_collapsed`, cut to ``limit`` characters with an ellipsis."""
    flat = one_line_collapsed(text)
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "\u2026"
    return flat
