"""Weakening edits, one by one, through ``threatgate diff --fail-on-regression``.

The cases are data (tests/cases/diff/weakening.yaml): each commits a model and its
configuration, then the edited model and configuration, in a throwaway repository, and
checks the unacknowledged regression kinds, the exit status and what folded entries say.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from casefiles import read_yaml
from conftest import CASES_DIR, git

CASE_FILE = CASES_DIR / "diff" / "weakening.yaml"
SPEC = read_yaml(CASE_FILE)
CASE_KEYS = frozenset({"name", "base", "head", "config_base", "config_head", "expect",
                       "acknowledged", "details"})
CASES = SPEC["cases"]


def edited(model: dict[str, Any], edits: list[dict[str, Any]]) -> dict[str, Any]:
    """``model`` with ``edits`` applied ({set|delete|append: PATH, value: V})."""
    model = copy.deepcopy(model)
    for edit in edits:
        (operation,) = set(edit) - {"value"}
        *parents, last = edit[operation]
        target: Any = model
        for key in parents:
            target = target[key]
        if operation == "set":
            target[last] = edit["value"]
        elif operation == "delete":
            del target[last]
        else:
            assert operation == "append", f"unknown edit {operation!r}"
            target[last].append(edit["value"])
    return model


def commit_side(repo: Path, model: dict[str, Any], config: str | None) -> None:
    (repo / "threatmodels").mkdir(exist_ok=True)
    (repo / "threatmodels" / "payments.yaml").write_text(json.dumps(model, indent=2) + "\n",
                                                         encoding="utf-8")
    toml = repo / "threatgate.toml"
    if config is None:
        toml.unlink(missing_ok=True)
    else:
        toml.write_text(config, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "side")


def test_case_file_is_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert set(case) <= CASE_KEYS, case["name"]
        assert case["expect"] == sorted(case["expect"]), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_weakening_edit(case: dict[str, Any], git_repo: Path,
                        run_cli: Callable[..., Result]) -> None:
    base = edited(SPEC["base_model"], case.get("base", []))
    commit_side(git_repo, base, case.get("config_base"))
    commit_side(git_repo, edited(base, case.get("head", [])), case.get("config_head"))
    done = run_cli("diff", "HEAD~1", "HEAD", "--fail-on-regression", "--format", "json",
                   cwd=git_repo)
    report = json.loads(done.output)
    failing = sorted(r["kind"] for r in report["regressions"] if not r["acknowledged"])
    assert failing == case["expect"], json.dumps(report["regressions"], indent=2)
    assert done.exit_code == (1 if case["expect"] else 0)
    acknowledged = sorted(r["kind"] for r in report["regressions"] if r["acknowledged"])
    assert acknowledged == case.get("acknowledged", [])
    for kind, expected in case.get("details", {}).items():
        [regression] = [r for r in report["regressions"] if r["kind"] == kind]
        said = "\n".join(regression["details"])
        for text in expected:
            assert text in said, said
    for regression in report["regressions"]:
        assert regression["message"] and regression["where"]
        assert regression["severity"] in ("critical", "high", "medium", "low", "info")
