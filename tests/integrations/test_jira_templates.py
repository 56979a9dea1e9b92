"""The Jira CI templates as their consumers check them: the platforms' own schemas, pinned
actions, least privilege, zizmor's audit, and the commands they run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_ci_templates import USES, ZIZMOR_CONFIG, zizmor
from test_ci_templates import test_templates_meet_the_platforms_own_schemas as meets_schema

from conftest import REPO_ROOT

GITHUB = REPO_ROOT / "templates" / "ci" / "github-jira.yml"
GITLAB = REPO_ROOT / "templates" / "ci" / "gitlab-jira.yml"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job["steps"])


def test_github_push_on_the_default_branch_and_a_scheduled_sync() -> None:
    workflow = load(GITHUB)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert triggers["schedule"] and "workflow_dispatch" in triggers
    push, sync = workflow["jobs"]["jira-push"], workflow["jobs"]["jira-sync"]
    assert "threatgate jira push" in run_lines(push)
    assert "github.event_name == 'push'" in push["if"]
    assert "threatgate jira sync" in run_lines(sync)
    assert "gh pr create" in run_lines(sync)
    assert "schedule" in sync["if"]


def test_github_least_privilege_and_bounded_runs() -> None:
    workflow = load(GITHUB)
    assert workflow["permissions"] == {}
    assert workflow["concurrency"]["group"]
    jobs = workflow["jobs"]
    assert jobs["jira-push"]["permissions"] == {"contents": "read"}
    assert jobs["jira-sync"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 60, name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
            assert "${{" not in str(step.get("run", "")), f"{name}: expression inside run:"


def test_github_actions_are_pinned_by_commit() -> None:
    found = 0
    for line in GITHUB.read_text(encoding="utf-8").splitlines():
        match = USES.match(line)
        if match:
            found += 1
            assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), line
    assert found


def test_gitlab_jobs() -> None:
    template = load(GITLAB)
    push, sync = template["threatgate-jira-push"], template["threatgate-jira-sync"]
    assert "threatgate jira push" in push["script"]
    assert any("threatgate jira sync" in line for line in sync["script"])
    assert any("merge_request.create" in line for line in sync["script"])
    assert sync["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "schedule" && $THREATGATE_JIRA_SYNC == "true"'}]
    assert push["rules"][0] == {"if": '$CI_PIPELINE_SOURCE == "schedule"', "when": "never"}
    base = template[".threatgate-jira"]
    assert re.fullmatch(r"\d+ minutes?", base["timeout"])
    assert base["resource_group"]


@pytest.mark.parametrize(("schema", "path"), [("vendor.github-workflows", GITHUB),
                                              ("vendor.gitlab-ci", GITLAB)],
                         ids=["github", "gitlab"])
def test_templates_meet_the_platforms_own_schemas(schema: str, path: Path) -> None:
    meets_schema(schema, path)


def test_zizmor_finds_nothing_even_pedantic() -> None:
    program = zizmor()
    if program is None:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    done = subprocess.run(
        [program, "--offline", "--no-progress", "--persona", "pedantic", "--config",
         str(ZIZMOR_CONFIG), str(GITHUB)],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
