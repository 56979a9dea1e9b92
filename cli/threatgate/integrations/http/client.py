"""A small JSON client of one web service over ``httpx``, with retries under a deadline.

What is retried: 429 (after ``Retry-After``, bounded), 5xx, connection failures, resets and
timeouts (after an exponential backoff with jitter), as long as the request's total deadline
allows. A request that is not safe to repeat (``POST`` unless said otherwise) is retried
only when the service surely did not act on it (429, or the connection was never made);
otherwise :class:`OutcomeUnknown` tells the caller to look before trying again. Any other
4xx raises :class:`ServiceError` with the service's own message. Redirects are not followed
(the credentials go to the configured site only). ``sleep``, ``clock`` and ``draw`` are
injectable, so that tests never wait.
"""

from __future__ import annotations

import json as jsonlib
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from threatgate import __version__
from threatgate.errors import InputError
from threatgate.integrations.http.auth import Credentials
from threatgate.integrations.http.errors import (
    OutcomeUnknown,
    ServiceError,
    ServiceUnavailable,
    scrub,
    service_reasons,
)
from threatgate.integrations.http.retry import RetryPolicy, retry_after_seconds
from threatgate.integrations.llm import is_loopback, redact

#: Methods a service applies the same way however often they arrive.
REPEATABLE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
#: Failures that happen before the request left this machine: always safe to retry.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Retry:
    """One failed attempt that may be tried again after ``wait`` seconds (``None``: the
    backoff decides)."""

    fault: str
    wait: float | None = None


def check_base_url(url: str, setting: str) -> str:
    """``url`` if credentials may be sent to it: http(s), a host, no user or password in it,
    plain http only to this machine (loopback)."""
    try:
        parsed = urllib.parse.urlsplit(url)
        parsed.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise InputError(f"{setting}: {redact(url)!r} is not a URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise InputError(f"{setting}: give an https:// URL, not {redact(url)!r}")
    if parsed.username or parsed.password:
        raise InputError(f"{setting}: the URL holds a user or password; credentials come "
                         "from the environment only")
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        raise InputError(f"{setting}: {redact(url)!r}: plain http is allowed only to a "
                         "loopback host; use https://")
    return url


def require_settings(table: Mapping[str, Any], where: str, examples: Mapping[str, str],
                     docs: str) -> None:
    """Refuse a settings ``table`` (``where``: ``FILE: [section]``) that leaves a required
    key empty, naming the key with an example value and the page ``docs`` explains it on."""
    for name, example in examples.items():
        if not table.get(name):
            raise InputError(f"{where} {name} is not set (e.g. {name} = \"{example}\"); "
                             f"see {docs}")


@dataclass(frozen=True)
class Upload:
    """A file sent as ``multipart/form-data``, with the extra headers its endpoint needs."""

    filename: str
    content: bytes
    media_type: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Body:
    """What one request sends besides its method and path."""

    params: Mapping[str, Any] | None = None
    json: Any = None
    upload: Upload | None = None


class HttpClient:
    """JSON requests to ``base_url`` (e.g. ``https://acme.atlassian.net``) as ``service``
    (the name in messages, e.g. ``Jira``)."""

    def __init__(self, base_url: str, credentials: Credentials | None, *, service: str,
                 policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 draw: Callable[[], float] = random.random,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.service = service
        self.policy = policy or RetryPolicy()
        self.requests_sent = 0
        self._secrets = (credentials.secret,) if credentials else ()
        self._describe_auth = credentials.describe() if credentials else "none"
        self._sleep, self._clock, self._draw = sleep, clock, draw
        self._http = httpx.Client(
            base_url=self.base_url + "/", auth=credentials.auth() if credentials else None,
            follow_redirects=False, transport=transport, trust_env=False,
            headers={"Accept": "application/json", "User-Agent": f"threatgate/{__version__}"})

    def __repr__(self) -> str:
        return (f"HttpClient({self.service}, {redact(self.base_url)!r}, "
                f"auth={self._describe_auth})")

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any, *, repeatable: bool = False) -> Any:
        """POST ``json``; ``repeatable`` when the service's effect is the same however often
        it arrives (a search), so that faults after sending are retried too."""
        return self.request("POST", path, json=json, repeatable=repeatable)

    def put(self, path: str, json: Any) -> Any:
        return self.request("PUT", path, json=json)

    def upload(self, path: str, filename: str, content: bytes, media_type: str, *,
               headers: Mapping[str, str] | None = None) -> Any:
        """PUT one file as ``multipart/form-data`` (field ``file``), the way Atlassian's
        attachment endpoints take it; PUT there creates or replaces, so it is repeatable."""
        upload = Upload(filename, content, media_type, dict(headers or {}))
        return self.request("PUT", path, upload=upload)

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, repeatable: bool | None = None,
                upload: Upload | None = None) -> Any:
        """Send until answered or out of attempts or time; the decoded JSON reply (``None``
        for an empty one)."""
        if repeatable is None:
            repeatable = method.upper() in REPEATABLE_METHODS
        what = f"{method} {urllib.parse.urlsplit(path).path}"
        started, failures = self._clock(), 0
        while True:
            left = self.policy.deadline - (self._clock() - started)
            outcome = self._attempt(method, path, Body(params, json, upload), repeatable,
                                    what, left)
            if not isinstance(outcome, Retry):
                return outcome
            failures += 1
            wait = outcome.wait
            if wait is None:
                wait = self.policy.backoff(failures, self._draw)
            elif wait > self.policy.max_retry_after:
                raise self._unavailable(what, outcome.fault, f"it asks to wait {wait:g} s, "
                                        f"more than {self.policy.max_retry_after:g} s")
            if failures >= self.policy.max_attempts:
                raise self._unavailable(what, outcome.fault, f"after {failures} attempts")
            if self._clock() - started + wait > self.policy.deadline:
                raise self._unavailable(what, outcome.fault, "no time left within "
                                        f"{self.policy.deadline:g} s")
            self._sleep(wait)

    def _attempt(self, method: str, path: str, body: Body, repeatable: bool, what: str,
                 left: float) -> Any:
        """One try: the decoded reply, a :class:`Retry`, or an error raised."""
        timeout = max(min(self.policy.attempt_timeout, left), 0.001)
        self.requests_sent += 1
        upload = body.upload
        try:
            if upload is None:
                response = self._http.request(method, path.lstrip("/"), params=body.params,
                                              json=body.json, timeout=timeout)
            else:
                files = {"file": (upload.filename, upload.content, upload.media_type)}
                response = self._http.request(method, path.lstrip("/"), params=body.params,
                                              files=files, headers=upload.headers,
                                              timeout=timeout)
        except httpx.RequestError as exc:  # transport failures, undecodable bodies
            fault = self._transport_fault(exc, timeout)
            if not repeatable and not isinstance(exc, NOT_SENT):
                raise OutcomeUnknown(self._message(what, f"{fault}; it may have taken "
                                                   "effect")) from None
            return Retry(fault)
        status = response.status_code
        if status < 300:
            return self._decode(response, what)
        fault = f"answered {status} {response.reason_phrase}".rstrip()
        if status == 429 or (status >= 500 and repeatable):
            return Retry(fault, retry_after_seconds(response.headers.get("Retry-After"),
                                                    time.time()))
        if status >= 500:
            raise OutcomeUnknown(self._message(what, f"{fault}; it may have taken effect"))
        if 300 <= status < 400:
            raise ServiceError(self._message(what, f"{fault}, a redirect (not followed): "
                                             "check the URL setting"), status=status)
        reasons = [scrub(reason, self._secrets) for reason in service_reasons(response.content)]
        detail = ": " + "; ".join(reasons) if reasons else ""
        raise ServiceError(self._message(what, fault + detail), status=status, reasons=reasons)

    def _decode(self, response: httpx.Response, what: str) -> Any:
        if not response.content.strip():
            return None
        try:
            return jsonlib.loads(response.content)
        except (UnicodeDecodeError, jsonlib.JSONDecodeError, RecursionError):
            raise ServiceError(self._message(what, f"answered {response.status_code} with "
                                             "something other than JSON"),
                               status=response.status_code) from None

    def _transport_fault(self, exc: httpx.RequestError, timeout: float) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"no answer within {timeout:g} s"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect ({scrub(str(exc), self._secrets)})"
        return f"the connection failed ({type(exc).__name__}: {scrub(str(exc), self._secrets)})"

    def _unavailable(self, what: str, fault: str, why: str) -> ServiceUnavailable:
        return ServiceUnavailable(self._message(what, f"{fault}; gave up: {why}"))

    def _message(self, what: str, text: str) -> str:
        return scrub(f"{self.service} {redact(self.base_url)}: {what}: {text}", self._secrets)
