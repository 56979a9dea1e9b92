"""support/git on the git program alone: objects by id, tree entries, bare repositories."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO_ROOT, git
from threatgate.errors import InputError
from threatgate.support.git import GitProgram, ObjectReader, Repository, is_null_id


@pytest.fixture
def repo(git_repo: Path) -> Path:
    """Two commits: files, a folder, a symbolic link, a file named like a glob, a tag."""
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "a.txt").write_bytes(b"alpha\n")
    (git_repo / "docs" / "b.txt").write_bytes(b"beta\n")
    (git_repo / "*.toml").write_bytes(b"star\n")
    (git_repo / "threatgate.toml").write_bytes(b"models = []\n")
    (git_repo / "link").symlink_to("docs/a.txt")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "first")
    git(git_repo, "tag", "-a", "-m", "annotated", "v1")
    (git_repo / "docs" / "a.txt").write_bytes(b"alpha, again\n")
    git(git_repo, "commit", "-q", "-a", "-m", "second")
    return git_repo


def blob_id(repo: Path, spec: str) -> str:
    return git(repo, "rev-parse", spec).strip()


def test_objects_are_read_by_id_through_one_process_of_each_kind(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []
    real_popen = subprocess.Popen

    def counting(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(list(args))
        return real_popen(args, **kwargs)

    ids = [blob_id(repo, f"HEAD~{n}:docs/{name}") for n in (0, 1) for name in ("a.txt", "b.txt")]
    tag, first = blob_id(repo, "v1"), blob_id(repo, "HEAD~1")
    monkeypatch.setattr(subprocess, "Popen", counting)
    reader = ObjectReader(repo)
    for _ in range(5):
        assert [reader.read(sha) for sha in ids] == [b"alpha, again\n", b"beta\n",
                                                     b"alpha\n", b"beta\n"]
        assert [reader.info(sha) for sha in ids] == [("blob", 13), ("blob", 5),
                                                     ("blob", 6), ("blob", 5)]
    assert reader.commit_of(tag) == first
    assert reader.commit_of(ids[0]) is None  # a blob is no commit
    assert [args[-1] for args in started] == ["--batch", "--batch-check"]
    reader.close()
    reader.close()  # closing twice is harmless


def test_missing_objects_and_names_that_are_not_ids(repo: Path) -> None:
    reader = ObjectReader(repo)
    assert reader.info("0123456789" * 4) is None
    with pytest.raises(InputError, match="is missing from the repository"):
        reader.read("0123456789" * 4)
    for name in ("HEAD", "HEAD:docs/a.txt", "a" * 39, "0123456789" * 4 + "\nHEAD"):
        with pytest.raises(InputError, match="not a full object id"):
            reader.read(name)
        with pytest.raises(InputError, match="not a full object id"):
            reader.info(name)
    # The process is still in step after the refusals and the missing object.
    assert reader.read(blob_id(repo, "HEAD:docs/b.txt")) == b"beta\n"
    reader.close()


def test_tree_entries_say_what_they_are(repo: Path) -> None:
    repository = Repository(repo)
    snapshot = repository.snapshot("HEAD~1")
    assert sorted(snapshot.files()) == ["*.toml", "docs/a.txt", "docs/b.txt", "link",
                                        "threatgate.toml"]
    text = snapshot.entry("docs/a.txt")
    assert text is not None and text.is_regular_file and text.size == 6
    assert text.read() == b"alpha\n"
    link, folder = snapshot.entry("link"), snapshot.entry("docs")
    assert link is not None and not link.is_regular_file and link.read() == b"docs/a.txt"
    assert folder is not None and not folder.is_regular_file and folder.size > 0
    for absent in ("docs/", "/docs/a.txt", "docs/../docs/a.txt", "", "nope"):
        assert snapshot.entry(absent) is None
    sub = Repository(repo / "docs").snapshot("HEAD")
    assert sorted(sub.files()) == ["a.txt", "b.txt"] and sub.entry("../link") is None
    repository.close()


def test_paths_at_a_commit_are_literal(repo: Path) -> None:
    repository = Repository(repo)
    head = repository.resolve("HEAD")
    found = repository.files_at(head, ["*.toml", "missing.toml", "docs", "/etc/passwd", ""])
    assert sorted(found) == ["*.toml", "docs"]
    assert found["*.toml"].read() == b"star\n"
    assert repository.file_at(head, "threatgate.toml") is not None
    assert repository.file_at(head, "docs/*") is None
    assert repository.files_at("HEAD", ["threatgate.toml"]) == {}  # full ids only
    repository.close()


def test_a_bare_repository_has_no_top_but_can_be_read(repo: Path, tmp_path: Path) -> None:
    git(tmp_path, "clone", "-q", "--bare", str(repo), "bare.git")
    bare = Repository(tmp_path / "bare.git")
    assert bare.top is None
    assert bare.resolve("v1") == blob_id(repo, "HEAD~1")
    snapshot = bare.snapshot("HEAD")
    entry = snapshot.entry("docs/a.txt")
    assert entry is not None and entry.read() == b"alpha, again\n"
    with pytest.raises(InputError, match="a bare repository has no working tree"):
        GitProgram(tmp_path / "bare.git")


def test_looked_at_from_inside_the_git_folder_or_a_file(repo: Path) -> None:
    assert Repository(repo / ".git").top == repo.resolve()
    with pytest.raises(InputError, match="is not inside a git repository"):
        Repository(repo / "docs" / "a.txt")


def test_a_failing_command_says_what_git_said(repo: Path) -> None:
    with pytest.raises(InputError, match=r"git ls-tree failed: fatal: "):
        Repository(repo).run("ls-tree", "0123456789" * 4)


def test_null_ids() -> None:
    assert is_null_id("0" * 40) and is_null_id("0" * 64)
    assert not is_null_id("0" * 39 + "1")


def test_gitpython_is_imported_nowhere() -> None:
    """The package reads git through the git program only (support/git)."""
    for module in (REPO_ROOT / "cli" / "threatgate").rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(name == "git" or name.startswith("git.") for name in names), module


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_does_not_keep_the_readers_processes(repo: Path) -> None:
    reader = ObjectReader(repo)
    sha = blob_id(repo, "HEAD:docs/b.txt")
    assert reader.read(sha) == b"beta\n"
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        time.sleep(30)
        os._exit(0)
    try:
        start = time.perf_counter()
        reader.close()  # git sees its input closed although the child still lives
        assert time.perf_counter() - start < 3
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


def test_threads_share_a_reader(repo: Path) -> None:
    reader = ObjectReader(repo)
    ids = {blob_id(repo, f"HEAD~{n}:docs/{name}"): (n, name)
           for n in (0, 1) for name in ("a.txt", "b.txt")}
    expected = {sha: (repo / "docs" / name).read_bytes() if n == 0 else None
                for sha, (n, name) in ids.items()}

    def read_all(_: int) -> list[tuple[str, bytes, tuple[str, int] | None]]:
        return [(sha, reader.read(sha), reader.info(sha)) for sha in ids for _ in range(20)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for answers in pool.map(read_all, range(16)):
            for sha, data, info in answers:
                assert info == ("blob", len(data))
                assert expected[sha] in (None, data)
    reader.close()


def test_a_repository_git_refuses_to_open_says_why(repo: Path) -> None:
    (repo / ".git" / "config").write_text("[core\n", encoding="utf-8")
    with pytest.raises(InputError) as refused:
        Repository(repo / "docs")
    assert "is not inside a git repository" in refused.value.message
    assert "bad config line 1" in " ".join(refused.value.details)
    with pytest.raises(InputError) as outside:
        Repository(repo.parent)
    assert outside.value.details == []
