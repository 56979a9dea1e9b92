"""Assessment of a model: posture of every threat, objective and control, and what to do next.

Built once per model from its validated data; every report (text, JSON, Markdown, the
gate, badges, the site) reads this result instead of computing posture again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from threatgate.analysis.posture import (
    Evidence,
    ObjectivePosture,
    accepted_ids,
    assumption_state,
    by_id,
    is_active,
    objective_posture,
    objective_removed,
    threat_score,
    threat_severity,
    threat_state,
    verification_of,
)
from threatgate.model.dates import parse_date
from threatgate.model.vocabulary import (
    CONTROL_STATUSES,
    SEVERE,
    SEVERITY_ORDER,
    SEVERITY_RANK,
    id_list,
    items,
    severity_from_score,
    text,
)

Location = tuple[int, int]
Locate = Callable[[tuple[str | int, ...]], Location]
FINDING_STATUSES = ("discovered", "acknowledged", "remediated", "verified", "dismissed")
OPEN_FINDING_STATUSES = frozenset({"discovered", "acknowledged"})


@dataclass(frozen=True)
class InvalidModel:
    """A model file that cannot be assessed, with its first error."""

    path: str
    line: int
    column: int
    message: str
    rule: str

    @property
    def problem(self) -> str:
        return f"{self.line}:{self.column}: {self.message} [{self.rule}]"


@dataclass
class ThreatView:
    id: str
    title: str
    severity: str
    score: int | None
    state: str
    mitigated_by: list[str]
    mitigations: list[str]
    objectives: list[str]
    location: Location


@dataclass
class ObjectiveView:
    id: str
    asset: str
    attacker: str
    tier: str
    posture: ObjectivePosture
    accepted: bool
    location: Location


@dataclass
class ControlView:
    id: str
    title: str
    status: str
    active: bool
    verification: str
    assertions: int
    objectives: list[str]
    threats: list[str]
    location: Location
    compliance: list[str] = field(default_factory=list)


@dataclass
class FindingView:
    id: str
    control: str
    title: str
    severity: str
    status: str
    location: Location


@dataclass
class DatedItem:
    """An acceptance or attestation that runs out, with the days left (negative: past)."""

    kind: str
    label: str
    date: str
    days_left: int
    location: Location

    @property
    def expired(self) -> bool:
        return self.days_left < 0


@dataclass
class QueueItem:
    """Something that needs a human next; a lower priority number comes first."""

    priority: int
    kind: str
    entity: str
    message: str
    location: Location


@dataclass
class Leverage:
    control: str
    title: str
    status: str
    closes: list[str]
    advances: list[str]
    threats: list[str]


@dataclass
class ModelAssessment:
    model_id: str
    title: str
    path: str
    system: str | None
    owner: str | None
    badge_public: bool
    frameworks: list[str]
    threats: list[ThreatView]
    objectives: list[ObjectiveView]
    controls: list[ControlView]
    findings: list[FindingView]
    dated: list[DatedItem]
    review_queue: list[QueueItem] = field(default_factory=list)
    leverage: list[Leverage] = field(default_factory=list)
    location: Location = (1, 1)

    # --- summaries -------------------------------------------------------------------

    @property
    def by_severity(self) -> dict[str, int]:
        counts = Counter(t.severity for t in self.threats)
        return {name: counts.get(name, 0) for name in SEVERITY_ORDER}

    @property
    def threat_states(self) -> dict[str, int]:
        counts = Counter(t.state for t in self.threats)
        return {name: counts.get(name, 0) for name in ("mitigated", "accepted", "open")}

    @property
    def mitigation_ratio(self) -> float:
        """Mitigated threats over all threats (0.0 for a model without threats)."""
        if not self.threats:
            return 0.0
        return round(self.threat_states["mitigated"] / len(self.threats), 4)

    @property
    def objective_states(self) -> dict[str, int]:
        counts = Counter(o.posture.status for o in self.objectives)
        by_assumption = sum(o.posture.mitigated_by == "assumption" for o in self.objectives)
        return {
            "total": len(self.objectives),
            "mitigated": counts.get("mitigated", 0),
            "mitigated_by_controls": counts.get("mitigated", 0) - by_assumption,
            "mitigated_by_assumption": by_assumption,
            "verified": sum(o.posture.level == "verified" for o in self.objectives),
            "at_risk": counts.get("at_risk", 0),
            "unassessed": counts.get("unassessed", 0),
        }

    @property
    def controls_by_status(self) -> dict[str, int]:
        counts = Counter(c.status for c in self.controls)
        return {name: counts.get(name, 0) for name in CONTROL_STATUSES}

    @property
    def control_progress(self) -> dict[str, int]:
        """Progressive counts: defined, implemented, verified (implemented plus passing
        evidence: a planned control whose assertions happen to pass is not verified)."""
        return {
            "defined": len(self.controls),
            "implemented": sum(c.active for c in self.controls),
            "verified": sum(c.active and c.verification == "verified" for c in self.controls),
        }

    @property
    def findings_by_status(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.findings)
        return {name: counts.get(name, 0) for name in FINDING_STATUSES}

    @property
    def empty(self) -> bool:
        return not self.threats and not self.objectives


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
    controls = by_id(model, "controls")
    assumptions = by_id(model, "assumptions")
    accepted_threats = accepted_ids(model, "threat", today)
    accepted_objectives = accepted_ids(model, "objective", today)

    removed = {o.get("id") for _, o in items(model, "objectives") if objective_removed(o)}
    threats: list[ThreatView] = []
    tiers: dict[str, str] = {}
    for index, threat in items(model, "threats"):
        state, active = threat_state(threat, controls, accepted_threats)
        score = threat_score(threat)
        view = ThreatView(
            id=str(threat.get("id")),
            title=str(threat.get("title", "")),
            severity=severity_from_score(score, 1) if score else threat_severity(threat),
            score=score,
            state=state,
            mitigated_by=active,
            mitigations=id_list(threat.get("mitigations")),
            objectives=[o for o in id_list(threat.get("objectives")) if o not in removed],
            location=locate(("threats", index)),
        )
        threats.append(view)
        for objective_id in view.objectives:
            current = tiers.get(objective_id, "unscored")
            if SEVERITY_RANK[view.severity] < SEVERITY_RANK[current]:
                tiers[objective_id] = view.severity

    objectives = [
        ObjectiveView(
            id=str(o.get("id")),
            asset=str(o.get("asset")),
            attacker=str(o.get("attacker")),
            tier=tiers.get(str(o.get("id")), "unscored"),
            posture=objective_posture(o, controls, assumptions, today, evidence),
            accepted=o.get("id") in accepted_objectives,
            location=locate(("objectives", index)),
        )
        for index, o in items(model, "objectives")
        if not objective_removed(o)
    ]

    serves: dict[str, list[str]] = {}
    for objective in items(model, "objectives"):
        if objective_removed(objective[1]):
            continue
        for group in objective[1].get("mitigated_by") or []:
            for control_id in id_list(group):
                serves.setdefault(control_id, [])
                if objective[1].get("id") not in serves[control_id]:
                    serves[control_id].append(str(objective[1].get("id")))
    mitigates: dict[str, list[str]] = {}
    for view in threats:
        for control_id in view.mitigations:
            mitigates.setdefault(control_id, []).append(view.id)
    control_views = [
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
    findings = [
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
    dated = _dated_items(model, today, expiring_days, locate)
    assessment = ModelAssessment(
        model_id=str(model.get("id")),
        title=str(model.get("title", "")),
        path=path,
        system=text(model, "system"),
        owner=text(model, "owner"),
        badge_public=model.get("badge") == "public",
        frameworks=id_list(model.get("frameworks")),
        threats=threats,
        objectives=objectives,
        controls=control_views,
        findings=findings,
        dated=dated,
        location=locate(("id",)),
    )
    assessment.review_queue = review_queue(assessment)
    assessment.leverage = remediation_leverage(model, assessment)
    return assessment


def _dated_items(
    model: dict[str, Any], today: dt.date, horizon: int, locate: Locate
) -> list[DatedItem]:
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


def review_queue(assessment: ModelAssessment) -> list[QueueItem]:
    """What needs a human next, most urgent first."""
    queue: list[QueueItem] = []
    for item in assessment.dated:
        if item.expired:
            what = (
                "threat or objective is open again"
                if item.kind == "acceptance"
                else "it no longer covers its objectives"
            )
            queue.append(
                QueueItem(
                    10 if item.kind == "acceptance" else 11,
                    f"expired_{item.kind}",
                    item.label,
                    f"{item.kind} of {item.label} expired on {item.date}: {what}",
                    item.location,
                )
            )
    for objective in assessment.objectives:
        if objective.posture.status == "at_risk" and not objective.accepted:
            rank = SEVERITY_RANK[objective.tier]
            queue.append(
                QueueItem(
                    20 + rank,
                    "at_risk_objective",
                    objective.id,
                    f"objective {objective.id} ({objective.tier}) is at risk: "
                    f"{objective.posture.reason}",
                    objective.location,
                )
            )
    for control in assessment.controls:
        if control.verification == "failing":
            queue.append(
                QueueItem(
                    30,
                    "failing_evidence",
                    control.id,
                    f"control {control.id} is implemented but its evidence fails",
                    control.location,
                )
            )
    for threat in assessment.threats:
        if threat.state == "open" and threat.severity in SEVERE:
            queue.append(
                QueueItem(
                    40 + SEVERITY_RANK[threat.severity],
                    "open_threat",
                    threat.id,
                    f"threat {threat.id} ({threat.severity}) is neither mitigated nor accepted",
                    threat.location,
                )
            )
        if threat.severity == "unscored":
            queue.append(
                QueueItem(
                    50,
                    "unscored_threat",
                    threat.id,
                    f"threat {threat.id} has no likelihood and impact",
                    threat.location,
                )
            )
    for control in assessment.controls:
        if control.active and control.assertions == 0:
            queue.append(
                QueueItem(
                    60,
                    "no_evidence",
                    control.id,
                    f"control {control.id} is implemented without assertions to verify it",
                    control.location,
                )
            )
        elif control.verification == "pending" and control.active:
            queue.append(
                QueueItem(
                    70,
                    "stale_evidence",
                    control.id,
                    f"control {control.id} has assertions that have not been verified",
                    control.location,
                )
            )
    for item in assessment.dated:
        if not item.expired:
            queue.append(
                QueueItem(
                    80,
                    f"expiring_{item.kind}",
                    item.label,
                    f"{item.kind} of {item.label} expires on {item.date} ({item.days_left} days)",
                    item.location,
                )
            )
    return sorted(queue, key=lambda q: (q.priority, q.location))


def remediation_leverage(model: dict[str, Any], assessment: ModelAssessment) -> list[Leverage]:
    """Not-yet-implemented controls, ranked by the at-risk objectives each would close."""
    controls = by_id(model, "controls")
    at_risk = {o.id for o in assessment.objectives if o.posture.status == "at_risk"}
    open_threats = {t.id: t for t in assessment.threats if t.state != "mitigated"}
    closes: dict[str, set[str]] = {}
    advances: dict[str, set[str]] = {}
    for _, objective in items(model, "objectives"):
        objective_id = objective.get("id")
        if objective_id not in at_risk:
            continue
        for group in objective.get("mitigated_by") or []:
            missing = [c for c in id_list(group) if c in controls and not is_active(controls[c])]
            reachable = all(c in controls for c in id_list(group)) and not any(
                controls[c].get("status") in ("wont_do", "not_applicable") for c in missing
            )
            if not reachable:
                continue
            for control_id in missing:
                advances.setdefault(control_id, set()).add(str(objective_id))
                if len(missing) == 1:
                    closes.setdefault(control_id, set()).add(str(objective_id))
    ranked = []
    for control_id, control in controls.items():
        if is_active(control) or control.get("status") in ("wont_do", "not_applicable"):
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


def _assess_document(
    data: dict[str, Any],
    display: str,
    locate: Locate,
    *,
    today: dt.date,
    expiring_days: int,
    evidence: Mapping[str, Mapping[str, Evidence]] | None,
) -> ModelAssessment:
    own = (evidence or {}).get(str(data.get("id")))
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
    from functools import partial

    return partial(_assess_document, today=today, expiring_days=expiring_days,
                   evidence=evidence)
