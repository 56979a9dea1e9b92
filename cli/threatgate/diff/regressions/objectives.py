"""Objectives that fewer controls protect, or that stop being counted.

``mitigation-group-shrunk``
    an objective has, at HEAD, a mitigation group that is a strict subset of one of its
    BASE groups which no longer exists: fewer controls now satisfy the objective.
``objective-at-risk``
    an objective that exists on both sides is at risk at HEAD but was not at BASE, or was
    mitigated at BASE and is unassessed at HEAD.
``objective-unassessed``
    an objective at risk at BASE has neither mitigation groups nor assumptions at HEAD:
    it stops counting as at risk without being mitigated.
``objective-removed``
    an objective that was at risk or unassessed at BASE is deleted, or given
    ``status: removed``, in a model that still exists.
"""

from __future__ import annotations

from typing import Any

from threatgate.analysis.posture import is_active
from threatgate.diff.changes import objective_word
from threatgate.diff.match import indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.diff.results import ModelSide
from threatgate.model.vocabulary import id_list, objective_removed


def postures(side: ModelSide) -> dict[str, Any]:
    """objective id -> its posture on ``side`` (removed objectives are not assessed)."""
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
                f"group {position + 1} of objective {objective_id} no longer requires "
                f"{', '.join(dropped)} (was [{', '.join(sorted(bigger[0]))}]): fewer "
                "controls now count as mitigating it",
                comparison.sides()[1], ("objectives", h_index, "mitigated_by", position),
                severity=comparison.tier([objective_id]),
                because_of={f"control:{c}" for c in dropped})


Indexed = dict[str, tuple[int, dict[str, Any]]]


def lost_controls(objective: dict[str, Any], old: Indexed, new: Indexed) -> set[str]:
    """Controls of the objective's BASE groups that were active at BASE and are not (or
    are gone) at HEAD (``old``/``new``: the controls by id): what a control regression
    explains."""
    lost = set()
    for group in objective.get("mitigated_by") or []:
        for control_id in id_list(group):
            if control_id in old and is_active(old[control_id][1]) and not (
                control_id in new and is_active(new[control_id][1])
            ):
                lost.add(control_id)
    return lost


def _removed_objective(comparison: Comparison, objective_id: str, index: int,
                       posture: Any) -> None:
    base, head = comparison.sides()
    gone = objective_id not in indexed(head.data, "objectives")
    comparison.add(
        "objective-removed", objective_id,
        f"objective {objective_id} was {objective_word(posture)} and is "
        + ("deleted" if gone else "given status: removed")
        + ": the risk stops being counted without being mitigated",
        base if gone else head,
        ("objectives", index, "id") if gone else (
            "objectives", indexed(head.data, "objectives")[objective_id][0], "status"),
        severity=comparison.tier([objective_id]) or "medium")


@regression_check("mitigation-group-shrunk", "objective-at-risk", "objective-unassessed",
                  "objective-removed", order=40)
def find_objective_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    old_objectives = indexed(base.data, "objectives")
    new_objectives = indexed(head.data, "objectives")
    before, after = postures(base), postures(head)
    old_controls, new_controls = indexed(base.data, "controls"), indexed(head.data, "controls")
    for objective_id, (b_index, was) in old_objectives.items():
        prev = before.get(objective_id)
        now = new_objectives.get(objective_id, (0, {}))[1]
        if prev is not None and prev.status != "mitigated" and not objective_removed(was) \
                and (not now or objective_removed(now)):
            _removed_objective(comparison, objective_id, b_index, prev)
    for objective_id, (h_index, now) in new_objectives.items():
        if objective_id not in old_objectives:
            continue
        was = old_objectives[objective_id][1]
        _shrunk_groups(comparison, objective_id, h_index, was, now)
        prev, cur = before.get(objective_id), after.get(objective_id)
        if prev is None or cur is None:
            continue
        where = ("objectives", h_index, "id")
        if (cur.status == "at_risk" and prev.status != "at_risk") or (
            prev.status == "mitigated" and cur.status == "unassessed"
        ):
            why = f"({cur.reason})" if cur.reason else "(nothing mitigates it any more)"
            comparison.add(
                "objective-at-risk", objective_id,
                f"objective {objective_id} was {objective_word(prev)} and is now "
                f"{cur.status.replace('_', ' ')} {why}", head, where,
                severity=comparison.tier([objective_id]),
                because_of={f"control:{c}" for c in lost_controls(was, old_controls,
                                                                   new_controls)})
        elif prev.status == "at_risk" and cur.status == "unassessed":
            comparison.add(
                "objective-unassessed", objective_id,
                f"objective {objective_id} was at risk ({prev.reason}) and now has neither "
                "mitigation groups nor assumptions: it stops counting as at risk without "
                "being mitigated", head, where, severity=comparison.tier([objective_id]))
