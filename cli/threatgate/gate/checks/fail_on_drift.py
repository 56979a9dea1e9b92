"""fail_on_drift: assertions that passed at a git reference and fail now."""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register


def _failures(subject: GateInput, reference: str) -> Iterator[Failure]:
    for drift in subject.drifted:
        yield subject.failure(
            "fail_on_drift",
            f"control {drift.control}: {drift.type} passed at {reference} and fails "
            f"now: {drift.reason}", (drift.line, 1), drift.control, "high")


CHECK = register(GateCheck(
    name="fail_on_drift",
    order=90,
    default=None,
    option=Option("text", "Verify the evidence at git REF too and fail on assertions that "
                  "passed there and fail now.", metavar="REF"),
    text=RuleText(
        "EvidenceDrift", "high",
        "Evidence drifted since the baseline",
        "An assertion that passed at the baseline commit fails now: a change removed or "
        "broke the code that implements a control.",
        "Restore the control's implementation, or update the model and its assertions in "
        "a reviewed change.",
        "--fail-on-drift REF", "fail_on_drift = \"origin/main\"",
        ("threat-model", "evidence", "drift"),
        "{count} assertion(s) passed at the baseline and fail now"),
    failures=_failures,
    needs_verification=True,
    verifies_at_reference=True,
))
