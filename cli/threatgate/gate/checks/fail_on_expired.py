"""fail_on_expired: risk acceptances and attestations past their date."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register


def _failures(subject: GateInput, _value: bool) -> Iterator[Failure]:
    for item in subject.assessment.dated:
        if item.expired:
            yield subject.failure(
                "fail_on_expired", f"{item.kind} of {item.label} expired on {item.date}",
                item.location, item.label, "medium")


CHECK = register(GateCheck(
    name="fail_on_expired",
    order=50,
    default=False,
    option=Option("switch", "Fail on expired acceptances and attestations."),
    text=RuleText(
        "ExpiredAcceptanceOrAttestation", "medium",
        "Risk acceptance or attestation expired",
        "A risk acceptance has passed its `review_by` date, or an attested assumption "
        "has passed its `expires` date: what it covered is open again.",
        "Review the acceptance or assumption with its owner and set a new date, or "
        "remove it and mitigate what it covered.",
        "--fail-on-expired", "fail_on_expired = true",
        ("threat-model", "risk-acceptance"),
        "{count} acceptance(s) or attestation(s) expired"),
    failures=_failures,
))
