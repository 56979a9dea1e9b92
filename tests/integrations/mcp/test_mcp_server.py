"""The server's tool families: every tool the issue names is registered, by its family's
module; the command starts it and says how to install the SDK when it is missing."""

from __future__ import annotations

import asyncio
import importlib
import typing
from pathlib import Path

import pytest
from mcp_session import call, ok

from threatgate.integrations.mcp import retrieval
from threatgate.integrations.mcp.repository import Repository
from threatgate.integrations.mcp.server import TOOL_FAMILIES, build_server
from threatgate.model.vocabulary import COLLECTIONS

#: The tools and parameters coding agents know from the hosted tools, by family.
EXPECTED = {
    "retrieval": {
        "list_threat_models": set(),
        "get_threat_model": {"include_cos"},
        "get_controls": {"model_id", "control_id", "status", "co_id", "component_id",
                         "offset", "limit"},
        "get_control_objectives": {"co_id", "status", "offset", "limit"},
        "assess_model": {"summary_only", "status", "offset", "limit"},
        "get_review_queue": set(),
        "query_threat_model": set(),
    },
    "updates": {
        "update_control_status": {"status", "notes"}, "refine_control": set(),
        "add_evidence": set(), "remove_evidence": set(), "add_asset": set(),
        "edit_asset": set(), "remove_asset": set(), "add_attacker": set(),
        "edit_attacker": set(), "remove_attacker": set(), "add_threat": set(),
        "add_control": set(),
    },
    "evidence": {
        "submit_assertions": set(), "list_assertions": set(), "delete_assertion": set(),
        "get_verification_report": {"status", "summary_only", "offset", "limit"},
    },
    "findings": {"submit_findings": set(), "list_findings": set(), "update_finding": set(),
                 "get_scan_prompt": set()},
    "outputs": {"generate_threat_model": set(), "regenerate_controls": set(),
                "export_threat_model": set()},
    "compliance": {"list_compliance_frameworks": set(),
                   "get_compliance_report": {"framework", "model_id", "status", "offset",
                                             "limit"},
                   "map_control_to_requirement": {"control_id", "requirements", "remove"}},
}


class Recorder:
    """Stands in for the server: records the tools a family registers."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def add_tool(self, fn: typing.Any, name: str, **_: typing.Any) -> None:
        self.names.append(name)


@pytest.mark.parametrize("family", TOOL_FAMILIES)
def test_each_family_registers_its_own_tools(family: str, tmp_path: Path) -> None:
    recorder = Recorder()
    importlib.import_module(family).register(recorder, Repository.at(tmp_path))
    assert set(recorder.names) == set(EXPECTED[family.rsplit(".", 1)[1]])
    assert len(recorder.names) == len(set(recorder.names))


def test_every_tool_is_reachable_with_its_parameters(tmp_path: Path) -> None:
    server = build_server(Repository.at(tmp_path))
    tools = {tool.name: tool for tool in asyncio.run(server.list_tools())}
    expected = {name: params for family in EXPECTED.values() for name, params in family.items()}
    assert set(tools) == set(expected)
    for name, params in expected.items():
        assert params <= set(tools[name].input_schema.get("properties", {})), name
        assert tools[name].description, name
        assert tools[name].output_schema is not None, name


def test_the_kinds_of_query_are_the_collections() -> None:
    assert set(typing.get_args(retrieval.Kind)) == set(COLLECTIONS)


def test_an_empty_repository_is_a_clear_tool_error(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = call(tmp_path, "list_threat_models")
    assert result.is_error and "threatgate init" in result.content[0].text
    (tmp_path / "threatmodels").mkdir()
    (tmp_path / "threatmodels" / "m.yaml").write_text("threatgate: 1\n")
    assert ok(call(tmp_path, "list_threat_models"))["items"][0]["valid"] is False


def test_the_command_asks_for_the_sdk_when_it_is_missing(run_cli, project: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "mcp.server.mcpserver", None)  # as if not installed
    result = run_cli("mcp", cwd=project)
    assert result.exit_code == 2
    assert 'pip install "threatgate[mcp]"' in result.output


def test_every_tool_and_client_configuration_is_documented() -> None:
    from conftest import REPO_ROOT

    text = (REPO_ROOT / "docs" / "mcp.md").read_text(encoding="utf-8")
    for family in EXPECTED.values():
        for name in family:
            assert f"`{name}`" in text, f"{name} is missing from docs/mcp.md"
    for client in (".mcp.json", ".cursor/mcp.json", "claude_desktop_config.json"):
        assert client in text
    assert 'pip install "threatgate[mcp]"' in text
