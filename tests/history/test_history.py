"""``threatgate history``: the posture of each model at each first-parent commit, computed
by hand from the scripted repository (tests/scripted_history.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import git, modules_loaded_by
from scripted_history import SUBJECTS, build, commit, model_text, write
from threatgate.history.build import HistoryRequest, build_history
from threatgate.history.results import EVENTS, History, Posture
from threatgate.model.config import load_config

#: (threats, mitigated, open critical, open high, mitigation ratio, objectives at risk).
Numbers = tuple[int, int, int, int, float, int]


def numbers(posture: Posture | None) -> Numbers | None:
    if posture is None:
        return None
    return (posture.threats, posture.mitigated, posture.open_by_severity["critical"],
            posture.open_by_severity["high"], posture.mitigation_ratio, posture.at_risk)


@pytest.fixture
def scripted(git_repo: Path) -> Path:
    build(git_repo)
    return git_repo


def walk(repo: Path, **request: Any) -> History:
    history, _ = build_history(load_config(repo), HistoryRequest(**request))
    return history


def events(history: History, model_id: str) -> list[tuple[str, str, str, Numbers | None]]:
    series = next(s for s in history.models if s.model_id == model_id)
    return [(p.commit.subject, p.event, p.path, numbers(p.posture)) for p in series.points]


# Worked out by hand from scripted_history.build():
PAYMENTS = [
    # T1 critical open (C1 planned); CO1 at risk.
    ("Add payments", "added", "threatmodels/payments.yaml", (1, 0, 1, 0, 0.0, 1)),
    # T1 open, T2 mitigated (C2), T3 low open: 1 of 3; CO1 at risk, CO2 mitigated.
    ("Add threats and the shop", "changed", "threatmodels/payments.yaml",
     (3, 1, 1, 0, 0.3333, 1)),
    # C1 implemented: T1 mitigated, 2 of 3; both objectives mitigated.
    ("Mitigate T1", "changed", "threatmodels/payments.yaml", (3, 2, 0, 0, 0.6667, 0)),
    ("Rename payments", "renamed", "threatmodels/payments-api.yaml", (3, 2, 0, 0, 0.6667, 0)),
    ("Break payments", "unreadable", "threatmodels/payments-api.yaml", None),
    # T4 high open: 2 of 4.
    ("Fix payments, add T4", "changed", "threatmodels/payments-api.yaml",
     (4, 2, 0, 1, 0.5, 0)),
]
SHOP = [
    # S1 medium open, no objective.
    ("Add threats and the shop", "added", "threatmodels/shop.yaml", (1, 0, 0, 0, 0.0, 0)),
    # The merge brings both commits of the branch at once: S1 mitigated, S2 high open.
    ("Merge branch 'feature'", "changed", "threatmodels/shop.yaml", (2, 1, 0, 1, 0.5, 0)),
    ("Delete the shop", "removed", "threatmodels/shop.yaml", None),
]
#: The repository's totals after each commit: (models counted, numbers, unreadable).
REPOSITORY = [
    (1, (1, 0, 1, 0, 0.0, 1), []),
    (2, (4, 1, 1, 0, 0.25, 1), []),
    (2, (4, 2, 0, 0, 0.5, 0), []),
    (2, (4, 2, 0, 0, 0.5, 0), []),
    (1, (1, 0, 0, 0, 0.0, 0), ["payments"]),
    (2, (5, 2, 0, 1, 0.4, 0), []),
    (2, (6, 3, 0, 2, 0.5, 0), []),
    (1, (4, 2, 0, 1, 0.5, 0), []),
]


def test_every_first_parent_commit_that_changed_a_model_in_order(scripted: Path) -> None:
    history = walk(scripted)
    assert [c.subject for c in history.commits] == list(SUBJECTS)
    assert [s.model_id for s in history.models] == ["payments", "shop"]
    assert events(history, "payments") == PAYMENTS
    assert events(history, "shop") == SHOP
    repository = [(p.models, numbers(p.posture), p.unreadable) for p in history.repository()]
    assert repository == REPOSITORY
    assert not history.reach.shallow and not history.reach.limited
    assert history.reach.base is None
    # The script goes through every event.
    assert {p.event for s in history.models for p in s.points} == set(EVENTS)


def test_the_details_of_a_posture(scripted: Path) -> None:
    series = next(s for s in walk(scripted).models if s.model_id == "payments")
    fixed = series.points[5].posture
    assert fixed is not None
    assert fixed.as_json() == {
        "threats": {"total": 4, "by_severity": {"critical": 1, "high": 2, "medium": 0,
                                                "low": 1, "unscored": 0},
                    "mitigated": 2, "accepted": 0, "open": 2, "mitigation_ratio": 0.5,
                    "open_by_severity": {"critical": 0, "high": 1, "medium": 0, "low": 1,
                                         "unscored": 0}},
        "objectives": {"total": 2, "mitigated": 2, "at_risk": 0, "unassessed": 0},
        "controls": {"planned": 0, "in_progress": 0, "implemented": 2, "not_applicable": 0,
                     "wont_do": 0},
        "verified": None,
    }
    broken = series.points[4]
    assert broken.problem is not None and broken.problem.endswith("[yaml-syntax]")
    assert series.points[3].previous_path == "threatmodels/payments.yaml"


def test_the_same_numbers_as_assess_for_head(scripted: Path, run_cli: Callable[..., Result]
                                             ) -> None:
    done = run_cli("assess", "--format", "json", cwd=scripted)
    assessed = json.loads(done.output)["models"][0]
    last = walk(scripted).models[0].points[-1].posture
    assert last is not None
    assert assessed["threats"]["total"] == last.threats
    assert assessed["threats"]["mitigation_ratio"] == last.mitigation_ratio
    assert assessed["objectives"]["at_risk"] == last.at_risk


def test_max_count_starts_from_the_models_as_they_were(scripted: Path) -> None:
    history = walk(scripted, max_count=3)
    assert [c.subject for c in history.commits] == list(SUBJECTS[5:])
    payments, shop = history.models
    # Before "Fix payments" the payments model was broken: its series starts with a gap.
    assert payments.start is None and payments.start_problem is not None
    assert numbers(shop.start) == (1, 0, 0, 0, 0.0, 0)
    assert history.reach.limited and history.reach.base is not None
    assert [p.unreadable for p in history.repository()] == [[], [], []]
    assert numbers(history.repository()[0].posture) == REPOSITORY[5][1]


def test_since_a_reference(scripted: Path) -> None:
    base = git(scripted, "rev-list", "-1", "--grep=Rename payments", "HEAD").strip()
    history = walk(scripted, since=base)
    assert [c.subject for c in history.commits] == list(SUBJECTS[4:])
    assert history.reach.base == base


def test_models_named_by_id_or_by_a_former_file(scripted: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert [s.model_id for s in walk(scripted, models=("shop",)).models] == ["shop"]
    monkeypatch.chdir(scripted)
    history = walk(scripted, models=("threatmodels/payments.yaml",))
    assert [s.model_id for s in history.models] == ["payments"]
    # Only the commits of the models asked for.
    assert "Merge branch 'feature'" not in [c.subject for c in history.commits]


def test_an_unknown_model_is_a_usage_error(scripted: Path,
                                           run_cli: Callable[..., Result]) -> None:
    done = run_cli("history", "nope", cwd=scripted)
    assert done.exit_code == 2
    assert "nope: no model with this id or file in the history" in done.output


def test_a_second_run_reads_no_blob(scripted: Path) -> None:
    config = load_config(scripted)
    asked: list[str] = []

    def counting(reader: Callable[[list[str]], Mapping[str, bytes | int]]
                 ) -> Callable[[list[str]], Mapping[str, bytes | int]]:
        def read(shas: list[str]) -> Mapping[str, bytes | int]:
            asked.extend(shas)
            return reader(shas)
        return read

    from threatgate.support.git import GitProgram

    git_reader = GitProgram(scripted).read_blobs

    def real(shas: list[str]) -> Mapping[str, bytes | int]:
        return git_reader(shas, config.max_file_size)

    first, results = build_history(config, HistoryRequest(), read=counting(real))
    # Every blob a commit changed, each once: payments 5 (the rename keeps its blob, of
    # the same date), shop 2 (the merge brings one new blob; the branch's are not read).
    assert results.blobs_read == len(asked) == 7
    asked.clear()
    second, results = build_history(config, HistoryRequest(), read=counting(real))
    assert asked == [] and results.blobs_read == 0
    assert second == first
    # Without the cache every blob is read again.
    third, results = build_history(config, HistoryRequest(use_cache=False),
                                   read=counting(real))
    assert results.blobs_read == 7 and third == first


def test_a_spoiled_cache_entry_is_read_again(scripted: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("THREATGATE_CACHE_DIR", str(cache))
    walk(scripted)
    for entry in cache.rglob("*.json"):
        # Still JSON, but not what the cache signed.
        entry.write_bytes(entry.read_bytes().replace(b'"problem":', b'"problem": '))
    _, results = build_history(load_config(scripted), HistoryRequest())
    assert results.blobs_read == 7


def test_a_shallow_clone_says_how_far_history_reaches(scripted: Path, tmp_path: Path,
                                                      run_cli: Callable[..., Result]) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{scripted}", str(clone))
    history = walk(clone)
    assert history.reach.shallow
    assert [c.subject for c in history.commits] == list(SUBJECTS[6:])
    # The clone's first commit holds the models as they were: all of them "added".
    done = run_cli("history", cwd=clone)
    assert done.exit_code == 0
    assert "this is a shallow clone: its history reaches only back to" in done.output
    assert "git fetch --unshallow" in done.output and "fetch-depth: 0" in done.output
    done = run_cli("history", "--format", "json", cwd=clone)
    assert json.loads(done.stdout)["reach"]["shallow"] is True


def test_symbolic_links_and_duplicate_ids_are_skipped(git_repo: Path) -> None:
    write(git_repo, "a.yaml", model_text("same"))
    write(git_repo, "b.yaml", model_text("same"))
    (git_repo / "threatmodels" / "link.yaml").symlink_to("a.yaml")
    commit(git_repo, "Two files, one id, and a link")
    history = walk(git_repo)
    assert [(s.model_id, s.path) for s in history.models] == [("same", "threatmodels/a.yaml")]
    reasons = sorted((k.path, k.reason) for k in history.skipped)
    assert reasons == [
        ("threatmodels/b.yaml", "model id 'same' is already used by threatmodels/a.yaml"),
        ("threatmodels/link.yaml", "a symbolic link in git, not a model file"),
    ]


def test_a_model_is_assessed_on_the_date_of_its_commit(git_repo: Path) -> None:
    text = model_text("dated", [("T1", 4, 5, [])]) + (
        "acceptances:\n  - {threat: T1, owner: cto, justification: legacy, "
        "review_by: \"2026-03-01\"}\n")
    write(git_repo, "dated.yaml", text)
    commit(git_repo, "Accepted until March")
    write(git_repo, "dated.yaml", text.replace("title: Model dated", "title: Dated"))
    git(git_repo, "add", "-A")
    git(git_repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "After March",
        "--date", "2026-04-01T00:00:00+00:00")
    # The committer date decides: amend it (the fixture fixes GIT_COMMITTER_DATE).
    git(git_repo, "rebase", "-q", "--committer-date-is-author-date", "HEAD~1")
    history = walk(git_repo)
    states = [p.posture.states if p.posture else None for p in history.models[0].points]
    assert [c.date for c in history.commits] == ["2026-01-01", "2026-04-01"]
    assert states == [{"mitigated": 0, "accepted": 1, "open": 0},
                      {"mitigated": 0, "accepted": 0, "open": 1}]


def test_a_repository_without_commits_has_an_empty_history(git_repo: Path,
                                                            run_cli: Callable[..., Result]
                                                            ) -> None:
    write(git_repo, "new.yaml", model_text("new"))
    done = run_cli("history", "--format", "json", cwd=git_repo)
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert document["commits"] == [] and document["models"] == []


def test_history_outside_a_repository(project: Path, run_cli: Callable[..., Result]) -> None:
    (project / ".git").rmdir()
    done = run_cli("history", cwd=project)
    assert done.exit_code == 2
    assert "is not inside a git repository" in done.output


def test_many_blobs_are_assessed_in_worker_processes_alike(git_repo: Path) -> None:
    from threatgate.history.blobs import BlobResults, assess_blob
    from threatgate.validate.files import PARALLEL_THRESHOLD

    config = load_config(git_repo)
    texts = {f"{index:040x}": model_text(f"m{index}", [("T1", 1 + index % 5, 4, [])]).encode()
             for index in range(PARALLEL_THRESHOLD + 6)}
    texts["f" * 40] = b"id: broken\nthreats: [\n"
    results = BlobResults(config, lambda shas: {sha: texts[sha] for sha in shas}, None)
    day = dt.date(2026, 1, 1)
    results.fetch((sha, day) for sha in texts)
    assert results.blobs_read == len(texts)
    for sha, raw in texts.items():
        assert results.get(sha, day) == assess_blob(raw, config, day)
    assert results.get("f" * 40, day).model_id == "broken"


def test_history_starts_without_gitpython(scripted: Path) -> None:
    """The second run is all start-up: it must not pay for GitPython (nor Jinja2)."""
    run = modules_loaded_by(["history"], scripted, ("git", "jinja2"))
    assert (run.modules, run.code) == ([], 0), run.stderr


def test_other_files_of_the_model_folders_are_no_change(git_repo: Path) -> None:
    write(git_repo, "a.yaml", model_text("a"))
    commit(git_repo, "A model")
    write(git_repo, "notes.md", "Not a model.\n")
    write(git_repo, ".hidden/b.yaml", model_text("b"))
    commit(git_repo, "Notes and a hidden folder")
    history = walk(git_repo)
    assert [c.subject for c in history.commits] == ["A model"]
    assert [s.model_id for s in history.models] == ["a"]
