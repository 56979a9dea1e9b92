"""The chat-completions client: settings from the environment, reply parsing, errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from threatgate.errors import InputError
from threatgate.integrations.llm import (
    DEFAULT_MODEL,
    DEFAULT_TIMEOUT,
    MAX_REPLY_BYTES,
    EndpointError,
    Settings,
    client,
    message_content,
)

KEY = "sk-unit-secret"


def test_settings_from_the_environment() -> None:
    settings = Settings.from_environment("https://llm.example/v1/chat", {})
    assert (settings.api_key, settings.model, settings.timeout) == (
        None, DEFAULT_MODEL, DEFAULT_TIMEOUT)
    settings = Settings.from_environment("https://h/x", {
        "THREATGATE_LLM_API_KEY": KEY, "THREATGATE_LLM_MODEL": "m",
        "THREATGATE_LLM_TIMEOUT": "2.5"})
    assert (settings.api_key, settings.model, settings.timeout) == (KEY, "m", 2.5)


@pytest.mark.parametrize(("url", "env", "message"), [
    ("ftp://h/x", {}, "give an http:// or https:// URL"),
    ("https://u:secret@/x?k=1", {}, "give an http:// or https:// URL"),
    ("https://h/x", {"THREATGATE_LLM_TIMEOUT": "soon"}, "is not a number of seconds"),
    ("https://h/x", {"THREATGATE_LLM_TIMEOUT": "0"}, "between 0 and 3600"),
])
def test_bad_settings_are_usage_errors(url: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(EndpointError, match=message) as raised:
        Settings.from_environment(url, env)
    assert isinstance(raised.value, InputError)
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(("raw", "message"), [
    (b"not json", "not JSON"),
    (b'{"choices": []}', "not a chat completion"),
    (b'{"choices": [{"message": {"content": 3}}]}', "not text"),
])
def test_replies_of_the_wrong_shape_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(EndpointError, match=message):
        message_content(raw)


@pytest.fixture
def endpoint() -> Iterator[dict[str, Any]]:
    state: dict[str, Any] = {"requests": [], "body": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state["requests"].append({"headers": dict(self.headers),
                                      "body": json.loads(self.rfile.read(length))})
            self.send_response(200)
            self.send_header("Content-Length", str(len(state["body"])))
            self.end_headers()
            self.wfile.write(state["body"])

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1/chat/completions"
    yield state
    server.shutdown()
    server.server_close()


def test_client_posts_both_messages_and_returns_the_content(endpoint: dict[str, Any]) -> None:
    endpoint["body"] = json.dumps({"choices": [{"message": {"content": "hi"}}]}).encode()
    ask = client(Settings(endpoint["url"], KEY, "m", 5.0))
    assert ask("system text", "user text") == "hi"
    request = endpoint["requests"][0]
    assert request["body"] == {"model": "m", "messages": [
        {"role": "system", "content": "system text"}, {"role": "user", "content": "user text"}]}
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"


def test_oversized_replies_are_refused(endpoint: dict[str, Any]) -> None:
    endpoint["body"] = b" " * (MAX_REPLY_BYTES + 1)
    with pytest.raises(EndpointError, match="larger than"):
        client(Settings(endpoint["url"], None, "m", 5.0))("s", "u")
