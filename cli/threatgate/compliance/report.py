"""What ``threatgate compliance report`` shows: per framework, the roll-up and each
model's counts, and the requirement rows (filtered by status, one page of them).

The JSON data is built here, once, for every reader of it (``--format json``, the site's
API): per framework the keys ``id``, ``requirements``, ``covered``, ``partial``,
``planned``, ``unmapped``, ``excluded``, ``coverage`` (and ``verified``, the covered
requirements whose controls are all verified), ``models`` and ``rows``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.catalogues.library import CatalogueLibrary
from threatgate.catalogues.model import Catalogue
from threatgate.compliance.coverage import (
    FrameworkCoverage,
    RequirementRow,
    Tally,
    framework_coverage,
)

REPORT_VERSION = 1


@dataclass
class FrameworkPage:
    coverage: FrameworkCoverage
    #: The rows shown: filtered by ``status``, then ``offset`` and ``limit`` applied.
    rows: list[RequirementRow]
    total_rows: int
    status: str | None = None
    offset: int = 0
    limit: int | None = None

    @property
    def catalogue(self) -> Catalogue:
        return self.coverage.catalogue


@dataclass
class ComplianceReport:
    frameworks: list[FrameworkPage] = field(default_factory=list)
    #: Whether the evidence was verified (without it no requirement is "verified").
    verification_run: bool = False

    def below(self, minimum: float) -> list[FrameworkPage]:
        """The frameworks whose roll-up coverage is below ``minimum``."""
        return [p for p in self.frameworks if p.coverage.tally.coverage < minimum]


def build_report(assessments: Sequence[ModelAssessment],
                 frameworks: Sequence[tuple[Catalogue, str | None]], *,
                 status: str | None = None, offset: int = 0,
                 limit: int | None = None) -> ComplianceReport:
    """The report of these frameworks (each with its level) over the models."""
    report = ComplianceReport(verification_run=any(a.verification_run for a in assessments))
    for catalogue, level in frameworks:
        coverage = framework_coverage(assessments, catalogue, level)
        rows = coverage.rows(status)
        end = None if limit is None else offset + limit
        report.frameworks.append(FrameworkPage(coverage, rows[offset:end], len(rows), status,
                                               offset, limit))
    return report


def frameworks_of(assessments: Sequence[ModelAssessment]) -> list[str]:
    """Every framework the models list or map, in first-seen order."""
    found: dict[str, None] = {}
    for a in assessments:
        found.update(dict.fromkeys(a.frameworks))
        for control in a.controls:
            found.update(dict.fromkeys(r.partition(":")[0] for r in control.compliance
                                       if ":" in r))
        found.update(dict.fromkeys(e.requirement.partition(":")[0] for e in a.exclusions))
    return list(found)


def tally_json(tally: Tally) -> dict[str, Any]:
    return {"requirements": tally.requirements, "covered": tally.covered,
            "verified": tally.verified, "partial": tally.partial, "planned": tally.planned,
            "unmapped": tally.unmapped, "excluded": tally.excluded,
            "coverage": tally.coverage}


def row_json(row: RequirementRow, catalogue: Catalogue) -> dict[str, Any]:
    requirement = row.requirement
    groups = catalogue.group_titles
    return {
        "model": row.model, "path": row.path, "requirement": requirement.id,
        "ref": f"{catalogue.id}:{requirement.id}", "text": requirement.text,
        "levels": list(requirement.levels), "parent": requirement.parent,
        "section": groups.get(requirement.parent or ""), "status": row.status,
        "verified": row.verified, "reason": row.reason,
        "controls": [{"id": c.id, "title": c.title, "status": c.status, "active": c.active,
                      "verification": c.verification} for c in row.controls],
    }


def page_json(page: FrameworkPage) -> dict[str, Any]:
    coverage = page.coverage
    catalogue = coverage.catalogue
    return {
        "id": catalogue.id, "title": catalogue.title, "level": coverage.level,
        **tally_json(coverage.tally),
        "models": [{"model": m.model_id, "path": m.path, **tally_json(m.tally)}
                   for m in coverage.models],
        "status": page.status, "offset": page.offset, "limit": page.limit,
        "total_rows": page.total_rows,
        "rows": [row_json(row, catalogue) for row in page.rows],
    }


def report_json(report: ComplianceReport) -> dict[str, Any]:
    return {"version": REPORT_VERSION, "verification_run": report.verification_run,
            "frameworks": [page_json(page) for page in report.frameworks]}


def framework_rows(library: CatalogueLibrary) -> list[dict[str, Any]]:
    """Every framework available (``threatgate compliance list``): id, title, requirement
    count, requirements per level, whether levels are cumulative, shipped or the
    repository's own."""
    rows: list[dict[str, Any]] = []
    for framework in library.ids():
        catalogue = library.require(framework)
        rows.append({"id": framework, "title": catalogue.title,
                     "requirements": len(catalogue.requirements),
                     "levels": {level: len(catalogue.scope(level))
                                for level in catalogue.levels},
                     "cumulative": catalogue.cumulative,
                     "source": "shipped" if library.is_shipped(framework) else "repository"})
    return rows
