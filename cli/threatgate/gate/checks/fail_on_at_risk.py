"""fail_on_at_risk: control objectives at risk whose tier is the setting or higher."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register
from threatgate.model.vocabulary import SEVERITY_ORDER, SEVERITY_RANK


def _failures(subject: GateInput, tier: str) -> Iterator[Failure]:
    limit = SEVERITY_RANK[tier]
    for objective in subject.assessment.objectives:
        if (objective.posture.status == "at_risk" and not objective.accepted
                and SEVERITY_RANK[objective.tier] <= limit):
            yield subject.failure(
                "fail_on_at_risk",
                f"objective {objective.id} ({objective.tier}) is at risk: "
                f"{objective.posture.reason_text()}", objective.location, objective.id,
                objective.tier if objective.tier != "unscored" else "medium")


CHECK = register(GateCheck(
    name="fail_on_at_risk",
    order=40,
    default=None,
    option=Option("choice", "Fail on objectives at risk whose tier is this or higher.",
                  choices=tuple(SEVERITY_ORDER)),
    text=RuleText(
        "ControlObjectiveAtRisk", "high",
        "Control objective at risk",
        "A control objective of the configured risk tier or higher is neither mitigated "
        "by a complete mitigation group nor covered by an attested assumption.",
        "Complete one mitigation group of the objective (every control in it "
        "implemented, not_applicable ones left out), or cover it by an assumption "
        "attested by its owner.",
        "--fail-on-at-risk TIER", 'fail_on_at_risk = "high"',
        ("threat-model", "control-objective"),
        "{count} control objective(s) at risk"),
    failures=_failures,
))
