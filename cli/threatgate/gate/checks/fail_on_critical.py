"""fail_on_critical: critical threats that are neither mitigated nor accepted.

ThreatAtlas fails on every critical threat, so its gate never turns green once one is
modelled; this check lets a mitigation or an acceptance in force handle it.
"""

from __future__ import annotations

from threatgate.analysis.assessment import ThreatView
from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register

HANDLED = ("mitigated", "accepted")


def _threat_failure(subject: GateInput, threat: ThreatView, _value: object) -> Failure | None:
    if threat.severity != "critical" or threat.state in HANDLED:
        return None
    return subject.failure(
        "fail_on_critical",
        f"critical threat {threat.id} is neither mitigated nor accepted: {threat.title}",
        threat.location, threat.id, "critical")


CHECK = register(GateCheck(
    name="fail_on_critical",
    order=10,
    default=False,
    option=Option("switch", "Fail on critical threats that are neither mitigated nor "
                  "accepted."),
    text=RuleText(
        "CriticalThreatUnhandled", "critical",
        "Critical threat neither mitigated nor accepted",
        "A threat scored critical (likelihood x impact of 20 or more) has no active "
        "mitigating control and no acceptance in force.",
        "Implement a control listed under the threat's `mitigations` (status "
        "`implemented`), or record an acceptance naming the threat with an owner, a "
        "justification and a `review_by` date that has not passed.",
        "--fail-on-critical", "fail_on_critical = true",
        ("threat-model", "mitigation"),
        "{count} critical threat(s) neither mitigated nor accepted"),
    threat_failure=_threat_failure,
))
