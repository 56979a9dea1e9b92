"""The CI templates and the action as their consumers check them: the Marketplace's limits,
GitHub's and GitLab's own schemas (vendored by check-jsonschema), pinned third-party
actions, least privilege, and zizmor's audit when it is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO_ROOT

ACTION = REPO_ROOT / "action.yml"
GITLAB = REPO_ROOT / "templates" / "ci" / "gitlab-ci.yml"
WORKFLOW = REPO_ROOT / "templates" / "ci" / "github-workflow.yml"
ZIZMOR_CONFIG = Path(__file__).with_name("zizmor.yml")
GITHUB_FILES = (WORKFLOW, ACTION)

#: ``uses: owner/repo[/path]@ref  # comment``
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[^@\s]+)@(?P<ref>\S+)(?P<comment>.*)$")
#: Actions of this repository, used by release tag.
OWN = ("threatgate/threatgate",)


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_action_metadata_meets_the_marketplace_limits() -> None:
    action = load(ACTION)
    assert 0 < len(action["description"]) < 125, len(action["description"])
    assert action["name"] and len(action["name"]) <= 100
    assert action["branding"] == {"icon": "shield", "color": "red"}


@pytest.mark.parametrize("path", GITHUB_FILES, ids=lambda p: p.name)
def test_third_party_actions_are_pinned_by_commit_with_the_version(path: Path) -> None:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = USES.match(line)
        if match is None or match["action"].startswith("./"):
            continue
        found.append(match["action"])
        if match["action"] in OWN:
            continue
        where = f"{path.name}:{number}: {match['action']}"
        assert re.fullmatch(r"[0-9a-f]{40}", match["ref"]), f"{where}: not pinned by commit"
        assert re.fullmatch(r"\s+#\s*v\d+(\.\d+)*\s*", match["comment"]), \
            f"{where}: the release is not named in a comment"
    assert found, f"{path.name} uses no action"


def _jobs(workflow: dict[str, Any]) -> dict[str, Any]:
    return dict(workflow["jobs"])


def test_workflow_grants_least_privilege_per_job_and_bounds_its_runs() -> None:
    workflow = load(WORKFLOW)
    assert workflow["permissions"] == {}, "nothing is granted to every job"
    assert workflow["concurrency"]["group"] and workflow["concurrency"]["cancel-in-progress"]
    for name, job in _jobs(workflow).items():
        assert isinstance(job.get("permissions"), dict) and job["permissions"], name
        assert "write-all" not in str(job["permissions"])
        assert all(level in ("read", "write", "none") for level in job["permissions"].values())
        assert 0 < job["timeout-minutes"] <= 60, name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_gitlab_job_is_bounded() -> None:
    template = load(GITLAB)
    job = template["threatgate-gate"]
    assert job["interruptible"] is True
    assert re.fullmatch(r"\d+ minutes?", job["timeout"])


@pytest.mark.parametrize("schema, path", [
    ("vendor.github-workflows", WORKFLOW),
    ("vendor.github-actions", ACTION),
    ("vendor.gitlab-ci", GITLAB),
], ids=["github-workflow", "action", "gitlab-ci"])
def test_templates_meet_the_platforms_own_schemas(schema: str, path: Path) -> None:
    pytest.importorskip("check_jsonschema")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def zizmor() -> str | None:
    beside = Path(sys.executable).parent / "zizmor"
    return str(beside) if beside.is_file() else shutil.which("zizmor")


def test_zizmor_finds_nothing_in_the_workflow_and_the_action() -> None:
    program = zizmor()
    if program is None:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    done = subprocess.run(
        [program, "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG),
         *map(str, GITHUB_FILES)],
        capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_zizmor_would_catch_an_unpinned_action(tmp_path: Path) -> None:
    program = zizmor()
    if program is None:
        pytest.skip("zizmor is not installed (pip install zizmor)")
    workflow = tmp_path / ".github" / "workflows" / "w.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(WORKFLOW.read_text(encoding="utf-8").replace(
        "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", "actions/checkout@v6"),
        encoding="utf-8")
    done = subprocess.run(
        [program, "--offline", "--no-progress", "--config", str(ZIZMOR_CONFIG),
         str(workflow)], capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode != 0 and "unpinned" in done.stdout + done.stderr
