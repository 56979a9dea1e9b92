"""``threatgate jira sync``: the issues' statuses, per status_map, into the YAML in place."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result
from fakejira import FakeJira
from jiramodels import model_text

pytest_plugins = ("jirasite",)

Run = Callable[..., Result]


def controls(repo: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((repo / "threatmodels" / "shop.yaml").read_text())
    return {c["id"]: c for c in data["controls"]}


def test_sync_writes_each_status_in_place_with_a_note(jira_repo: Path, jira_site: FakeJira,
                                                      run_jira: Run) -> None:
    path = jira_repo / "threatmodels" / "shop.yaml"
    path.write_text("# kept comment\n" + path.read_text())
    run_jira("push")
    jira_site.issues["SEC-1"]["status"] = "In Progress"
    result = run_jira("sync")
    assert result.exit_code == 0, result.output
    assert ("threatmodels/shop.yaml: control C2 moved from planned to in_progress "
            "(SEC-1 is In Progress in Jira)") in result.stdout
    assert result.stdout.rstrip().endswith(
        "jira sync: 0 created, 1 updated, 0 transitioned, 0 unchanged, 0 failed")
    assert path.read_text().startswith("# kept comment\n")
    c2 = controls(jira_repo)["C2"]
    assert c2["status"] == "in_progress"
    assert c2["notes"] == "2026-06-01 planned -> in_progress: SEC-1 is In Progress in Jira"
    again = run_jira("sync")
    assert "0 updated, 0 transitioned, 1 unchanged" in again.stdout


def test_a_move_back_from_implemented_is_reported_loudly(jira_repo: Path, jira_site: FakeJira,
                                                         run_jira: Run) -> None:
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C1"], status="To Do")
    result = run_jira("sync")
    assert result.exit_code == 0, result.output
    assert ("warning: threatmodels/shop.yaml: control C1 moves BACK from implemented to "
            "planned") in result.stderr
    assert controls(jira_repo)["C1"]["status"] == "planned"


def test_dry_run_prints_the_changes_and_writes_nothing(jira_repo: Path, jira_site: FakeJira,
                                                       run_jira: Run) -> None:
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C2"], status="Done")
    before = (jira_repo / "threatmodels" / "shop.yaml").read_text()
    result = run_jira("sync", "--dry-run")
    assert "control C2 would move from planned to implemented (SEC-1 is Done in Jira)" \
        in result.stdout
    assert "(dry run: nothing was written)" in result.stdout
    assert (jira_repo / "threatmodels" / "shop.yaml").read_text() == before


def test_status_names_win_over_categories_and_closed_controls_stay(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    (jira_repo / "threatmodels" / "shop.yaml").write_text(
        model_text([("C3", "not_applicable"), ("C4", "planned")], c2_status="in_progress"))
    toml = jira_repo / "threatgate.toml"
    toml.write_text(toml.read_text() + 'status_map = { "blocked" = "planned" }\n')
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C2"], status="Blocked")
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C3"], status="Won't Do")
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C4"], status="Won't Do")
    result = run_jira("sync")
    assert result.exit_code == 0, result.output
    found = controls(jira_repo)
    assert (found["C2"]["status"], found["C3"]["status"], found["C4"]["status"]) == (
        "planned", "not_applicable", "wont_do")
    assert "2 updated, 0 transitioned, 1 unchanged" in result.stdout


def test_labels_are_matched_without_regard_to_case_and_other_models_ignored(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    jira_site.add_issue(["THREATGATE:SHOP", "Threatgate:Shop:c2"], status="Done")
    jira_site.add_issue(["threatgate:other", "threatgate:other:C2"], status="To Do")
    result = run_jira("sync")
    assert controls(jira_repo)["C2"]["status"] == "implemented", result.output


def test_a_model_that_is_not_valid_is_skipped_and_fails_the_run(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    (jira_repo / "threatmodels" / "broken.yaml").write_text("threatgate: 1\nid: broken\n")
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C2"], status="Done")
    result = run_jira("sync")
    assert result.exit_code == 1
    assert "threatmodels/broken.yaml: not a valid model, skipped" in result.stderr
    assert controls(jira_repo)["C2"]["status"] == "implemented"
    assert result.stdout.rstrip().endswith("1 failed")


def test_a_model_can_be_named_by_id(jira_repo: Path, jira_site: FakeJira,
                                    run_jira: Run) -> None:
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C2"], status="Done")
    assert run_jira("sync", "shop").exit_code == 0
    assert controls(jira_repo)["C2"]["status"] == "implemented"
    unknown = run_jira("sync", "nope")
    assert unknown.exit_code == 2
    assert "no model with id 'nope'" in unknown.stderr


def test_a_refused_edit_fails_each_change_and_writes_nothing(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    path = jira_repo / "threatmodels" / "shop.yaml"
    jira_site.add_issue(["threatgate:shop", "threatgate:shop:C2"], status="Done")
    before = path.read_text()
    path.chmod(0o444)
    try:
        result = run_jira("sync")
    finally:
        path.chmod(0o644)
    assert result.exit_code == 1
    assert "threatmodels/shop.yaml: control C2: not written: " in result.stderr
    assert result.stdout.rstrip().endswith("0 unchanged, 1 failed")
    assert path.read_text() == before
