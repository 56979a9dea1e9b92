"""Controls that stop serving the objectives and threats relying on them.

``control-status-regressed``
    a control that was ``implemented`` at BASE has another status at HEAD.
``control-removed``
    a control of BASE is gone at HEAD while an objective (mitigation group) or a threat
    (mitigations) that still exists at HEAD relied on it at BASE.
``assertion-removed``
    a control that exists on both sides lost an assertion (one present at BASE is not
    present, identical, at HEAD) while an objective or a threat relies on the control.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from threatgate.diff.match import canonical, indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.model.vocabulary import id_list, items

Dependents = dict[str, tuple[set[str], set[str]]]


def _dependents(data: dict[str, Any]) -> Dependents:
    """control id -> (objectives whose mitigation groups hold it, threats it mitigates)."""
    found: Dependents = {}
    for _, objective in items(data, "objectives"):
        for group in objective.get("mitigated_by") or []:
            for control_id in id_list(group):
                found.setdefault(control_id, (set(), set()))[0].add(str(objective.get("id")))
    for _, threat in items(data, "threats"):
        for control_id in id_list(threat.get("mitigations")):
            found.setdefault(control_id, (set(), set()))[1].add(str(threat.get("id")))
    return found


def _names(objectives: Iterable[str], threats: Iterable[str]) -> str:
    parts = []
    if objectives:
        parts.append("objective(s) " + ", ".join(sorted(objectives)))
    if threats:
        parts.append("threat(s) " + ", ".join(sorted(threats)))
    return " and ".join(parts)


@regression_check("control-status-regressed", "control-removed", "assertion-removed",
                  order=10)
def find_control_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    old, new = base.data, head.data
    new_controls = indexed(new, "controls")
    old_deps, new_deps = _dependents(old), _dependents(new)
    new_objectives, new_threats = indexed(new, "objectives"), indexed(new, "threats")
    for control_id, (b_index, control) in indexed(old, "controls").items():
        objectives, threats = old_deps.get(control_id, (set(), set()))
        if control_id not in new_controls:
            still_o = {o for o in objectives if o in new_objectives}
            still_t = {t for t in threats if t in new_threats}
            if still_o or still_t:
                comparison.add(
                    "control-removed", control_id,
                    f"control {control_id} is deleted while {_names(still_o, still_t)} relied "
                    "on it: they lose a mitigation unless another control takes its place",
                    base, ("controls", b_index, "id"))
            continue
        h_index, now = new_controls[control_id]
        if control.get("status") == "implemented" and now.get("status") != "implemented":
            comparison.add(
                "control-status-regressed", control_id,
                f"control {control_id} moved back from implemented to {now.get('status')}: "
                "the threats and objectives it served lose that mitigation",
                head, ("controls", h_index, "status"))
        kept = {canonical(a) for a in now.get("assertions") or []}
        lost = [a for a in control.get("assertions") or [] if canonical(a) not in kept]
        users_o, users_t = new_deps.get(control_id, (set(), set()))
        users_o, users_t = users_o | objectives, users_t | threats
        users_o &= set(new_objectives)
        users_t &= set(new_threats)
        if lost and (users_o or users_t):
            what = ", ".join(str(a.get("type", "?")) if isinstance(a, dict) else "?"
                             for a in lost)
            where = ("controls", h_index, "assertions") if "assertions" in now else (
                "controls", h_index, "id")
            comparison.add(
                "assertion-removed", control_id,
                f"control {control_id} lost {len(lost)} assertion(s) ({what}) while "
                f"{_names(users_o, users_t)} depend on it: less of its claim is checked "
                "against the code", head, where)
