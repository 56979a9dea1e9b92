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
from threatgate.output.svg.trend import TrendPoint, render_trend_svg
from threatgate.views.report import anchor, unique_anchors
from threatgate.views.reports import SiteModel

if TYPE_CHECKING:
    from jinja2 import Environment

#: What a row says when the posture after a commit is not known.
UNKNOWN_NOTES = {"unreadable": "not readable at this commit", "removed": "removed"}


@dataclass(frozen=True)
class TrendRow:
    commit: Commit
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
    rows: list[TrendRow]


def repository_rows(history: History, model_ids: Sequence[str]) -> list[TrendRow]:
    rows = []
    for point in history.repository(model_ids):
        note = f"{point.models} model(s)"
        if point.unreadable:
            note += f"; not readable: {', '.join(point.unreadable)}"
        # With no model readable, the totals are unknown rather than zero.
        rows.append(TrendRow(point.commit, point.posture if point.models else None, note))
    return rows


def model_rows(history: History, series: ModelSeries) -> list[TrendRow]:
    rows = []
    points = series.at(history.commits)
    for commit, posture, point in zip(history.commits, series.postures(history.commits),
                                      points, strict=True):
        if point is None:
            note = (UNKNOWN_NOTES["unreadable"] if series.start_problem is not None
                    else "" if posture is not None else "not there yet")
        elif point.commit == commit:
            note = point.event + (f": {point.problem}" if point.problem else "")
        else:
            note = "" if posture is not None else UNKNOWN_NOTES.get(point.event, point.event)
        rows.append(TrendRow(commit, posture, note))
    return rows


def _section(target: str, title: str, model_id: str | None, page: str | None,
             rows: list[TrendRow]) -> TrendSection:
    from markupsafe import Markup

    points = [TrendPoint(r.commit.short, r.commit.date, r.posture) for r in rows]
    svg = Markup(render_trend_svg(title, points))  # escaped by the renderer
    return TrendSection(target, title, model_id, page, svg, rows)


def history_sections(history: History, models: Sequence[SiteModel]) -> list[TrendSection]:
    """The repository's section, then one per model of the site (by id)."""
    series = {s.model_id: s for s in history.models}
    shown = sorted({m.assessment.model_id: m for m in reversed(models)}.values(),
                   key=lambda m: m.assessment.model_id)
    ids = [m.assessment.model_id for m in shown]
    anchors = unique_anchors(["history-repository",
                              *(anchor("history", model_id) for model_id in ids)])
    sections = [_section(anchors[0], "Repository", None, None,
                         repository_rows(history, ids))]
    for model, target in zip(shown, anchors[1:], strict=True):
        found = series.get(model.assessment.model_id)
        rows = [] if found is None else model_rows(history, found)
        title = model.report.title or model.assessment.model_id
        sections.append(_section(target, title, model.assessment.model_id, model.page, rows))
    return sections


def render_history_page(env: Environment, history: History, models: Sequence[SiteModel],
                        common: dict[str, Any]) -> str:
    return env.get_template("history.html").render(
        root="", sections=history_sections(history, models), history=history,
        notes=history.reach.notes(), **common)
