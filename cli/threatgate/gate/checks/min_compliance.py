"""min_compliance: a framework's requirements covered below the share the gate requires.

The coverage is the one of ``threatgate compliance report`` (covered / (requirements in
the catalogue - excluded)), for each framework the model answers to (lists, maps or
excludes a requirement of); models that do not answer to a framework are not judged on it.
"""

from __future__ import annotations

from collections.abc import Iterator

from threatgate.catalogues.model import FRAMEWORK_ID
from threatgate.compliance.coverage import answers_to, model_coverage
from threatgate.gate.checks.base import Failure, GateCheck, GateInput, Option, RuleText, register


def _failures(subject: GateInput, minima: dict[str, float]) -> Iterator[Failure]:
    a = subject.assessment
    for framework, minimum in sorted(minima.items()):
        if not answers_to(a, framework):
            continue
        catalogue = subject.catalogues.get(framework)
        if catalogue is None:
            yield subject.failure(
                "min_compliance", f"{framework}: no catalogue, so its coverage cannot be "
                f"computed (import one with `threatgate compliance import`)",
                a.location, framework, "medium")
            continue
        tally = model_coverage(a, catalogue).tally
        if tally.coverage < minimum:
            yield subject.failure(
                "min_compliance",
                f"{framework} coverage {tally.coverage:.2f} is below {minimum:.2f} "
                f"({tally.covered} of {tally.in_scope} requirements covered, "
                f"{tally.excluded} excluded)",
                a.location, framework, "medium")


def parse_minima(values: tuple[str, ...]) -> dict[str, float]:
    """``FRAMEWORK=R`` values as {framework: R}; a ValueError says how to write them."""
    minima: dict[str, float] = {}
    for value in values:
        framework, _, ratio = value.partition("=")
        try:
            number = float(ratio)
        except ValueError:
            number = -1.0
        if not FRAMEWORK_ID.fullmatch(framework) or not 0.0 <= number <= 1.0:
            raise ValueError(f"{value!r}: write FRAMEWORK=R with R between 0 and 1, "
                             "e.g. asvs-5.0=0.8")
        minima[framework] = number
    return minima


CHECK = register(GateCheck(
    name="min_compliance",
    order=110,
    default={},
    option=Option("repeated", "Fail when a framework's compliance coverage is below R "
                  "(repeatable), e.g. asvs-5.0=0.8.", metavar="FRAMEWORK=R"),
    text=RuleText(
        "ComplianceCoverageBelowMinimum", "medium",
        "Compliance coverage below the minimum",
        "The share of a framework's requirements covered by active controls (excluded "
        "requirements left out) is below the minimum the gate requires.",
        "Map controls to the uncovered requirements and implement them "
        "(`threatgate compliance suggest` lists candidates), or exclude the requirements "
        "that do not apply with a reason.",
        "--min-compliance FRAMEWORK=R", 'min_compliance = { "asvs-5.0" = 0.8 }',
        ("threat-model", "compliance")),
    failures=_failures,
    parse=parse_minima,
    merges=True,
))
