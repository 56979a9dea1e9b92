"""The API key goes only where it was meant to: plain http to loopback only, and no
redirect to another origin carries it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from threatgate.integrations.llm import EndpointError, Settings, check_transport, client

KEY = "sk-transport-secret"
REPLY = json.dumps({"choices": [{"message": {"content": "ok"}}]}).encode()


@pytest.mark.parametrize("url", [
    "https://llm.example/v1", "http://localhost:8080/v1", "http://LOCALHOST/v1",
    "http://127.0.0.1/v1", "http://127.4.5.6:9/v1", "http://[::1]:8000/v1",
])
def test_allowed_transports(url: str) -> None:
    check_transport(url, "--suggest-with")
    Settings.from_environment(url, {})


@pytest.mark.parametrize("url", [
    "http://llm.example/v1", "http://10.0.0.1/v1", "http://localhost.example.com/v1",
    "http://127.0.0.1.nip.io/v1", "http://[::ffff:8.8.8.8]/v1", "HTTP://llm.example/v1",
])
def test_plain_http_elsewhere_is_refused_before_any_request(url: str) -> None:
    with pytest.raises(EndpointError, match="plain http is allowed only to a loopback host"):
        Settings.from_environment(url, {"THREATGATE_LLM_API_KEY": KEY})
    with pytest.raises(EndpointError, match="plain http"):
        client(Settings(url, KEY, "m", 5.0))("s", "u")


class Server:
    """A local stand-in that records every request and answers as ``route`` says."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.requests: list[dict[str, Any]] = []
        self.route: dict[str, tuple[int, str]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self.rfile.read(length)
                server.requests.append({"method": self.command, "path": self.path,
                                        "headers": dict(self.headers)})
                code, location = server.route.get(self.path, (200, ""))
                self.send_response(code)
                body = REPLY if code == 200 else b""
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    first, second = Server(), Server()
    yield first, second
    first.close()
    second.close()


def _authorizations(server: Server) -> list[str | None]:
    return [request["headers"].get("Authorization") for request in server.requests]


@pytest.mark.parametrize("code", [301, 302, 303])
def test_a_redirect_to_another_origin_does_not_carry_the_key(
        servers: tuple[Server, Server], code: int) -> None:
    first, second = servers
    first.route["/v1"] = (code, f"{second.base}/elsewhere")
    assert client(Settings(f"{first.base}/v1", KEY, "m", 5.0))("s", "u") == "ok"
    assert _authorizations(first) == [f"Bearer {KEY}"]
    assert len(second.requests) == 1
    assert _authorizations(second) == [None]


@pytest.mark.parametrize("code", [307, 308])
def test_a_redirect_keeping_the_body_is_not_followed_elsewhere(
        servers: tuple[Server, Server], code: int) -> None:
    first, second = servers
    first.route["/v1"] = (code, f"{second.base}/elsewhere")
    with pytest.raises(EndpointError) as raised:
        client(Settings(f"{first.base}/v1", KEY, "m", 5.0))("s", "u")
    assert KEY not in str(raised.value)
    assert all(auth is None for auth in _authorizations(second))


def test_a_redirect_within_the_origin_keeps_the_key(servers: tuple[Server, Server]) -> None:
    first, _second = servers
    first.route["/v1"] = (302, "/v2")
    assert client(Settings(f"{first.base}/v1", KEY, "m", 5.0))("s", "u") == "ok"
    assert _authorizations(first) == [f"Bearer {KEY}", f"Bearer {KEY}"]


def test_another_host_name_for_the_same_machine_is_another_origin(
        servers: tuple[Server, Server]) -> None:
    first, _second = servers
    port = first.base.rsplit(":", 1)[1]
    first.route["/v1"] = (302, f"http://localhost:{port}/v2")
    client(Settings(f"{first.base}/v1", KEY, "m", 5.0))("s", "u")
    assert _authorizations(first) == [f"Bearer {KEY}", None]


def test_a_redirect_to_plain_http_elsewhere_is_refused(servers: tuple[Server, Server]) -> None:
    first, _second = servers
    first.route["/v1"] = (302, "http://llm.example/v1")
    with pytest.raises(EndpointError, match=r"redirects to 'http://llm\.example/v1': plain http"):
        client(Settings(f"{first.base}/v1", KEY, "m", 5.0))("s", "u")
