"""Load, validate and assess the models a command works on: one pipeline with typed results.

load -> validate -> (verify) -> assess, shared by assess, gate, badge, render, site,
export and findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from threatgate.analysis.assess import assessment_follow
from threatgate.analysis.assessment import InvalidModel, ModelAssessment
from threatgate.model.config import Config
from threatgate.model.discovery import ModelFile, discover
from threatgate.support.cache import ResultCache, open_cache
from threatgate.validate.files import (
    FollowUp,
    ValidateOptions,
    ValidationReport,
    cache_salt,
    options_for,
    validate_files,
)

if TYPE_CHECKING:
    from threatgate.verify.results import VerifyReport

#: Given the number of files, a context manager yielding a callback that advances by n.
ProgressBar = Callable[[int], AbstractContextManager[Callable[[int], None] | None]]
#: Show the progress bar from this many files on.
#: A model's assessment with the data it was made from.
AssessedData = tuple[ModelAssessment, dict[str, Any]]
#: A step run on each valid model after its assessment, where the model was validated (in
#: a worker process): (assessment, data, displayed path) -> (the assessment the workspace
#: keeps of the model, which may leave out what the step's result holds; a picklable
#: result).
ModelStep = Callable[[ModelAssessment, dict[str, Any], str], tuple[ModelAssessment, Any]]
T = TypeVar("T")


@dataclass
class Workspace:
    config: Config
    today: dt.date
    report: ValidationReport[ModelAssessment]
    assessments: list[ModelAssessment]
    #: Set when verification ran: every assertion's verdict, and drift if a baseline.
    verification: VerifyReport | None = None
    #: With ``keep_data``: each valid model's loaded data, by its displayed path.
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: With ``then``: what its step made of each valid model, by its displayed path.
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def invalid(self) -> list[InvalidModel]:
        """Models that could not be assessed, with their first error."""
        return invalid_models(self.report)


def invalid_models(report: ValidationReport[Any]) -> list[InvalidModel]:
    """The files of a report without a follow-up result, each with its first error."""
    out = []
    for result in report.files:
        if result.followed is None:
            first = next((d for d in result.diagnostics if d.severity == "error"), None)
            if first is None:
                out.append(InvalidModel(result.display, 1, 1, "not a valid model", "invalid"))
            else:
                out.append(InvalidModel(result.display, first.line, first.column,
                                        first.message, first.rule))
    return out


def run_verification(files: list[ModelFile], config: Config, today: dt.date,
                     cache: ResultCache | None, baseline: str | None = None) -> VerifyReport:
    """Check every assertion of the valid models (no commands), and drift if asked."""
    import threatgate.verify  # noqa: F401  (registers the assertion types)
    from threatgate.verify.base import WorkingTree
    from threatgate.verify.results import VerifyReport, check_drift
    from threatgate.verify.runner import planned_assertions, run_assertions

    options = options_for(config, today, planned_assertions, cache=cache)
    planned = [p for found in validate_files(files, options).followed for p in found]
    report = VerifyReport(run_assertions(planned, WorkingTree(config.root)), baseline=baseline)
    check_drift(report, planned, config.root)
    return report


def _assess_and_keep(assess: FollowUp[ModelAssessment], data: dict[str, Any], display: str,
                     locate: Callable[..., tuple[int, int]]) -> AssessedData:
    return assess(data, display, locate), data


def _assess_then(step: ModelStep, assess: FollowUp[ModelAssessment], data: dict[str, Any],
                 display: str, locate: Callable[..., tuple[int, int]]
                 ) -> tuple[ModelAssessment, Any]:
    return step(assess(data, display, locate), data, display)


def _validate(files: list[ModelFile], options: ValidateOptions[T],
              progress: ProgressBar | None) -> ValidationReport[T]:
    """Validate, with the progress bar the command shows (if any)."""
    if progress is None:
        return validate_files(files, options)
    with progress(len(files)) as advance:
        return validate_files(files, options, progress=advance)


def load_workspace(paths: tuple[Path, ...], config: Config, today: dt.date, *,
                   jobs: int = 0, use_cache: bool = True, verify: bool = False,
                   baseline: str | None = None, keep_data: bool = False,
                   then: Callable[[VerifyReport | None], ModelStep] | None = None,
                   progress: ProgressBar | None = None) -> Workspace:
    """Validate and assess the models; with ``verify``, check their evidence first.

    ``progress`` shows a progress bar when there are many files.
    ``keep_data`` also keeps each valid model's data (``Workspace.data``), as loaded for
    validation: reports need it, and reading the file again could see another version.
    ``then``, given the verification (once it ran), makes a step run on each valid model
    with its data where it is validated (``Workspace.results``), so that work on a model's
    data runs in parallel and the data never travels back.
    """
    files = discover(list(paths), config)
    cache = open_cache(cache_salt(config, today)) if config.cache and use_cache else None
    verification = None
    evidence = None
    if verify or baseline:
        from threatgate.verify.runner import control_evidence

        verification = run_verification(files, config, today, cache, baseline)
        evidence = control_evidence(verification.results)
    assess = assessment_follow(today, config.expiring_days, evidence)
    kept: dict[str, dict[str, Any]] = {}
    results: dict[str, Any] = {}
    if then is not None:
        follow = partial(_assess_then, then(verification), assess)
        stepped = _validate(files, options_for(config, today, follow, cache=cache, jobs=jobs),
                            progress)
        results = {r.display: r.followed[1] for r in stepped.files if r.followed is not None}
        report = stepped.map(lambda pair: pair[0])
    elif keep_data:
        keep = partial(_assess_and_keep, assess)
        with_data = _validate(files, options_for(config, today, keep, cache=cache, jobs=jobs),
                              progress)
        kept = {r.display: r.followed[1] for r in with_data.files if r.followed is not None}
        report = with_data.map(lambda pair: pair[0])
    else:
        report = _validate(files, options_for(config, today, assess, cache=cache, jobs=jobs),
                           progress)
    return Workspace(config, today, report, report.followed, verification, kept, results)
