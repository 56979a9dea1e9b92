"""The pictures of the site's pages, drawn when the site is built: the data
(:mod:`threatgate.views.pictures`) and its SVG (:mod:`threatgate.output.svg.matrix`,
:mod:`threatgate.output.svg.bars`), which ``templates/site/pictures.html`` puts on the page
with the table that says the same in text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.output.escape.text import one_line_shortened
from threatgate.output.html.compliance_page import FrameworkPage
from threatgate.output.html.summary import ModelSummary
from threatgate.views.pictures import (
    Bar,
    Overview,
    RiskMatrix,
    coverage_bar,
    model_bars,
    overview,
    risk_matrix,
)
from threatgate.views.report import Report


@dataclass(frozen=True)
class ModelPictures:
    matrix: RiskMatrix
    matrix_svg: Any
    bars: list[Bar]
    bars_svg: Any


@dataclass(frozen=True)
class IndexPictures:
    overview: Overview
    overview_svg: Any
    #: One bar per framework with a catalogue: its requirements over every model.
    coverage: list[Bar] = field(default_factory=list)
    coverage_svg: Any = None


def _markup(svg: str) -> Any:
    """The SVG as markup the templates insert as is (its renderer escaped every text)."""
    from markupsafe import Markup

    return Markup(svg)


def model_pictures(report: Report) -> ModelPictures:
    """The risk matrix and the posture bars of one model's page."""
    from threatgate.output.svg.bars import render_bars_svg
    from threatgate.output.svg.matrix import render_matrix_svg

    matrix = risk_matrix(report.threats)
    bars = model_bars(report)
    name = one_line_shortened(report.title or report.model_id, 80)
    return ModelPictures(matrix, _markup(render_matrix_svg(matrix)), bars,
                         _markup(render_bars_svg(bars, f"Posture of {name}: " + "; ".join(
                             bar.summary() for bar in bars))))


def index_pictures(models: Sequence[ModelSummary],
                   frameworks: Sequence[FrameworkPage] = ()) -> IndexPictures | None:
    """The overview of every model for the index (None without any valid model), and the
    coverage of each framework with a catalogue, summed over the models."""
    from threatgate.output.svg.bars import render_bars_svg, render_overview_svg

    if not models:
        return None
    view = overview([(m.report, m.page) for m in models])
    bars = [coverage_bar(one_line_shortened(page.id, 40), page.totals)
            for page in frameworks if page.totals]
    drawn = (_markup(render_bars_svg(bars, "Compliance coverage: " + "; ".join(
        bar.summary() for bar in bars))) if bars else None)
    return IndexPictures(view, _markup(render_overview_svg(view)), bars, drawn)
