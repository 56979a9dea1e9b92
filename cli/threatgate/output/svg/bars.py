"""Compact horizontal bars as SVG: a model's objectives, controls and verification, and
the overview of every model (one row each, the others summed, the totals).

A bar is cut into its segments, each as wide as its share; a segment shows its count
when the number fits, and the legend under the bar always names every non-empty
segment with its count, so no number depends on reading a colour.
"""

from __future__ import annotations

from threatgate.output.escape.text import one_line_shortened
from threatgate.output.svg.chart import hotspot, rect, svg_document, text, tooltip
from threatgate.output.svg.palette import (
    INK,
    LINE,
    LINK,
    MUTED,
    SEGMENT_COLOURS,
    SEVERITY_COLOURS,
    WHITE,
    text_on,
)
from threatgate.output.svg.text import text_width, wrap
from threatgate.views.pictures import Bar, Overview, OverviewRow

WIDTH = 640
LABEL_WIDTH = 112
BAR_X, BAR_WIDTH, BAR_HEIGHT = 120, 500, 18
LEGEND_SIZE = 11
LEGEND_LINE = 16
SWATCH = 10
#: A model's title in a tooltip or the description: the page and the table show it whole.
LABEL_LIMIT = 80


def row_text(row: OverviewRow) -> str:
    """The row's numbers, its title shortened (the text of 17 rows stays small)."""
    return row.summary(one_line_shortened(row.label, LABEL_LIMIT))


def segments(bar: Bar, x: float, y: float, width: float, height: float) -> list[str]:
    """The bar's segments side by side (an empty bar: an outline with its note)."""
    if not bar.total:
        return [rect(x, y, width, height, WHITE, f' stroke="{LINE}"'),
                text(x + 6, y + height / 2 + 4, bar.note or "none", LEGEND_SIZE, fill=MUTED)]
    drawn = []
    left = x
    for segment in bar.segments:
        if not segment.count:
            continue
        share = width * segment.count / bar.total
        fill = SEGMENT_COLOURS[segment.key]
        part = rect(left, y, share, height, fill, f' stroke="{WHITE}" stroke-width="1"')
        number = str(segment.count)
        if text_width(number, LEGEND_SIZE) + 6 <= share:
            part += text(left + share / 2, y + height / 2 + 4, number, LEGEND_SIZE,
                         fill=text_on(fill), anchor="middle", weight="600")
        drawn.append(tooltip(f"{segment.count} {segment.label}", part))
        left += share
    return drawn


def legend(bar: Bar, x: float, y: float, width: float) -> tuple[list[str], float]:
    """Every non-empty segment as a swatch and ``count label``, wrapped to ``width``;
    returns the drawing and the height it takes."""
    drawn: list[str] = []
    left, top = x, y
    for segment in bar.segments:
        if not segment.count:
            continue
        label = f"{segment.count} {segment.label}"
        item = SWATCH + 5 + text_width(label, LEGEND_SIZE) + 14
        if left > x and left + item > x + width:
            left, top = x, top + LEGEND_LINE
        drawn.append(rect(left, top - SWATCH + 1, SWATCH, SWATCH, SEGMENT_COLOURS[segment.key]))
        drawn.append(text(left + SWATCH + 5, top, label, LEGEND_SIZE, fill=MUTED))
        left += item
    return drawn, (top - y + LEGEND_LINE) if drawn else 0


def render_bars_svg(bars: list[Bar], title: str) -> str:
    """Bars one under the other, each with its label on the left and its legend below."""
    body: list[str] = []
    y = 8.0
    for bar in bars:
        name = wrap(bar.label, LABEL_WIDTH - 8, 12, 1)
        body.append(text(8, y + BAR_HEIGHT / 2 + 4, name[0] if name else "", 12, weight="600"))
        body += segments(bar, BAR_X, y, BAR_WIDTH, BAR_HEIGHT)
        drawn, height = legend(bar, BAR_X, y + BAR_HEIGHT + 15, BAR_WIDTH)
        body += drawn
        y += BAR_HEIGHT + 8 + height + 10
    body.insert(0, rect(0, 0, WIDTH, y, WHITE))
    description = ". ".join(bar.summary() for bar in bars) + "."
    return svg_document(WIDTH, y, title, description, body, "bars")


# --- the overview ----------------------------------------------------------------------------

NAME_X, NAME_WIDTH = 8, 206
POSTURE_X, POSTURE_WIDTH = 222, 260
SEVERE_X, SEVERE_WIDTH = 498, 110
COUNTS_X = 616
OVERVIEW_WIDTH = 760
ROW_HEIGHT, ROW_BAR = 24, 14
HEADER = 24


def _open_severe(row: OverviewRow, y: float, scale: int | None) -> list[str]:
    """The open critical and high threats: a bar (model rows) and the numbers."""
    drawn = []
    if scale:
        left = float(SEVERE_X)
        for band, count in (("critical", row.open_critical), ("high", row.open_high)):
            if count:
                share = SEVERE_WIDTH * count / scale
                drawn.append(rect(left, y, share, ROW_BAR, SEVERITY_COLOURS[band],
                                  f' stroke="{WHITE}" stroke-width="1"'))
                left += share
    numbers = (f"{row.open_critical} critical, {row.open_high} high"
               if row.open_critical or row.open_high else "none open")
    x = COUNTS_X if scale else SEVERE_X
    drawn.append(text(x, y + ROW_BAR - 3, numbers, LEGEND_SIZE, fill=MUTED))
    return drawn


def _overview_row(row: OverviewRow, y: float, scale: int | None, strong: bool,
                  links: list[str]) -> str:
    """The row's drawing; a model's row adds the link to its page to ``links``."""
    name = wrap(row.label, NAME_WIDTH - 8, 12, 1)
    parts = [text(NAME_X, y + ROW_BAR - 2, name[0] if name else "", 12,
                  fill=LINK if row.page else INK, weight="600" if strong else "")]
    parts += segments(row.posture, POSTURE_X, y, POSTURE_WIDTH, ROW_BAR)
    parts += _open_severe(row, y, scale)
    if row.page:
        links.append(hotspot(row.page, row_text(row), NAME_X, y - 4,
                             OVERVIEW_WIDTH - 2 * NAME_X, ROW_HEIGHT - 2))
    return tooltip(row_text(row), "".join(parts))


def _overview_legend(y: float) -> list[str]:
    items = [(SEGMENT_COLOURS[key], label) for key, label in (
        ("mitigated_by_controls", "mitigated by controls"),
        ("mitigated_by_assumption", "by assumption"), ("at_risk", "at risk"),
        ("unassessed", "unassessed"))]
    items += [(SEVERITY_COLOURS["critical"], "open critical"),
              (SEVERITY_COLOURS["high"], "open high")]
    drawn, x = [], float(NAME_X)
    for colour, label in items:
        drawn.append(rect(x, y - SWATCH + 1, SWATCH, SWATCH, colour))
        drawn.append(text(x + SWATCH + 5, y, label, LEGEND_SIZE, fill=MUTED))
        x += SWATCH + 5 + text_width(label, LEGEND_SIZE) + 16
    return drawn


def overview_title(view: Overview) -> str:
    shown = (f"; the {len(view.rows)} models with the most open critical and high threats "
             f"one by one, {view.others.models} summed" if view.others else "")
    return f"Models at a glance: {row_text(view.total)}{shown}"


def render_overview_svg(view: Overview) -> str:
    """One row per model shown, the others summed, the totals: never more than
    ``OVERVIEW_ROWS + 2`` rows, whatever the number of models."""
    scale = max((r.open_critical + r.open_high for r in view.rows), default=0)
    body = [text(NAME_X, 16, "Model", 11, fill=MUTED, weight="600"),
            text(POSTURE_X, 16, "Objectives by posture", 11, fill=MUTED, weight="600"),
            text(SEVERE_X, 16, "Open critical and high threats", 11, fill=MUTED,
                 weight="600")]
    y = float(HEADER)
    links: list[str] = []
    for row in view.rows:
        body.append(_overview_row(row, y, scale, False, links))
        y += ROW_HEIGHT
    body.append(rect(NAME_X, y - 5, OVERVIEW_WIDTH - 2 * NAME_X, 1, LINE))
    for summed in (view.others, view.total):
        if summed is not None:
            body.append(_overview_row(summed, y, None, summed is view.total, links))
            y += ROW_HEIGHT
    body += _overview_legend(y + 10)
    height = y + 22
    body.insert(0, rect(0, 0, OVERVIEW_WIDTH, height, WHITE))
    rows = [*view.rows, *([view.others] if view.others else []), view.total]
    description = ". ".join(row_text(r) for r in rows) + "."
    return svg_document(OVERVIEW_WIDTH, height, overview_title(view), description, body,
                        "overview", links)
