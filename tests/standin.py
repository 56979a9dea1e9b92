"""A local stand-in of a web service (127.0.0.1, a thread) that can be told to misbehave.

``StandIn(app)`` answers each request with ``app(seen)`` -> :class:`Reply`; ``inject``
queues faults for the next requests that match a method and path: an HTTP status
(429 with ``Retry-After``, 500, 503), a connection reset or a hang past the client's timeout,
either before the request is handled or after it took effect (the case that must never
duplicate a create). Every request is recorded in ``requests``.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from threatgate.integrations.http import RetryPolicy


@dataclass
class Seen:
    """A request as the stand-in received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    """``kind``: ``status`` (answer ``status`` with ``headers``), ``reset``, ``hang``, and
    ``status-after`` / ``reset-after`` / ``hang-after`` (the request takes effect first:
    then the error is answered, or the answer is lost)."""

    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    path: str | None = None
    times: int = 1

    def matches(self, seen: Seen) -> bool:
        return ((self.method is None or self.method == seen.method)
                and (self.path is None or seen.path.startswith(self.path)))


#: How long a ``hang`` holds the request: longer than the tests' attempt timeout.
HANG_SECONDS = 1.5


class StandIn:
    def __init__(self, app: Callable[[Seen], Reply]) -> None:
        self.app = app
        self.requests: list[Seen] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes: without this, each answer
            # would wait for the client's delayed acknowledgement.
            disable_nagle_algorithm = True

            def handle_one(self) -> None:
                stand_in.serve(self)

            do_GET = do_POST = do_PUT = do_DELETE = handle_one

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def inject(self, kind: str, *, status: int = 500, retry_after: str | None = None,
               method: str | None = None, path: str | None = None, times: int = 1) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        with self.lock:
            self.faults.append(Fault(kind, status, headers, method, path, times))

    def count(self, method: str, path: str = "") -> int:
        return sum(1 for r in self.requests if r.method == method and r.path.startswith(path))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _take_fault(self, seen: Seen) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(seen):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(handler.path)
        seen = Seen(handler.command, parsed.path, urllib.parse.parse_qs(parsed.query),
                    dict(handler.headers), _body(raw))
        with self.lock:
            self.requests.append(seen)
        fault = self._take_fault(seen)
        if fault is None:
            self._send(handler, self.app(seen))
        elif fault.kind in ("status", "status-after"):
            if fault.kind == "status-after":
                self.app(seen)
            self._send(handler, Reply(fault.status, {"errorMessages": ["injected"]},
                                      fault.headers))
        else:
            if fault.kind.endswith("-after"):
                self.app(seen)
            if fault.kind.startswith("hang"):
                threading.Event().wait(HANG_SECONDS)
            _reset(handler)

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        body = b"" if reply.body is None else (
            reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode())
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)


def _body(raw: bytes) -> Any:
    """A request's body: its JSON, or the bytes themselves (a multipart upload)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Drop the connection with a TCP reset, without a byte of answer."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        pass


class FakeTime:
    """A clock that only moves when slept on: the client's waits cost no time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# --- what the command tests of every integration share -----------------------------------

#: Retries short enough for tests; one attempt outlives a loaded machine's slowest answer
#: yet not a ``hang`` (:data:`HANG_SECONDS`).
FAST_RETRIES = RetryPolicy(deadline=30, attempt_timeout=1.0, base_delay=0.01, max_delay=0.05,
                           max_retry_after=5, max_attempts=6)


def record_waits(monkeypatch: Any, session: Any) -> list[float]:
    """Give ``session`` (an integration's session module) :data:`FAST_RETRIES` and record
    every wait of a run instead of sleeping it."""
    recorded: list[float] = []
    monkeypatch.setattr(session, "RETRY_POLICY", FAST_RETRIES)
    monkeypatch.setattr(session, "wait", recorded.append)
    return recorded


def use_credentials(monkeypatch: Any, names: tuple[str, ...], env: dict[str, str]) -> None:
    """Only ``env`` among the credential variables ``names`` is set."""
    for name in names:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def command_runner(group: str, secrets: tuple[str, ...]) -> Callable[..., Any]:
    """Run ``threatgate GROUP ARGS`` and check that no secret and no traceback reached
    any output."""
    from click.testing import CliRunner

    from threatgate.commands.main import cli

    def run(*args: str) -> Any:
        result = CliRunner().invoke(cli, [group, *args], catch_exceptions=False)
        for secret in secrets:
            assert secret not in result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        return result

    return run
