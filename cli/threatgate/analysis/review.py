"""What to do next about an assessed model: the review queue and the remediation leverage.

The queue orders what needs a human by a priority number (lower first) and, within a
priority, by where the entity sits in the file:

* 10, 11: an acceptance or an attestation that has expired;
* 20 + rank of the tier: an objective at risk and not accepted (critical first);
* 30: an implemented control whose evidence fails;
* 40 + rank of the severity: a critical or high threat neither mitigated nor accepted;
* 50: a threat without likelihood and impact;
* 60, 70: an implemented control without assertions, or with assertions not verified;
* 80: an acceptance or an attestation that runs out soon.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from threatgate.analysis.assessment import (
    ControlView,
    DatedItem,
    Leverage,
    ModelAssessment,
    ObjectiveView,
    QueueItem,
    ThreatView,
)
from threatgate.analysis.posture import by_id, is_active
from threatgate.model.groups import judge_group
from threatgate.model.vocabulary import SEVERE, SEVERITY_RANK, id_list, items

#: Control statuses that are decisions not to implement: such a control closes nothing.
DECLINED = ("wont_do", "not_applicable")


def review_queue(assessment: ModelAssessment) -> list[QueueItem]:
    """What needs a human next, most urgent first."""
    queue = [
        *_expired(assessment.dated),
        *_objectives_at_risk(assessment.objectives),
        *_failing_controls(assessment.controls),
        *_threats_to_score_or_treat(assessment.threats),
        *_controls_without_evidence(assessment.controls, assessment.verification_run),
        *_expiring(assessment.dated),
    ]
    return sorted(queue, key=lambda q: (q.priority, q.location))


def _expired(dated: list[DatedItem]) -> Iterator[QueueItem]:
    for item in dated:
        if item.expired:
            what = (
                "threat or objective is open again"
                if item.kind == "acceptance"
                else "it no longer covers its objectives"
            )
            yield QueueItem(
                10 if item.kind == "acceptance" else 11,
                f"expired_{item.kind}",
                item.label,
                f"{item.kind} of {item.label} expired on {item.date}: {what}",
                item.location,
            )


def _objectives_at_risk(objectives: list[ObjectiveView]) -> Iterator[QueueItem]:
    for objective in objectives:
        if objective.posture.status == "at_risk" and not objective.accepted:
            yield QueueItem(
                20 + SEVERITY_RANK[objective.tier],
                "at_risk_objective",
                objective.id,
                f"objective {objective.id} ({objective.tier}) is at risk: "
                f"{objective.posture.reason_text()}",
                objective.location,
            )


def _failing_controls(controls: list[ControlView]) -> Iterator[QueueItem]:
    for control in controls:
        if control.verification == "failing":
            yield QueueItem(
                30,
                "failing_evidence",
                control.id,
                f"control {control.id} is implemented but its evidence fails",
                control.location,
            )


def _threats_to_score_or_treat(threats: list[ThreatView]) -> Iterator[QueueItem]:
    for threat in threats:
        if threat.state == "open" and threat.severity in SEVERE:
            yield QueueItem(
                40 + SEVERITY_RANK[threat.severity],
                "open_threat",
                threat.id,
                f"threat {threat.id} ({threat.severity}) is neither mitigated nor accepted",
                threat.location,
            )
        if threat.severity == "unscored":
            yield QueueItem(
                50,
                "unscored_threat",
                threat.id,
                f"threat {threat.id} has no likelihood and impact",
                threat.location,
            )


def _controls_without_evidence(controls: list[ControlView],
                               verification_run: bool) -> Iterator[QueueItem]:
    """Implemented controls without assertions; with their assertions not verified only
    when verification ran (otherwise every one would be listed, and none is known bad)."""
    for control in controls:
        if control.active and control.assertions == 0:
            yield QueueItem(
                60,
                "no_evidence",
                control.id,
                f"control {control.id} is implemented without assertions to verify it",
                control.location,
            )
        elif control.verification == "pending" and control.active and verification_run:
            yield QueueItem(
                70,
                "stale_evidence",
                control.id,
                f"control {control.id} has assertions that have not been verified",
                control.location,
            )


def _expiring(dated: list[DatedItem]) -> Iterator[QueueItem]:
    for item in dated:
        if not item.expired:
            yield QueueItem(
                80,
                f"expiring_{item.kind}",
                item.label,
                f"{item.kind} of {item.label} expires on {item.date} ({item.days_left} days)",
                item.location,
            )


def remediation_leverage(model: dict[str, Any], assessment: ModelAssessment) -> list[Leverage]:
    """Not-yet-implemented controls, ranked by the at-risk objectives each would close."""
    controls = by_id(model, "controls")
    closes, advances = _objectives_served(model, assessment, controls)
    open_threats = {t.id: t for t in assessment.threats if t.state != "mitigated"}
    ranked = []
    for control_id, control in controls.items():
        if is_active(control) or control.get("status") in DECLINED:
            continue
        threats = sorted(t for t, view in open_threats.items() if control_id in view.mitigations)
        if not advances.get(control_id) and not threats:
            continue
        ranked.append(
            Leverage(
                control_id,
                str(control.get("title", "")),
                str(control.get("status")),
                sorted(closes.get(control_id, ())),
                sorted(advances.get(control_id, ())),
                threats,
            )
        )
    return sorted(
        ranked, key=lambda r: (-len(r.closes), -len(r.advances), -len(r.threats), r.control)
    )


def _objectives_served(
    model: dict[str, Any], assessment: ModelAssessment, controls: dict[str, dict[str, Any]]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """For each missing control: the at-risk objectives its implementation would close (it
    is the last one missing from a group) and those it would advance (any group)."""
    at_risk = {o.id for o in assessment.objectives if o.posture.status == "at_risk"}

    def status(control_id: str) -> str | None:
        control = controls.get(control_id)
        return str(control.get("status")) if control else None

    closes: dict[str, set[str]] = {}
    advances: dict[str, set[str]] = {}
    for _, objective in items(model, "objectives"):
        objective_id = objective.get("id")
        if objective_id not in at_risk:
            continue
        for group in objective.get("mitigated_by") or []:
            judged = judge_group(id_list(group), status)
            if not judged.can_complete or not set(judged.controls) <= controls.keys():
                continue
            for control_id in judged.missing:
                advances.setdefault(control_id, set()).add(str(objective_id))
                if len(judged.missing) == 1:
                    closes.setdefault(control_id, set()).add(str(objective_id))
    return closes, advances
