"""The risk matrix of a Markdown report, as a Markdown table.

GitHub and GitLab strip inline ``<svg>`` from Markdown, and an SVG image beside a
report would need a second file wherever the report goes (a pull-request comment has
none), so the report carries the matrix as a table: likelihood 5 to 1 by impact 1 to 5,
each cell with its severity band, its counts of open and handled threats and links to
them (at most :data:`CELL_LINKS`; the threat sections list them all). Every text is
escaped by :mod:`threatgate.output.escape.markdown`.
"""

from __future__ import annotations

from threatgate.output.escape.markdown import md_cell_literal
from threatgate.views.pictures import SCORES, RiskCell, RiskMatrix
from threatgate.views.report import Ref

#: Threats linked from one cell; a cell with more says how many it leaves out.
CELL_LINKS = 8


def _threat_link(ref: Ref) -> str:
    return f"[{md_cell_literal(ref.id)}](#{ref.anchor})"


def _links(refs: list[Ref]) -> str:
    shown = ", ".join(_threat_link(r) for r in refs[:CELL_LINKS])
    more = f" and {len(refs) - CELL_LINKS} more" if len(refs) > CELL_LINKS else ""
    return shown + more


def matrix_cell(cell: RiskCell) -> str:
    """``**high** 2 open ([T2](#threat-T2), ...), 1 handled ([T1](#threat-T1))``."""
    if not cell.total:
        return "-" if cell.score is not None else "none"
    parts = [f"{len(refs)} {name} ({_links(refs)})"
             for name, refs in (("open", cell.open), ("handled", cell.handled)) if refs]
    band = f"**{cell.band}** " if cell.score is not None else ""
    return band + ", ".join(parts)


def matrix_markdown(matrix: RiskMatrix) -> list[str]:
    """The section's lines: a sentence with the totals, the table, the unscored threats."""
    header = ["Likelihood / impact", *(str(impact) for impact in SCORES)]
    lines = ["## Risk matrix", "",
             f"{matrix.summary().capitalize()}. Handled: mitigated, or accepted while the "
             "acceptance is in force. Bands by likelihood x impact: critical 20-25, high "
             "12-19, medium 6-11, low 1-5.", "",
             "| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in matrix.rows:
        likelihood = row[0].likelihood
        lines.append(f"| **{likelihood}** | " + " | ".join(matrix_cell(c) for c in row) + " |")
    lines += ["", f"Not scored (no likelihood and impact): {matrix_cell(matrix.unscored)}", ""]
    return lines
