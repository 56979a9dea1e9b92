"""The one import refusal, and how it names a place of the source document."""

from __future__ import annotations

from threatgate.diagnostics import Diagnostic, Severity
from threatgate.errors import PolicyFailure

#: A place in the source document: keys and list indexes from its root.
SourcePath = tuple[str | int, ...]


def pointer(path: SourcePath) -> str:
    """The JSON pointer (RFC 6901) of a place in the source document."""
    if not path:
        return "/"
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


class ImportRefused(PolicyFailure):
    """The source cannot be imported: it is malformed or not in the expected format.

    Exit 1 (invalid content). The diagnostic locates the problem by line and column and
    its message names the JSON pointer of the offending value; nothing is written.
    """

    headline = False
    diagnostic_note = "nothing written"

    def __init__(self, message: str, *, path: str, line: int = 1, column: int = 1,
                 rule: str = "import-invalid") -> None:
        diagnostic = Diagnostic(path, line, column, Severity.ERROR, message, rule)
        super().__init__(message, path=path, diagnostics=[diagnostic])
