"""The exact semantics of a model's posture, one entity at a time.

Everything here is a pure function of a validated model's data, "today" and, when
``threatgate verify`` has run, the verdicts of the controls' assertions:

* a threat's severity comes from likelihood x impact (>= 20 critical, >= 12 high, >= 6
  medium, else low), or from its explicit ``severity`` while unscored, else "unscored";
* a control is *active* when implemented; *verified* when it is active, has assertions
  and they all pass;
* a threat is *mitigated* when at least one linked control is active; otherwise
  *accepted* while an acceptance names it and its review date has not passed; otherwise
  *open*;
* an assumption is *attested* when ``attested_by`` is set and ``expires``, if given, is
  today or later;
* a mitigation group is judged without its ``not_applicable`` controls: it completes when
  every other control in it is active; a ``wont_do`` control blocks it for good, and so
  does having nothing but ``not_applicable`` controls (nothing left to do the work);
* an objective is mitigated by controls when one mitigation group completes, else by an
  attested assumption, else at risk with a reason; unassessed when it has neither groups
  nor assumptions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from threatgate.model.dates import parse_date
from threatgate.model.groups import GroupJudgement, judge_group
from threatgate.model.vocabulary import (
    SEVERITY_RANK,
    id_list,
    is_score,
    items,
    severity_from_score,
    text,
)

ThreatState = Literal["mitigated", "accepted", "open"]
Evidence = Literal["passed", "failed"]

#: Reasons an objective is at risk, most actionable first.
AT_RISK_REASONS = (
    "failing_evidence",
    "missing_controls",
    "expired_attestation",
    "pending_attestation",
    "insufficient_by_design",
    "no_mitigation_group",
)


def threat_score(threat: Mapping[str, Any]) -> int | None:
    likelihood, impact = threat.get("likelihood"), threat.get("impact")
    if (
        isinstance(likelihood, (int, float))
        and isinstance(impact, (int, float))
        and is_score(likelihood)
        and is_score(impact)
    ):
        return int(likelihood) * int(impact)
    return None


def threat_severity(threat: Mapping[str, Any]) -> str:
    score = threat_score(threat)
    if score is not None:
        return severity_from_score(score, 1)
    explicit = threat.get("severity")
    return explicit if explicit in SEVERITY_RANK else "unscored"


def is_active(control: Mapping[str, Any]) -> bool:
    return control.get("status") == "implemented"


def acceptance_in_force(acceptance: Mapping[str, Any], today: dt.date) -> bool:
    """An acceptance counts until its review date has passed (the review day included)."""
    review = text(acceptance, "review_by")
    when = parse_date(review) if review else None
    return when is not None and today <= when


def assumption_state(assumption: Mapping[str, Any], today: dt.date) -> str:
    """attested, pending (nobody vouches for it) or expired."""
    if not text(assumption, "attested_by"):
        return "pending"
    expires = text(assumption, "expires")
    when = parse_date(expires) if expires else None
    if when is not None and when < today:
        return "expired"
    return "attested"


def verification_of(control: Mapping[str, Any], evidence: Mapping[str, Evidence] | None) -> str:
    """verified, failing, pending (assertions not run yet) or none (no assertions)."""
    if not control.get("assertions"):
        return "none"
    verdict = (evidence or {}).get(str(control.get("id")))
    if verdict is None:
        return "pending"
    return "verified" if verdict == "passed" else "failing"


@dataclass
class ObjectivePosture:
    """How one control objective stands."""

    status: Literal["mitigated", "at_risk", "unassessed"]
    mitigated_by: Literal["controls", "assumption"] | None = None
    #: For objectives mitigated by controls: "verified" or "implemented".
    level: Literal["verified", "implemented"] | None = None
    reason: str | None = None
    reasons: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    assumption: str | None = None
    #: Controls that, once implemented, would complete the nearest group.
    missing: list[str] = field(default_factory=list)
    defense_in_depth: list[str] = field(default_factory=list)
    #: For each group that can never complete, why ("group 2 [C3]: because of ...").
    blocked: list[str] = field(default_factory=list)

    @property
    def why_no_group(self) -> list[str]:
        """Why no group can complete, when that is why the objective is at risk."""
        return self.blocked if self.reason == "insufficient_by_design" else []

    def reason_text(self) -> str:
        """The reason, followed by why no group can complete when that is the reason."""
        return "; ".join([str(self.reason), *self.why_no_group])


def objective_posture(
    objective: Mapping[str, Any],
    controls: Mapping[str, Mapping[str, Any]],
    assumptions: Mapping[str, Mapping[str, Any]],
    today: dt.date,
    evidence: Mapping[str, Evidence] | None = None,
) -> ObjectivePosture:
    numbered = [(number, id_list(group))
                for number, group in enumerate(objective.get("mitigated_by") or [], 1)]
    groups = [group for _, group in numbered if group]
    listed = id_list(objective.get("assumptions"))

    def status(control_id: str) -> str | None:
        control = controls.get(control_id)
        return text(control, "status") if control else None

    judged = [judge_group(group, status) for group in groups]
    complete = [j for j in judged if j.complete]
    if complete:
        def verification(judgement: GroupJudgement) -> list[str]:
            return [verification_of(controls[c], evidence) for c in judgement.required]

        verified = [j for j in complete if all(v == "verified" for v in verification(j))]
        failing = [j for j in complete if "failing" in verification(j)]
        if verified or len(failing) < len(complete):
            chosen = verified[0] if verified else next(j for j in complete if j not in failing)
            others = sorted({c for j in judged if j is not chosen for c in j.controls}
                            - set(chosen.controls))
            return ObjectivePosture(
                "mitigated",
                "controls",
                "verified" if verified else "implemented",
                group=list(chosen.controls),
                defense_in_depth=others,
            )

    states = {a: assumption_state(assumptions[a], today) for a in listed if a in assumptions}
    attested = [a for a, state in states.items() if state == "attested"]
    if attested:
        others = sorted({c for g in groups for c in g})
        return ObjectivePosture(
            "mitigated", "assumption", assumption=attested[0], defense_in_depth=others
        )
    if not groups and not listed:
        return ObjectivePosture("unassessed")

    reasons: list[str] = []
    if complete:
        reasons.append("failing_evidence")
    reachable = [j for j in judged if j.can_complete]
    missing: list[str] = []
    if reachable:
        reasons.append("missing_controls")
        missing = list(min(reachable, key=lambda j: len(j.missing)).missing)
    if "expired" in states.values():
        reasons.append("expired_attestation")
    if "pending" in states.values():
        reasons.append("pending_attestation")
    if groups and not reachable:
        reasons.append("insufficient_by_design")
    if not groups:
        reasons.append("no_mitigation_group")
    reasons.sort(key=AT_RISK_REASONS.index)
    numbers = [number for number, group in numbered if group]
    blocked = [f"group {number} [{', '.join(j.controls)}]: {j.why_never()}"
               for number, j in zip(numbers, judged, strict=True) if not j.can_complete]
    return ObjectivePosture("at_risk", reason=reasons[0], reasons=reasons, missing=missing,
                            blocked=blocked)


def threat_state(
    threat: Mapping[str, Any],
    controls: Mapping[str, Mapping[str, Any]],
    accepted: set[str],
) -> tuple[ThreatState, list[str]]:
    """The threat's state and the active controls that mitigate it."""
    active = [
        c for c in id_list(threat.get("mitigations")) if c in controls and is_active(controls[c])
    ]
    if active:
        return "mitigated", active
    if threat.get("id") in accepted:
        return "accepted", []
    return "open", []


def accepted_ids(data: Mapping[str, Any], key: str, today: dt.date) -> set[str]:
    """Ids of threats (key="threat") or objectives (key="objective") accepted today."""
    return {
        entry[key]
        for _, entry in items(dict(data), "acceptances")
        if isinstance(entry.get(key), str) and acceptance_in_force(entry, today)
    }


def by_id(data: Mapping[str, Any], collection: str) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for _, e in items(dict(data), collection) if isinstance(e.get("id"), str)}
