"""What ``threatgate diff`` shows a reviewer: changes in words, names beside ids, no
bookkeeping; and the configuration of a ``pyproject.toml`` read at BASE too."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

from conftest import git

MODEL: dict[str, Any] = {
    "threatgate": 1,
    "id": "shop",
    "title": "Web shop",
    "components": [{"id": "web", "name": "Browser", "type": "client"},
                   {"id": "api", "name": "Shop API", "type": "service"}],
    "dataflows": [{"id": "DF1", "from": "web", "to": "api", "protocol": "https"}],
    "assets": [{"id": "A1", "name": "Orders", "properties": ["integrity"]}],
    "attackers": [{"id": "ATK1", "name": "Outsider", "capability": "HTTP",
                   "position": "external"}],
    "objectives": [{"id": "CO1", "asset": "A1", "attacker": "ATK1",
                    "mitigated_by": [["C1", "C2"], ["C3"]]}],
    "threats": [{"id": "T1", "title": "Order tampering", "likelihood": 3, "impact": 4,
                 "objectives": ["CO1"], "mitigations": ["C1"]}],
    "controls": [{"id": "C1", "title": "Signed orders", "status": "planned"},
                 {"id": "C2", "title": "Order review", "status": "planned"},
                 {"id": "C3", "title": "Audit log", "status": "planned"}],
}


def commit(repo: Path, model: dict[str, Any] | str, files: dict[str, str] | None = None
           ) -> None:
    text = model if isinstance(model, str) else json.dumps(model, indent=2) + "\n"
    (repo / "threatmodels").mkdir(exist_ok=True)
    (repo / "threatmodels" / "shop.yaml").write_text(text, encoding="utf-8")
    for rel, content in (files or {}).items():
        (repo / rel).write_text(content, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "side")


def test_comments_layout_and_bookkeeping_are_not_changes(
        git_repo: Path, run_cli: Callable[..., Result]) -> None:
    commit(git_repo, MODEL)
    commit(git_repo, "# reviewed in May\n" + json.dumps(
        {**MODEL, "generation": {"packs": ["web"]}}, indent=4) + "\n")
    done = run_cli("diff", "HEAD~1", "--format", "json", cwd=git_repo)
    report = json.loads(done.output)
    assert report["models"] == [] and report["pass"]
    assert "no model changed" in run_cli("diff", "HEAD~1", cwd=git_repo).output


def test_list_fields_show_what_was_added_and_removed_with_names(
        git_repo: Path, run_cli: Callable[..., Result]) -> None:
    commit(git_repo, MODEL)
    head = copy.deepcopy(MODEL)
    head["objectives"][0]["mitigated_by"] = [["C1", "C2"], ["C3", "C1"]]
    head["threats"][0]["mitigations"] = ["C1", "C2"]
    head["controls"][0]["status"] = "implemented"
    head["dataflows"][0]["protocol"] = "http"
    commit(git_repo, head)
    text = run_cli("diff", "HEAD~1", cwd=git_repo).output
    assert "mitigated_by: +C1 in group 2" in text
    assert "mitigations: +C2" in text
    assert "data flow DF1 \"Browser -> Shop API\"" in text
    assert "threat T1 “Order tampering” state: open -> mitigated" in text
    assert "control C1 “Signed orders” status: planned -> implemented" in text
    assert "[[" not in text  # never both lists in full
    markdown = run_cli("diff", "HEAD~1", "--format", "markdown", cwd=git_repo).output
    assert "mitigated_by: +C1 in group 2" in markdown


def test_pyproject_configuration_is_read_at_base(
        git_repo: Path, run_cli: Callable[..., Result]) -> None:
    table = '[project]\nname = "x"\n\n[tool.threatgate]\n'
    commit(git_repo, {**MODEL, "controls": [
        {**c, "status": "implemented"} for c in MODEL["controls"]]},
        {"pyproject.toml": table + 'models = ["threatmodels"]\n'})
    commit(git_repo, MODEL,
           {"pyproject.toml": table + 'exclude = ["threatmodels/shop.yaml"]\n'})
    done = run_cli("diff", "HEAD~1", "--fail-on-regression", "--format", "json",
                   cwd=git_repo)
    assert done.exit_code == 1
    report = json.loads(done.output)
    kinds = {r["kind"] for r in report["regressions"]}
    assert {"configuration-weakened", "control-status-regressed"} <= kinds
    [config] = [r for r in report["regressions"] if r["kind"] == "configuration-weakened"]
    assert config["path"] == "pyproject.toml" and config["line"] == 5
    assert "threatmodels/shop.yaml" in config["details"][0]


def test_worktree_configuration_compared_with_base(
        git_repo: Path, run_cli: Callable[..., Result]) -> None:
    commit(git_repo, MODEL, {"threatgate.toml": "[gate]\nfail_on_at_risk = \"high\"\n"})
    (git_repo / "threatgate.toml").write_text("[gate]\n", encoding="utf-8")
    done = run_cli("diff", "HEAD", "--worktree", "--fail-on-regression", cwd=git_repo)
    assert done.exit_code == 1
    assert "REGRESSION [configuration-weakened] (high) threatgate.toml:" in done.output
    assert "gate.fail_on_at_risk: high -> (unset)" in done.output
