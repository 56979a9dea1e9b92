"""The site's compliance page: per framework, each model's coverage and the requirement
matrix (requirements by models, with their status), filterable by text, status and level.

Pure: the models' report sections in, the template's context out. A framework with a
catalogue gets the matrix of every requirement; one without keeps the list of the
requirements its controls map. Past :data:`MAX_MODEL_COLUMNS` models the matrix shows,
per requirement, how many models have each status instead of one column per model.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.compliance.coverage import STATUSES
from threatgate.output.html.summary import ModelSummary
from threatgate.views.compliance import ComplianceMatrix, MatrixRow
from threatgate.views.report import FrameworkSection, anchor

MAX_MODEL_COLUMNS = 24
#: What the status filter offers: the statuses, and verified (covered and verified).
STATUS_OPTIONS = ("verified", *STATUSES)


@dataclass
class MatrixLine:
    """One requirement of the matrix: its cells (one per model column) and the tokens
    the filters match (every status some model gives it, every level it is in scope at)."""

    row: MatrixRow
    cells: list[MatrixRow | None]
    statuses: str
    levels: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class FrameworkPage:
    id: str
    anchor: str
    title: str
    #: (model, its section) for every model answering to the framework.
    entries: list[tuple[ModelSummary, FrameworkSection]]
    levels: tuple[str, ...] = ()
    lines: list[MatrixLine] = field(default_factory=list)
    columns: list[ModelSummary] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def has_matrix(self) -> bool:
        return bool(self.lines)

    @property
    def table(self) -> str:
        return f"{self.anchor}-matrix"


def scope_levels(matrix: ComplianceMatrix, row: MatrixRow) -> list[str]:
    """The levels a requirement counts at (cumulative: its own and every higher one)."""
    if not matrix.cumulative:
        return list(row.levels)
    own = [matrix.levels.index(level) for level in row.levels if level in matrix.levels]
    return list(matrix.levels[min(own):]) if own else []


def _lines(matrices: list[tuple[ModelSummary, ComplianceMatrix]],
           columns: list[ModelSummary]) -> list[MatrixLine]:
    first = matrices[0][1]
    shown = {id(model) for model in columns}
    lines = []
    for position, row in enumerate(first.rows):
        everyone = [m.rows[position] for _, m in matrices]
        statuses = Counter(r.shown_status for r in everyone)
        statuses.update("covered" for r in everyone if r.verified)
        cells: list[MatrixRow | None] = [m.rows[position] for model, m in matrices
                                         if id(model) in shown]
        lines.append(MatrixLine(row, cells, " ".join(sorted(statuses)),
                                " ".join(scope_levels(first, row)), dict(statuses)))
    return lines


def _totals(matrices: list[tuple[ModelSummary, ComplianceMatrix]]) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for _, matrix in matrices:
        counts.update(matrix.counts)
    in_scope = counts["requirements"] - counts["excluded"]
    return {**counts, "coverage": round(counts["covered"] / in_scope, 4) if in_scope else 1.0}


def compliance_pages(models: Sequence[ModelSummary]) -> list[FrameworkPage]:
    """One page section per framework any model lists or maps, sorted by id."""
    frameworks: dict[str, list[tuple[ModelSummary, FrameworkSection]]] = {}
    for model in models:
        for section in model.report.compliance:
            frameworks.setdefault(section.id, []).append((model, section))
    pages = []
    for name, entries in sorted(frameworks.items()):
        matrices = [(m, s.matrix) for m, s in entries if s.matrix is not None]
        page = FrameworkPage(name, anchor("framework", name), name, entries)
        if matrices and len(matrices) == len(entries):
            first = matrices[0][1]
            page.title, page.levels = first.title, first.levels
            page.columns = [m for m, _ in matrices][:MAX_MODEL_COLUMNS]
            if len(matrices) > MAX_MODEL_COLUMNS:
                page.columns = []
            page.lines = _lines(matrices, page.columns)
            page.totals = _totals(matrices)
        pages.append(page)
    return pages




#: Every status row met so far, by value: few, since a requirement has few statuses.
_ROWS: dict[MatrixRow, MatrixRow] = {}


def status_rows(sections: Sequence[FrameworkSection]) -> list[FrameworkSection]:
    """The sections with each matrix row cut to what the page shows of a model's cell
    (status, controls, reason) and shared with every equal row of other models.

    What the page shows of the requirements themselves (id, text, section, levels) comes
    from the first model of each framework, whose rows :func:`with_requirements` restores.
    """
    shared = []
    for section in sections:
        matrix = section.matrix
        if matrix is None:
            shared.append(section)
            continue
        rows = [MatrixRow("", "", "", (), r.status, r.verified, r.controls, r.reason)
                for r in matrix.rows]
        # The page lists a section's requirements only for a framework without catalogue.
        shared.append(dataclasses.replace(
            section, requirements=[],
            matrix=dataclasses.replace(matrix, rows=[_ROWS.setdefault(r, r) for r in rows])))
    return shared


def with_requirements(models: Sequence[ModelSummary],
                      requirements: Callable[[str], Sequence[MatrixRow] | None]
                      ) -> list[ModelSummary]:
    """The models (in page order) with the rows of the first model of each framework
    naming their requirements again: their id, text, section and levels are those of
    ``requirements`` (the catalogue's requirements in scope, in the matrix's order)."""
    done: set[str] = set()
    restored = []
    for model in models:
        sections = []
        for section in model.report.compliance:
            if section.matrix is not None and section.id not in done:
                done.add(section.id)
                named = requirements(section.id)
                if named is not None:
                    rows = [MatrixRow(r.requirement, r.text, r.section, r.levels, s.status,
                                      s.verified, s.controls, s.reason)
                            for r, s in zip(named, section.matrix.rows, strict=True)]
                    section = dataclasses.replace(
                        section, matrix=dataclasses.replace(section.matrix, rows=rows))
            sections.append(section)
        restored.append(dataclasses.replace(
            model, report=dataclasses.replace(model.report, compliance=sections)))
    return restored
