"""Recording the handshake the server answers while the SDK loads
(:mod:`threatgate.integrations.mcp.handshake`): what the SDK itself answers to
``initialize`` and ``tools/list``, written to ``handshake.json``.

Run ``python -m threatgate.integrations.mcp.record`` after a change of the tools, of the
SDK or of pydantic; a test fails while the record differs from what the SDK answers.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from threatgate.integrations.mcp.handshake import RECORD, dependencies
from threatgate.integrations.mcp.repository import Repository
from threatgate.integrations.mcp.server import build_server, serve_sdk
from threatgate.integrations.mcp.wire import END, SdkAnswers, SdkLines, Wire


class AnswerSink(io.BytesIO):
    """The answers written by the SDK; the session's input ends (:data:`END`) once every
    request was answered, never before: ending it first would race the last answer."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.expected = expected
        self.wire: Wire | None = None

    def write(self, data: Any) -> int:
        written = super().write(data)
        if self.wire is not None and self.getvalue().count(b"\n") >= self.expected:
            self.wire.lines.put(END)
        return written


def sdk_answers(repo: Repository, lines: list[str]) -> list[dict[str, Any]]:
    """What the SDK answers to ``lines`` (requests and notifications) sent in one session,
    as JSON messages."""
    import anyio

    sink = AnswerSink(sum(1 for line in lines if "id" in json.loads(line)))
    wire = sink.wire = Wire(io.BytesIO(), sink)
    if sink.expected == 0:
        wire.lines.put(END)
    anyio.run(serve_sdk, build_server(repo), SdkLines(wire, lines), SdkAnswers(wire, set()))
    return [json.loads(line) for line in sink.getvalue().decode("utf-8").splitlines()]


def initialize_line(version: str, key: int = 1) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": key, "method": "initialize", "params": {
        "protocolVersion": version, "capabilities": {},
        "clientInfo": {"name": "threatgate-record", "version": "1"}}})


INITIALIZED_LINE = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
TOOLS_LIST_LINE = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})


def capture(repo: Repository) -> dict[str, Any]:
    """The record: the SDK's answers to ``initialize`` and ``tools/list``."""
    from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

    initialize, tools = sdk_answers(repo, [initialize_line(LATEST_HANDSHAKE_VERSION),
                                           INITIALIZED_LINE, TOOLS_LIST_LINE])
    result = dict(initialize["result"])
    result.pop("protocolVersion")
    result["serverInfo"] = {k: v for k, v in result["serverInfo"].items() if k != "version"}
    return {"depends_on": dependencies(),
            "handshake_versions": list(HANDSHAKE_PROTOCOL_VERSIONS),
            "latest_handshake_version": LATEST_HANDSHAKE_VERSION,
            "initialize": result, "tools_list": tools["result"]}


def record_text(repo: Repository) -> str:
    return json.dumps(capture(repo), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Record the handshake again (after a change of the tools, the SDK or pydantic)."""
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        RECORD.write_text(record_text(Repository.at(Path(empty))), encoding="utf-8")
    print(f"wrote {RECORD}")


if __name__ == "__main__":
    main()
