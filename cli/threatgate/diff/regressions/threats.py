"""Threats that stop counting, or count for less.

``threat-score-lowered``
    a threat's likelihood or impact is lower at HEAD, or was set at BASE and is gone, or
    its explicit severity is lower.
``threat-removed``
    a threat of BASE is gone from a model that still exists at HEAD.
``threat-unlinked``
    a threat no longer names an objective it named at BASE (which still exists), and
    that objective's risk tier drops: it looks less exposed with no control added.
"""

from __future__ import annotations

from typing import Any

from threatgate.diff.match import indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.model.vocabulary import SEVERITY_RANK, id_list, objective_removed


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def lowered_scores(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[str], list[str]]:
    """How a threat's rating went down (in words), and the fields that went down."""
    lowered: list[str] = []
    fields: list[str] = []
    for key in ("likelihood", "impact"):
        old, new = before.get(key), after.get(key)
        if _number(old):
            if new is None:
                lowered.append(f"{key} {old} removed")
                fields.append(key)
            elif _number(new) and new < old:
                lowered.append(f"{key} {old} to {new}")
                fields.append(key)
    old_sev, new_sev = before.get("severity"), after.get("severity")
    if (old_sev in SEVERITY_RANK and new_sev in SEVERITY_RANK
            and SEVERITY_RANK[str(new_sev)] > SEVERITY_RANK[str(old_sev)]):
        lowered.append(f"severity {old_sev} to {new_sev}")
        fields.append("severity")
    return lowered, fields


def titled(threat_id: str, threat: dict[str, Any]) -> str:
    """``threat T1 “SQL injection”`` (the id alone when it has no title)."""
    title = threat.get("title")
    return f"threat {threat_id}" + (f" “{title}”" if isinstance(title, str) and title else "")


def _tiers(comparison: Comparison, side: str) -> dict[str, str]:
    chosen = comparison.base if side == "base" else comparison.head
    if chosen is None or chosen.assessment is None:
        return {}
    return {o.id: o.tier for o in chosen.assessment.objectives}


def _unlinked(comparison: Comparison, threat_id: str, h_index: int,
              threat: dict[str, Any], now: dict[str, Any]) -> None:
    objectives = indexed(comparison.data("head"), "objectives")
    before, after = _tiers(comparison, "base"), _tiers(comparison, "head")
    dropped = [
        o for o in id_list(threat.get("objectives"))
        if o not in id_list(now.get("objectives")) and o in objectives
        and not objective_removed(objectives[o][1]) and o in before and o in after
        and SEVERITY_RANK[after[o]] > SEVERITY_RANK[before[o]]
    ]
    if not dropped:
        return
    tiers = ", ".join(f"{o} {before[o]} to {after[o]}" for o in dropped)
    comparison.add(
        "threat-unlinked", threat_id,
        f"{titled(threat_id, now)} no longer names objective(s) {', '.join(dropped)}: "
        f"their risk tier drops ({tiers}) without any control being added",
        comparison.sides()[1],
        ("threats", h_index, "objectives" if "objectives" in now else "id"),
        aliases=dropped, severity=comparison.tier(dropped))


@regression_check("threat-score-lowered", "threat-removed", "threat-unlinked", order=20)
def find_threat_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    new_threats = indexed(head.data, "threats")
    for threat_id, (b_index, threat) in indexed(base.data, "threats").items():
        if threat_id not in new_threats:
            comparison.add(
                "threat-removed", threat_id,
                f"{titled(threat_id, threat)} is deleted: it no longer counts in the posture "
                "or the gate, whatever its state", base, ("threats", b_index, "id"),
                severity=comparison.tier(threats=[threat_id]), cause=f"threat:{threat_id}")
            continue
        h_index, now = new_threats[threat_id]
        lowered, fields = lowered_scores(threat, now)
        if lowered:
            moved = next((k for k in fields if k in now), None)
            comparison.add(
                "threat-score-lowered", threat_id,
                f"{titled(threat_id, now)} is rated lower ({'; '.join(lowered)}): a lower "
                "score can drop it below the gate's thresholds without any control being "
                "added",
                head, ("threats", h_index, moved) if moved else ("threats", h_index, "id"),
                severity=comparison.tier(threats=[threat_id]), cause=f"threat:{threat_id}")
        _unlinked(comparison, threat_id, h_index, threat, now)
