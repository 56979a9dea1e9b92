"""Exceptions of the core, each carrying the exit code the error boundary maps it to.

Exit codes: 0 ok, 1 policy or validation failure, 2 usage error or unreadable input,
3 internal error (a bug, never bad input).

Only the boundary (``threatgate.commands.main``) prints an error: the core raises, with the
message, the file it is about (``path``), the located problems (``diagnostics``, printed
one per line as ``path:line:col: severity: message [rule]``) and plain detail lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from threatgate.diagnostics import Diagnostic

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class ThreatgateError(Exception):
    """Base of every error threatgate reports to the user without a traceback.

    ``path`` names the file the error is about: the boundary prints ``PATH: error: ...``
    instead of ``threatgate: error: ...``. ``exit_code`` overrides the class's code.
    """

    exit_code = EXIT_USAGE
    #: False when the diagnostics say it all (an error at one place of a file): the
    #: ``PATH: error: message`` line is left out.
    headline = True
    #: Said in parentheses after each diagnostic, e.g. that its text was never written.
    diagnostic_note = ""
    #: ``(line, text)`` places of the file the error points at, printed ``PATH:LINE: text``.
    pointers: Sequence[tuple[int, str]] = ()

    def __init__(self, message: str = "", *, path: str | None = None,
                 diagnostics: Sequence[Diagnostic] = (), details: Sequence[str] = (),
                 exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.diagnostics = list(diagnostics)
        self.details = list(details)
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(ThreatgateError):
    """A path, file or configuration cannot be read or used (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(InputError):
    """The configuration file is malformed or holds unknown settings (exit 2)."""


class PolicyFailure(ThreatgateError):
    """The input was read, and it fails a check the user asked for (exit 1)."""

    exit_code = EXIT_FAILURE
