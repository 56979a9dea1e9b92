"""A large verify run checks its evidence in forked worker processes: the same verdicts,
evidence and drift as one process, in the same order; small runs and ``--jobs 1`` stay in
one process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import REPO_ROOT, git
from threatgate.model.loader import load_text
from threatgate.verify import runner
from threatgate.verify.base import WorkingTree
from threatgate.verify.runner import (
    AssertionResult,
    PlannedAssertion,
    evidence_processes,
    planned_assertions,
    run_assertions,
)


def _own_assertions() -> list[PlannedAssertion]:
    path = REPO_ROOT / "threatmodels" / "threatgate.yaml"
    document = load_text(path.read_text(encoding="utf-8"), locate=True)
    return planned_assertions(document.data, "threatgate.yaml", document.locate)


def _answers(results: list[AssertionResult]) -> list[Any]:
    return [(r.as_json(), r.evidence, r.matched) for r in results]


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every run with more than one evidence check uses two worker processes; the list
    records the process counts used."""
    used: list[int] = []
    real = runner.check_in_processes

    def spy(*args: Any) -> Any:
        used.append(args[-1])
        return real(*args)

    monkeypatch.setattr(runner, "PARALLEL_EVIDENCE", 2)
    monkeypatch.setattr(runner, "usable_cores", lambda: 2)
    monkeypatch.setattr(runner, "check_in_processes", spy)
    return used


def test_processes_give_the_answers_of_one_process(forced: list[int]) -> None:
    planned = _own_assertions() * 3
    alone = run_assertions(planned, WorkingTree(REPO_ROOT), workers=1)
    assert forced == []  # --jobs 1: one process
    counted: list[int] = []
    spread = run_assertions(planned, WorkingTree(REPO_ROOT), workers=8,
                            progress=counted.append)
    assert forced == [2]
    assert sum(counted) == len(planned)
    assert _answers(spread) == _answers(alone)
    assert [r.planned for r in spread] == planned


def test_small_runs_and_one_job_stay_in_this_process() -> None:
    assert evidence_processes(8, runner.PARALLEL_EVIDENCE - 1) == 1
    assert evidence_processes(1, 100_000) == 1
    assert 1 <= evidence_processes(8, 100_000) <= 8


def test_drift_is_found_alike_in_worker_processes(
        forced: list[int], run_cli: Callable[..., Result],
        write_model: Callable[..., Path], project: Path) -> None:
    """The baseline is read from git objects in the workers (each its own reader)."""
    (project / "src").mkdir()
    for number in range(6):
        (project / "src" / f"db{number}.py").write_text(
            f"def run_query{number}(sql, args):\n    return cursor.execute(sql, args)\n",
            encoding="utf-8")
    rows = "".join(
        f"      - {{type: pattern_absent, file: src/db{n}.py, pattern: 'execute\\(f\"'}}\n"
        f"      - {{type: function_exists, file: src/db{n}.py, name: run_query{n}}}\n"
        for n in range(6))
    write_model(f"threatgate: 1\nid: app\ntitle: App\ncontrols:\n  - id: C1\n"
                f"    title: Safe queries\n    status: implemented\n    assertions:\n{rows}")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    (project / "src" / "db3.py").write_text(
        'def run_query3(sql):\n    return cursor.execute(f"SELECT {sql}")\n', encoding="utf-8")
    result = run_cli("verify", "--baseline", "main", "--format", "json", cwd=project)
    assert result.exit_code == 1, result.output
    assert forced and all(count == 2 for count in forced)
    document = json.loads(result.stdout)
    assert [(d["type"], d["file"]) for d in document["drift"]] == [
        ("pattern_absent", "src/db3.py")]
