"""The posture badge of a model, or of one compliance framework of it, as Shields data.

A badge is one of five states, computed from the objectives' posture in an assessment:

* ``verified``: every objective in scope is mitigated, each one either by a complete
  mitigation group whose controls are verified, or by an attested assumption;
* ``implemented``: every objective in scope is mitigated, but at least one only by
  implemented controls whose verification is pending (or that have no assertions);
* ``gaps``: at least one objective in scope is at risk or unassessed;
* ``no_controls``: nothing to show yet: no objective in scope, no control in the model,
  or no objective with a mitigation group or assumption;
* ``unknown``: the model is missing, not valid, or not published (``badge: public``).
  Every unknown badge is the same, so a private model cannot be told from a missing one.

A framework with a catalogue gets a coverage badge (:func:`badge_from_coverage`, from
the coverage ``threatgate compliance report`` computes): ``verified`` when every
requirement in scope is covered by verified controls, ``implemented`` when every one is
covered, ``gaps`` with the share covered otherwise (red below half), ``no_controls`` while
no requirement is mapped. A framework without a catalogue keeps the objective badge: it
covers the objectives served (in any mitigation group) by a control whose ``compliance``
names that framework.

The endpoint JSON holds only keys the Shields endpoint badge accepts (it rejects unknown
keys): ``schemaVersion`` (always 1), ``label``, ``message`` and ``color``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from threatgate.analysis.assessment import ModelAssessment, ObjectiveView

BadgeState = Literal["verified", "implemented", "gaps", "no_controls", "unknown"]
#: The states, best first.
BADGE_STATES: tuple[BadgeState, ...] = (
    "verified",
    "implemented",
    "gaps",
    "no_controls",
    "unknown",
)
#: Every key the Shields endpoint badge accepts (schema version 1); anything else fails.
SHIELDS_ENDPOINT_KEYS = frozenset(
    {
        "schemaVersion",
        "label",
        "message",
        "color",
        "labelColor",
        "isError",
        "namedLogo",
        "logoSvg",
        "logoColor",
        "logoWidth",
        "logoPosition",
        "style",
        "cacheSeconds",
    }
)
MODEL_LABEL = "threat model"
#: Tiers whose at-risk objectives turn a "gaps" badge red instead of orange.
RED_TIERS = frozenset({"critical", "high"})


@dataclass(frozen=True)
class Badge:
    """What a badge shows. Only label, message and color are published."""

    state: BadgeState
    label: str
    message: str
    color: str

    def endpoint(self) -> dict[str, Any]:
        """The Shields endpoint data (only keys Shields accepts)."""
        return {
            "schemaVersion": 1,
            "label": self.label,
            "message": self.message,
            "color": self.color,
        }

    def endpoint_json(self) -> str:
        """The endpoint data as a JSON document (stable key order, trailing newline)."""
        return json.dumps(self.endpoint(), indent=2, ensure_ascii=False) + "\n"


#: The badge of a missing, invalid or private model (and of its frameworks): always this.
UNKNOWN = Badge("unknown", MODEL_LABEL, "unknown", "lightgrey")


def _cos(count: int) -> str:
    return "objective" if count == 1 else "objectives"


def badge_from_objectives(
    objectives: Sequence[ObjectiveView], *, label: str, has_controls: bool
) -> Badge:
    """The badge of a set of objectives (see the module docstring for the rules)."""
    total = len(objectives)
    if not has_controls:
        return Badge("no_controls", label, "no controls yet", "lightgrey")
    if total == 0:
        return Badge("no_controls", label, "no objectives yet", "lightgrey")
    if all(o.posture.status == "unassessed" for o in objectives):
        return Badge("no_controls", label, "no controls yet", "lightgrey")
    open_ = [o for o in objectives if o.posture.status != "mitigated"]
    if open_:
        severe = any(o.tier in RED_TIERS and not o.accepted for o in open_)
        return Badge(
            "gaps",
            label,
            f"{len(open_)} of {total} {_cos(total)} at risk",
            "red" if severe else "orange",
        )
    if all(o.posture.mitigated_by == "assumption" or o.posture.level == "verified"
           for o in objectives):
        return Badge("verified", label, f"{total}/{total} {_cos(total)} verified", "brightgreen")
    return Badge(
        "implemented",
        label,
        f"{total}/{total} {_cos(total)} mitigated, verification pending",
        "green",
    )


@dataclass(frozen=True)
class CoverageSummary:
    """What a framework badge shows of the framework's coverage by one model."""

    covered: int
    verified: int
    #: Requirements that count: those in the catalogue less the excluded ones.
    in_scope: int
    #: Requirements in scope that at least one control maps.
    mapped: int
    coverage: float


#: Below this share covered, a coverage badge is red rather than orange.
RED_COVERAGE = 0.5


def badge_from_coverage(summary: CoverageSummary, *, label: str) -> Badge:
    """The badge of a framework's coverage (see the module docstring)."""
    if summary.in_scope == 0 or summary.mapped == 0:
        return Badge("no_controls", label, "no requirements mapped yet", "lightgrey")
    if summary.covered == summary.in_scope:
        if summary.verified == summary.covered:
            return Badge("verified", label, f"{summary.covered}/{summary.in_scope} "
                         "requirements verified", "brightgreen")
        return Badge("implemented", label, f"{summary.covered}/{summary.in_scope} "
                     "requirements covered, verification pending", "green")
    percent = f"{summary.coverage * 100:.1f}%"
    return Badge("gaps", label, f"{percent} covered ({summary.covered}/{summary.in_scope})",
                 "red" if summary.coverage < RED_COVERAGE else "orange")


def framework_controls(assessment: ModelAssessment) -> dict[str, set[str]]:
    """Framework id -> ids of the controls whose ``compliance`` names that framework."""
    mapped: dict[str, set[str]] = {}
    for control in assessment.controls:
        for ref in control.compliance:
            framework, sep, requirement = ref.partition(":")
            if sep and framework and requirement:
                mapped.setdefault(framework, set()).add(control.id)
    return mapped


def model_badge(assessment: ModelAssessment | None) -> Badge:
    """The badge of a whole model; ``None`` (a missing or invalid model) gives UNKNOWN."""
    if assessment is None or not assessment.badge_public:
        return UNKNOWN
    return badge_from_objectives(
        assessment.objectives, label=MODEL_LABEL, has_controls=bool(assessment.controls)
    )


def framework_badge(assessment: ModelAssessment | None, framework: str,
                    coverage: CoverageSummary | None = None) -> Badge:
    """The badge of one framework: its ``coverage`` when it has a catalogue, else the
    objectives its mapped controls serve."""
    if assessment is None or not assessment.badge_public:
        return UNKNOWN
    if coverage is not None:
        return badge_from_coverage(coverage, label=framework)
    controls = framework_controls(assessment).get(framework, set())
    served = {o for c in assessment.controls if c.id in controls for o in c.objectives}
    scope = [o for o in assessment.objectives if o.id in served]
    return badge_from_objectives(scope, label=framework, has_controls=bool(controls))


def badge_for(assessment: ModelAssessment | None, framework: str | None = None) -> Badge:
    """The badge of a model (``framework`` None) or of one of its frameworks."""
    if framework is None:
        return model_badge(assessment)
    return framework_badge(assessment, framework)


def badge_file_stem(model_id: str, framework: str | None = None) -> str:
    """File name (without suffix) of a badge: ``<model>`` or ``<model>--<framework>``."""
    return model_id if framework is None else f"{model_id}--{framework}"
