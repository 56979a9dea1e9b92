"""The reports of a workspace's models, as ``render`` and ``site`` show them.

A valid model becomes a :class:`SiteModel` (its report and assessment); a model that
cannot be assessed becomes an :class:`InvalidEntry` naming its first problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.catalogues.library import CatalogueLibrary, library_for
from threatgate.diagnostics import Severity
from threatgate.model.config import Config
from threatgate.views.report import AssertionOutcomes, Report
from threatgate.views.report_builder import build_report
from threatgate.workspace import Workspace

if TYPE_CHECKING:
    from threatgate.verify.results import VerifyReport


@dataclass
class SiteModel:
    """A valid model: its report (which holds the data) and its assessment."""

    report: Report
    assessment: ModelAssessment

    @property
    def page(self) -> str:
        return f"models/{self.report.model_id}.html"


@dataclass
class InvalidEntry:
    """A model file that could not be assessed, shown on the index with its problem."""

    path: str
    problem: str
    model_id: str | None = None


@dataclass
class Loaded:
    """The models of a workspace, split into those with a report and those without."""

    models: list[SiteModel]
    invalid: list[InvalidEntry]


def assertion_outcomes(workspace: Workspace, model_id: str) -> AssertionOutcomes | None:
    """Each assertion's verdict of one model, when the workspace was verified."""
    if workspace.verification is None:
        return None
    return {(r.planned.control, r.planned.index): (r.verdict.status, r.verdict.reason)
            for r in workspace.verification.results if r.planned.model == model_id}


def outcomes_by_model(verification: VerifyReport | None) -> dict[str, AssertionOutcomes]:
    """Each assertion's verdict, by model id (none without verification)."""
    outcomes: dict[str, dict[tuple[str, int], tuple[str, str]]] = {}
    if verification is not None:
        for r in verification.results:
            outcomes.setdefault(r.planned.model, {})[(r.planned.control, r.planned.index)] = (
                r.verdict.status, r.verdict.reason)
    return dict(outcomes)


def repo_path(display: str, root: Path) -> str:
    """A model's path from the repository root, whatever folder the command ran in."""
    try:
        return Path(display).resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return display


@dataclass
class ValidModel:
    """A valid model of a workspace whose report is not built yet."""

    #: Its path as the workspace displays it (the key of ``Workspace.data``).
    display: str
    #: Its path from the repository root, as the reports show it.
    path: str
    assessment: ModelAssessment


def sort_models(workspace: Workspace, config: Config, kept: Mapping[str, Any] | None = None
                ) -> tuple[list[ValidModel], list[InvalidEntry]]:
    """The models of the workspace that get a report, and the others with their problem
    (without building any report: a command that writes reports one at a time keeps only
    one in memory). A valid model is one whose data the workspace kept, or whose entry is
    in ``kept`` (what a step made of it)."""
    kept = workspace.data if kept is None else kept
    valid: list[ValidModel] = []
    invalid: list[InvalidEntry] = []
    for result in workspace.report.files:
        path = repo_path(result.display, config.root)
        has_errors = any(d.severity == Severity.ERROR for d in result.diagnostics)
        assessment = result.followed
        if assessment is None or has_errors or result.display not in kept:
            invalid.append(InvalidEntry(path, result.first_problem(), result.model_id))
            continue
        valid.append(ValidModel(result.display, path, assessment))
    return valid, invalid


def report_of(workspace: Workspace, model: ValidModel,
              catalogues: CatalogueLibrary) -> SiteModel:
    """The report of one valid model of the workspace."""
    report = build_report(workspace.data[model.display], model.assessment, workspace.today,
                          assertion_outcomes(workspace, model.assessment.model_id), catalogues)
    report.path = model.path
    return SiteModel(report, model.assessment)


def load_reports(workspace: Workspace, config: Config) -> Loaded:
    """A report for every valid model of the workspace, and the rest with their problem.

    The workspace must have been loaded with ``keep_data``: reports are built from the
    data that was validated, never from a second read of the file.
    """
    valid, invalid = sort_models(workspace, config)
    catalogues = library_for(config)
    return Loaded([report_of(workspace, model, catalogues) for model in valid], invalid)
