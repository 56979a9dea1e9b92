"""``threatgate diff``: models compared between two git references, and security regressions.

Every test builds a throwaway repository with real commits. The Markdown report has a
golden file; regenerate it after an intended change with

    THREATGATE_UPDATE_GOLDEN=1 python -m pytest tests/diff/test_diff.py
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import REPO_ROOT, check_golden, git
from threatgate.diff.compare import compare_sides, diff_refs
from threatgate.diff.regressions import REGRESSION_KINDS
from threatgate.diff.results import DiffResult, ModelSide
from threatgate.model.config import Config, load_config
from threatgate.model.loader import load_bytes
from threatgate.output.diff import MARKER, render_markdown, render_text

TODAY = dt.date(2026, 6, 1)

BASE_MODEL: dict[str, Any] = {
    "threatgate": 1,
    "id": "shop",
    "title": "Web shop",
    "owner": "shop-team",
    "assets": [
        {"id": "A1", "name": "Customer data", "properties": ["confidentiality"]},
        {"id": "A2", "name": "Orders", "properties": ["integrity"]},
    ],
    "attackers": [
        {"id": "ATK1", "name": "External attacker", "capability": "Sends HTTP requests.",
         "position": "external"},
    ],
    "objectives": [
        {"id": "CO1", "asset": "A1", "attacker": "ATK1", "mitigated_by": [["C1", "C3"]]},
        {"id": "CO2", "asset": "A2", "attacker": "ATK1", "mitigated_by": [["C4", "C6"]]},
    ],
    "threats": [
        {"id": "T1", "title": "SQL injection", "likelihood": 4, "impact": 5,
         "objectives": ["CO1"], "mitigations": ["C1"]},
        {"id": "T2", "title": "Order tampering", "likelihood": 3, "impact": 3,
         "objectives": ["CO2"], "mitigations": ["C5"]},
        {"id": "T3", "title": "Scraping", "likelihood": 2, "impact": 2, "objectives": ["CO1"]},
        {"id": "T4", "title": "Denial of service", "likelihood": 5, "impact": 4},
    ],
    "controls": [
        {"id": "C1", "title": "Parameterised queries", "status": "implemented"},
        {"id": "C3", "title": "Input validation", "status": "implemented",
         "assertions": [
             {"type": "function_exists", "file": "src/validate.py", "name": "check"},
             {"type": "pattern_present", "file": "src/validate.py", "pattern": "strict"},
         ]},
        {"id": "C4", "title": "Signed orders", "status": "implemented"},
        {"id": "C5", "title": "Order audit log", "status": "planned"},
        {"id": "C6", "title": "Order review", "status": "planned"},
    ],
    "assumptions": [
        {"id": "AS1", "description": "TLS at the load balancer", "attested_by": "platform"},
    ],
    "acceptances": [
        {"threat": "T2", "owner": "cto", "justification": "legacy", "review_by": "2026-09-30"},
    ],
    "findings": [
        {"id": "F1", "control": "C5", "title": "No audit log", "severity": "medium",
         "status": "acknowledged"},
        {"id": "F2", "control": "C6", "title": "No review", "severity": "low",
         "status": "discovered"},
    ],
}


def every_regression(model: dict[str, Any]) -> dict[str, Any]:
    """BASE_MODEL changed so that it holds one regression of every kind of a model."""
    head = copy.deepcopy(model)
    controls = {c["id"]: c for c in head["controls"]}
    controls["C1"]["status"] = "in_progress"  # control-status-regressed, objective-at-risk
    controls["C3"]["assertions"] = controls["C3"]["assertions"][:1]  # assertion-removed
    head["controls"] = [c for c in head["controls"] if c["id"] != "C5"]  # control-removed
    threats = {t["id"]: t for t in head["threats"]}
    threats["T1"]["impact"] = 3  # threat-score-lowered
    threats["T2"]["mitigations"] = []
    head["threats"] = [t for t in head["threats"] if t["id"] != "T3"]  # threat-removed
    head["acceptances"][0]["review_by"] = "2027-03-31"  # acceptance-extended
    head["acceptances"].append({"threat": "T4", "owner": "cto", "justification": "later",
                                "review_by": "2026-12-31"})  # acceptance-added
    head["objectives"][1]["mitigated_by"] = [["C4"]]  # mitigation-group-shrunk
    head["findings"][0]["status"] = "dismissed"  # finding-dismissed
    head["findings"][0]["reason"] = "not exploitable"
    head["findings"] = head["findings"][:1]  # finding-removed
    return head


def dump(data: dict[str, Any]) -> str:
    """JSON is YAML 1.2; indented, every key sits on its own line."""
    return json.dumps(data, indent=2) + "\n"


def write(repo: Path, rel: str, content: dict[str, Any] | str | bytes) -> Path:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else dump(content),
                        encoding="utf-8")
    return path


def commit(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def run_diff(repo: Path, base: str = "HEAD~1", head: str | None = "HEAD", *,
             worktree: bool = False) -> DiffResult:
    return diff_refs(Config(root=repo), base, head, worktree=worktree, today=TODAY)


@pytest.fixture
def two_commits(git_repo: Path) -> Callable[..., DiffResult]:
    """Commit ``before`` files, then ``after`` files (None deletes), and diff the two."""

    def make(before: dict[str, Any], after: dict[str, Any]) -> DiffResult:
        for rel, content in before.items():
            write(git_repo, rel, content)
        commit(git_repo, "base")
        for rel, content in after.items():
            if content is None:
                (git_repo / rel).unlink()
            else:
                write(git_repo, rel, content)
        commit(git_repo, "head")
        return run_diff(git_repo)

    return make


def kinds(result: DiffResult, acknowledged: bool | None = None) -> set[str]:
    return {r.kind for r in result.regressions
            if acknowledged is None or r.acknowledged == acknowledged}


# --- models --------------------------------------------------------------------------------


def test_model_added_removed_and_unchanged_ones_not_read(two_commits: Callable[...,
                                                                              DiffResult]
                                                         ) -> None:
    other = {**copy.deepcopy(BASE_MODEL), "id": "billing", "title": "Billing"}
    gone = {**copy.deepcopy(BASE_MODEL), "id": "legacy"}
    result = two_commits(
        {"threatmodels/shop.yaml": BASE_MODEL, "threatmodels/legacy.yaml": gone},
        {"threatmodels/billing.yml": other, "threatmodels/legacy.yaml": None},
    )
    by_id = {m.model: m for m in result.models}
    assert set(by_id) == {"billing", "legacy"}  # shop did not change: not even listed
    assert by_id["billing"].status == "added"
    assert by_id["billing"].after is not None and by_id["billing"].after["threats"] == 4
    assert by_id["legacy"].status == "removed"
    [removed] = by_id["legacy"].regressions
    assert removed.kind == "model-removed"
    assert (removed.path, removed.line, removed.side) == ("threatmodels/legacy.yaml", 3, "base")
    assert result.summary["models_added"] == 1 and result.summary["models_removed"] == 1


def test_renamed_and_moved_models_match_by_id(two_commits: Callable[..., DiffResult]) -> None:
    second = {**copy.deepcopy(BASE_MODEL), "id": "billing"}
    changed = copy.deepcopy(second)
    changed["title"] = "Billing"
    result = two_commits(
        {"threatmodels/shop.yaml": BASE_MODEL, "threatmodels/billing.yaml": second},
        {"threatmodels/shop.yaml": None, "threatmodels/webshop.yaml": BASE_MODEL,
         "threatmodels/billing.yaml": None, "threatmodels/finance/billing.yaml": changed},
    )
    by_id = {m.model: m for m in result.models}
    assert by_id["shop"].status == "renamed"
    assert (by_id["shop"].base_path, by_id["shop"].head_path) == (
        "threatmodels/shop.yaml", "threatmodels/webshop.yaml")
    assert not by_id["shop"].entities and not by_id["shop"].regressions
    assert by_id["billing"].status == "moved"
    assert [(f.field, f.before, f.after) for f in by_id["billing"].model_fields] == [
        ("title", "Web shop", "Billing")]
    assert result.summary["models_renamed"] == 2 and not result.regressions


def test_model_id_changed_in_place_is_a_rename(
    two_commits: Callable[..., DiffResult]
) -> None:
    renamed = {**copy.deepcopy(BASE_MODEL), "id": "webshop"}
    renamed["threats"][3]["title"] = "Flooding"
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": renamed})
    [model] = result.models
    assert (model.model, model.base_model, model.status) == ("webshop", "shop", "renamed")
    assert [(f.field, f.before, f.after) for f in model.model_fields] == [
        ("id", "shop", "webshop")]
    assert [(e.kind, e.entity, e.change) for e in model.entities] == [
        ("threats", "T4", "changed")]
    assert not result.regressions
    assert "shop -> webshop" in render_text(result)


def test_model_moved_with_a_new_id_and_the_same_content_is_a_rename(
    two_commits: Callable[..., DiffResult]
) -> None:
    renamed = {**copy.deepcopy(BASE_MODEL), "id": "webshop"}
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": None,
                          "threatmodels/shops/web.yaml": renamed})
    [model] = result.models
    assert (model.model, model.base_model, model.status) == ("webshop", "shop", "moved")
    assert not result.regressions


def test_another_model_with_another_content_in_a_new_file_is_not_a_rename(
    two_commits: Callable[..., DiffResult]
) -> None:
    other = {**copy.deepcopy(BASE_MODEL), "id": "webshop", "title": "Another shop"}
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": None,
                          "threatmodels/web.yaml": other})
    assert {(m.model, m.status) for m in result.models} == {("shop", "removed"),
                                                             ("webshop", "added")}
    assert kinds(result) == {"model-removed"}


def test_removed_model_acknowledged_in_the_model_that_takes_it_over(
    two_commits: Callable[..., DiffResult]
) -> None:
    merged = {**copy.deepcopy(BASE_MODEL), "id": "webshop",
              "x-regression-ok": [{"kind": "model-removed", "entity": "shop",
                                   "reason": "merged into webshop"}]}
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": None, "threatmodels/webshop.yaml": merged})
    [regression] = result.regressions
    assert regression.kind == "model-removed" and regression.acknowledged
    assert regression.reason == "merged into webshop"
    assert not result.failing


def test_files_outside_the_model_folders_and_other_suffixes_are_ignored(
    two_commits: Callable[..., DiffResult]
) -> None:
    result = two_commits(
        {"threatmodels/shop.yaml": BASE_MODEL, "docs/x.yaml": "a: 1\n",
         "threatmodels/notes.txt": "x"},
        {"docs/x.yaml": "a: 2\n", "threatmodels/notes.txt": "y",
         "threatmodels/.hidden.yaml": "{{{", "docs/new.yaml": "b: 1\n"},
    )
    assert result.models == []


def test_configured_model_folders_and_exclusions(git_repo: Path) -> None:
    write(git_repo, "threatgate.toml", 'models = ["models"]\nexclude = ["models/drafts/*"]\n')
    write(git_repo, "models/shop.yaml", BASE_MODEL)
    write(git_repo, "models/drafts/wip.yaml", {**BASE_MODEL, "id": "wip"})
    commit(git_repo)
    changed = every_regression(BASE_MODEL)
    write(git_repo, "models/shop.yaml", changed)
    write(git_repo, "models/drafts/wip.yaml", changed)
    commit(git_repo)
    result = diff_refs(load_config(git_repo), "HEAD~1", "HEAD", today=TODAY)
    assert [m.model for m in result.models] == ["shop"]
    assert not result.repository


# --- entities --------------------------------------------------------------------------------

ENTITY_KINDS = ("assets", "attackers", "objectives", "threats", "controls", "assumptions",
                "acceptances", "findings")


def test_every_entity_kind_added_removed_and_changed(
    two_commits: Callable[..., DiffResult]
) -> None:
    before = copy.deepcopy(BASE_MODEL)
    before["acceptances"].append({"id": "ACC9", "threat": "T4", "owner": "cto",
                                  "justification": "old", "review_by": "2026-07-01"})
    before["attackers"].append({"id": "ATK2", "name": "Insider", "capability": "Has access.",
                                "position": "insider"})
    before["assumptions"].append({"id": "AS2", "description": "Backups are encrypted"})
    after = copy.deepcopy(before)
    for kind in ENTITY_KINDS:
        assert len(after[kind]) >= 2, kind
        first = after[kind][0]
        first["description"] = f"changed {kind}"
        removed = after[kind].pop()
        added = copy.deepcopy(removed)
        if kind == "acceptances":
            added = {"id": "ACC10", "objective": "CO1", "owner": "ciso",
                     "justification": "new", "review_by": "2026-08-01"}
        else:
            added["id"] = f"NEW-{kind}"
        after[kind].append(added)
    result = two_commits({"threatmodels/shop.yaml": before}, {"threatmodels/shop.yaml": after})
    [model] = result.models
    seen = {(e.kind, e.change) for e in model.entities}
    for kind in ENTITY_KINDS:
        for change in ("added", "removed", "changed"):
            assert (kind, change) in seen, (kind, change)
    changed = {(e.kind, e.entity): e for e in model.entities if e.change == "changed"}
    field = changed[("threats", "T1")].fields[0]
    assert (field.field, field.before, field.after) == ("description", None, "changed threats")
    # An acceptance without an id is named (and matched) by what it accepts.
    assert ("acceptances", "threat T2") in changed
    added = {(e.kind, e.entity) for e in model.entities if e.change == "added"}
    assert ("acceptances", "ACC10") in added and ("controls", "NEW-controls") in added
    # Locations: additions and changes at HEAD, removals at BASE.
    for entity in model.entities:
        assert entity.path == "threatmodels/shop.yaml" and entity.line > 1


def test_acceptance_gaining_an_id_is_the_same_acceptance(
    two_commits: Callable[..., DiffResult]
) -> None:
    after = copy.deepcopy(BASE_MODEL)
    after["acceptances"][0]["id"] = "ACC1"
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": after})
    [model] = result.models
    [change] = model.entities
    assert (change.kind, change.entity, change.change) == ("acceptances", "ACC1", "changed")
    assert not result.regressions


def test_status_transitions_and_posture_delta(two_commits: Callable[..., DiffResult]) -> None:
    after = copy.deepcopy(BASE_MODEL)
    after["controls"][4]["status"] = "implemented"  # C6: CO2 becomes mitigated
    after["controls"][3]["status"] = "implemented"  # C5: T2 becomes mitigated
    after["findings"][0]["status"] = "remediated"
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": after})
    [model] = result.models
    transitions = {(t.kind, t.entity, t.what): (t.before, t.after) for t in model.transitions}
    assert transitions[("control", "C6", "status")] == ("planned", "implemented")
    assert transitions[("threat", "T2", "state")] == ("accepted", "mitigated")
    assert transitions[("objective", "CO2", "posture")] == ("at risk (missing_controls)",
                                                           "mitigated by controls")
    assert transitions[("finding", "F1", "status")] == ("acknowledged", "remediated")
    assert model.before is not None and model.after is not None
    assert (model.before["objectives_at_risk"], model.after["objectives_at_risk"]) == (1, 0)
    assert (model.before["mitigation_ratio"], model.after["mitigation_ratio"]) == (0.25, 0.5)
    assert not result.regressions


# --- regressions -------------------------------------------------------------------------------


def test_every_regression_kind_with_location(two_commits: Callable[..., DiffResult]) -> None:
    result = two_commits({"threatmodels/shop.yaml": BASE_MODEL},
                         {"threatmodels/shop.yaml": every_regression(BASE_MODEL)})
    found = {(r.kind, r.entity): r for r in result.regressions}
    assert set(found) == {
        ("control-status-regressed", "C1"),
        ("assertion-removed", "C3"),
        ("control-removed", "C5"),
        ("threat-score-lowered", "T1"),
        ("threat-removed", "T3"),
        ("acceptance-extended", "threat T2"),
        ("acceptance-added", "threat T4"),
        ("mitigation-group-shrunk", "CO2"),
        ("finding-dismissed", "F1"),
        ("finding-removed", "F2"),
    }
    for regression in result.regressions:
        assert regression.message and regression.path == "threatmodels/shop.yaml"
    # Deletions point at BASE, everything else at HEAD, on the line of the entity or field.
    assert {r.kind for r in result.regressions if r.side == "base"} == {
        "control-removed", "threat-removed", "finding-removed"}
    assert "T2" in found[("control-removed", "C5")].message
    # One cause, one entry: CO1 at risk because C1 regressed is said in C1's details.
    [folded] = found[("control-status-regressed", "C1")].details[-1:]
    assert folded.startswith("objective-at-risk: objective CO1 was mitigated")
    assert "2026-09-30 to 2027-03-31" in found[("acceptance-extended", "threat T2")].message
    assert "impact 5 to 3" in found[("threat-score-lowered", "T1")].message
    assert "C6" in found[("mitigation-group-shrunk", "CO2")].message
    assert "not exploitable" in found[("finding-dismissed", "F1")].message


def test_regression_lines_point_at_the_field(git_repo: Path) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    path = write(git_repo, "threatmodels/shop.yaml", every_regression(BASE_MODEL))
    commit(git_repo)
    lines = path.read_text(encoding="utf-8").splitlines()
    result = run_diff(git_repo)
    found = {r.kind: r for r in result.regressions}
    assert '"status": "in_progress"' in lines[found["control-status-regressed"].line - 1]
    assert '"impact": 3' in lines[found["threat-score-lowered"].line - 1]
    assert '"review_by": "2027-03-31"' in lines[found["acceptance-extended"].line - 1]
    assert '"status": "dismissed"' in lines[found["finding-dismissed"].line - 1]
    base_lines = git(git_repo, "show", "HEAD~1:threatmodels/shop.yaml").splitlines()
    assert '"id": "T3"' in base_lines[found["threat-removed"].line - 1]


def test_severity_and_missing_scores_count_as_lowered(
    two_commits: Callable[..., DiffResult]
) -> None:
    before = copy.deepcopy(BASE_MODEL)
    before["threats"].append({"id": "T9", "title": "Unscored", "severity": "high"})
    after = copy.deepcopy(before)
    after["threats"][-1]["severity"] = "low"
    del after["threats"][0]["likelihood"]
    after["threats"][1]["likelihood"] = 4  # raised: not a regression
    result = two_commits({"threatmodels/shop.yaml": before}, {"threatmodels/shop.yaml": after})
    assert {(r.kind, r.entity) for r in result.regressions} == {
        ("threat-score-lowered", "T1"), ("threat-score-lowered", "T9")}


def test_harmless_changes_are_not_regressions(two_commits: Callable[..., DiffResult]) -> None:
    after = copy.deepcopy(BASE_MODEL)
    # A control nobody relies on may go; an assertion may be added; a group may grow.
    after["controls"].append({"id": "C7", "title": "Spare", "status": "planned"})
    after["controls"][1]["assertions"].append({"type": "file_exists", "file": "x"})
    after["objectives"][0]["mitigated_by"] = [["C1", "C3", "C4"]]
    after["acceptances"][0]["review_by"] = "2026-08-01"  # brought forward
    after["findings"][1]["status"] = "acknowledged"
    before = copy.deepcopy(BASE_MODEL)
    before["controls"].append({"id": "C8", "title": "Unused", "status": "implemented"})
    result = two_commits({"threatmodels/shop.yaml": before}, {"threatmodels/shop.yaml": after})
    assert result.regressions == []
    assert result.models[0].entities


def test_regression_ok_acknowledges_by_kind_and_entity(
    git_repo: Path, run_cli: Callable[..., Result]
) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    after = copy.deepcopy(BASE_MODEL)
    after["threats"][0]["impact"] = 3
    after["acceptances"].append({"threat": "T4", "owner": "cto", "justification": "later",
                                 "review_by": "2026-12-31"})
    after["x-regression-ok"] = [
        {"kind": "threat-score-lowered", "entity": "T1", "reason": "WAF in front since May"},
        {"kind": "acceptance-added", "entity": "T4", "reason": "capacity plan in Q3"},
        {"kind": "threat-removed", "entity": "T2"},  # no reason: ignored
        {"kind": "model-unreadable", "entity": "shop", "reason": "cannot"},
        {"kind": "finding-dismissed", "entity": "F1", "reason": "nothing to acknowledge"},
    ]
    write(git_repo, "threatmodels/shop.yaml", after)
    commit(git_repo)
    result = run_diff(git_repo)
    assert kinds(result, acknowledged=True) == {"threat-score-lowered", "acceptance-added"}
    assert not result.failing
    [model] = result.models
    assert len(model.notes) == 3
    assert any("non-empty reason" in n for n in model.notes)
    assert any("acknowledges nothing" in n and "F1" in n for n in model.notes)
    assert any("'model-unreadable'" in n for n in model.notes)
    done = run_cli("diff", "HEAD~1", "--fail-on-regression", cwd=git_repo)
    assert done.exit_code == 0, done.output
    assert "acknowledged [threat-score-lowered]" in done.output
    assert "WAF in front since May" in done.output


def test_a_note_kept_from_before_acknowledges_nothing_new(git_repo: Path) -> None:
    old = copy.deepcopy(BASE_MODEL)
    old["x-regression-ok"] = [{"kind": "threat-score-lowered", "entity": "T1",
                               "reason": "an earlier change"}]
    write(git_repo, "threatmodels/shop.yaml", old)
    commit(git_repo)
    after = copy.deepcopy(old)
    after["threats"][0]["impact"] = 1
    write(git_repo, "threatmodels/shop.yaml", after)
    commit(git_repo)
    result = run_diff(git_repo)
    assert [(r.kind, r.acknowledged) for r in result.regressions] == [
        ("threat-score-lowered", False)]


def test_fail_on_regression_exit_codes(git_repo: Path, run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    write(git_repo, "threatmodels/shop.yaml", every_regression(BASE_MODEL))
    commit(git_repo)
    assert run_cli("diff", "HEAD~1", cwd=git_repo).exit_code == 0
    done = run_cli("diff", "HEAD~1", "HEAD", "--fail-on-regression", cwd=git_repo)
    assert done.exit_code == 1
    assert "REGRESSION [control-removed] (medium) threatmodels/shop.yaml:" in done.output
    report = json.loads(run_cli("diff", "HEAD~1", "--format", "json", cwd=git_repo).output)
    assert report["pass"] is False and report["summary"]["regressions"] == 10
    assert {r["kind"] for r in report["regressions"]} <= set(REGRESSION_KINDS)
    assert all(r["where"].startswith("threatmodels/shop.yaml:") for r in report["regressions"])
    same = run_cli("diff", "HEAD", "HEAD", "--fail-on-regression", cwd=git_repo)
    assert same.exit_code == 0 and "no model changed" in same.output


# --- worktree ----------------------------------------------------------------------------------


def test_worktree_compares_uncommitted_files(git_repo: Path,
                                             run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    after = copy.deepcopy(BASE_MODEL)
    after["controls"][0]["status"] = "planned"
    write(git_repo, "threatmodels/shop.yaml", after)  # modified, not staged
    write(git_repo, "threatmodels/new.yaml",
          {**BASE_MODEL, "id": "new", "title": "New"})  # untracked
    assert run_diff(git_repo, "HEAD", "HEAD").models == []
    result = run_diff(git_repo, "HEAD", None, worktree=True)
    assert result.head_commit is None and result.head_ref == "working tree"
    assert {(m.model, m.status) for m in result.models} == {("shop", "modified"),
                                                             ("new", "added")}
    assert "control-status-regressed" in kinds(result)
    done = run_cli("diff", "HEAD", "--worktree", "--fail-on-regression", cwd=git_repo)
    assert done.exit_code == 1 and "(uncommitted)" in done.output
    (git_repo / "threatmodels" / "shop.yaml").unlink()
    assert {(m.model, m.status) for m in run_diff(git_repo, "HEAD", None,
                                                 worktree=True).models} == {
        ("shop", "removed"), ("new", "added")}
    both = run_cli("diff", "HEAD", "HEAD", "--worktree", cwd=git_repo)
    assert both.exit_code == 2 and "not both" in both.output


# --- bad input -----------------------------------------------------------------------------------


def test_reference_that_does_not_exist(git_repo: Path, run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    done = run_cli("diff", "no-such-branch", cwd=git_repo)
    assert done.exit_code == 2
    assert "git reference 'no-such-branch' does not exist" in done.output
    assert "shallow" not in done.output
    done = run_cli("diff", "HEAD", "HEAD~5", cwd=git_repo)
    assert done.exit_code == 2 and "'HEAD~5' does not exist" in done.output


def test_shallow_clone_says_how_to_fetch_history(git_repo: Path, tmp_path: Path,
                                                 run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    write(git_repo, "threatmodels/shop.yaml", every_regression(BASE_MODEL))
    commit(git_repo)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{git_repo}", str(clone))
    done = run_cli("diff", "HEAD~1", cwd=clone)
    assert done.exit_code == 2
    assert "git fetch --unshallow" in done.output and "fetch-depth: 0" in done.output


def test_not_a_git_repository(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    (tmp_path / "threatgate.toml").write_text("", encoding="utf-8")
    done = run_cli("diff", "HEAD", cwd=tmp_path)
    assert done.exit_code == 2 and "is not inside a git repository" in done.output


def test_invalid_yaml_at_head_is_reported_not_a_crash(
    git_repo: Path, run_cli: Callable[..., Result]
) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    write(git_repo, "threatmodels/shop.yaml", "threatgate: 1\nid: shop\ntitle: [unclosed\n")
    commit(git_repo)
    result = run_diff(git_repo)
    [model] = result.models
    assert model.status == "unreadable" and model.head_error and "[yaml-syntax]" in model.head_error
    [regression] = model.regressions
    assert regression.kind == "model-unreadable" and regression.line > 1
    done = run_cli("diff", "HEAD~1", "--fail-on-regression", cwd=git_repo)
    assert done.exit_code == 1 and "cannot be read at HEAD" in done.output
    # Fixed again: the BASE side is the unreadable one, nothing to compare, no regression.
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    again = run_diff(git_repo)
    [model] = again.models
    assert model.base_error and not model.head_error and not model.regressions
    assert model.after is not None


def test_binary_file_at_one_side(git_repo: Path, run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", b"\x89PNG\r\n\x1a\n\x00\x00binary")
    commit(git_repo)
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    write(git_repo, "threatmodels/blob.yaml", b"\x00\x01\x02")
    commit(git_repo)
    result = run_diff(git_repo)
    by_path = {m.path: m for m in result.models}
    assert by_path["threatmodels/shop.yaml"].base_error is not None
    assert "binary" in by_path["threatmodels/shop.yaml"].base_error
    assert by_path["threatmodels/blob.yaml"].status == "unreadable"
    for output_format in ("text", "json", "markdown"):
        done = run_cli("diff", "HEAD~1", "--format", output_format, cwd=git_repo)
        assert done.exit_code == 0, done.output


def test_too_large_blob_is_refused_before_reading(git_repo: Path) -> None:
    write(git_repo, "threatgate.toml", "max_file_size = 1000\n")
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    write(git_repo, "threatmodels/shop.yaml", dump(BASE_MODEL) + "#" * 5000 + "\n")
    commit(git_repo)
    [model] = diff_refs(load_config(git_repo), "HEAD~1", "HEAD", today=TODAY).models
    assert model.head_error and "over the limit" in model.head_error


def test_symlinked_model_in_git_is_not_followed(git_repo: Path) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    os.symlink("/etc/passwd", git_repo / "threatmodels" / "link.yaml")
    commit(git_repo)
    [model] = run_diff(git_repo).models
    assert model.status == "unreadable" and "symbolic link" in (model.head_error or "")


# --- reports -------------------------------------------------------------------------------------


def test_markdown_golden(git_repo: Path, run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    write(git_repo, "threatmodels/legacy.yaml", {**BASE_MODEL, "id": "legacy"})
    write(git_repo, "threatmodels/pay.yaml", {**BASE_MODEL, "id": "pay", "title": "Pay"})
    commit(git_repo)
    write(git_repo, "threatmodels/pay.yaml",
          {**BASE_MODEL, "id": "payments", "title": "Pay", "generation": {"packs": ["web"]}})
    after = every_regression(BASE_MODEL)
    after["x-regression-ok"] = [{"kind": "threat-removed", "entity": "T3",
                                 "reason": "duplicate of T1 | see <review>"}]
    write(git_repo, "threatmodels/shop.yaml", after)
    (git_repo / "threatmodels" / "legacy.yaml").unlink()
    write(git_repo, "threatmodels/new/billing.yaml",
          {**BASE_MODEL, "id": "billing", "title": "Billing"})
    commit(git_repo)
    done = run_cli("diff", "HEAD~1", "HEAD", "--format", "markdown", cwd=git_repo)
    assert done.exit_code == 0
    actual = done.output
    assert actual.splitlines()[0] == MARKER
    assert "&lt;review&gt;" in actual and "\\|" in actual  # text from the model is escaped
    check_golden("diff/regressions.md", actual)


def _side(path: str, data: dict[str, Any]) -> ModelSide:
    from threatgate.analysis.assess import assess_model

    document = load_bytes(dump(data).encode(), locate=True)
    return ModelSide(path, document, None,
                     assess_model(document.data, path=path, today=TODAY,
                                  locate=document.locate))


def test_markdown_stays_under_the_comment_limit() -> None:
    base, head = [], []
    for number in range(400):
        model_id = f"service-{number:03d}"
        before = {**copy.deepcopy(BASE_MODEL), "id": model_id,
                  "description": "x" * 200}
        after = every_regression(before)
        for threat in after["threats"]:
            threat["description"] = "long text " * 30
        base.append(_side(f"threatmodels/{model_id}.yaml", before))
        head.append(_side(f"threatmodels/{model_id}.yaml", after))
    result = DiffResult("main", "0" * 40, "HEAD", "1" * 40, TODAY, compare_sides(base, head))
    assert len(result.regressions) == 400 * 10
    text = render_markdown(result)
    assert len(text) <= 65_000
    assert text.splitlines()[0] == MARKER
    assert "**Summarised**" in text and "left out" in text
    assert "| Model | Change |" in text  # the summary table comes first and survives
    assert text.count("<details>") == text.count("</details>")
    small = render_markdown(result, limit=2_000)
    assert len(small) <= 2_000 and small.startswith(MARKER)


def test_text_and_json_formats(git_repo: Path, run_cli: Callable[..., Result]) -> None:
    write(git_repo, "threatmodels/shop.yaml", BASE_MODEL)
    commit(git_repo)
    after = copy.deepcopy(BASE_MODEL)
    after["threats"][0]["title"] = "SQL injection\x1b[31m"
    write(git_repo, "threatmodels/shop.yaml", after)
    commit(git_repo)
    text = run_cli("diff", "HEAD~1", cwd=git_repo).output
    assert "\x1b" not in text and "\\x1b[31m" in text
    assert "~ threat T1" in text
    report = json.loads(run_cli("diff", "HEAD~1", "--format", "json", cwd=git_repo).output)
    assert report["base"]["commit"] == git(git_repo, "rev-parse", "HEAD~1").strip()
    assert report["today"] == "2026-06-01"
    [model] = report["models"]
    assert model["entities"][0]["fields"][0]["after"] == "SQL injection\x1b[31m"


def test_git_is_imported_only_by_the_diff_path() -> None:
    import ast

    modules = [*(REPO_ROOT / "cli" / "threatgate" / "diff").rglob("*.py"),
               REPO_ROOT / "cli" / "threatgate" / "support" / "git.py"]
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        top_level = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        assert not any(
            (isinstance(n, ast.Import) and any(a.name == "git" for a in n.names))
            or (isinstance(n, ast.ImportFrom) and n.module == "git")
            for n in top_level
        ), module
