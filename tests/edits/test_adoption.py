"""Adopting threatgate never blocks blind: init sets the gate up as a ratchet and says
how to see everything; hooks follow the configured folders; a configured threshold can be
switched off from the command line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import VALID_MODEL, git


def test_init_sets_up_the_gate_as_a_ratchet_and_ignores_the_site(
        run_cli: Callable[..., Result], git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("*.pyc", encoding="utf-8")
    done = run_cli("init", cwd=git_repo)
    assert done.exit_code == 0, done.output
    assert "- id: threatgate-gate" in done.output
    assert "args: [--baseline, origin/main, --baseline, HEAD]" in done.output
    assert 'minimum_pre_commit_version: "3.2.0"' in done.output
    assert "threatgate gate --baseline origin/main" in done.output
    assert "updated .gitignore" in done.output
    assert (git_repo / ".gitignore").read_text(encoding="utf-8").splitlines() == [
        "*.pyc", "# threatgate site output", "_site/"]
    again = run_cli("init", cwd=git_repo)
    assert ".gitignore" not in again.output
    assert (git_repo / ".gitignore").read_text(encoding="utf-8").count("_site/") == 1


def test_init_names_the_remote_default_branch(run_cli: Callable[..., Result],
                                              git_repo: Path) -> None:
    git(git_repo, "commit", "-q", "--allow-empty", "-m", "start")
    git(git_repo, "update-ref", "refs/remotes/origin/trunk", "HEAD")
    git(git_repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    done = run_cli("init", cwd=git_repo)
    assert "args: [--baseline, origin/trunk, --baseline, HEAD]" in done.output


def test_first_push_ratchets_against_head_then_the_default_branch(
        run_cli: Callable[..., Result], git_repo: Path) -> None:
    run_cli("init", cwd=git_repo)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "adopt")
    assert run_cli("gate", cwd=git_repo).exit_code == 1  # the fresh model fails
    first = run_cli("gate", "--baseline", "origin/main", "--baseline", "HEAD", cwd=git_repo)
    assert first.exit_code == 0, first.output
    assert "baseline origin/main does not exist here" in first.output
    missing = run_cli("gate", "--baseline", "nope", "--baseline", "nope2", cwd=git_repo)
    assert missing.exit_code == 2 and "'nope2' does not exist" in missing.output


def test_a_configured_choice_threshold_is_switched_off_by_a_flag(
        run_cli: Callable[..., Result], git_repo: Path) -> None:
    run_cli("init", cwd=git_repo)
    (git_repo / "threatgate.toml").write_text('[gate]\nfail_on_at_risk = "unscored"\n',
                                              encoding="utf-8")
    project = git_repo
    failed = run_cli("gate", cwd=project)
    assert failed.exit_code == 1 and "fail_on_at_risk" in failed.output
    done = run_cli("gate", "--fail-on-at-risk", "off", cwd=project)
    assert done.exit_code == 0, done.output


def test_models_only_skips_files_that_are_not_models(run_cli: Callable[..., Result],
                                                     project: Path) -> None:
    (project / "threatgate.toml").write_text(
        'models = ["threatmodels"]\nexclude = ["threatmodels/drafts/*"]\n', encoding="utf-8")
    (project / "threatmodels" / "drafts").mkdir()
    (project / "threatmodels" / "drafts" / "wip.yaml").write_text("id: [", encoding="utf-8")
    (project / "compose.yaml").write_text("services: {}\n", encoding="utf-8")
    (project / "threatmodels" / "shop.yaml").write_text(VALID_MODEL, encoding="utf-8")
    skipped = run_cli("validate", "--models-only", "compose.yaml",
                      "threatmodels/drafts/wip.yaml", cwd=project)
    assert skipped.exit_code == 0 and "compose.yaml" not in skipped.output
    checked = run_cli("validate", "--models-only", "compose.yaml", "threatmodels/shop.yaml",
                      cwd=project)
    assert checked.exit_code == 0 and "1 model file valid" in checked.output
    assert run_cli("validate", "compose.yaml", cwd=project).exit_code == 1
    assert run_cli("fmt", "--check", "--models-only", "compose.yaml",
                   cwd=project).exit_code == 0
