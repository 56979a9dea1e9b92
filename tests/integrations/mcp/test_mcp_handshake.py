"""The handshake answered while the SDK loads: the record is what the SDK answers, it is
used only where it applies, and the SDK is handed the session afterwards."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp_session import server_parameters

from conftest import VALID_MODEL
from threatgate.integrations.mcp.handshake import (
    DEPENDS_ON,
    RECORD,
    Handshake,
    dependencies,
    recorded,
)
from threatgate.integrations.mcp.record import (
    INITIALIZED_LINE,
    TOOLS_LIST_LINE,
    capture,
    initialize_line,
    sdk_answers,
)
from threatgate.integrations.mcp.repository import Repository
from threatgate.integrations.mcp.server import Front
from threatgate.integrations.mcp.wire import END, READY, Wire


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    return Repository.at(tmp_path)


def record_for_installed_sdk() -> Handshake:
    """The record, when it was made with the SDK and pydantic installed here; another
    release of either (a newer one from PyPI) makes the server answer everything itself,
    which the fallback tests prove, so the record's own tests do not apply."""
    data = json.loads(RECORD.read_text(encoding="utf-8"))
    installed = dependencies()
    versions = {name: installed[name] for name in DEPENDS_ON}
    if {name: data["depends_on"][name] for name in DEPENDS_ON} != versions:
        pytest.skip(f"the handshake was recorded with {data['depends_on']}, not {versions}")
    handshake = recorded()
    assert handshake is not None, (
        "the tools changed: record the handshake again with "
        "python -m threatgate.integrations.mcp.record")
    return handshake


def test_the_record_is_what_the_sdk_answers(repo: Repository) -> None:
    record_for_installed_sdk()
    assert capture(repo) == json.loads(RECORD.read_text(encoding="utf-8")), (
        "the tools changed: record the handshake again with "
        "python -m threatgate.integrations.mcp.record")


@pytest.mark.parametrize("version", ["2024-11-05", "2025-06-18", "2025-11-25", "2026-07-28",
                                     "1999-01-01", "not a version"])
def test_the_answers_from_the_record_are_the_sdks(repo: Repository, version: str) -> None:
    handshake = record_for_installed_sdk()
    sdk_initialize, sdk_tools = sdk_answers(
        repo, [initialize_line(version), INITIALIZED_LINE, TOOLS_LIST_LINE])
    assert handshake.answer(json.loads(initialize_line(version)),
                            initialized=False) == sdk_initialize
    assert handshake.answer(json.loads(TOOLS_LIST_LINE), initialized=True) == sdk_tools


@pytest.mark.parametrize("message", [
    {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "x"}},
    {"jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": {"cursor": "abc"}},
    {"jsonrpc": "2.0", "id": True, "method": "tools/list"},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 5, "method": "ping"},
    {"id": 5, "method": "tools/list"},
    [1, 2],
    None,
])
def test_what_the_record_cannot_answer_waits_for_the_sdk(message: Any) -> None:
    handshake = record_for_installed_sdk()
    assert handshake.answer(message, initialized=True) is None


@pytest.mark.parametrize("params", [
    None, {}, {"protocolVersion": 3, "capabilities": {}, "clientInfo": {"name": "c",
                                                                      "version": "1"}},
    {"protocolVersion": "2025-06-18", "capabilities": {}},
    {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "c"}},
])
def test_an_incomplete_initialize_waits_for_the_sdk(params: Any) -> None:
    handshake = record_for_installed_sdk()
    message = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    assert handshake.answer(message, initialized=False) is None
    # tools/list is answered only once initialize is
    assert handshake.answer(json.loads(TOOLS_LIST_LINE), initialized=False) is None


def test_a_record_of_other_versions_is_not_used(tmp_path: Path) -> None:
    data = json.loads(RECORD.read_text(encoding="utf-8"))
    other = tmp_path / "handshake.json"
    other.write_text(json.dumps({**data, "depends_on": {**data["depends_on"], "mcp": "0.1"}}),
                     encoding="utf-8")
    assert recorded(other) is None
    stale = {**data["depends_on"], "sources": "0" * 64}  # a tool edited since
    other.write_text(json.dumps({**data, "depends_on": stale}), encoding="utf-8")
    assert recorded(other) is None
    other.write_text("{not json", encoding="utf-8")
    assert recorded(other) is None
    assert recorded(tmp_path / "missing.json") is None


CALL = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_controls"}}\n'
SESSION = [initialize_line("2025-06-18") + "\n", INITIALIZED_LINE + "\n",
           TOOLS_LIST_LINE + "\n", CALL, "not json\n"]


def _front(handshake: Any) -> tuple[Front, list[dict[str, Any]]]:
    sink = io.BytesIO()
    wire = Wire(io.BytesIO(), sink)
    wire.feed(SESSION)
    wire.lines.put(END)
    wire.lines.put(READY)
    front = Front(wire, handshake)
    front.run()
    return front, [json.loads(line) for line in sink.getvalue().decode().splitlines()]


def test_the_front_answers_the_handshake_and_keeps_the_rest_in_order() -> None:
    front, answers = _front(record_for_installed_sdk())
    assert [a["id"] for a in answers] == [1, 2]
    assert answers[0]["result"]["protocolVersion"] == "2025-06-18"
    assert front.replay == [SESSION[0], SESSION[1], CALL, "not json\n"]
    assert front.answered == {1} and front.closed


def test_without_a_record_that_applies_the_sdk_answers_everything() -> None:
    front, answers = _front(None)
    assert answers == []
    assert front.replay == SESSION and front.answered == set() and front.closed


def test_over_stdio_each_request_is_answered_once(project: Path, write_model) -> None:
    """The handshake answered early, the SDK handed the session: nothing twice, nothing
    lost, even when the client sends everything at once."""
    write_model(VALID_MODEL)
    lines = [initialize_line("2025-11-25"), INITIALIZED_LINE, TOOLS_LIST_LINE,
             '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":'
             '"list_threat_models","arguments":{}}}',
             '{"jsonrpc":"2.0","id":4,"method":"ping"}']
    params = server_parameters(project)
    server = subprocess.Popen([params.command, *params.args], cwd=project, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL,
                              env={**os.environ, **(params.env or {})})
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write("\n".join(lines) + "\n")
    server.stdin.flush()
    answers = []
    while {a.get("id") for a in answers} != {1, 2, 3, 4}:
        line = server.stdout.readline()
        assert line, "the server closed standard output"
        answers.append(json.loads(line))
    server.stdin.close()
    assert server.wait(60) == 0
    answers += [json.loads(line) for line in server.stdout.read().splitlines()]
    assert sorted(a["id"] for a in answers) == [1, 2, 3, 4]  # the replayed one dropped
    by_id = {a["id"]: a for a in answers}
    assert by_id[3]["result"]["structuredContent"]["total"] == 1
    handshake = record_for_installed_sdk()
    assert by_id[2]["result"] == handshake.tools
