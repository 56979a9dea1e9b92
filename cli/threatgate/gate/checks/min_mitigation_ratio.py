"""min_mitigation_ratio: too small a share of the model's threats mitigated."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register


def _failures(subject: GateInput, minimum: float) -> Iterator[Failure]:
    a = subject.assessment
    if a.threats and a.mitigation_ratio < minimum:
        yield subject.failure(
            "min_mitigation_ratio",
            f"mitigation ratio {a.mitigation_ratio:.2f} is below {minimum:.2f} "
            f"({a.threat_states['mitigated']} of {len(a.threats)} threats mitigated)",
            a.location, a.model_id, "medium")


def _is_set(value: float | None) -> bool:
    return value is not None


CHECK = register(GateCheck(
    name="min_mitigation_ratio",
    order=30,
    default=None,
    option=Option("ratio", "Fail when mitigated threats / all threats is below RATIO.",
                  metavar="RATIO"),
    text=RuleText(
        "MitigationRatioBelowMinimum", "medium",
        "Too few threats mitigated",
        "The share of the model's threats that are mitigated by an active control is "
        "below the minimum the gate requires.",
        "Implement the controls that mitigate the open threats (`threatgate assess` "
        "ranks them by what they close), or lower the required ratio deliberately.",
        "--min-mitigation-ratio RATIO", "min_mitigation_ratio = 0.8",
        ("threat-model", "mitigation")),
    failures=_failures,
    enabled=_is_set,
))
