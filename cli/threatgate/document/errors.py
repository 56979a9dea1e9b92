"""The one error of every edit of a model file: the edit is refused, nothing is written."""

from __future__ import annotations

from collections.abc import Sequence

from threatgate.diagnostics import Diagnostic, Severity
from threatgate.errors import EXIT_FAILURE, EXIT_USAGE, ThreatgateError

#: Said after each validation problem of a refused edit: the text it is in was never written.
NOT_WRITTEN = "in the edited text, not written"


class EditError(ThreatgateError):
    """An edit is refused (exit 1) or asked for wrongly (exit 2); the file is left as it was.

    ``rule``, ``line`` and ``column`` say where in the file the refusal is, when it is at
    one place (a file that does not load, a list laid out in a way the editor cannot
    edit). ``problems`` are the validation errors the edit would have introduced, located
    in the edited text. ``pointers`` are ``(line, text)`` places of the file the refusal
    names (e.g. the references that block a removal).

    The engine does not know how the user named the file: :meth:`name_file` fills in
    ``path`` (and with it the located diagnostics the error boundary prints).
    """

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, rule: str = "edit-refused", line: int | None = None,
                 column: int | None = None, problems: Sequence[Diagnostic] = (),
                 details: Sequence[str] = (), pointers: Sequence[tuple[int, str]] = (),
                 exit_code: int | None = None) -> None:
        super().__init__(message, details=details, exit_code=exit_code)
        self.rule, self.line, self.column = rule, line, column
        self.problems = list(problems)
        self.pointers = list(pointers)
        if self.problems:
            self.diagnostic_note = NOT_WRITTEN

    @classmethod
    def usage(cls, message: str) -> EditError:
        """An edit asked for wrongly (an unknown field, a malformed value): exit 2."""
        return cls(message, exit_code=EXIT_USAGE)

    def name_file(self, path: str) -> EditError:
        """Say which file the refused edit was about (as the user named it)."""
        if self.path is not None:
            return self
        self.path = path
        if self.problems:
            self.diagnostics = list(self.problems)
        elif self.line is not None:
            # Refused at one place of the file: that place, located, says it all.
            self.diagnostics = [Diagnostic(path, self.line, self.column or 1, Severity.ERROR,
                                           self.message, self.rule)]
            self.headline = False
        return self
