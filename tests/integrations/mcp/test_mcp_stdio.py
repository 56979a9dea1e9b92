"""The server over real stdio, driven by the SDK's ``stdio_client`` and ``ClientSession``:
``python -m threatgate mcp`` in a throwaway repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from mcp_session import ok, over_stdio, refused, server_parameters

from conftest import VALID_MODEL

COMMENTED = VALID_MODEL.replace("controls:\n", "controls: # reviewed by the team\n")


@pytest.fixture
def repo(project: Path, write_model) -> Path:
    write_model(COMMENTED)
    (project / "sub").mkdir()
    return project


def test_tools_are_listed_with_typed_schemas_and_answer(repo: Path) -> None:
    async def body(session: Any) -> Any:
        listed = await session.list_tools()
        controls = await session.call_tool("get_controls", {"status": "implemented"})
        bad = await session.call_tool("get_controls", {"model_id": "../../etc/passwd"})
        after = await session.call_tool("list_threat_models", {})
        return listed, controls, bad, after

    listed, controls, bad, after = over_stdio(repo / "sub", body)
    tools = {tool.name: tool for tool in listed.tools}
    assert {"get_controls", "submit_assertions", "update_finding"} <= set(tools)
    schema = tools["submit_assertions"].input_schema["properties"]["assertions"]
    assert schema["type"] == "array" and schema["items"]["type"] == "object"
    assert tools["get_controls"].output_schema is not None
    rows = ok(controls)["items"]
    assert [row["id"] for row in rows] == ["C1"]
    assert rows[0]["path"] == "threatmodels/model.yaml"  # relative to the root, not sub/
    assert "no model" in refused(bad)
    assert ok(after)["total"] == 1


def test_repository_option_serves_another_folder(repo: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")

    async def body(session: Any) -> Any:
        return await session.call_tool("list_threat_models", {})

    listed = ok(over_stdio(elsewhere, body, "--repository", str(repo / "sub")))
    assert listed["items"][0]["path"] == "threatmodels/model.yaml"


def test_a_write_over_stdio_keeps_comments(repo: Path) -> None:
    async def body(session: Any) -> Any:
        return await session.call_tool("update_control_status",
                                       {"control_id": "C2", "status": "in_progress"})

    ok(over_stdio(repo, body))
    text = (repo / "threatmodels" / "model.yaml").read_text(encoding="utf-8")
    assert "controls: # reviewed by the team\n" in text
    assert text.count("status: in_progress") == 1


def test_standard_output_carries_only_protocol_messages(repo: Path) -> None:
    requests = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":'
        '"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
        '{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_controls",'
        '"arguments":{"limit":"x"}}}\n'
        '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"remove_asset",'
        '"arguments":{"asset_id":"A1"}}}\n')
    params = server_parameters(repo)
    server = subprocess.Popen([params.command, *params.args], cwd=repo, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env={**os.environ, **(params.env or {})})
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(requests)
    server.stdin.flush()
    messages = []
    while {m.get("id") for m in messages} != {1, 2, 3}:
        line = server.stdout.readline()
        assert line, "the server closed standard output"
        messages.append(json.loads(line))  # every line is a JSON-RPC message
    server.stdin.close()
    assert server.wait(60) == 0
    assert server.stdout.read() == ""
    assert all(message.get("jsonrpc") == "2.0" for message in messages)
    answers = {m["id"]: m["result"] for m in messages if "id" in m}
    assert answers[2]["isError"] and answers[3]["isError"]


def test_a_cli_edit_and_a_server_write_wait_for_each_other(repo: Path) -> None:
    """While an edit holds the model's lock, both a server write and a CLI edit wait;
    when it is released both land, each seeing the other."""
    from threatgate.document.transaction import exclusive_lock

    model = repo / "threatmodels" / "model.yaml"
    results: dict[str, Any] = {}

    async def body(session: Any) -> Any:
        await session.call_tool("list_threat_models", {})  # started and warm
        ready.set()
        return await session.call_tool("add_evidence",
                                       {"control_id": "C2", "links": ["https://ci/42"]})

    ready = threading.Event()
    with exclusive_lock(model):
        server = threading.Thread(target=lambda: results.update(
            server=over_stdio(repo, body)))
        server.start()
        assert ready.wait(60)
        cli = subprocess.Popen([sys.executable, "-m", "threatgate", "set-status", "C2",
                                "in_progress", "--note", "from the CLI"], cwd=repo,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert model.read_text(encoding="utf-8") == COMMENTED  # both are waiting
        assert cli.poll() is None
    server.join(120)
    assert cli.wait(120) == 0, cli.stderr.read() if cli.stderr else ""
    ok(results["server"])
    text = model.read_text(encoding="utf-8")
    assert "https://ci/42" in text and "from the CLI" in text
    assert "controls: # reviewed by the team\n" in text
