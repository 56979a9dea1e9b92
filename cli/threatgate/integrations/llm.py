"""The HTTP client of an OpenAI-compatible chat-completions endpoint (``--suggest-with``).

Standard library only. ``complete`` POSTs ``{model, messages}`` to the URL and returns
``choices[0].message.content`` of the reply; configuration comes from the environment:

* ``THREATGATE_LLM_API_KEY``: sent as ``Authorization: Bearer ...`` (never printed, never
  written anywhere);
* ``THREATGATE_LLM_MODEL``: the ``model`` field of the request (default ``gpt-4o-mini``);
* ``THREATGATE_LLM_TIMEOUT``: seconds to wait for the reply (default 60).

The reply is read up to :data:`MAX_REPLY_BYTES`; anything larger is refused. Error
messages name the URL without user, password or query, and never the key.

The key only travels where it was meant to: plain ``http://`` is allowed to a loopback
host only (``localhost``, 127.0.0.0/8, ``::1``), and a redirect is followed with the key
only within the same origin (scheme, host and port); a redirect to another origin is
followed without it, and one to plain http elsewhere is refused.
"""

from __future__ import annotations

import ipaddress
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO

from threatgate.errors import InputError

API_KEY_ENV = "THREATGATE_LLM_API_KEY"
MODEL_ENV = "THREATGATE_LLM_MODEL"
TIMEOUT_ENV = "THREATGATE_LLM_TIMEOUT"
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 60.0
#: Replies larger than this are refused unread.
MAX_REPLY_BYTES = 1_000_000


class EndpointError(InputError):
    """The chat-completions endpoint could not be used (exit 2)."""


@dataclass
class Settings:
    url: str
    api_key: str | None
    model: str
    timeout: float

    @classmethod
    def from_environment(cls, url: str, env: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if env is None else env
        raw_timeout = environ.get(TIMEOUT_ENV, "")
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT
        except ValueError:
            raise EndpointError(f"{TIMEOUT_ENV}={raw_timeout!r} is not a number of "
                                "seconds") from None
        if not 0 < timeout <= 3600:
            raise EndpointError(f"{TIMEOUT_ENV} must be between 0 and 3600 seconds")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise EndpointError(f"--suggest-with {redact(url)!r}: give an http:// or https:// "
                                "URL of a chat-completions endpoint")
        check_transport(url, "--suggest-with")
        return cls(url, environ.get(API_KEY_ENV) or None,
                   environ.get(MODEL_ENV) or DEFAULT_MODEL, timeout)


def redact(url: str) -> str:
    """The URL without user, password or query (they may hold a token)."""
    try:
        parsed = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    host = parsed.hostname or ""
    port = f":{parsed.port}" if _safe_port(parsed) else ""
    return urllib.parse.urlunsplit((parsed.scheme, host + port, parsed.path, "", ""))


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: ``localhost``, 127.0.0.0/8 or ``::1``."""
    if not host:
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str, what: str) -> None:
    """Refuse plain http to a host other than loopback (the key and prompts travel clear)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme.lower() == "http" and not is_loopback(parsed.hostname):
        raise EndpointError(f"{what} {redact(url)!r}: plain http is allowed only to a "
                            "loopback host (localhost, 127.0.0.0/8, ::1); use https://")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port defaulted from the scheme."""
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    port = _safe_port(parsed) or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parsed.hostname or "").lower(), port


class OriginBoundRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect with the key only when it stays on the request's origin."""

    def __init__(self, authorization: str | None) -> None:
        self.authorization = authorization

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        check_transport(newurl, f"{redact(req.full_url)} redirects to")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and self.authorization and origin(newurl) == origin(req.full_url):
            new.add_unredirected_header("Authorization", self.authorization)
        return new


def _safe_port(parsed: urllib.parse.SplitResult) -> int | None:
    try:
        return parsed.port
    except ValueError:
        return None


def complete(settings: Settings, system: str, user: str) -> str:
    """POST one system and one user message; return the reply's message content.

    Raises :class:`EndpointError` when the endpoint cannot be reached, answers with an
    HTTP error, takes longer than the timeout, or replies with too much or the wrong
    shape.
    """
    body = json.dumps({"model": settings.model, "messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": user},
    ]}).encode("utf-8")
    check_transport(settings.url, "--suggest-with")
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "User-Agent": "threatgate"}
    request = urllib.request.Request(settings.url, data=body, headers=headers, method="POST")
    # Unredirected: urllib copies ordinary headers to any redirect, whatever its origin.
    authorization = f"Bearer {settings.api_key}" if settings.api_key else None
    if authorization:
        request.add_unredirected_header("Authorization", authorization)
    opener = urllib.request.build_opener(OriginBoundRedirects(authorization))
    where = redact(settings.url)
    try:
        with opener.open(request, timeout=settings.timeout) as response:
            raw = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise EndpointError(f"{where}: the endpoint answered HTTP {exc.code}") from None
    except TimeoutError:
        raise EndpointError(f"{where}: no reply within {settings.timeout:g} seconds "
                            f"(set {TIMEOUT_ENV} to wait longer)") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise EndpointError(f"{where}: no reply within {settings.timeout:g} seconds "
                                f"(set {TIMEOUT_ENV} to wait longer)") from None
        raise EndpointError(f"{where}: cannot reach the endpoint "
                            f"({_scrub(str(reason), settings)})") from None
    except (OSError, ValueError) as exc:
        raise EndpointError(f"{where}: the request failed "
                            f"({_scrub(str(exc), settings)})") from None
    if len(raw) > MAX_REPLY_BYTES:
        raise EndpointError(f"{where}: the reply is larger than {MAX_REPLY_BYTES} bytes; "
                            "refused")
    return message_content(raw, where)


def client(settings: Settings) -> Callable[[str, str], str]:
    """``complete`` bound to ``settings``: (system message, user message) -> reply text."""
    def ask(system: str, user: str) -> str:
        return complete(settings, system, user)

    return ask


def _scrub(message: str, settings: Settings) -> str:
    message = message.replace(settings.url, redact(settings.url))
    if settings.api_key:
        message = message.replace(settings.api_key, "***")
    return message[:300]


def message_content(raw: bytes, where: str = "the endpoint") -> str:
    """``choices[0].message.content`` of a chat-completions reply."""
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise EndpointError(f"{where}: the reply is not JSON") from None
    try:
        content = envelope["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise EndpointError(f"{where}: the reply is not a chat completion "
                            "(no choices[0].message.content)") from None
    if not isinstance(content, str):
        raise EndpointError(f"{where}: the reply's message content is not text")
    return content
