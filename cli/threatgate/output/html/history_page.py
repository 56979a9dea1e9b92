"""The site's history page (``site --history N``): the trend of the repository and of each
model over the last commits that changed a model, each chart with its numbers beside it.

Only the models the site shows count, the repository's totals included (with
``--public-only``, a private model's history never reaches the page). Pure: data in,
HTML out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threatgate.history.results import Commit, History, ModelSeries, Posture
from threatgate.output.html.summary import ModelSummary
from threatgate.output.svg.trend import TrendPoint, render_trend_svg
from threatgate.views.report import anchor, unique_anchors

if TYPE_CHECKING:
    from jinja2 import Environment

@dataclass(frozen=True)
class TrendRow:
    """A row of a chart's table: the posture after a commit (None: the row of the state
    the history starts from)."""

    commit: Commit | None
    posture: Posture | None
    note: str

    @property
    def ratio(self) -> str:
        return "-" if self.posture is None else f"{round(self.posture.mitigation_ratio * 100)}%"

    def count(self, name: str) -> str:
        if self.posture is None:
            return "-"
        if name == "at_risk":
            return str(self.posture.at_risk)
        return str(self.posture.open_by_severity.get(name, 0))


@dataclass(frozen=True)
class TrendSection:
    anchor: str
    title: str
    model_id: str | None  # None: the repository
    page: str | None
    svg: Any  # markupsafe.Markup: escaped by the SVG renderer
    #: The repository's: one per commit; a model's: where it starts and each change.
    rows: list[TrendRow]


@dataclass(frozen=True)
class UnchangedModel:
    """A model of the site that no commit of the history changed: its numbers now."""

    model: ModelSummary
    row: TrendRow


def repository_rows(history: History, model_ids: Sequence[str]) -> list[TrendRow]:
    rows = []
    for point in history.repository(model_ids):
        note = f"{point.models} model(s)"
        if point.unreadable:
            note += f"; not readable: {', '.join(point.unreadable)}"
        # With no model readable, the totals are unknown rather than zero.
        rows.append(TrendRow(point.commit, point.posture if point.models else None, note))
    return rows


def model_rows(series: ModelSeries) -> list[TrendRow]:
    """Where the model starts (when it was there before the history) and each change."""
    rows = []
    if series.start_path is not None:
        rows.append(TrendRow(None, series.start, "before" if series.start_problem is None
                             else f"not readable: {series.start_problem}"))
    for point in series.points:
        note = point.event + (f": {point.problem}" if point.problem else "")
        rows.append(TrendRow(point.commit, point.posture, note))
    return rows


def _svg(title: str, commits: Sequence[Commit], postures: Sequence[Posture | None]) -> Any:
    from markupsafe import Markup

    points = [TrendPoint(c.short, c.date, p) for c, p in zip(commits, postures, strict=True)]
    return Markup(render_trend_svg(title, points))  # escaped by the renderer


def history_sections(history: History, models: Sequence[ModelSummary]
                     ) -> tuple[list[TrendSection], list[UnchangedModel]]:
    """The repository's section, then one per model of the site (by id) that a commit of
    the history changed; the others in one table, so that the page grows with the
    changes, not with the number of models."""
    series = {s.model_id: s for s in history.models}
    shown = sorted({m.model_id: m for m in reversed(models)}.values(),
                   key=lambda m: m.model_id)
    ids = [m.model_id for m in shown]
    anchors = unique_anchors(["history-repository",
                              *(anchor("history", model_id) for model_id in ids)])
    rows = repository_rows(history, ids)
    sections = [TrendSection(anchors[0], "Repository", None, None,
                             _svg("Repository", history.commits, [r.posture for r in rows]),
                             rows)]
    unchanged = []
    for model, target in zip(shown, anchors[1:], strict=True):
        found = series.get(model.model_id)
        if found is None or not found.points:
            note = ("not committed yet" if found is None else "" if found.start_problem is None
                    else f"not readable: {found.start_problem}")
            posture = None if found is None else found.start
            unchanged.append(UnchangedModel(model, TrendRow(None, posture, note)))
            continue
        title = model.report.title or model.model_id
        sections.append(TrendSection(
            target, title, model.model_id, model.page,
            _svg(title, history.commits, found.postures(history.commits)),
            model_rows(found)))
    return sections, unchanged


def render_history_page(env: Environment, history: History, models: Sequence[ModelSummary],
                        common: dict[str, Any]) -> str:
    sections, unchanged = history_sections(history, models)
    return env.get_template("history.html").render(
        root="", sections=sections, unchanged=unchanged, history=history,
        notes=history.reach.notes(), **common)
