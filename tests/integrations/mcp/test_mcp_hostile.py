"""Hostile arguments: paths leaving the repository, huge payloads, wrong types. Each is a
tool error with a clear message, nothing outside the repository is read or written, and
the server keeps serving in the same session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp_session import ok, refused, with_client

from conftest import VALID_MODEL

ESCAPES = ["../outside.yaml", "/etc/passwd", "threatmodels/../../outside.yaml",
           "threatmodels/../threatgate.toml", "..", "shop\x00", "~/x.yaml",
           "threatmodels/link.yaml", "C:\\Windows\\win.ini", "x" * 600]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "repo"
    (project / ".git").mkdir(parents=True)
    (project / "threatmodels").mkdir()
    (project / "threatmodels" / "model.yaml").write_text(VALID_MODEL, encoding="utf-8")
    outside = tmp_path / "outside.yaml"
    outside.write_text(VALID_MODEL.replace("id: shop", "id: outside"), encoding="utf-8")
    (project / "threatmodels" / "link.yaml").symlink_to(outside)
    monkeypatch.chdir(project)
    return project


def session(repo: Path, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    async def body(client: Any) -> list[Any]:
        results = [await client.call_tool(name, args) for name, args in calls]
        results.append(await client.call_tool("get_controls", {"limit": 1}))
        return results

    results: list[Any] = with_client(repo, body)
    assert ok(results[-1])["total"] == 2, "the server stopped serving"
    return results[:-1]


def test_model_names_never_leave_the_repository(repo: Path, tmp_path: Path) -> None:
    outside = (tmp_path / "outside.yaml").read_bytes()
    calls = []
    for name in ESCAPES:
        calls += [("get_threat_model", {"model_id": name}),
                  ("update_control_status", {"model_id": name, "control_id": "C2",
                                             "status": "implemented"}),
                  ("export_threat_model", {"model_id": name, "format": "json"})]
    for result in session(repo, calls):
        message = refused(result)
        assert "outside" not in message or "no model" in message
    assert (tmp_path / "outside.yaml").read_bytes() == outside
    assert not (tmp_path / "outside.yaml.lock").exists()


def test_huge_payloads_are_refused(repo: Path) -> None:
    before = (repo / "threatmodels" / "model.yaml").read_bytes()
    deep: Any = "x"
    for _ in range(100):
        deep = {"a": deep}
    results = session(repo, [
        ("generate_threat_model", {"description": "api " * 100_000}),
        ("submit_assertions", {"control_id": "C2", "assertions": [
            {"type": "file_exists", "file": f"f{i}"} for i in range(5_000)]}),
        ("add_evidence", {"control_id": "C2", "links": ["x" * 1_000_000]}),
        ("query_threat_model", {"query": "q" * 10_000}),
        ("edit_asset", {"asset_id": "A1", "fields": {"x-deep": deep}}),
        ("edit_asset", {"asset_id": "A1", "fields": {f"x-{i}": i for i in range(5_000)}}),
        ("edit_asset", {"asset_id": "A1", "fields": {"description": "d" * 1_000_000}}),
        ("update_finding", {"finding_id": "F1", "assertions": [
            {"type": "file_exists", "file": "f" * 300_000}]}),
        ("submit_findings", {"findings": [{"control": "C2", "title": "t" * 100_000,
                                           "severity": "low"}]}),
    ])
    for result in results:
        refused(result)
    assert (repo / "threatmodels" / "model.yaml").read_bytes() == before


def test_wrong_types_are_tool_errors(repo: Path) -> None:
    before = (repo / "threatmodels" / "model.yaml").read_bytes()
    results = session(repo, [
        ("get_controls", {"limit": "ten"}),
        ("get_controls", {"offset": -1}),
        ("add_evidence", {"control_id": "C2", "links": "https://x"}),
        ("submit_findings", {"findings": '[{"control": "C2"}]'}),
        ("submit_assertions", {"control_id": "C2", "assertions": ["file_exists"]}),
        ("update_control_status", {"control_id": ["C2"], "status": "implemented"}),
        ("update_control_status", {"control_id": "C2", "status": "done"}),
        ("edit_asset", {"asset_id": "A1", "fields": "name=x"}),
        ("delete_assertion", {"control_id": "C1", "index": "0; rm -rf /"}),
        ("no_such_tool", {}),
    ])
    for result in results:
        assert refused(result)
    assert (repo / "threatmodels" / "model.yaml").read_bytes() == before
