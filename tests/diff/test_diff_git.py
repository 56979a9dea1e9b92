"""``threatgate diff`` reads revisions through the git program: no GitPython, and the odd
repositories (bare, damaged, SHA-256) are answered, never a crash."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL, git, modules_loaded_by

RETITLED = VALID_MODEL.replace("title: Web shop", "title: Shop")


def two_commits(repo: Path) -> None:
    model = repo / "threatmodels" / "shop.yaml"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_text(VALID_MODEL, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    model.write_text(RETITLED, encoding="utf-8")
    git(repo, "commit", "-q", "-a", "-m", "retitle")


def test_diff_starts_without_gitpython(git_repo: Path) -> None:
    two_commits(git_repo)
    run = modules_loaded_by(["diff", "HEAD~1", "HEAD", "--format", "json"], git_repo, ("git",))
    assert (run.modules, run.code) == ([], 0), run.stderr
    assert '"models_modified": 1' in run.stdout


def test_a_blob_missing_from_the_repository_is_unreadable_not_a_crash(
    git_repo: Path, run_cli: Callable[..., Result]
) -> None:
    two_commits(git_repo)
    sha = git(git_repo, "rev-parse", "HEAD:threatmodels/shop.yaml").strip()
    (git_repo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    done = run_cli("diff", "HEAD~1", "HEAD", cwd=git_repo)
    assert done.exit_code == 0, done.output
    assert "cannot read file" in done.output and sha in done.output


def test_a_bare_repository_is_refused(git_repo: Path, tmp_path: Path,
                                      run_cli: Callable[..., Result]) -> None:
    two_commits(git_repo)
    git(tmp_path, "clone", "-q", "--bare", str(git_repo), "bare.git")
    done = run_cli("diff", "HEAD~1", "HEAD", cwd=tmp_path / "bare.git")
    assert done.exit_code == 2 and "a bare repository has no working tree" in done.output


def test_a_sha256_repository(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    try:
        git(repo, "init", "-q", "--object-format=sha256")
    except subprocess.CalledProcessError:
        pytest.skip("this git cannot make SHA-256 repositories")
    two_commits(repo)
    (repo / "threatmodels" / "new.yaml").write_text(VALID_MODEL.replace("id: shop", "id: new"),
                                                   encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "add")
    done = run_cli("diff", "HEAD~2", "HEAD", "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.output
    assert '"models_added": 1' in done.output and '"models_modified": 1' in done.output
