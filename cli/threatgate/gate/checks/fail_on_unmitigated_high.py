"""fail_on_unmitigated_high: high or critical threats without an active mitigation.

An acceptance still in force stands for the missing mitigation. A critical threat that
already fails fail_on_critical is not reported here again.
"""

from __future__ import annotations

from threatgate.analysis.assessment import ThreatView
from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register
from threatgate.gate.checks.fail_on_critical import HANDLED
from threatgate.model.vocabulary import SEVERE


def _threat_failure(subject: GateInput, threat: ThreatView, _value: object) -> Failure | None:
    if threat.severity not in SEVERE or threat.state in HANDLED:
        return None
    return subject.failure(
        "fail_on_unmitigated_high",
        f"{threat.severity} threat {threat.id} has no active mitigation: {threat.title}",
        threat.location, threat.id, threat.severity)


CHECK = register(GateCheck(
    name="fail_on_unmitigated_high",
    order=20,
    default=False,
    option=Option("switch", "Fail on high or critical threats with no active mitigation "
                  "(an acceptance still in force counts as handled)."),
    text=RuleText(
        "UnmitigatedHighThreat", "high",
        "High or critical threat without an active mitigation",
        "A threat of severity high or critical has no implemented mitigating control, "
        "and no acceptance in force stands in for one.",
        "Implement one of the controls listed under the threat's `mitigations`, link an "
        "implemented control to it, or accept the risk explicitly with a review date.",
        "--fail-on-unmitigated-high", "fail_on_unmitigated_high = true",
        ("threat-model", "mitigation"),
        "{count} high/critical threat(s) have no active mitigation"),
    threat_failure=_threat_failure,
))
