"""Gap tools, in-process: findings recorded together, listed, moved through the lifecycle
as on the CLI; the gaps checklist."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp_session import call, call_all, ok, refused

from conftest import FIXED_TODAY, VALID_MODEL


@pytest.fixture
def repo(project: Path, write_model, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_model(VALID_MODEL.replace("findings:\n", "findings: # gaps found in the code\n"))
    monkeypatch.chdir(project)
    return project


def test_submit_findings_writes_all_or_nothing(repo: Path) -> None:
    model = repo / "threatmodels" / "model.yaml"
    before = model.read_bytes()
    mixed = [{"control": "C2", "title": "No rate limit", "severity": "high"},
             {"control": "C9", "title": "Ghost", "severity": "low"}]
    assert "C9" in refused(call(repo, "submit_findings", {"findings": mixed}))
    assert model.read_bytes() == before
    done = ok(call(repo, "submit_findings", {"findings": [
        {"control": "C2", "title": "No rate limit", "severity": "high",
         "locations": ["src/api.py:12"], "expected_evidence": "a limiter"},
        {"control": "C1", "title": "Raw SQL in reports", "severity": "medium"}]}))
    added = done["result"]["added"]
    assert [f["id"] for f in added] == ["F2", "F3"]
    assert added[0]["status"] == "discovered" and added[0]["discovered_on"] == FIXED_TODAY
    text = model.read_text(encoding="utf-8")
    assert "findings: # gaps found in the code\n" in text
    assert set(done["lines"]) == {"F2", "F3"}
    assert text.splitlines()[done["lines"]["F3"] - 1] == "  - id: F3"


def test_list_findings_filters(repo: Path) -> None:
    every, acknowledged, on_c1 = (ok(r) for r in call_all(
        repo, ("list_findings", {}), ("list_findings", {"status": "acknowledged"}),
        ("list_findings", {"control_id": "C1"})))
    assert every["total"] == 1 and every["items"][0]["line"] > 1
    assert acknowledged["items"][0]["id"] == "F1"
    assert on_c1["total"] == 0


def test_the_lifecycle_is_enforced_as_on_the_cli(repo: Path) -> None:
    illegal, no_reason, no_proof = call_all(
        repo, ("update_finding", {"finding_id": "F1", "status": "discovered"}),
        ("update_finding", {"finding_id": "F1", "status": "dismissed"}),
        ("update_finding", {"finding_id": "F1", "status": "remediated"}))
    assert "cannot go from acknowledged to discovered" in refused(illegal)
    assert "needs a reason" in refused(no_reason)
    assert "assertions that prove the fix" in refused(no_proof)
    (repo / "waf.conf").write_text("SecRuleEngine On\n")
    proof = {"type": "pattern_matches", "file": "waf.conf", "pattern": "SecRuleEngine On"}
    fixed, verified = (ok(r) for r in call_all(
        repo, ("update_finding", {"finding_id": "F1", "status": "remediated",
                                  "assertions": [proof]}),
        ("update_finding", {"finding_id": "F1", "status": "verified"})))
    assert fixed["result"]["after"] == "remediated"
    assert verified["result"]["verdicts"]["0"]["status"] == "pass"
    unknown = call(repo, "update_finding", {"finding_id": "F8", "status": "verified"})
    assert "F8" in refused(unknown)


def test_scan_prompt_for_one_control_or_all(repo: Path) -> None:
    every, one, none = (ok(r) for r in call_all(
        repo, ("get_scan_prompt", {}), ("get_scan_prompt", {"control_id": "C2"}),
        ("get_scan_prompt", {"control_id": "C1"})))
    assert every["total"] == 1 and "## C2" in every["prompt"]
    assert one["items"][0]["id"] == "C2"
    assert none["total"] == 0
