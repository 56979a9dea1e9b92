"""The posture history as text, JSON and CSV (``threatgate history --format``).

The JSON document of one model (:func:`model_document`) is also the site API's
``api/models/{id}/history.json``. Pure: a history in, text out.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from threatgate.history.results import (
    OBJECTIVE_STATES,
    THREAT_STATES,
    Commit,
    History,
    ModelPoint,
    ModelSeries,
    Posture,
    Reach,
    RepositoryPoint,
)
from threatgate.model.vocabulary import CONTROL_STATUSES, SEVERITY_ORDER
from threatgate.output.escape.spreadsheet import one_line_cell
from threatgate.output.escape.text import one_line
from threatgate.output.registry import register_format

SCHEMA = "threatgate-history/1"


# --- JSON -------------------------------------------------------------------------------


def _commit(commit: Commit) -> dict[str, Any]:
    return {"commit": commit.sha, "date": commit.date, "subject": commit.subject}


def _posture(posture: Posture | None) -> dict[str, Any] | None:
    return None if posture is None else posture.as_json()


def _point(point: ModelPoint) -> dict[str, Any]:
    return {**_commit(point.commit), "event": point.event, "path": point.path,
            "previous_path": point.previous_path, "posture": _posture(point.posture),
            "problem": point.problem}


def _series(series: ModelSeries) -> dict[str, Any]:
    start = None if series.start_path is None else {
        "path": series.start_path, "posture": _posture(series.start),
        "problem": series.start_problem}
    return {"id": series.model_id, "path": series.path, "start": start,
            "points": [_point(p) for p in series.points]}


def _repository_point(point: RepositoryPoint) -> dict[str, Any]:
    return {**_commit(point.commit), "models": point.models,
            "unreadable": list(point.unreadable), "posture": point.posture.as_json()}


def _reach(reach: Reach) -> dict[str, Any]:
    return {"shallow": reach.shallow, "base": reach.base, "limited": reach.limited,
            "oldest": None if reach.oldest is None else _commit(reach.oldest),
            "shallow_boundary": None if reach.boundary is None else _commit(reach.boundary),
            "notes": reach.notes()}


def history_document(history: History) -> dict[str, Any]:
    """The whole history as one JSON-ready document."""
    return {
        "schema": SCHEMA,
        "reach": _reach(history.reach),
        "commits": [_commit(c) for c in history.commits],
        "repository": [_repository_point(p) for p in history.repository()],
        "models": [_series(s) for s in history.models],
        "skipped": [{"commit": None if k.commit is None else k.commit.sha,
                     "path": k.path, "reason": k.reason} for k in history.skipped],
    }


def model_document(history: History, series: ModelSeries) -> dict[str, Any]:
    """One model's history: the site API's ``history.json``."""
    return {"schema": SCHEMA, "model": series.model_id, "reach": _reach(history.reach),
            **{k: v for k, v in _series(series).items() if k != "id"}}


def json_lines(value: Any, level: int = 0) -> str:
    """JSON indented as usual, except that each entry of a commit (an object with a
    ``commit`` key) takes one line: a long history stays readable, and quick to write."""
    pad, end = "  " * (level + 1), "  " * level
    if isinstance(value, dict) and value and "commit" not in value:
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {json_lines(v, level + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{end}}}"
    if isinstance(value, list) and value and isinstance(value[0], dict | list):
        return "[\n" + ",\n".join(pad + json_lines(v, level + 1) for v in value) + f"\n{end}]"
    return json.dumps(value, ensure_ascii=False)


@register_format("history", "json", 20, suffix=".json")
def render_json(history: History) -> str:
    return json_lines(history_document(history)) + "\n"


# --- text -------------------------------------------------------------------------------

COLUMNS = ("commit", "date", "event", "threats", "crit", "high", "med", "low", "unsc",
           "mitigated", "ratio", "open crit", "open high", "obj ok", "at risk",
           "unassessed", "ctl impl", "in prog", "planned")


def _numbers(posture: Posture) -> list[str]:
    return [str(n) for n in (
        posture.threats, *(posture.by_severity[s] for s in SEVERITY_ORDER), posture.mitigated,
    )] + [f"{round(posture.mitigation_ratio * 100)}%"] + [str(n) for n in (
        posture.open_by_severity["critical"], posture.open_by_severity["high"],
        *(posture.objective_states[s] for s in OBJECTIVE_STATES),
        posture.controls["implemented"], posture.controls["in_progress"],
        posture.controls["planned"])]


def _model_rows(series: ModelSeries) -> list[list[str]]:
    rows = [list(COLUMNS)]
    if series.start_path is not None:
        start = ["(before)", "", "unreadable" if series.start is None else "start"]
        rows.append(start + (_numbers(series.start) if series.start else
                             [one_line(series.start_problem or "")]))
    for point in series.points:
        row = [point.commit.short, point.commit.date, point.event]
        if point.posture is not None:
            row += _numbers(point.posture)
        elif point.problem:
            row.append(one_line(point.problem))
        rows.append(row)
    return rows


def _text_table(rows: list[list[str]]) -> list[str]:
    """Rows of numbers aligned in columns; a row without numbers (an unreadable or
    removed model) holds its problem after the first three cells."""
    full = [r for r in rows if len(r) == len(COLUMNS)]
    widths = [max(len(r[i]) for r in (rows if i < 3 else full) if i < len(r))
              for i in range(len(COLUMNS))]
    out = []
    for row in rows:
        if len(row) == len(COLUMNS):
            out.append("  ".join(c.rjust(widths[i]) if i > 2 else c.ljust(widths[i])
                                 for i, c in enumerate(row)).rstrip())
        else:
            head = "  ".join(c.ljust(widths[i]) for i, c in enumerate(row[:3]))
            out.append(f"{head}  {' '.join(row[3:])}".rstrip())
    return out


@register_format("history", "text", 10)
def render_text(history: History) -> str:
    commits = len(history.commits)
    lines = [f"History of {len(history.models)} model(s) over {commits} commit(s) that "
             "changed them, on the first-parent line of HEAD, oldest first."]
    lines += [f"note: {note}" for note in history.reach.notes()]
    if history.reach.limited and history.reach.oldest is not None:
        lines.append(f"note: starts after {(history.reach.base or '')[:7]} "
                     "(--since or --max-count); 'before' rows are the models as they were "
                     "there.")
    if commits:
        lines += ["", "Repository (the models readable at each commit)"]
        rows = [["commit", "date", "models", *COLUMNS[3:]]]
        for point in history.repository():
            gaps = f" ({len(point.unreadable)} unreadable)" if point.unreadable else ""
            rows.append([point.commit.short, point.commit.date, f"{point.models}{gaps}",
                         *_numbers(point.posture)])
        lines += _text_table(rows)
    for series in history.models:
        lines += ["", f"{one_line(series.model_id)} ({one_line(series.path)})"]
        lines += _text_table(_model_rows(series))
    if history.skipped:
        lines += ["", "Skipped:"]
        lines += [f"  {k.commit.short if k.commit else '(before)'} {one_line(k.path)}: "
                  f"{one_line(k.reason)}" for k in history.skipped]
    return "\n".join(lines) + "\n"


# --- CSV --------------------------------------------------------------------------------

CSV_COLUMNS: tuple[str, ...] = (
    "scope", "model", "commit", "date", "subject", "event", "path", "threats",
    *SEVERITY_ORDER, *THREAT_STATES, "open_critical", "open_high", "mitigation_ratio",
    "objectives", *(f"objectives_{s}" for s in OBJECTIVE_STATES),
    *(f"controls_{s}" for s in CONTROL_STATUSES), "verified", "problem",
)


def _csv_numbers(posture: Posture | None) -> list[Any]:
    if posture is None:
        return [""] * (len(CSV_COLUMNS) - 8)
    return [posture.threats, *(posture.by_severity[s] for s in SEVERITY_ORDER),
            *(posture.states[s] for s in THREAT_STATES), posture.open_by_severity["critical"],
            posture.open_by_severity["high"], posture.mitigation_ratio, posture.objectives,
            *(posture.objective_states[s] for s in OBJECTIVE_STATES),
            *(posture.controls[s] for s in CONTROL_STATUSES),
            "" if posture.verified is None else posture.verified]


@register_format("history", "csv", 30, suffix=".csv")
def render_csv(history: History) -> str:
    """One row per model and commit, and one per commit for the repository's totals.

    Lines end with ``\n`` and every text cell is one line, neutralised for spreadsheets
    (:func:`one_line_cell`): the table is printed, and read line by line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for point in history.repository():
        writer.writerow(["repository", "", point.commit.sha, point.commit.date,
                         one_line_cell(point.commit.subject), "", "",
                         *_csv_numbers(point.posture), ""])
    for series in history.models:
        for p in series.points:
            cells = [series.model_id, p.commit.sha, p.commit.date, p.commit.subject, p.event,
                     p.path]
            writer.writerow(["model", *(one_line_cell(c) for c in cells),
                             *_csv_numbers(p.posture), one_line_cell(p.problem or "")])
    return buffer.getvalue()
