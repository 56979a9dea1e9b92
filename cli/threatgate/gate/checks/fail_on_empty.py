"""fail_on_empty: a model without threats and objectives.

An empty model would pass every other check, so it is always reported: as a warning
when this check is off.
"""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register


def _message(subject: GateInput) -> str:
    return f"model {subject.assessment.model_id} has no threats and no objectives"


def _failures(subject: GateInput, _value: bool) -> Iterator[Failure]:
    a = subject.assessment
    if a.empty:
        yield subject.failure("fail_on_empty", _message(subject), a.location, a.model_id,
                              "medium")


def _warnings(subject: GateInput, value: bool) -> list[str]:
    if subject.assessment.empty and not value:
        return [_message(subject) + "; set fail_on_empty to fail on it"]
    return []


CHECK = register(GateCheck(
    name="fail_on_empty",
    order=100,
    default=False,
    option=Option("switch", "Fail on a model without threats and objectives (always "
                  "reported)."),
    text=RuleText(
        "EmptyThreatModel", "medium",
        "Threat model without threats or objectives",
        "The model defines neither threats nor control objectives, so there is nothing "
        "to assess and it would pass every other check.",
        "Model the feature's threats and its control objectives (asset x attacker), "
        "or remove the empty model.",
        "--fail-on-empty", "fail_on_empty = true",
        ("threat-model",)),
    failures=_failures,
    warnings=_warnings,
    runs_first=True,
))
