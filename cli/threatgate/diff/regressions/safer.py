"""Objectives and threats that look safer although no control became active.

The rule: a change may make an objective mitigated only by making active the controls its
BASE definition already required. Each objective mitigated at HEAD and not at BASE is
assessed once more, *counterfactually*: its BASE definition (groups, assumptions, and
which controls were not applicable) with the controls as they are at HEAD. If it is
mitigated that way, a control became active: an honest improvement. If not, the change
made it look safer by editing what counts, and one of these is reported:

``mitigation-group-added``
    it is mitigated by a group it did not have at BASE (``[[C2]]`` -> ``[[C2], [C3]]``
    or ``[[C3]]``): controls that were not required before now suffice.
``assumption-added``
    it is mitigated by an assumption that was not listed on it (or did not exist) at
    BASE: anyone can write an attestation.
``assumption-attested``
    it is mitigated by an assumption it listed at BASE that was not attested then (its
    ``attested_by`` is set, or its ``expires`` moved later, by the change); or it was
    and stays mitigated by an assumption whose attestation the change renews, as an
    acceptance pushed out.
``threat-mitigation-added``
    a threat that was not mitigated at BASE is mitigated at HEAD only by controls it did
    not name at BASE (a control linked because it is already implemented).

What another regression of the same objective already explains (a shrunk group, a
control waived as not applicable) is not reported twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from threatgate.analysis.posture import by_id, is_active, objective_posture
from threatgate.diff.match import indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.diff.regressions.objectives import postures
from threatgate.model.dates import parse_date
from threatgate.model.vocabulary import id_list, objective_removed, text

#: Kinds that already say why an objective looks safer.
EXPLAINING = frozenset({"mitigation-group-shrunk"})


def counterfactual_controls(base: dict[str, Any], head: dict[str, Any]
                            ) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The controls as they are at HEAD, except that one waived by the change (made not
    applicable) counts as not done; and the ids of those waived."""
    old = by_id(base, "controls")
    controls, waived = {}, set()
    for control_id, control in by_id(head, "controls").items():
        was = text(old.get(control_id) or {}, "status")
        if control.get("status") == "not_applicable" and was != "not_applicable":
            control = {**control, "status": "planned"}
            waived.add(control_id)
        controls[control_id] = control
    return controls, waived


def _groups_text(objective: dict[str, Any]) -> str:
    groups = [f"[{', '.join(id_list(g))}]" for g in objective.get("mitigated_by") or []]
    return ", ".join(groups) or "none"


def _explain(comparison: Comparison, objective_id: str, was: dict[str, Any],
             posture: Any) -> tuple[str, str]:
    """The kind and the words for an objective mitigated by an edit of what counts."""
    if posture.mitigated_by == "assumption":
        assumption = posture.assumption
        known = by_id(comparison.data("base"), "assumptions")
        if assumption not in id_list(was.get("assumptions")) or assumption not in known:
            return "assumption-added", (
                f"objective {objective_id} is now mitigated by assumption {assumption}, "
                "which it did not rely on at BASE: an attestation written in the change "
                "replaces a control")
        return "assumption-attested", (
            f"objective {objective_id} is now mitigated by assumption {assumption}, "
            "attested (or extended) by the change itself: an attestation replaces a "
            "control")
    group = frozenset(posture.group)
    old_groups = {frozenset(id_list(g)) for g in was.get("mitigated_by") or []}
    shown = ", ".join(sorted(group))
    if group not in old_groups:
        return "mitigation-group-added", (
            f"objective {objective_id} is now mitigated by [{shown}], a group it did not "
            f"have at BASE (its groups were {_groups_text(was)}): controls that were not "
            "required before now suffice, and none of its former groups became active")
    # The same group, complete only because a control in it was waived by the change.
    return "control-not-applicable", (
        f"objective {objective_id} is now mitigated by [{shown}] only because the change "
        "marks a control of that group not applicable")


def _objectives(comparison: Comparison) -> None:
    base, head = comparison.sides()
    old = indexed(base.data, "objectives")
    before, after = postures(base), postures(head)
    controls, waived = counterfactual_controls(base.data, head.data)
    assumptions = by_id(base.data, "assumptions")
    explained = {r.entity for r in comparison.found if r.kind in EXPLAINING}
    today = base.today or head.today or dt.date.today()
    for objective_id, (h_index, now) in indexed(head.data, "objectives").items():
        prev, cur = before.get(objective_id), after.get(objective_id)
        if objective_id not in old or prev is None or cur is None or objective_removed(now):
            continue
        if cur.status != "mitigated":
            continue
        if prev.status == "mitigated":
            _extended(comparison, objective_id, h_index, prev, cur)
            continue
        was = old[objective_id][1]
        if objective_posture(was, controls, assumptions, today).status == "mitigated":
            continue  # a control its BASE definition required became active
        if objective_id in explained:
            continue
        kind, message = _explain(comparison, objective_id, was, cur)
        field = "assumptions" if kind.startswith("assumption") else "mitigated_by"
        required = {c for g in was.get("mitigated_by") or [] for c in id_list(g)}
        comparison.add(kind, objective_id, message, head,
                       ("objectives", h_index, field if field in now else "id"),
                       severity=comparison.tier([objective_id]),
                       aliases=[cur.assumption] if cur.assumption else (),
                       because_of={f"control:{c}" for c in required & waived})


def reattested(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether an assumption's attestation is renewed: another ``attested_by``, or an
    ``expires`` moved later or removed."""
    if text(after, "attested_by") != text(before, "attested_by"):
        return True
    old, new = parse_date(text(before, "expires") or ""), parse_date(text(after, "expires") or "")
    return old is not None and (new is None or new > old)


def _extended(comparison: Comparison, objective_id: str, h_index: int, prev: Any,
              cur: Any) -> None:
    """An objective that stays mitigated by an assumption only because the change renews
    the attestation (as an acceptance pushed out)."""
    if not (prev.mitigated_by == cur.mitigated_by == "assumption"):
        return
    old = by_id(comparison.data("base"), "assumptions").get(str(cur.assumption))
    new = by_id(comparison.data("head"), "assumptions").get(str(cur.assumption))
    if old is None or new is None or not reattested(old, new):
        return
    comparison.add(
        "assumption-attested", objective_id,
        f"objective {objective_id} stays mitigated by assumption {cur.assumption} because "
        "the change renews its attestation (attested_by or expires): an attestation "
        "written in the change replaces a control for longer",
        comparison.sides()[1], ("objectives", h_index, "assumptions"),
        severity=comparison.tier([objective_id]), aliases=[str(cur.assumption)])


def _threats(comparison: Comparison) -> None:
    base, head = comparison.sides()
    if base.assessment is None or head.assessment is None:
        return
    old_states = {t.id: t.state for t in base.assessment.threats}
    old_threats, new_threats = indexed(base.data, "threats"), indexed(head.data, "threats")
    head_controls = by_id(head.data, "controls")
    for threat in head.assessment.threats:
        if threat.state != "mitigated" or old_states.get(threat.id, "mitigated") == "mitigated":
            continue
        named = id_list(old_threats[threat.id][1].get("mitigations"))
        if any(c in head_controls and is_active(head_controls[c]) for c in named):
            continue  # a control it already named became active
        h_index = new_threats[threat.id][0]
        comparison.add(
            "threat-mitigation-added", threat.id,
            f"threat {threat.id} “{threat.title}” is now mitigated by "
            f"{', '.join(threat.mitigated_by)}, which it did not name at BASE, while none of "
            "the controls it named became active", head, ("threats", h_index, "mitigations"),
            severity=threat.severity if threat.severity != "unscored" else None)


@regression_check("mitigation-group-added", "assumption-added", "assumption-attested",
                  "threat-mitigation-added", order=45)
def find_safer_without_control(comparison: Comparison) -> None:
    _objectives(comparison)
    _threats(comparison)
