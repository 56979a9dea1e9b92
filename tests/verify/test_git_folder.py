"""git's own folder is never evidence, whichever tree is read and however it is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git
from threatgate.verify.base import GitFolderError, Tree, WorkingTree, in_git_folder
from threatgate.verify.gittree import GitTree

TOKEN = "ghs_checkout_token_value"


@pytest.mark.parametrize("path, inside", [
    (".git", True), (".git/config", True), (".GIT/config", True), ("a/.Git/HEAD", True),
    (".git./config", True), (".git /config", True), ("GIT~1/config", True),
    ("src\\.git\\config", True), (".github/workflows/ci.yml", False), ("git/config", False),
    (".git::$INDEX_ALLOCATION/config", True), (".git:stream", True),
    (".gitignore", False), ("docs/.git-blame-ignore-revs", False),
])
def test_what_is_git_s_folder(path: str, inside: bool) -> None:
    assert in_git_folder(path) is inside


def _trees(repo: Path) -> list[Tree]:
    return [WorkingTree(repo), GitTree(repo, "HEAD")]


def test_no_tree_reads_or_lists_git_s_folder(git_repo: Path) -> None:
    git(git_repo, "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: {TOKEN}")
    (git_repo / "app.txt").write_text("x\n", encoding="utf-8")
    git(git_repo, "add", "app.txt")
    git(git_repo, "commit", "-q", "-m", "one")
    for tree in _trees(git_repo):
        for path in (".git/config", ".GIT/config", "./.git/config", ".git./HEAD"):
            with pytest.raises(GitFolderError) as caught:
                tree.read_bytes(path)
            assert TOKEN not in str(caught.value)
            with pytest.raises(GitFolderError):
                tree.exists(path)
        assert tree.glob("**/*") == ["app.txt"]
        assert tree.glob(".gi?/*") == []
        assert not tree.read_files


def test_a_link_into_git_s_folder_is_refused_with_its_reason(git_repo: Path) -> None:
    (git_repo / "meta").symlink_to(".git")
    (git_repo / "notes.txt").symlink_to(".git/config")
    tree = WorkingTree(git_repo)
    for path in ("meta/config", "notes.txt"):
        with pytest.raises(GitFolderError, match="never evidence"):
            tree.read_bytes(path)
        with pytest.raises(GitFolderError):
            tree.exists(path)
    assert "notes.txt" not in tree.glob("*")
