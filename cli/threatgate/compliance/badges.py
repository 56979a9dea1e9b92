"""The coverage a framework badge shows (:class:`CoverageSummary` of analysis.badges)."""

from __future__ import annotations

from threatgate.analysis.assessment import ModelAssessment
from threatgate.analysis.badges import Badge, CoverageSummary, framework_badge
from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.compliance.coverage import Tally, model_coverage


def summary_of(tally: Tally) -> CoverageSummary:
    """What a badge shows of a tally (mapped: covered, partial or planned)."""
    return CoverageSummary(tally.covered, tally.verified, tally.in_scope,
                           tally.covered + tally.partial + tally.planned, tally.coverage)


def coverage_summary(assessment: ModelAssessment, framework: str,
                     catalogues: CatalogueLibrary = SHIPPED) -> CoverageSummary | None:
    """The model's coverage of ``framework``; None when the framework has no catalogue."""
    catalogue = catalogues.get(framework)
    if catalogue is None:
        return None
    return summary_of(model_coverage(assessment, catalogue).tally)


def compliance_badge(assessment: ModelAssessment | None, framework: str,
                     catalogues: CatalogueLibrary = SHIPPED) -> Badge:
    """The framework badge of a model, from its coverage where a catalogue exists."""
    if assessment is None or not assessment.badge_public:
        return framework_badge(assessment, framework)
    return framework_badge(assessment, framework,
                           coverage_summary(assessment, framework, catalogues))
