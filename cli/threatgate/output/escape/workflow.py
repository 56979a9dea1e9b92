"""The parts of a GitHub Actions workflow command (``::error file=...,title=...::message``).

Workflow commands have their own escaping (percent-encoding), not the terminal's: GitHub
decodes it back before showing the annotation. :func:`workflow_command` is the one place
that writes a command; every other printed line has a leading ``::`` escaped
(:func:`threatgate.output.escape.terminal.terminal_lines`).
"""

from __future__ import annotations

from typing import Literal

from threatgate.output.escape.text import one_line

#: The annotation commands threatgate writes.
WorkflowLevel = Literal["error", "warning", "notice"]


def workflow_data(text: str) -> str:
    """The message part of a GitHub Actions workflow command."""
    return one_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_property(text: str) -> str:
    """A property value (file=, title=) of a GitHub Actions workflow command."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(level: WorkflowLevel, message: str, **properties: object) -> str:
    """One annotation line (with its newline): ``::level key=value,...::message``.

    Property values (file names, titles, line numbers) and the message are escaped here,
    so a caller cannot forget to; ``None`` properties are left out.
    """
    props = ",".join(f"{key}={workflow_property(str(value))}"
                     for key, value in properties.items() if value is not None)
    return f"::{level}{' ' + props if props else ''}::{workflow_data(message)}\n"
