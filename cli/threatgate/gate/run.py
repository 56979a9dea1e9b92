"""The CI gate: thresholds applied to assessments, with ThreatAtlas-compatible results.

The JSON keeps ThreatAtlas's field names (``product_id``, ``product_name``,
``generated_at``, ``thresholds``, ``summary``, ``pass``, ``failures``) so that existing
``jq .pass`` pipelines keep working, and adds what they lack: the file and line of every
failure, objective posture, verification, expiry, and a roll-up over all models.

Differences from ThreatAtlas, on purpose:

* ``fail_on_critical`` fails on critical threats that are neither mitigated nor accepted
  (ThreatAtlas fails on every critical threat, so its gate never turns green once one is
  modelled); ``fail_on_unmitigated_high`` likewise lets an acceptance that is still in
  force stand for the missing mitigation;
* an empty model is reported, and fails with ``fail_on_empty``;
* mitigations are explicit threat -> control links, never implied by a shared component.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threatgate.analysis.assessment import InvalidModel, ModelAssessment
from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.gate.checks import CHECKS, REGISTRY, DriftedAssertion, Failure, GateCheck, GateInput
from threatgate.gate.thresholds import Thresholds
from threatgate.model.vocabulary import SEVERITY_ORDER

__all__ = ["DriftedAssertion", "Failure", "GateReport", "ModelGate", "Thresholds",
           "gate_model", "model_json", "summary_line"]


@dataclass
class ModelGate:
    assessment: ModelAssessment
    failures: list[Failure]
    warnings: list[str]
    #: Failures already present at the ratchet's baseline: reported, not failing.
    baseline_failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _threat_failures(subject: GateInput, checks: list[GateCheck],
                     thresholds: Thresholds) -> list[Failure]:
    """Each threat fails at most one threat check: the first (in order) that fails it."""
    judges = [(check.threat_failure, thresholds.value(check)) for check in checks
              if check.threat_failure is not None]
    failures = []
    for threat in subject.assessment.threats:
        for judge, value in judges:
            failure = judge(subject, threat, value)
            if failure is not None:
                failures.append(failure)
                break
    return failures


def gate_model(assessment: ModelAssessment, thresholds: Thresholds,
               drifted: list[DriftedAssertion] | None = None,
               catalogues: CatalogueLibrary = SHIPPED) -> ModelGate:
    """Run every check the thresholds turn on against one model.

    Failures are listed in check order, except that checks which run first (an empty
    model) come ahead of all others, and the threat checks' failures are listed
    together, threat by threat, where the first of them stands.
    """
    subject = GateInput(assessment, tuple(drifted or ()), catalogues)
    enabled = thresholds.enabled
    threat_checks = [check for check in enabled if check.threat_failure is not None]
    failures: list[Failure] = []
    warnings: list[str] = []
    for check in sorted(CHECKS, key=lambda c: not c.runs_first):
        value = thresholds.value(check)
        warnings += check.warnings(subject, value)
        if check not in enabled:
            continue
        if check.threat_failure is not None:
            if check is threat_checks[0]:
                failures += _threat_failures(subject, threat_checks, thresholds)
        else:
            failures += check.failures(subject, value)
    return ModelGate(assessment, failures, warnings)


def summary_line(check: str, failures: list[Failure]) -> str:
    """The ThreatAtlas-style sentence for one check, e.g. '3 high/critical threat(s) ...'."""
    known = REGISTRY.get(check)
    if known is not None and known.text.summary is not None:
        return known.text.summary.format(count=len(failures))
    return "; ".join(f.message for f in failures)


def model_json(result: ModelGate, thresholds: Thresholds,
               generated_at: str | None) -> dict[str, Any]:
    a = result.assessment
    by_check: dict[str, list[Failure]] = {}
    for failure in result.failures:
        by_check.setdefault(failure.check, []).append(failure)
    return {
        "product_id": a.model_id,
        "product_name": a.title,
        "generated_at": generated_at,
        "path": a.path,
        "thresholds": thresholds.as_json(),
        "summary": {
            "total_threats": len(a.threats),
            "by_severity": a.by_severity,
            "total_mitigations": len(a.controls),
            "active_mitigations": a.control_progress["implemented"],
            "mitigated_threats": a.threat_states["mitigated"],
            "mitigation_ratio": a.mitigation_ratio,
            "accepted_threats": a.threat_states["accepted"],
            "open_threats": a.threat_states["open"],
            "objectives": a.objective_states,
            "controls": {**a.control_progress, "by_status": a.controls_by_status},
            "findings": a.findings_by_status,
        },
        "empty": a.empty,
        "pass": result.passed,
        "failures": [summary_line(check, items) for check, items in by_check.items()],
        "failure_details": [f.as_json() for f in result.failures],
        "baseline_failures": [f.as_json() for f in result.baseline_failures],
        "warnings": result.warnings,
    }


@dataclass
class GateReport:
    """Every model's gate result, models that could not be assessed, and the roll-up."""

    results: list[ModelGate]
    invalid: list[InvalidModel]
    thresholds: Thresholds
    #: None when the report is published without a date (a deterministic static site).
    generated_at: str | None
    baseline: str | None = None
    #: The repository root (absolute): code-scanning locations are relative to it.
    root: str | None = None

    @property
    def passed(self) -> bool:
        return not self.invalid and all(r.passed for r in self.results)

    def as_json(self) -> dict[str, Any]:
        models = [model_json(r, self.thresholds, self.generated_at) for r in self.results]
        threats = sum(len(r.assessment.threats) for r in self.results)
        mitigated = sum(r.assessment.threat_states["mitigated"] for r in self.results)
        by_severity = {name: sum(r.assessment.by_severity[name] for r in self.results)
                       for name in SEVERITY_ORDER}
        failures = [f"{m['product_id']}: {line}" for m in models for line in m["failures"]]
        failures += [f"{bad.path}: cannot be assessed: {bad.problem}" for bad in self.invalid]
        return {
            "product_id": None,
            "product_name": "repository",
            "generated_at": self.generated_at,
            "thresholds": self.thresholds.as_json(),
            "summary": {
                "models": len(self.results),
                "invalid_models": len(self.invalid),
                "total_threats": threats,
                "by_severity": by_severity,
                "total_mitigations": sum(len(r.assessment.controls) for r in self.results),
                "active_mitigations": sum(r.assessment.control_progress["implemented"]
                                          for r in self.results),
                "mitigated_threats": mitigated,
                "mitigation_ratio": round(mitigated / threats, 4) if threats else 0.0,
            },
            "pass": self.passed,
            "baseline": self.baseline,
            "failures": failures,
            "invalid": [{"path": bad.path, "line": bad.line, "column": bad.column,
                         "problem": bad.problem} for bad in self.invalid],
            "models": models,
        }
