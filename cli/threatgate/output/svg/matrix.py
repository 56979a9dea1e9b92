"""The risk matrix as SVG: likelihood (5 on top) by impact (1 on the left), the count of
open and handled threats in each cell, the cell filled with a tint of its severity band
and outlined in the band's colour while any of its threats is open; threats without a
score in a box beside the grid, and a legend of the bands.

Each cell links to ``#risk-L<likelihood>-I<impact>`` (the "not scored" box to
``#risk-unscored``): the table beside the picture lists the threats of that cell there,
each a link to its row, so a cell leads to its threats without any script.
"""

from __future__ import annotations

from threatgate.output.svg.chart import hotspot, rect, svg_document, text, tooltip
from threatgate.output.svg.numbers import num
from threatgate.output.svg.palette import INK, MUTED, SEVERITY_COLOURS, WHITE, tint
from threatgate.views.pictures import RiskCell, RiskMatrix

LEFT, TOP = 52, 10
CELL_WIDTH, CELL_HEIGHT = 84, 50
GRID_WIDTH, GRID_HEIGHT = 5 * CELL_WIDTH, 5 * CELL_HEIGHT
PANEL_X = LEFT + GRID_WIDTH + 24
PANEL_WIDTH = 172
WIDTH = PANEL_X + PANEL_WIDTH + 4
HEIGHT = TOP + GRID_HEIGHT + 44
#: Threat ids named in a cell's tooltip; the table beside lists them all.
TOOLTIP_IDS = 10
#: Score ranges of the bands (vocabulary.severity_from_score).
BAND_RANGES = (("critical", "20-25"), ("high", "12-19"), ("medium", "6-11"), ("low", "1-5"))
FILL_SHARE = 0.16


def _ids(cell: RiskCell) -> str:
    refs = [*cell.open, *cell.handled]
    named = ", ".join(r.id for r in refs[:TOOLTIP_IDS])
    more = f" and {len(refs) - TOOLTIP_IDS} more" if len(refs) > TOOLTIP_IDS else ""
    return f": {named}{more}" if refs else ""


def cell_description(cell: RiskCell) -> str:
    """``likelihood 4, impact 5, score 20 (critical): 2 open, 1 handled``."""
    if cell.score is None:
        return f"not scored: {cell.counts()}"
    return (f"likelihood {cell.likelihood}, impact {cell.impact}, score {cell.score} "
            f"({cell.band}): {cell.counts()}")


def _counts(cell: RiskCell, x: float, y: float, width: float, height: float) -> list[str]:
    """The open count (bold) and the handled count, centred in the box."""
    lines = []
    if cell.open:
        lines.append((f"{len(cell.open)} open", 13, INK, "700"))
    if cell.handled:
        lines.append((f"{len(cell.handled)} handled", 11, MUTED, ""))
    if not lines and cell.score is None:
        lines.append(("none", 11, MUTED, ""))
    first = y + height / 2 - (len(lines) - 1) * 8 + 4
    return [text(x + width / 2, first + i * 16, value, size, fill=fill, anchor="middle",
                 weight=weight) for i, (value, size, fill, weight) in enumerate(lines)]


def _box(cell: RiskCell, x: float, y: float, width: float, height: float,
         links: list[str]) -> str:
    """The cell's drawing; a non-empty cell adds its link to ``links``."""
    colour = SEVERITY_COLOURS[cell.band]
    parts = [rect(x, y, width, height, tint(colour, FILL_SHARE),
                  f' stroke="{WHITE}" stroke-width="2"')]
    if cell.open:
        parts.append(rect(x + 2.5, y + 2.5, width - 5, height - 5, "none",
                          f' stroke="{colour}" stroke-width="2"'))
    parts += _counts(cell, x, y, width, height)
    title = cell_description(cell) + _ids(cell)
    if cell.total:
        links.append(hotspot(f"#{cell.anchor}", title, x, y, width, height))
    return tooltip(title, "".join(parts))


def _axes() -> list[str]:
    drawn = []
    for row in range(5):
        y = TOP + row * CELL_HEIGHT + CELL_HEIGHT / 2 + 4
        drawn.append(text(LEFT - 8, y, str(5 - row), 11, fill=MUTED, anchor="end"))
    for column in range(5):
        x = LEFT + column * CELL_WIDTH + CELL_WIDTH / 2
        drawn.append(text(x, TOP + GRID_HEIGHT + 16, str(column + 1), 11, fill=MUTED,
                          anchor="middle"))
    middle = TOP + GRID_HEIGHT / 2
    drawn.append(text(16, middle, "Likelihood", 12, anchor="middle", weight="600",
                      extra=f' transform="rotate(-90 16 {num(middle)})"'))
    drawn.append(text(LEFT + GRID_WIDTH / 2, TOP + GRID_HEIGHT + 36, "Impact", 12,
                      anchor="middle", weight="600"))
    return drawn


def _legend(y: float) -> list[str]:
    drawn = [text(PANEL_X, y, "Severity by score", 11, weight="600")]
    for band, scores in BAND_RANGES:
        y += 20
        colour = SEVERITY_COLOURS[band]
        drawn.append(rect(PANEL_X, y - 11, 22, 14, tint(colour, FILL_SHARE),
                          f' stroke="{colour}" stroke-width="1.5"'))
        drawn.append(text(PANEL_X + 30, y, f"{band} ({scores})", 11))
    y += 28
    drawn.append(text(PANEL_X, y, "Outlined: some threats open", 11, fill=MUTED))
    drawn.append(text(PANEL_X, y + 16, "Handled: mitigated or accepted", 11, fill=MUTED))
    return drawn


def matrix_title(matrix: RiskMatrix) -> str:
    return f"Risk matrix: {matrix.summary()}"


def matrix_description(matrix: RiskMatrix) -> str:
    """Every non-empty cell with its counts (at most 26 of them: the description stays short)."""
    filled = [cell_description(c) for c in matrix.cells() if c.total]
    cells = "; ".join(filled) if filled else "no threat is scored"
    return (f"Threats by likelihood (1 to 5) and impact (1 to 5), open and handled "
            f"(mitigated or accepted) counted apart. {cells.capitalize()}; "
            f"{cell_description(matrix.unscored)}.")


def render_matrix_svg(matrix: RiskMatrix) -> str:
    """The matrix as a standalone SVG document (the same matrix gives the same bytes)."""
    body = [rect(0, 0, WIDTH, HEIGHT, WHITE)]
    links: list[str] = []
    for row_number, row in enumerate(matrix.rows):
        for column, cell in enumerate(row):
            body.append(_box(cell, LEFT + column * CELL_WIDTH, TOP + row_number * CELL_HEIGHT,
                             CELL_WIDTH, CELL_HEIGHT, links))
    body += _axes()
    body.append(text(PANEL_X, TOP + 12, "Not scored", 11, weight="600"))
    body.append(_box(matrix.unscored, PANEL_X, TOP + 18, PANEL_WIDTH - 40, CELL_HEIGHT,
                     links))
    body += _legend(TOP + 18 + CELL_HEIGHT + 30)
    return svg_document(WIDTH, HEIGHT, matrix_title(matrix), matrix_description(matrix),
                        body, "matrix", links)
