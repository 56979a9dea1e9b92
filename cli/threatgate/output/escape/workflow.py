"""The parts of a GitHub Actions workflow command (``::error file=...,title=...::message``).

Workflow commands have their own escaping (percent-encoding), not the terminal's: GitHub
decodes it back before showing the annotation.
"""

from __future__ import annotations

from threatgate.output.escape.text import one_line


def workflow_data(text: str) -> str:
    """The message part of a GitHub Actions workflow command."""
    return one_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def workflow_property(text: str) -> str:
    """A property value (file=, title=) of a GitHub Actions workflow command."""
    return workflow_data(text).replace(":", "%3A").replace(",", "%2C")
