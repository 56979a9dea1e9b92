"""Every reference git resolves works in `diff`; any other is exit 2, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from conftest import CASES_DIR, VALID_MODEL, git
from threatgate.errors import EXIT_OK, EXIT_USAGE

CASES = CASES_DIR / "git" / "refs.yaml"


def load_refs() -> list[dict[str, Any]]:
    refs = YAML(typ="safe", pure=True).load(CASES.read_text(encoding="utf-8"))["refs"]
    assert isinstance(refs, list) and refs
    return refs


@pytest.fixture
def repo(git_repo: Path) -> Path:
    (git_repo / "threatmodels").mkdir()
    model = git_repo / "threatmodels" / "model.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "base")
    model.write_text(VALID_MODEL.replace("title: Web shop", "title: Shop"), encoding="utf-8")
    git(git_repo, "commit", "-q", "-a", "-m", "retitle")
    return git_repo


def tree(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*")
            if path.is_file() and ".git" not in path.relative_to(root).parts[:1]}


@pytest.mark.parametrize("case", load_refs(), ids=lambda case: repr(case["ref"]))
def test_diff_against_a_reference(case: dict[str, Any], repo: Path,
                                  run_cli: Callable[..., Result]) -> None:
    before = tree(repo)
    result = run_cli("diff", "--", case["ref"], cwd=repo)
    assert result.exit_code != 3, result.output
    if case["resolves"]:
        assert result.exit_code == EXIT_OK, result.output
    else:
        assert result.exit_code == EXIT_USAGE, result.output
        assert "is not a reference git can resolve here" in result.output
    assert tree(repo) == before
    assert not list(repo.glob("pwned*"))
