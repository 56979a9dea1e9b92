"""What a run shares between assertions: file contents, glob results, resolved folders.

Sharing must not change what is recorded or refused: every fork records its own reads,
a glob gives what matching every file gives, and a folder that leads outside the
repository is refused for every file in it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from threatgate.verify.base import (
    EvidenceError,
    GitFolderError,
    ReadCache,
    WorkingTree,
    glob_files,
    glob_matcher,
)
from threatgate.verify.runner import planned_from, run_assertions


def test_the_read_cache_keeps_at_most_its_size_dropping_the_oldest() -> None:
    cache = ReadCache(max_bytes=10)
    cache.put("a", (b"12345", "da"))
    cache.put("b", (b"12345", "db"))
    assert cache.get("a") is not None  # now the most recently used
    cache.put("c", (b"1", "dc"))
    assert cache.get("b") is None
    assert cache.get("a") == (b"12345", "da")
    assert cache.size <= 10
    cache.put("huge", (b"x" * 11, "dh"))
    assert cache.get("huge") is None


def test_every_fork_records_a_read_even_when_served_from_the_cache(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    tree = WorkingTree(tmp_path)
    first, second = tree.fork(), tree.fork()
    assert first.read_text("a.txt") == second.read_text("a.txt") == "hello"
    assert first.read_files == second.read_files != {}


PATHS = ["a.py", "src/a.py", "src/b/c.py", "src/b/d.txt", "srcx/a.py", "tests/t.py",
         "tests/u/v.py", "s[r]c/a.py", "x/y/z/w.py", ".git/config", "a/.git/x"]


@pytest.mark.parametrize("pattern", [
    "**", "**/*.py", "src/**", "src/*.py", "src/**/*.py", "src/b/*", "s?c/*.py", "s[r]c/a.py",
    "tests/**", "x/**/w.py", "x/y/z/w.py", "src", "*", "a/**", "nothing/**"])
def test_glob_files_is_matching_every_file(pattern: str) -> None:
    matches = glob_matcher(pattern)
    expected = sorted(p for p in PATHS if matches(p) and not p.startswith(".git/")
                      and "/.git/" not in p)
    assert glob_files(pattern, PATHS) == expected
    assert glob_files(pattern, sorted(PATHS), presorted=True) == expected


def test_a_folder_linking_outside_is_refused_for_each_of_its_files(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x", encoding="utf-8")
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "ok.txt").write_text("ok", encoding="utf-8")
    os.symlink(outside, root / "src" / "out")
    os.symlink(root / ".git", root / "src" / "git")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("token", encoding="utf-8")
    tree = WorkingTree(root)
    for _ in range(2):  # the second time from the resolved folders
        assert tree.read_text("src/ok.txt") == "ok"
        with pytest.raises(EvidenceError, match="outside the repository"):
            tree.read_text("src/out/secret.txt")
        assert not tree.exists("src/out/secret.txt")
        with pytest.raises(GitFolderError):
            tree.read_text("src/git/config")


def test_commands_and_evidence_checks_come_back_in_the_planned_order(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello", encoding="utf-8")
    slow = [sys.executable, "-c", "import time; time.sleep(0.2)"]
    assertions: list[dict[str, object]] = []
    for index in range(6):
        assertions.append({"type": "command_succeeds", "command": slow, "id": f"c{index}"})
        assertions.append({"type": "file_exists", "file": "a.txt", "id": f"f{index}"})
        assertions.append({"type": "file_exists", "file": "missing.txt", "id": f"m{index}"})
    done: list[int] = []
    results = run_assertions(planned_from(assertions), WorkingTree(tmp_path),
                             allow_commands=True, workers=3, progress=done.append)
    assert [r.planned.assertion["id"] for r in results] == [a["id"] for a in assertions]
    assert [r.verdict.status for r in results] == ["pass", "pass", "fail"] * 6
    assert len(done) == len(assertions)
    skipped = run_assertions(planned_from(assertions[:1]), WorkingTree(tmp_path))
    assert skipped[0].verdict.status == "skipped"


def test_a_file_read_by_several_assertions_is_parsed_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    (tmp_path / "app.py").write_text("import hmac\n\ndef check(a, b):\n"
                                     "    return hmac.compare_digest(a, b)\n", encoding="utf-8")
    parses: list[str] = []
    real_parse = ast.parse

    def counting_parse(source: str, *args: object, **kwargs: object) -> ast.Module:
        parses.append(source)
        return real_parse(source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ast, "parse", counting_parse)
    assertions = [
        {"type": "function_exists", "file": "app.py", "name": "check"},
        {"type": "import_present", "file": "app.py", "module": "hmac"},
        {"type": "function_calls", "file": "app.py", "function": "check",
         "calls": "hmac.compare_digest"},
    ]
    results = run_assertions(planned_from(assertions), WorkingTree(tmp_path))
    assert [r.verdict.status for r in results] == ["pass", "pass", "pass"]
    assert len(parses) == 1
    assert all(r.evidence == results[0].evidence != {} for r in results)
    (tmp_path / "app.py").write_text("def other():\n    pass\n", encoding="utf-8")
    again = run_assertions(planned_from(assertions[:1]), WorkingTree(tmp_path))
    assert again[0].verdict.status == "fail"  # a new run reads the file afresh
