"""Objectives that fewer controls protect.

``mitigation-group-shrunk``
    an objective has, at HEAD, a mitigation group that is a strict subset of one of its
    BASE groups which no longer exists: fewer controls now satisfy the objective.
``objective-at-risk``
    an objective that exists on both sides is at risk at HEAD but was not at BASE, or was
    mitigated at BASE and is unassessed at HEAD.
"""

from __future__ import annotations

from typing import Any

from threatgate.diff.changes import objective_word
from threatgate.diff.match import indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.diff.results import ModelSide
from threatgate.model.vocabulary import id_list


def _postures(side: ModelSide) -> dict[str, Any]:
    return {o.id: o.posture for o in (side.assessment.objectives if side.assessment else [])}


def _shrunk_groups(comparison: Comparison, objective_id: str, h_index: int,
                   was: dict[str, Any], now: dict[str, Any]) -> None:
    old_groups = [frozenset(id_list(g)) for g in was.get("mitigated_by") or []]
    new_groups = [frozenset(id_list(g)) for g in now.get("mitigated_by") or []]
    for position, group in enumerate(new_groups):
        if not group or group in old_groups:
            continue
        bigger = [g for g in old_groups if group < g and g not in new_groups]
        if bigger:
            dropped = sorted(bigger[0] - group)
            comparison.add(
                "mitigation-group-shrunk", objective_id,
                f"a mitigation group of objective {objective_id} no longer requires "
                f"{', '.join(dropped)}: fewer controls now count as mitigating it",
                comparison.sides()[1], ("objectives", h_index, "mitigated_by", position))


@regression_check("mitigation-group-shrunk", "objective-at-risk", order=40)
def find_objective_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    old_objectives = indexed(base.data, "objectives")
    before_posture, after_posture = _postures(base), _postures(head)
    for objective_id, (h_index, now) in indexed(head.data, "objectives").items():
        if objective_id not in old_objectives:
            continue
        _shrunk_groups(comparison, objective_id, h_index, old_objectives[objective_id][1], now)
        prev, cur = before_posture.get(objective_id), after_posture.get(objective_id)
        if prev is None or cur is None:
            continue
        if (cur.status == "at_risk" and prev.status != "at_risk") or (
            prev.status == "mitigated" and cur.status == "unassessed"
        ):
            why = f"({cur.reason})" if cur.reason else "(nothing mitigates it any more)"
            comparison.add(
                "objective-at-risk", objective_id,
                f"objective {objective_id} was {objective_word(prev)} and is now "
                f"{cur.status.replace('_', ' ')} {why}",
                head, ("objectives", h_index, "id"))
