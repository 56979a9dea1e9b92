"""Assessment of a model: posture of every threat, objective and control, and what to do next.

Built once per model from its validated data (the result is described in
:mod:`threatgate.analysis.assessment`); every report reads that result instead of
computing posture again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from threatgate.analysis.assessment import (
    ControlView,
    DatedItem,
    ExclusionView,
    FindingView,
    Locate,
    ModelAssessment,
    ObjectiveView,
    ThreatView,
)
from threatgate.analysis.posture import (
    Evidence,
    accepted_ids,
    assumption_state,
    by_id,
    is_active,
    objective_posture,
    threat_score,
    threat_severity,
    threat_state,
    verification_of,
)
from threatgate.analysis.review import remediation_leverage, review_queue
from threatgate.model.dates import parse_date
from threatgate.model.vocabulary import (
    SEVERITY_RANK,
    id_list,
    items,
    objective_removed,
    severity_from_score,
    text,
)


def assess_model(
    data: Mapping[str, Any],
    *,
    path: str,
    today: dt.date,
    locate: Locate = lambda _path: (1, 1),
    evidence: Mapping[str, Evidence] | None = None,
    expiring_days: int = 30,
) -> ModelAssessment:
    """Assess one validated model."""
    model = dict(data)
    threats = assess_threats(model, today, locate)
    assessment = ModelAssessment(
        model_id=str(model.get("id")),
        title=str(model.get("title", "")),
        path=path,
        system=text(model, "system"),
        owner=text(model, "owner"),
        badge_public=model.get("badge") == "public",
        frameworks=id_list(model.get("frameworks")),
        threats=threats,
        objectives=assess_objectives(model, threats, today, locate, evidence),
        controls=assess_controls(model, threats, locate, evidence),
        findings=assess_findings(model, locate),
        dated=dated_items(model, today, expiring_days, locate),
        location=locate(("id",)),
        verification_run=evidence is not None,
        exclusions=assess_exclusions(model, locate),
    )
    assessment.review_queue = review_queue(assessment)
    assessment.leverage = remediation_leverage(model, assessment)
    return assessment


def assess_threats(model: dict[str, Any], today: dt.date, locate: Locate) -> list[ThreatView]:
    """Severity and state of every threat; links to removed objectives are dropped."""
    controls = by_id(model, "controls")
    accepted = accepted_ids(model, "threat", today)
    removed = {o.get("id") for _, o in items(model, "objectives") if objective_removed(o)}
    threats = []
    for index, threat in items(model, "threats"):
        state, active = threat_state(threat, controls, accepted)
        score = threat_score(threat)
        threats.append(ThreatView(
            id=str(threat.get("id")),
            title=str(threat.get("title", "")),
            severity=severity_from_score(score, 1) if score else threat_severity(threat),
            score=score,
            state=state,
            mitigated_by=active,
            mitigations=id_list(threat.get("mitigations")),
            objectives=[o for o in id_list(threat.get("objectives")) if o not in removed],
            location=locate(("threats", index)),
        ))
    return threats


def objective_tiers(threats: list[ThreatView]) -> dict[str, str]:
    """The tier of each objective: the highest severity of the threats against it."""
    tiers: dict[str, str] = {}
    for threat in threats:
        for objective_id in threat.objectives:
            current = tiers.get(objective_id, "unscored")
            if SEVERITY_RANK[threat.severity] < SEVERITY_RANK[current]:
                tiers[objective_id] = threat.severity
    return tiers


def assess_objectives(
    model: dict[str, Any],
    threats: list[ThreatView],
    today: dt.date,
    locate: Locate,
    evidence: Mapping[str, Evidence] | None,
) -> list[ObjectiveView]:
    """Tier, posture and acceptance of every objective that is not removed."""
    controls = by_id(model, "controls")
    assumptions = by_id(model, "assumptions")
    accepted = accepted_ids(model, "objective", today)
    tiers = objective_tiers(threats)
    return [
        ObjectiveView(
            id=str(o.get("id")),
            asset=str(o.get("asset")),
            attacker=str(o.get("attacker")),
            tier=tiers.get(str(o.get("id")), "unscored"),
            posture=objective_posture(o, controls, assumptions, today, evidence),
            accepted=o.get("id") in accepted,
            location=locate(("objectives", index)),
        )
        for index, o in items(model, "objectives")
        if not objective_removed(o)
    ]


def assess_controls(
    model: dict[str, Any],
    threats: list[ThreatView],
    locate: Locate,
    evidence: Mapping[str, Evidence] | None,
) -> list[ControlView]:
    """Status and evidence of every control, with the objectives and threats it serves."""
    serves: dict[str, list[str]] = {}
    for _, objective in items(model, "objectives"):
        if objective_removed(objective):
            continue
        for group in objective.get("mitigated_by") or []:
            for control_id in id_list(group):
                serves.setdefault(control_id, [])
                if objective.get("id") not in serves[control_id]:
                    serves[control_id].append(str(objective.get("id")))
    mitigates: dict[str, list[str]] = {}
    for threat in threats:
        for control_id in threat.mitigations:
            mitigates.setdefault(control_id, []).append(threat.id)
    return [
        ControlView(
            id=str(c.get("id")),
            title=str(c.get("title", "")),
            status=str(c.get("status")),
            active=is_active(c),
            verification=verification_of(c, evidence),
            assertions=len(c.get("assertions") or []),
            objectives=serves.get(str(c.get("id")), []),
            threats=mitigates.get(str(c.get("id")), []),
            location=locate(("controls", index)),
            compliance=id_list(c.get("compliance")),
        )
        for index, c in items(model, "controls")
    ]


def assess_exclusions(model: dict[str, Any], locate: Locate) -> list[ExclusionView]:
    return [ExclusionView(str(e.get("requirement")), str(e.get("reason", "")),
                          locate(("exclusions", index)))
            for index, e in items(model, "exclusions")]


def assess_findings(model: dict[str, Any], locate: Locate) -> list[FindingView]:
    return [
        FindingView(
            id=str(f.get("id")),
            control=str(f.get("control")),
            title=str(f.get("title", "")),
            severity=str(f.get("severity")),
            status=str(f.get("status")),
            location=locate(("findings", index)),
        )
        for index, f in items(model, "findings")
    ]


def dated_items(
    model: dict[str, Any], today: dt.date, horizon: int, locate: Locate
) -> list[DatedItem]:
    """Acceptances and attestations that ran out or run out within ``horizon`` days."""
    found = []
    for index, acceptance in items(model, "acceptances"):
        review = text(acceptance, "review_by")
        when = parse_date(review) if review else None
        if when is None:
            continue
        days = (when - today).days
        if days <= horizon:
            target = text(acceptance, "threat") or text(acceptance, "objective") or "?"
            found.append(
                DatedItem(
                    "acceptance",
                    target,
                    str(review),
                    days,
                    locate(("acceptances", index, "review_by")),
                )
            )
    for index, assumption in items(model, "assumptions"):
        expires = text(assumption, "expires")
        when = parse_date(expires) if expires else None
        if when is None or assumption_state(assumption, today) == "pending":
            continue
        days = (when - today).days
        if days <= horizon:
            found.append(
                DatedItem(
                    "attestation",
                    str(assumption.get("id")),
                    str(expires),
                    days,
                    locate(("assumptions", index, "expires")),
                )
            )
    return sorted(found, key=lambda d: (d.days_left, d.kind, d.label))


def _assess_document(
    data: dict[str, Any],
    display: str,
    locate: Locate,
    *,
    today: dt.date,
    expiring_days: int,
    evidence: Mapping[str, Mapping[str, Evidence]] | None,
) -> ModelAssessment:
    # Verified (evidence given, even none for this model) or not verified at all (None).
    own = None if evidence is None else evidence.get(str(data.get("id")), {})
    return assess_model(data, path=display, today=today, locate=locate, evidence=own,
                        expiring_days=expiring_days)


def assessment_follow(
    today: dt.date,
    expiring_days: int = 30,
    evidence: Mapping[str, Mapping[str, Evidence]] | None = None,
) -> Callable[[dict[str, Any], str, Locate], ModelAssessment]:
    """The follow-up step that makes validation also assess each valid model (picklable).

    ``evidence`` maps model id -> control id -> "passed" | "failed" (from verify).
    """
    return partial(_assess_document, today=today, expiring_days=expiring_days,
                   evidence=evidence)
