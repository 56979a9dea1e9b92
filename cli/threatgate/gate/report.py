"""Build a gate report from the models on disk: load, assess, verify if needed, gate.

The one way a gate report is built, shared by ``threatgate gate`` and ``threatgate
export``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from threatgate.catalogues.library import library_for
from threatgate.gate.run import DriftedAssertion, GateReport, Thresholds, gate_model
from threatgate.model.config import Config
from threatgate.model.dates import TODAY_ENV
from threatgate.workspace import ProgressBar, Workspace, load_workspace

if TYPE_CHECKING:
    from threatgate.verify.results import VerifyReport


@dataclass(frozen=True)
class GateRun:
    """How to gate: the thresholds and what else to do on the way."""

    thresholds: Thresholds
    #: The --today value, if any: it pins the report's timestamp.
    today: str | None = None
    use_cache: bool = True
    #: Verify the evidence even when no threshold needs it.
    verify: bool = False
    #: Ratchet: the git reference whose failures are reported, not failing.
    baseline: str | None = None


def build_gate_report(paths: tuple[Path, ...], config: Config, day: dt.date, run: GateRun,
                      progress: ProgressBar | None = None) -> tuple[Workspace, GateReport]:
    """Load, assess (and verify when the thresholds need it) and gate these models."""
    verify, reference = verification_needed(run)
    workspace = load_workspace(paths, config, day, use_cache=run.use_cache, verify=verify,
                               baseline=reference, progress=progress)
    return workspace, gate_workspace(workspace, config, day, run)


def verification_needed(run: GateRun) -> tuple[bool, str | None]:
    """Whether the models must be verified to gate them, and at which git reference too."""
    thresholds = run.thresholds
    return (run.verify or thresholds.needs_verification, thresholds.verification_reference)


def gate_workspace(workspace: Workspace, config: Config, day: dt.date,
                   run: GateRun) -> GateReport:
    """Gate the models of a workspace loaded as :func:`verification_needed` says."""
    thresholds = run.thresholds
    drifted = drifted_by_model(workspace.verification)
    catalogues = library_for(config)
    results = [gate_model(a, thresholds, drifted.get(a.model_id), catalogues)
               for a in workspace.assessments]
    if run.baseline:
        from threatgate.gate.ratchet import apply_baseline, baseline_assessments, baseline_keys

        known = baseline_keys(baseline_assessments(config, run.baseline, day), thresholds)
        results = [apply_baseline(result, known) for result in results]
    return GateReport(results, workspace.invalid, thresholds, generated_at(run.today, day),
                      run.baseline, root=str(config.root.resolve()))


def drifted_by_model(verification: VerifyReport | None) -> dict[str, list[DriftedAssertion]]:
    """The assertions that drifted, by model id (none without verification)."""
    drifted: dict[str, list[DriftedAssertion]] = {}
    if verification is not None:
        for _then, now in verification.drift.drifted:
            p = now.planned
            drifted.setdefault(p.model, []).append(
                DriftedAssertion(p.control, p.type, p.line, now.verdict.reason))
    return drifted


def generated_at(today: str | None, day: dt.date) -> str:
    """The report's timestamp: midnight of the pinned day, else the current UTC time."""
    if today or os.environ.get(TODAY_ENV):
        return f"{day.isoformat()}T00:00:00Z"
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")
