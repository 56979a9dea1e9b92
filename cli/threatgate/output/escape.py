"""Escaping text taken from model files for each kind of output."""

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


def terminal_text(text: str) -> str:
    """Text from models, packs or endpoints for a terminal: line breaks and tabs kept,
    every other control or format character (escape sequences) dropped."""
    if text.isprintable():
        return text
    return "".join(char for char in text if char.isprintable() or char in "\n\t")


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, no HTML, no pipes or code spans."""
    escaped = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|").replace("`", "\\`")


def workflow_data(text: str) -> str:
    """The message part of a GitHub Actions workflow command."""
    return one_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_property(text: str) -> str:
    """A property value (file=, title=) of a GitHub Actions workflow command."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")
