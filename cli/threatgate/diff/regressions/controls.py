"""Controls that stop serving the objectives and threats relying on them.

``control-status-regressed``
    a control that was ``implemented`` at BASE has another status at HEAD.
``control-removed``
    a control of BASE is gone at HEAD while an objective (mitigation group) or a threat
    (mitigations) that still exists at HEAD relied on it at BASE.
``control-not-applicable``
    a control becomes ``not_applicable`` while a mitigation group or a threat relies on
    it: a requirement is waived instead of met.
``assertion-removed``
    a control that exists on both sides lost an assertion (one present at BASE is not
    present, identical, at HEAD) while an objective or a threat relies on the control.

Each of the first three is the root of its cause (``control:<id>``): the groups it
shrinks and the objectives it leaves at risk are listed in its details, not again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from threatgate.diff.match import canonical, indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.model.vocabulary import id_list, items, objective_removed


@dataclass
class Dependents:
    """What relies on one control: objectives (with the groups holding it) and threats."""

    groups: dict[str, list[int]] = field(default_factory=dict)  # objective -> group numbers
    threats: set[str] = field(default_factory=set)

    def still_in(self, data: dict[str, Any]) -> Dependents:
        """Those of them that still exist (and are not removed) in ``data``."""
        objectives = {o for o, (_, entry) in indexed(data, "objectives").items()
                      if not objective_removed(entry)}
        return Dependents({o: g for o, g in self.groups.items() if o in objectives},
                          self.threats & set(indexed(data, "threats")))

    def __bool__(self) -> bool:
        return bool(self.groups or self.threats)


def dependents(data: dict[str, Any]) -> dict[str, Dependents]:
    """control id -> the objectives whose mitigation groups hold it, and the threats it
    mitigates."""
    found: dict[str, Dependents] = {}
    for _, objective in items(data, "objectives"):
        if objective_removed(objective):
            continue
        for number, group in enumerate(objective.get("mitigated_by") or [], start=1):
            for control_id in id_list(group):
                groups = found.setdefault(control_id, Dependents()).groups
                groups.setdefault(str(objective.get("id")), []).append(number)
    for _, threat in items(data, "threats"):
        for control_id in id_list(threat.get("mitigations")):
            found.setdefault(control_id, Dependents()).threats.add(str(threat.get("id")))
    return found


def names(objectives: Iterable[str], threats: Iterable[str]) -> str:
    """``objective(s) CO1, CO2 and threat(s) T1`` for the ones given."""
    parts = []
    if objectives:
        parts.append("objective(s) " + ", ".join(sorted(objectives)))
    if threats:
        parts.append("threat(s) " + ", ".join(sorted(threats)))
    return " and ".join(parts)


def dependents_details(relying: Dependents, data: dict[str, Any]) -> list[str]:
    """One line per objective (its groups) and threat (its title) that relies on it."""
    lines = []
    objectives = indexed(data, "objectives")
    for objective_id in sorted(relying.groups):
        entry = objectives.get(objective_id, (0, {}))[1]
        groups = entry.get("mitigated_by") or []
        shown = "; ".join(
            f"group {n} [{', '.join(id_list(groups[n - 1]))}]"
            for n in relying.groups[objective_id] if n - 1 < len(groups))
        lines.append(f"objective {objective_id}: {shown}")
    threats = indexed(data, "threats")
    for threat_id in sorted(relying.threats):
        title = threats.get(threat_id, (0, {}))[1].get("title")
        lines.append(f"threat {threat_id}" + (f" “{title}”" if isinstance(title, str) else ""))
    return lines


def _severity(comparison: Comparison, relying: Dependents, default: str) -> str:
    return comparison.tier(relying.groups, relying.threats) or default


@regression_check("control-status-regressed", "control-removed", "control-not-applicable",
                  "assertion-removed", order=10)
def find_control_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    old, new = base.data, head.data
    new_controls = indexed(new, "controls")
    old_deps, new_deps = dependents(old), dependents(new)
    for control_id, (b_index, control) in indexed(old, "controls").items():
        relying = old_deps.get(control_id, Dependents()).still_in(new)
        title = f" “{control['title']}”" if isinstance(control.get("title"), str) else ""
        cause = f"control:{control_id}"
        if control_id not in new_controls:
            if relying:
                comparison.add(
                    "control-removed", control_id,
                    f"control {control_id}{title} is deleted while "
                    f"{names(relying.groups, relying.threats)} relied on it: they lose a "
                    "mitigation unless another control takes its place",
                    base, ("controls", b_index, "id"), cause=cause,
                    severity=_severity(comparison, relying, "medium"),
                    details=dependents_details(relying, old))
            continue
        h_index, now = new_controls[control_id]
        was, status = control.get("status"), now.get("status")
        users = relying
        extra = new_deps.get(control_id, Dependents()).still_in(new)
        users = Dependents({**users.groups, **extra.groups}, users.threats | extra.threats)
        if was == "implemented" and status != "implemented":
            comparison.add(
                "control-status-regressed", control_id,
                f"control {control_id}{title} moved back from implemented to {status}: the "
                "threats and objectives it served lose that mitigation",
                head, ("controls", h_index, "status"), cause=cause,
                severity=_severity(comparison, users, "medium"),
                details=dependents_details(users, new))
        elif status == "not_applicable" and was != "not_applicable" and users:
            comparison.add(
                "control-not-applicable", control_id,
                f"control {control_id}{title} is marked not applicable (was {was}) while "
                f"{names(users.groups, users.threats)} rely on it: a requirement is waived "
                "instead of met", head, ("controls", h_index, "status"), cause=cause,
                severity=_severity(comparison, users, "medium"),
                details=dependents_details(users, new))
        kept = {canonical(a) for a in now.get("assertions") or []}
        lost = [a for a in control.get("assertions") or [] if canonical(a) not in kept]
        if lost and users:
            what = ", ".join(str(a.get("type", "?")) if isinstance(a, dict) else "?"
                             for a in lost)
            where = ("controls", h_index, "assertions") if "assertions" in now else (
                "controls", h_index, "id")
            comparison.add(
                "assertion-removed", control_id,
                f"control {control_id}{title} lost {len(lost)} assertion(s) ({what}) while "
                f"{names(users.groups, users.threats)} depend on it: less of its claim is "
                "checked against the code", head, where,
                severity=_severity(comparison, users, "low"))
