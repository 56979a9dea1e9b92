"""What a request to a web service can end in, short of an answer.

Every error is a :class:`~threatgate.errors.ThreatgateError` (exit 1: the run failed), so a
command that lets one through reports it at the error boundary without a traceback; the
commands that handle many items catch them one by one and count them as failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from threatgate.errors import EXIT_FAILURE, ThreatgateError

#: A service's message is cut to this many characters.
MAX_MESSAGE = 500


class HttpError(ThreatgateError):
    """A request to a web service did not get the answer it needed (exit 1)."""

    exit_code = EXIT_FAILURE


class ServiceError(HttpError):
    """The service refused the request (4xx other than 429, or a reply that is not JSON);
    ``status`` is the HTTP status, ``reasons`` the service's own messages."""

    def __init__(self, message: str, *, status: int, reasons: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.reasons = tuple(reasons)


class ServiceUnavailable(HttpError):
    """Retrying did not help: the service kept failing (5xx, 429, resets, timeouts) until the
    attempts or the deadline ran out."""


class OutcomeUnknown(ServiceUnavailable):
    """A request that must not be repeated blindly (a create) failed after it was sent:
    it may or may not have taken effect. The caller looks before it tries again."""


def service_reasons(body: bytes) -> list[str]:
    """The messages in an error reply, in the shapes the Atlassian services use.

    Jira: ``{"errorMessages": [...], "errors": {"field": "message"}}``; Confluence v1:
    ``{"message": "..."}``; Confluence v2: ``{"errors": [{"title": ..., "detail": ...}]}``.
    """
    try:
        reply = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return []
    if not isinstance(reply, dict):
        return []
    reasons = [str(m) for m in reply.get("errorMessages") or () if m]
    errors = reply.get("errors")
    if isinstance(errors, dict):
        reasons += [f"{name}: {text}" for name, text in errors.items()]
    elif isinstance(errors, list):
        reasons += [_listed_error(item) for item in errors if item]
    message = reply.get("message")
    if isinstance(message, str) and message:
        reasons.append(message)
    return [reason for reason in reasons if reason]


def _listed_error(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    parts = [str(item[key]) for key in ("title", "detail", "message") if item.get(key)]
    return ": ".join(parts) or str(item.get("code", ""))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***``, on one line, cut to a readable size."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"
