"""require_verified: implemented controls whose evidence is missing or does not pass."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register

WHY = {"none": "has no assertions", "failing": "has failing evidence",
       "pending": "has assertions that were not checked"}


def _failures(subject: GateInput, _value: bool) -> Iterator[Failure]:
    for control in subject.assessment.controls:
        if control.active and control.verification != "verified":
            yield subject.failure(
                "require_verified",
                f"control {control.id} is implemented but {WHY[control.verification]}",
                control.location, control.id,
                "high" if control.verification == "failing" else "medium")


CHECK = register(GateCheck(
    name="require_verified",
    order=80,
    default=False,
    option=Option("switch", "Verify the evidence and fail on implemented controls that are "
                  "not verified (no assertions, or failing ones)."),
    text=RuleText(
        "ControlNotVerified", "high",
        "Implemented control not verified",
        "A control is marked implemented, but its assertions are missing or do not all "
        "pass against the code, so the claim is not backed by evidence.",
        "Fix the code or the assertions until `threatgate verify` passes for the control.",
        "--require-verified", "require_verified = true",
        ("threat-model", "evidence"),
        "{count} implemented control(s) not verified"),
    failures=_failures,
    needs_verification=True,
))
