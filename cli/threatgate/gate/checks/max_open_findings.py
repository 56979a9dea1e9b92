"""max_open_findings: more open findings of a severity or above than allowed."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.analysis.assessment import OPEN_FINDING_STATUSES
from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register
from threatgate.model.vocabulary import FINDING_RANK, FINDING_SEVERITIES

#: Remediated findings still count: they are open until verified.
COUNTED_STATUSES = OPEN_FINDING_STATUSES | {"remediated"}


def _failures(subject: GateInput, limits: dict[str, int]) -> Iterator[Failure]:
    findings = subject.assessment.findings
    for severity, allowed in sorted(limits.items(), key=lambda kv: FINDING_RANK[kv[0]]):
        counted = [f for f in findings if f.status in COUNTED_STATUSES
                   and FINDING_RANK.get(f.severity, 9) <= FINDING_RANK[severity]]
        if len(counted) > allowed:
            first = counted[allowed]
            yield subject.failure(
                "max_open_findings",
                f"{len(counted)} open finding(s) of severity {severity} or above, "
                f"at most {allowed} allowed ({', '.join(f.id for f in counted)})",
                first.location, first.id, severity if severity != "info" else "low")


def parse_limits(values: tuple[str, ...]) -> dict[str, int]:
    """``SEVERITY=N`` values as {severity: N}; a ValueError says how to write them."""
    limits: dict[str, int] = {}
    for value in values:
        severity, _, count = value.partition("=")
        if severity not in FINDING_SEVERITIES or not count.isdigit():
            raise ValueError(f"{value!r}: write SEVERITY=N with SEVERITY one of "
                             f"{', '.join(FINDING_SEVERITIES)}, e.g. high=0")
        limits[severity] = int(count)
    return limits


CHECK = register(GateCheck(
    name="max_open_findings",
    order=60,
    default={},
    option=Option("repeated", "Fail when more than N findings of SEVERITY or above are "
                  "open (repeatable), e.g. high=0.", metavar="SEVERITY=N"),
    text=RuleText(
        "TooManyOpenFindings", "high",
        "Too many open findings",
        "More findings of the given severity or above are open (discovered, "
        "acknowledged or remediated but not verified) than the gate allows.",
        "Remediate and verify the findings, or dismiss those that do not apply with a "
        "reason.",
        "--max-open-findings SEVERITY=N", "max_open_findings = { high = 0 }",
        ("threat-model", "finding")),
    failures=_failures,
    parse=parse_limits,
    merges=True,
))
