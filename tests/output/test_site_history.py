"""``site --history N``: the history page (trend charts with their numbers) and the API's
``history.json``; the trend SVG itself (golden, text equivalent, escaping)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from scripted_history import build, commit, model_text, write
from threatgate.history.build import HistoryRequest, build_history
from threatgate.history.results import Posture
from threatgate.model.config import load_config
from threatgate.output.history import model_document
from threatgate.output.svg.trend import LISTED_VALUES, TrendPoint, describe, render_trend_svg

Run = Callable[..., Result]


@pytest.fixture
def scripted(git_repo: Path) -> Path:
    build(git_repo)
    return git_repo


def _site(run_cli: Run, repo: Path, *args: str) -> Path:
    done = run_cli("site", "_site", *args, cwd=repo)
    assert done.exit_code == 0, done.output
    return repo / "_site"


def _points(repo: Path) -> list[TrendPoint]:
    history, _ = build_history(load_config(repo), HistoryRequest())
    return [TrendPoint(p.commit.short, p.commit.date, p.posture)
            for p in history.repository()]


def test_the_repository_trend_svg(scripted: Path, golden: Callable[[str, str], None]) -> None:
    svg = render_trend_svg("Repository", _points(scripted))
    golden("history/trend-repository.svg", svg)
    assert 'role="img"' in svg and "<script" not in svg and "@import" not in svg


def test_the_label_holds_every_number(scripted: Path) -> None:
    label = describe("Repository", _points(scripted))
    assert label.startswith("Repository over 8 commits, from 69d8c28 (2026-01-01) to ")
    assert "mitigation ratio 0%, 25%, 50%, 50%, 0%, 40%, 50%, 50%" in label
    assert "open critical 1, 1, 0, 0, 0, 0, 0, 0" in label
    assert "open high 0, 0, 0, 0, 0, 1, 2, 1" in label
    assert "objectives at risk 1, 1, 0, 0, 0, 0, 0, 0" in label


def _posture(open_high: int) -> Posture:
    zero = {"critical": 0, "high": 0, "medium": 0, "low": 0, "unscored": 0}
    return Posture(threats=open_high, by_severity={**zero, "high": open_high},
                   states={"mitigated": 0, "accepted": 0, "open": open_high},
                   open_by_severity={**zero, "high": open_high}, objectives=0,
                   objective_states={"mitigated": 0, "at_risk": 0, "unassessed": 0},
                   controls={})


def test_a_long_series_is_summed_up_and_gaps_break_the_line() -> None:
    points = [TrendPoint(f"c{i}", "2026-01-01", None if i == 5 else _posture(i % 4))
              for i in range(LISTED_VALUES + 3)]
    label = describe("Model", points)
    assert "open high from 0 to 2 (lowest 0, highest 3)" in label
    svg = render_trend_svg("Model", points)
    high = re.search(r'<path d="([^"]+)" stroke="#d1242f"', svg)
    assert high is not None and high[1].count("M") == 2  # the gap at c5 starts a new line


def test_text_in_the_svg_is_escaped() -> None:
    svg = render_trend_svg('<script>alert(1)</script> "x" & y',
                           [TrendPoint("<b>", "2026-01-01", _posture(1))])
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&quot;x&quot; &amp; y" in svg


def test_site_with_history(scripted: Path, run_cli: Run) -> None:
    out = _site(run_cli, scripted, "--history", "4")
    page = (out / "history.html").read_text(encoding="utf-8")
    # The shop was deleted: only payments is on the site, and in the totals.
    assert page.count('<figure class="trend-chart">') == 2
    assert 'data-model="payments"' in page and 'data-model="shop"' not in page
    # The repository's table: a row per commit; the model's: where it starts, each change.
    assert page.count("<tr data-commit=") == 4 + 3
    assert page.count('<tr data-commit="">') == 1
    assert 'href="history.html"' in (out / "index.html").read_text(encoding="utf-8")
    history, _ = build_history(load_config(scripted), HistoryRequest(max_count=4))
    api = json.loads((out / "api/models/payments/history.json").read_text(encoding="utf-8"))
    assert api == model_document(history, history.models[0])
    assert [p["event"] for p in api["points"]] == ["unreadable", "changed"]
    links = json.loads((out / "api/models.json").read_text(encoding="utf-8"))
    assert links["models"][0]["links"]["history"] == "models/payments/history.json"


def test_site_without_history_has_no_history(scripted: Path, run_cli: Run) -> None:
    out = _site(run_cli, scripted)
    assert not (out / "history.html").exists()
    assert not list(out.rglob("history.json"))
    assert "history.html" not in (out / "index.html").read_text(encoding="utf-8")


def test_public_only_keeps_private_models_out_of_the_history(git_repo: Path,
                                                             run_cli: Run) -> None:
    write(git_repo, "open.yaml", model_text("open", [("T1", 4, 5, [])]).replace(
        "owner: team", "owner: team\nbadge: public"))
    write(git_repo, "secret.yaml", model_text("secret", [("S1", 5, 5, []), ("S2", 5, 4, [])]))
    commit(git_repo, "Two models")
    out = _site(run_cli, git_repo, "--history", "5", "--public-only")
    page = (out / "history.html").read_text(encoding="utf-8")
    assert "secret" not in page
    # The repository's totals count the public model alone: one open critical threat.
    assert "open critical 1;" in page
    assert not (out / "api/models/secret").exists()


def test_site_history_outside_a_repository(project: Path, write_model: Callable[..., Path],
                                           run_cli: Run) -> None:
    write_model()
    (project / ".git").rmdir()
    done = run_cli("site", "_site", "--history", "3", cwd=project)
    assert done.exit_code == 2
    assert "is not inside a git repository" in done.output


def test_site_history_of_a_repository_without_commits(git_repo: Path, run_cli: Run) -> None:
    write(git_repo, "new.yaml", model_text("new"))
    out = _site(run_cli, git_repo, "--history", "3")
    page = (out / "history.html").read_text(encoding="utf-8")
    assert "No commit changed a model file." in page
    assert 'data-model="new"' in page and "not committed yet" in page


def test_models_no_commit_changed_share_one_table(git_repo: Path, run_cli: Run) -> None:
    write(git_repo, "still.yaml", model_text("still", [("T1", 4, 5, [])]))
    commit(git_repo, "A model")
    write(git_repo, "moving.yaml", model_text("moving"))
    commit(git_repo, "Another")
    out = _site(run_cli, git_repo, "--history", "1")
    page = (out / "history.html").read_text(encoding="utf-8")
    assert page.count('<figure class="trend-chart">') == 2  # the repository and moving
    unchanged = page.split('id="history-unchanged"', 1)[1]
    assert 'data-model="still"' in unchanged and "moving" not in unchanged
    assert "<td>0%</td><td>1</td><td>0</td><td>0</td>" in unchanged
