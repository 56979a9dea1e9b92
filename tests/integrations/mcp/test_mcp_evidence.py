"""Evidence tools, in-process: assertions written (checked against the schema first),
listed with file and line, deleted; the verification report, never running commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp_session import call, call_all, ok, refused

from conftest import VALID_MODEL


@pytest.fixture
def repo(project: Path, write_model, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_model(VALID_MODEL.replace("controls:\n", "controls: # evidence below\n"))
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text("def run_query(sql, params):\n    pass\n")
    monkeypatch.chdir(project)
    return project


def test_submit_list_and_delete_assertions(repo: Path) -> None:
    new = {"type": "function_exists", "file": "src/db.py", "name": "run_query"}
    submitted, again, listed, deleted, after = call_all(
        repo, ("submit_assertions", {"control_id": "C2", "assertions": [new]}),
        ("submit_assertions", {"control_id": "C2", "assertions": [new]}),
        ("list_assertions", {"control_id": "C2"}),
        ("delete_assertion", {"control_id": "C1", "index": 0}),
        ("list_assertions", {}))
    assert ok(submitted)["result"]["assertions"] == [new]
    assert not ok(again)["changed"]
    row = ok(listed)["items"][0]
    assert row["type"] == "function_exists" and row["index"] == 0
    assert row["path"] == "threatmodels/model.yaml" and row["line"] > 1
    assert ok(deleted)["result"]["deleted"]["type"] == "pattern_absent"
    assert [r["control"] for r in ok(after)["items"]] == ["C2"]
    named = {"id": "q", "type": "file_exists", "file": "src/db.py"}
    added, by_id = call_all(repo, ("submit_assertions", {"control_id": "C2",
                                                         "assertions": [named]}),
                            ("delete_assertion", {"control_id": "C2", "assertion_id": "q"}))
    assert ok(added)["changed"] and ok(by_id)["result"]["deleted"] == named
    text = (repo / "threatmodels" / "model.yaml").read_text(encoding="utf-8")
    assert "controls: # evidence below\n" in text


def test_assertions_are_checked_against_the_schema_before_writing(repo: Path) -> None:
    before = (repo / "threatmodels" / "model.yaml").read_bytes()
    for assertion in ({"type": "function_exists", "file": "src/db.py"},
                      {"type": "no_such_type"},
                      {"type": "file_exists", "file": "../outside"},
                      {"type": "file_exists", "file": "/etc/passwd"}):
        message = refused(call(repo, "submit_assertions", {"control_id": "C2",
                                                            "assertions": [assertion]}))
        assert "assertion 1" in message
    out_of_range = call(repo, "delete_assertion", {"control_id": "C1", "index": 5})
    assert "no assertion at index 5" in refused(out_of_range)
    assert (repo / "threatmodels" / "model.yaml").read_bytes() == before


def test_verification_report_never_runs_commands(repo: Path) -> None:
    marker = repo / "ran"
    run = {"type": "command_succeeds", "command": ["touch", str(marker)]}
    ok(call(repo, "submit_assertions", {"control_id": "C2", "assertions": [run]}))
    summary, skipped, everything = (ok(r) for r in call_all(
        repo, ("get_verification_report", {"summary_only": True}),
        ("get_verification_report", {"status": "skipped"}),
        ("get_verification_report", {"summary_only": False, "limit": 1})))
    assert not marker.exists()
    assert summary["summary"]["skipped"] == 1 and "assertions" not in summary
    assert summary["summary"]["pass"] == 1  # C1: no f-string execute in src/db.py
    assert skipped["assertions"]["items"][0]["type"] == "command_succeeds"
    assert "assertions" not in ok(call(repo, "get_verification_report", {}))
    assert everything["assertions"]["total"] == 2
    assert len(everything["assertions"]["items"]) == 1
