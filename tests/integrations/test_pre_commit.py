"""The hooks in .pre-commit-hooks.yaml, installed and run by the real pre-commit tool."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import GIT_IDENTITY, VALID_MODEL, PreCommit, git

pytestmark = pytest.mark.slow

BAD_MODEL = VALID_MODEL.replace("status: planned", "status: done")
RunHook = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_hook(pre_commit: PreCommit) -> RunHook:
    """Run one hook on the given files of a repository, as a commit would."""

    def run(repo: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **GIT_IDENTITY}
        env.pop("THREATGATE_TODAY", None)
        return pre_commit.run(repo, hook, "--files", *files, env=env)

    return run


@pytest.fixture
def user_repo(git_repo: Path) -> Path:
    models = git_repo / "threatmodels"
    models.mkdir()
    (models / "good.yaml").write_text(VALID_MODEL, encoding="utf-8")
    (models / "bad.yaml").write_text(BAD_MODEL.replace("id: shop", "id: shop-two"),
                                     encoding="utf-8")
    git(git_repo, "add", "-A")
    return git_repo


def test_validate_hook_rejects_a_bad_model_and_passes_a_good_one(user_repo: Path,
                                                                 run_hook: RunHook) -> None:
    rejected = run_hook(user_repo, "threatgate-validate", "threatmodels/bad.yaml")
    assert rejected.returncode == 1, rejected.stdout + rejected.stderr
    assert "threatmodels/bad.yaml:" in rejected.stdout
    assert "[schema-enum]" in rejected.stdout
    assert "Failed" in rejected.stdout

    passed = run_hook(user_repo, "threatgate-validate", "threatmodels/good.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


def test_validate_hook_sees_id_clash_with_an_unchanged_model(user_repo: Path,
                                                             run_hook: RunHook) -> None:
    clash = user_repo / "threatmodels" / "clash.yaml"
    clash.write_text(VALID_MODEL, encoding="utf-8")  # same id as good.yaml
    git(user_repo, "add", "-A")
    result = run_hook(user_repo, "threatgate-validate", "threatmodels/clash.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[duplicate-model-id]" in result.stdout


def test_fmt_hook_rewrites_and_fails_once(user_repo: Path, run_hook: RunHook) -> None:
    messy = user_repo / "threatmodels" / "good.yaml"
    messy.write_text("title: Web shop  # keep me\n" + VALID_MODEL.replace(
        "title: Web shop\n", ""), encoding="utf-8")
    git(user_repo, "add", "-A")
    first = run_hook(user_repo, "threatgate-fmt", "threatmodels/good.yaml")
    assert first.returncode == 1, first.stdout + first.stderr  # files were modified
    assert "files were modified by this hook" in first.stdout
    text = messy.read_text(encoding="utf-8")
    assert text.startswith("threatgate: 1\nid: shop\ntitle: Web shop  # keep me\n")
    git(user_repo, "add", "-A")
    second = run_hook(user_repo, "threatgate-fmt", "threatmodels/good.yaml")
    assert second.returncode == 0, second.stdout + second.stderr


def test_hooks_follow_the_configured_model_folders(git_repo: Path,
                                                    run_hook: RunHook) -> None:
    (git_repo / "threatgate.toml").write_text('models = ["security/models"]\n',
                                              encoding="utf-8")
    (git_repo / "security" / "models").mkdir(parents=True)
    (git_repo / "security" / "models" / "bad.yaml").write_text(BAD_MODEL, encoding="utf-8")
    (git_repo / "deploy.yaml").write_text("kind: Deployment\n", encoding="utf-8")
    git(git_repo, "add", "-A")
    result = run_hook(git_repo, "threatgate-validate", "security/models/bad.yaml",
                      "deploy.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "security/models/bad.yaml:" in result.stdout
    assert "deploy.yaml" not in result.stdout.replace("security/models/bad.yaml", "")
