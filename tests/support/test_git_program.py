"""``GitProgram``: the git access of the history, through the git program alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git
from threatgate.errors import InputError
from threatgate.support.git import GitProgram


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "small.txt").write_bytes(b"small\n")
    (git_repo / "large.txt").write_bytes(b"x" * 1000)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "first")
    git(git_repo, "tag", "-a", "-m", "annotated", "v1")
    return git_repo


def test_references_resolve_to_commits(repo: Path) -> None:
    program = GitProgram(repo / ".")
    head = program.resolve("HEAD")
    assert len(head) == 40
    assert program.resolve("v1") == head  # an annotated tag is peeled to its commit
    assert program.top == repo.resolve()


@pytest.mark.parametrize("ref", ["--output=/tmp/x", "-h", "no-such-ref", "HEAD\0x"])
def test_options_and_unknown_references_are_refused(repo: Path, ref: str) -> None:
    with pytest.raises(InputError, match="does not exist"):
        GitProgram(repo).resolve(ref)


def test_blobs_are_read_in_one_go_and_large_ones_are_not(repo: Path) -> None:
    program = GitProgram(repo)
    entries = dict(line.split(b"\t")[::-1] for line in
                   program.run("ls-tree", "HEAD").splitlines())
    small, large = (entries[name].split()[2].decode() for name in (b"small.txt", b"large.txt"))
    assert program.read_blobs([small, large, small], max_size=100) == {
        small: b"small\n", large: 1000}
    assert program.read_blobs([], max_size=100) == {}
    with pytest.raises(InputError, match="not a full object id"):
        program.read_blobs(["HEAD"], max_size=100)


def test_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is not inside a git repository"):
        GitProgram(tmp_path)


def test_a_bare_repository_is_refused(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    with pytest.raises(InputError, match="a bare repository has no working tree"):
        GitProgram(tmp_path / "bare.git")


def test_shallow_clones_are_told_apart(repo: Path, tmp_path: Path) -> None:
    assert not GitProgram(repo).is_shallow()
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", "shallow")
    assert GitProgram(tmp_path / "shallow").is_shallow()
