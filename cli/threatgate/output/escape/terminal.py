"""Text and locations printed on a terminal."""

from __future__ import annotations

import re

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


#: A line that would start a GitHub Actions workflow command (the runner ignores the
#: leading blanks); its first colon is escaped unless the line is a command we wrote.
_COMMAND_START = re.compile(r"^([ \t]*):(?=:)", re.MULTILINE)


def visible_escape(char: str) -> str:
    """``\\uXXXX`` for one character (a surrogate pair above the BMP): readable on a
    terminal, and the same character again inside a JSON string."""
    if ord(char) > 0xFFFF:
        code = ord(char) - 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{ord(char):04x}"


def terminal_lines(text: str, *, workflow_commands: bool = False) -> str:
    """Whole output bound for a terminal or a CI log, after its parts were escaped.

    Line breaks and tabs are kept; every other control, format or line-separator
    character becomes a ``\\uXXXX`` escape (so JSON output stays valid JSON with the
    same data), no ``##[`` (the runner's older command form) is left, and no line
    starts a workflow command unless ``workflow_commands`` says
    the output is made of commands written by
    :func:`threatgate.output.escape.workflow.workflow_command`.
    """
    # Most output is printable but for its line breaks and tabs: checked at C speed,
    # without looking at each character in Python.
    if not text.isprintable() and not text.replace("\n", "").replace("\t", "").isprintable():
        text = "".join(char if char.isprintable() or char in "\n\t" else visible_escape(char)
                       for char in text)
    # The runner also reads the older ``##[command]`` form anywhere in a line.
    text = text.replace("##[", "#" + visible_escape("#") + "[")
    if workflow_commands:
        return text
    return _COMMAND_START.sub(lambda match: match.group(1) + visible_escape(":"), text)


def terminal_document(text: str) -> str:
    """A document (CSV, JSON, XML, Markdown) printed on standard output rather than
    written to a file: :func:`terminal_lines`, keeping CRLF line ends and a leading byte
    order mark, which are the format's own."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return bom + "\r\n".join(terminal_lines(part) for part in text[len(bom):].split("\r\n"))
