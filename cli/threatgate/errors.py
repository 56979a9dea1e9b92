"""Exceptions of the core, each carrying the exit code the error boundary maps it to.

Exit codes: 0 ok, 1 policy or validation failure, 2 usage error or unreadable input,
3 internal error (a bug, never bad input).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class ThreatgateError(Exception):
    """Base of every error threatgate reports to the user without a traceback."""

    exit_code = EXIT_USAGE


class InputError(ThreatgateError):
    """A path, file or configuration cannot be read or used (exit 2)."""

    exit_code = EXIT_USAGE


class ConfigError(InputError):
    """The configuration file is malformed or holds unknown settings (exit 2)."""


class PolicyFailure(ThreatgateError):
    """The input was read, and it fails a check the user asked for (exit 1)."""

    exit_code = EXIT_FAILURE
