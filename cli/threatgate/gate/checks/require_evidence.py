"""require_evidence: implemented controls without assertions."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register


def _failures(subject: GateInput, _value: bool) -> Iterator[Failure]:
    for control in subject.assessment.controls:
        if control.active and control.assertions == 0:
            yield subject.failure(
                "require_evidence", f"control {control.id} is implemented but has no assertions",
                control.location, control.id, "medium")


CHECK = register(GateCheck(
    name="require_evidence",
    order=70,
    default=False,
    option=Option("switch", "Fail on implemented controls without assertions."),
    text=RuleText(
        "ControlWithoutEvidence", "medium",
        "Implemented control without assertions",
        "A control is marked implemented but carries no assertions, so nothing in CI "
        "can check that the code really contains it.",
        "Add machine-checkable `assertions` to the control (function exists, pattern "
        "present or absent, config value, test exists, ...) that the verifier can check.",
        "--require-evidence", "require_evidence = true",
        ("threat-model", "evidence"),
        "{count} implemented control(s) without assertions"),
    failures=_failures,
))
