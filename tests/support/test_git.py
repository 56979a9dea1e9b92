"""support/git: the one git access; references that look like options never reach git."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL, git
from threatgate.errors import InputError
from threatgate.gate.ratchet import baseline_model_paths
from threatgate.support.git import Repository, changed_paths, head_commit


@pytest.fixture
def repo(git_repo: Path) -> Path:
    """A repository with one commit: a model, a source file below a subfolder, a link."""
    (git_repo / "threatmodels" / "nested").mkdir(parents=True)
    (git_repo / "threatmodels" / "shop.yaml").write_text(VALID_MODEL, encoding="utf-8")
    (git_repo / "threatmodels" / "nested" / "more.yml").write_text(VALID_MODEL,
                                                                     encoding="utf-8")
    (git_repo / "threatmodels" / "notes.txt").write_text("not a model\n", encoding="utf-8")
    (git_repo / "app" / "src").mkdir(parents=True)
    (git_repo / "app" / "src" / "db.py").write_text("x = 1\n", encoding="utf-8")
    (git_repo / "app" / "link.py").symlink_to("src/db.py")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "base")
    return git_repo


@pytest.mark.parametrize("ref", ["--output=pwned", "-p", "--exec=touch pwned"])
def test_a_reference_that_looks_like_an_option_is_refused(repo: Path, ref: str) -> None:
    with pytest.raises(InputError, match="does not exist"):
        Repository(repo).resolve(ref)
    with pytest.raises(InputError):
        changed_paths(repo, ref)
    assert not list(repo.glob("pwned*"))


def test_option_like_references_from_the_command_line(
    repo: Path, run_cli: Callable[..., Result]
) -> None:
    target = repo / "pwned.txt"
    done = run_cli("diff", "--", f"--output={target}", cwd=repo)
    assert done.exit_code == 2 and "does not exist" in done.output
    done = run_cli("verify", "--changed-files", f"--baseline=--output={target}", cwd=repo)
    assert done.exit_code == 2 and "--changed-files needs a git repository" in done.output
    done = run_cli("gate", f"--baseline=--output={target}", cwd=repo)
    assert done.exit_code == 2
    assert not target.exists()


def test_snapshot_of_a_subfolder(repo: Path) -> None:
    snapshot = Repository(repo / "app").snapshot("HEAD")
    assert sorted(snapshot.files()) == ["link.py", "src/db.py"]
    entry = snapshot.entry("src/db.py")
    assert entry is not None and entry.is_regular_file and entry.read() == b"x = 1\n"
    assert entry.size == 6
    link = snapshot.entry("link.py")
    assert link is not None and not link.is_regular_file
    assert snapshot.entry("missing.py") is None


def test_changed_paths_include_uncommitted_and_untracked_files(repo: Path) -> None:
    (repo / "app" / "src" / "db.py").write_text("x = 2\n", encoding="utf-8")
    (repo / "app" / "new.py").write_text("", encoding="utf-8")
    (repo / "threatmodels" / "notes.txt").unlink()
    assert changed_paths(repo, "HEAD") == {"app/src/db.py", "app/new.py",
                                           "threatmodels/notes.txt"}
    assert changed_paths(repo / "app", "HEAD") == {"src/db.py", "new.py"}


def test_not_a_repository_and_a_missing_reference(tmp_path: Path, repo: Path) -> None:
    with pytest.raises(InputError, match="is not inside a git repository"):
        Repository(tmp_path / "elsewhere")
    with pytest.raises(InputError, match="'nope' does not exist"):
        Repository(repo).snapshot("nope")


@pytest.mark.parametrize(("folders", "expected"), [
    (("threatmodels",), ["threatmodels/nested/more.yml", "threatmodels/shop.yaml"]),
    (("./threatmodels/nested/",), ["threatmodels/nested/more.yml"]),
    ((".",), ["threatmodels/nested/more.yml", "threatmodels/shop.yaml"]),
    (("../outside", "app"), []),
])
def test_baseline_model_paths(repo: Path, folders: tuple[str, ...],
                              expected: list[str]) -> None:
    assert baseline_model_paths(Repository(repo).snapshot("HEAD"), folders) == expected


def test_head_commit(repo: Path, tmp_path: Path) -> None:
    assert head_commit(repo / "app") == git(repo, "rev-parse", "HEAD").strip()
    assert head_commit(tmp_path / "elsewhere") is None
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert head_commit(empty) is None
