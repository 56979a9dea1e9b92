"""``threatgate history --format text|json|csv`` on the scripted repository (golden), and
text from the repository kept on one line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from scripted_history import build, commit, model_text, write
from threatgate.output.registry import format_names


@pytest.fixture
def scripted(git_repo: Path) -> Path:
    build(git_repo)
    return git_repo


@pytest.mark.parametrize("name", ["text", "json", "csv"])
def test_history_formats(scripted: Path, run_cli: Callable[..., Result],
                         golden: Callable[[str, str], None], name: str) -> None:
    done = run_cli("history", "--format", name, cwd=scripted)
    assert done.exit_code == 0, done.output
    golden(f"history/scripted.{ 'txt' if name == 'text' else name}", done.stdout)


def test_the_formats_come_from_the_registry() -> None:
    assert format_names("history") == ["text", "json", "csv"]


def test_json_and_csv_agree(scripted: Path, run_cli: Callable[..., Result]) -> None:
    document = json.loads(run_cli("history", "--format", "json", cwd=scripted).stdout)
    rows = list(csv.DictReader(io.StringIO(
        run_cli("history", "--format", "csv", cwd=scripted).stdout)))
    model_rows = [r for r in rows if r["scope"] == "model"]
    points = [(m["id"], p) for m in document["models"] for p in m["points"]]
    assert len(model_rows) == len(points)
    for row, (model_id, point) in zip(model_rows, points, strict=True):
        assert (row["model"], row["commit"], row["event"]) == (
            model_id, point["commit"], point["event"])
        if point["posture"]:
            assert float(row["mitigation_ratio"]) == \
                point["posture"]["threats"]["mitigation_ratio"]
        assert row["verified"] == ""
    totals = [r for r in rows if r["scope"] == "repository"]
    assert [r["threats"] for r in totals] == [
        str(p["posture"]["threats"]["total"]) for p in document["repository"]]


def test_text_from_the_repository_stays_on_one_line(git_repo: Path,
                                                    run_cli: Callable[..., Result]) -> None:
    write(git_repo, "evil.yaml", model_text("evil") + "x-bad: [\n")
    commit(git_repo, "Evil\x1b[31m subject\n\nbody")
    (git_repo / "threatmodels" / "=cmd.yaml").write_text(model_text("cmd"), encoding="utf-8")
    commit(git_repo, "=HYPERLINK(\"http://x.invalid\")")
    text = run_cli("history", cwd=git_repo).stdout
    assert "\x1b" not in text
    table = run_cli("history", "--format", "csv", cwd=git_repo).stdout
    assert ",'=cmd.yaml" not in table and "threatmodels/=cmd.yaml" in table
    assert ",\"'=HYPERLINK(\"\"http://x.invalid\"\")\"," in table
    rows = list(csv.reader(io.StringIO(table)))
    assert all(len(row) == len(rows[0]) for row in rows)
    assert all("\n" not in cell for row in rows for cell in row)


def test_every_key_of_the_json_is_documented(scripted: Path,
                                             run_cli: Callable[..., Result]) -> None:
    document = json.loads(run_cli("history", "--format", "json", cwd=scripted).stdout)
    text = (Path(__file__).parents[2] / "docs" / "history.md").read_text(encoding="utf-8")
    model = document["models"][0]
    keys = [*document, *document["reach"], *document["repository"][0], *model,
            *model["points"][0], *document["repository"][0]["posture"],
            *document["repository"][0]["posture"]["threats"]]
    for key in keys:
        assert f"`{key}`" in text or f"`{key}[]`" in text or f'"{key}"' in text, key
    for column in run_cli("history", "--format", "csv", cwd=scripted).stdout.split("\n")[0] \
            .split(","):
        assert column in text or column.split("_")[0] in text, column


def test_a_limited_history_starts_from_the_models_as_they_were(
        scripted: Path, run_cli: Callable[..., Result],
        golden: Callable[[str, str], None]) -> None:
    done = run_cli("history", "--max-count", "3", cwd=scripted)
    assert done.exit_code == 0, done.output
    golden("history/scripted-max-count-3.txt", done.stdout)
    assert "(before)" in done.stdout and "note: starts after" in done.stdout
