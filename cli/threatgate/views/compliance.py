"""The compliance matrix of one model and framework, as the report and the site show it.

Built from the coverage of :mod:`threatgate.compliance.coverage` for frameworks that
have a catalogue: the counts, every requirement in scope with its status and controls,
the exclusions, and the summary a framework badge shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from threatgate.analysis.assessment import ModelAssessment
from threatgate.analysis.badges import CoverageSummary
from threatgate.catalogues.library import CatalogueLibrary
from threatgate.compliance.badges import summary_of
from threatgate.compliance.coverage import STATUSES, model_coverage


@dataclass(frozen=True)
class MatrixRow:
    requirement: str
    text: str
    #: The title of the group it sits under (an ASVS section, a NIST family).
    section: str
    levels: tuple[str, ...]
    #: covered, partial, planned, unmapped or excluded.
    status: str
    verified: bool
    controls: tuple[str, ...]
    reason: str | None = None

    @property
    def shown_status(self) -> str:
        return "verified" if self.verified else self.status


@dataclass
class ComplianceMatrix:
    framework: str
    title: str
    levels: tuple[str, ...]
    cumulative: bool
    counts: dict[str, int]
    coverage: float
    summary: CoverageSummary
    rows: list[MatrixRow] = field(default_factory=list)

    @property
    def excluded(self) -> list[MatrixRow]:
        return [row for row in self.rows if row.status == "excluded"]


def compliance_matrix(assessment: ModelAssessment, framework: str,
                      catalogues: CatalogueLibrary) -> ComplianceMatrix | None:
    """The matrix of ``framework`` for one model; None when it has no catalogue."""
    catalogue = catalogues.get(framework)
    if catalogue is None:
        return None
    coverage = model_coverage(assessment, catalogue)
    tally = coverage.tally
    titles = catalogue.group_titles
    rows = [MatrixRow(r.requirement.id, r.requirement.text,
                      titles.get(r.requirement.parent or "", r.requirement.parent or ""),
                      r.requirement.levels, r.status, r.verified,
                      tuple(c.id for c in r.controls), r.reason) for r in coverage.rows]
    counts = {"requirements": tally.requirements, "verified": tally.verified,
              **{status: getattr(tally, status) for status in STATUSES}}
    return ComplianceMatrix(catalogue.id, catalogue.title, catalogue.levels,
                            catalogue.cumulative, counts, tally.coverage, summary_of(tally),
                            rows)


class HasMatrix(Protocol):
    """A report's framework section (:class:`threatgate.views.report.FrameworkSection`)."""

    @property
    def id(self) -> str: ...

    @property
    def matrix(self) -> ComplianceMatrix | None: ...


def coverage_of(sections: Iterable[HasMatrix], framework: str) -> CoverageSummary | None:
    """The coverage a framework badge shows, from a report's sections (None: the framework
    has no catalogue, and its badge covers objectives)."""
    for section in sections:
        if section.id == framework and section.matrix is not None:
            return section.matrix.summary
    return None


def coverage_counts(sections: Iterable[HasMatrix], framework: str) -> dict[str, Any] | None:
    """The counts of ``threatgate compliance report`` for one model and framework (None:
    the framework has no catalogue)."""
    for section in sections:
        if section.id == framework and section.matrix is not None:
            return {**section.matrix.counts, "coverage": section.matrix.coverage}
    return None
