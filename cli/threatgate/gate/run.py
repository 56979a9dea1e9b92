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

from dataclasses import asdict, dataclass, field
from typing import Any

from threatgate.analysis.assessment import OPEN_FINDING_STATUSES, InvalidModel, ModelAssessment
from threatgate.model.vocabulary import FINDING_RANK, SEVERE, SEVERITY_ORDER, SEVERITY_RANK


@dataclass(frozen=True)
class Thresholds:
    """What makes a model fail. The defaults fail nothing: the gate then only reports."""

    fail_on_critical: bool = False
    fail_on_unmitigated_high: bool = False
    min_mitigation_ratio: float | None = None
    fail_on_at_risk: str | None = None
    fail_on_expired: bool = False
    max_open_findings: dict[str, int] = field(default_factory=dict)
    require_evidence: bool = False
    require_verified: bool = False
    fail_on_drift: str | None = None
    fail_on_empty: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def any_set(self) -> bool:
        return self != Thresholds()


@dataclass(frozen=True)
class Failure:
    """One reason a model fails, located at the entity at fault."""

    check: str
    message: str
    path: str
    line: int
    column: int
    entity: str | None = None
    severity: str = "high"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


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


def _failure(a: ModelAssessment, check: str, message: str, location: tuple[int, int],
             entity: str | None = None, severity: str = "high") -> Failure:
    return Failure(check, message, a.path, location[0], location[1], entity, severity)


@dataclass(frozen=True)
class DriftedAssertion:
    """An assertion that passed at the baseline and fails now."""

    control: str
    type: str
    line: int
    reason: str


def gate_model(assessment: ModelAssessment, thresholds: Thresholds,
               drifted: list[DriftedAssertion] | None = None) -> ModelGate:
    a, t = assessment, thresholds
    failures: list[Failure] = []
    warnings: list[str] = []
    if a.empty:
        message = f"model {a.model_id} has no threats and no objectives"
        if t.fail_on_empty:
            failures.append(_failure(a, "fail_on_empty", message, a.location, a.model_id,
                                     "medium"))
        else:
            warnings.append(message + "; set fail_on_empty to fail on it")
    for threat in a.threats:
        handled = threat.state in ("mitigated", "accepted")
        if t.fail_on_critical and threat.severity == "critical" and not handled:
            failures.append(_failure(
                a, "fail_on_critical",
                f"critical threat {threat.id} is neither mitigated nor accepted: {threat.title}",
                threat.location, threat.id, "critical"))
        elif (t.fail_on_unmitigated_high and threat.severity in SEVERE
              and not handled):
            failures.append(_failure(
                a, "fail_on_unmitigated_high",
                f"{threat.severity} threat {threat.id} has no active mitigation: {threat.title}",
                threat.location, threat.id, threat.severity))
    if (t.min_mitigation_ratio is not None and a.threats
            and a.mitigation_ratio < t.min_mitigation_ratio):
        failures.append(_failure(
            a, "min_mitigation_ratio",
            f"mitigation ratio {a.mitigation_ratio:.2f} is below {t.min_mitigation_ratio:.2f} "
            f"({a.threat_states['mitigated']} of {len(a.threats)} threats mitigated)",
            a.location, a.model_id, "medium"))
    if t.fail_on_at_risk:
        limit = SEVERITY_RANK[t.fail_on_at_risk]
        for objective in a.objectives:
            if (objective.posture.status == "at_risk" and not objective.accepted
                    and SEVERITY_RANK[objective.tier] <= limit):
                failures.append(_failure(
                    a, "fail_on_at_risk",
                    f"objective {objective.id} ({objective.tier}) is at risk: "
                    f"{objective.posture.reason}", objective.location, objective.id,
                    objective.tier if objective.tier != "unscored" else "medium"))
    if t.fail_on_expired:
        for item in a.dated:
            if item.expired:
                failures.append(_failure(
                    a, "fail_on_expired",
                    f"{item.kind} of {item.label} expired on {item.date}", item.location,
                    item.label, "medium"))
    for severity, allowed in sorted(t.max_open_findings.items(),
                                    key=lambda kv: FINDING_RANK[kv[0]]):
        counted = [f for f in a.findings if f.status in OPEN_FINDING_STATUSES | {"remediated"}
                   and FINDING_RANK.get(f.severity, 9) <= FINDING_RANK[severity]]
        if len(counted) > allowed:
            first = counted[allowed]
            failures.append(_failure(
                a, "max_open_findings",
                f"{len(counted)} open finding(s) of severity {severity} or above, "
                f"at most {allowed} allowed ({', '.join(f.id for f in counted)})",
                first.location, first.id, severity if severity != "info" else "low"))
    if t.require_evidence:
        for control in a.controls:
            if control.active and control.assertions == 0:
                failures.append(_failure(
                    a, "require_evidence",
                    f"control {control.id} is implemented but has no assertions",
                    control.location, control.id, "medium"))
    if t.require_verified:
        for control in a.controls:
            if control.active and control.verification != "verified":
                why = {"none": "has no assertions", "failing": "has failing evidence",
                       "pending": "has assertions that were not checked"}[control.verification]
                failures.append(_failure(
                    a, "require_verified", f"control {control.id} is implemented but {why}",
                    control.location, control.id,
                    "high" if control.verification == "failing" else "medium"))
    if t.fail_on_drift:
        for drift in drifted or []:
            failures.append(_failure(
                a, "fail_on_drift",
                f"control {drift.control}: {drift.type} passed at {t.fail_on_drift} and fails "
                f"now: {drift.reason}", (drift.line, 1), drift.control, "high"))
    return ModelGate(a, failures, warnings)


def summary_line(check: str, failures: list[Failure]) -> str:
    """The ThreatAtlas-style sentence for one check, e.g. '3 high/critical threat(s) ...'."""
    count = len(failures)
    if check == "fail_on_critical":
        return f"{count} critical threat(s) neither mitigated nor accepted"
    if check == "fail_on_unmitigated_high":
        return f"{count} high/critical threat(s) have no active mitigation"
    if check == "fail_on_at_risk":
        return f"{count} control objective(s) at risk"
    if check == "fail_on_expired":
        return f"{count} acceptance(s) or attestation(s) expired"
    if check == "require_evidence":
        return f"{count} implemented control(s) without assertions"
    if check == "require_verified":
        return f"{count} implemented control(s) not verified"
    if check == "fail_on_drift":
        return f"{count} assertion(s) passed at the baseline and fail now"
    return "; ".join(f.message for f in failures)


def model_json(result: ModelGate, thresholds: Thresholds, generated_at: str) -> dict[str, Any]:
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
    generated_at: str
    baseline: str | None = None

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
