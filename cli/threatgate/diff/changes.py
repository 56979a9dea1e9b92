"""What changed between two readable sides of a model: fields, entities, status
transitions and the posture numbers."""

from __future__ import annotations

from typing import Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.diff.match import entity_key, key_field, match_entities
from threatgate.diff.results import EntityChange, FieldChange, ModelSide, Transition
from threatgate.diff.values import describe
from threatgate.model.vocabulary import COLLECTIONS, items, text

#: Entity collections compared, in the order reports list them.
ENTITY_KINDS = tuple(COLLECTIONS)
#: Top-level fields that are the tool's bookkeeping, not the model: ``generate``'s record.
BOOKKEEPING = frozenset({"generation"})


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    keys = list(before) + [k for k in after if k not in before]
    return [FieldChange(str(k), before.get(k), after.get(k),
                        describe(before.get(k), after.get(k)))
            for k in keys if before.get(k) != after.get(k)]


def model_field_changes(base: ModelSide, head: ModelSide) -> list[FieldChange]:
    """Changes of the model's own fields (its collections are compared entity by entity,
    the bookkeeping is not a change of the model)."""
    skipped = COLLECTIONS.keys() | BOOKKEEPING
    return field_changes(
        {k: v for k, v in base.data.items() if k not in skipped},
        {k: v for k, v in head.data.items() if k not in skipped},
    )


def _flow_title(entry: dict[str, Any], data: dict[str, Any]) -> str:
    """``Browser -> Payments API`` for a data flow (components by name)."""
    names = {c["id"]: text(c, "name") or c["id"] for _, c in items(data, "components")
             if isinstance(c.get("id"), str)}
    ends = [entry.get(k) for k in ("from", "to")]
    if not all(isinstance(e, str) for e in ends):
        return ""
    return " -> ".join(names.get(str(e), str(e)) for e in ends)


def _objective_title(entry: dict[str, Any], data: dict[str, Any]) -> str:
    """``Card data against External attacker`` (asset and attacker by name)."""
    names = []
    for key, kind in (("asset", "assets"), ("attacker", "attackers")):
        wanted = entry.get(key)
        found = next((text(e, "name") for _, e in items(data, kind) if e.get("id") == wanted),
                     None)
        names.append(found or (wanted if isinstance(wanted, str) else "?"))
    return " against ".join(names)


def title_of(kind: str, entry: dict[str, Any], data: dict[str, Any]) -> str:
    """How a report names an entity besides its id: title, name, or what it links."""
    for key in ("title", "name", "description", "justification"):
        value = text(entry, key)
        if value:
            return value
    if kind == "objectives":
        return _objective_title(entry, data)
    return _flow_title(entry, data) if kind == "dataflows" else ""


def _entity_change(
    kind: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    b_index: int | None,
    h_index: int | None,
    base: ModelSide,
    head: ModelSide,
) -> list[EntityChange]:
    if before is None and after is not None and h_index is not None:
        return [EntityChange(kind, entity_key(kind, after) or "?", "added",
                             title_of(kind, after, head.data),
                             head.path, head.line((kind, h_index, key_field(after))))]
    if after is None and before is not None and b_index is not None:
        return [EntityChange(kind, entity_key(kind, before) or "?", "removed",
                             title_of(kind, before, base.data),
                             base.path, base.line((kind, b_index, key_field(before))))]
    assert before is not None and after is not None and h_index is not None
    fields = field_changes(before, after)
    if not fields:
        return []
    first = fields[0].field
    line = head.line((kind, h_index, first if first in after else key_field(after)))
    return [EntityChange(kind, entity_key(kind, after) or "?", "changed",
                         title_of(kind, after, head.data),
                         head.path, line, fields)]


def entity_changes(base: ModelSide, head: ModelSide) -> list[EntityChange]:
    """Entities added, removed and changed field by field, collection by collection."""
    found: list[EntityChange] = []
    for kind in ENTITY_KINDS:
        for before, after, b_index, h_index in match_entities(kind, base.data, head.data):
            found.extend(_entity_change(kind, before, after, b_index, h_index, base, head))
    return found


def posture_of(assessment: ModelAssessment | None) -> dict[str, Any] | None:
    """The numbers a reviewer compares before and after."""
    if assessment is None:
        return None
    objectives = assessment.objective_states
    return {
        "threats": len(assessment.threats),
        "by_severity": assessment.by_severity,
        "threat_states": assessment.threat_states,
        "mitigation_ratio": assessment.mitigation_ratio,
        "objectives": objectives["total"],
        "objectives_mitigated": objectives["mitigated"],
        "objectives_at_risk": objectives["at_risk"],
        "objectives_verified": objectives["verified"],
        "objectives_unassessed": objectives["unassessed"],
        "controls": len(assessment.controls),
        "controls_implemented": assessment.control_progress["implemented"],
    }


def objective_word(posture: Any) -> str:
    """An objective's posture in words: ``mitigated by C1+C2``, ``at risk (why)``, ..."""
    if posture.status == "mitigated":
        return f"mitigated by {posture.mitigated_by}"
    if posture.status == "at_risk":
        return f"at risk ({posture.reason})"
    return str(posture.status)


def transitions(before: ModelAssessment | None,
                after: ModelAssessment | None) -> list[Transition]:
    """Threat severity and state, objective posture, control and finding status changes."""
    if before is None or after is None:
        return []
    out: list[Transition] = []
    old_threats = {t.id: t for t in before.threats}
    for threat in after.threats:
        was = old_threats.get(threat.id)
        if was is None:
            continue
        if was.severity != threat.severity:
            out.append(Transition("threat", threat.id, "severity", was.severity,
                                  threat.severity, threat.title))
        if was.state != threat.state:
            out.append(Transition("threat", threat.id, "state", was.state, threat.state,
                                  threat.title))
    old_objectives = {o.id: o for o in before.objectives}
    for objective in after.objectives:
        prev = old_objectives.get(objective.id)
        if prev is None:
            continue
        old_word, new_word = objective_word(prev.posture), objective_word(objective.posture)
        if old_word != new_word:
            out.append(Transition("objective", objective.id, "posture", old_word, new_word))
    old_controls = {c.id: c for c in before.controls}
    for control in after.controls:
        old = old_controls.get(control.id)
        if old is not None and old.status != control.status:
            out.append(Transition("control", control.id, "status", old.status, control.status,
                                  control.title))
    old_findings = {f.id: f for f in before.findings}
    for finding in after.findings:
        prior = old_findings.get(finding.id)
        if prior is not None and prior.status != finding.status:
            out.append(Transition("finding", finding.id, "status", prior.status,
                                  finding.status, finding.title))
    return out
