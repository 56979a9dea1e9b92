"""Builds the :class:`~threatgate.views.report.Report` of one model, section by section.

Each section builder reads the model's data for what the assessment does not carry
(descriptions, owners, locations, ...) and the assessment for everything about posture.
Links between entities go through one :class:`ReportIndex`, so that every section names
and anchors an entity the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from threatgate.analysis.assessment import OPEN_FINDING_STATUSES, ControlView, ModelAssessment
from threatgate.analysis.badges import MODEL_LABEL, badge_from_objectives, model_badge
from threatgate.analysis.posture import acceptance_in_force, assumption_state
from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.compliance.coverage import MAPPED_STATUSES, mapped_status
from threatgate.model.vocabulary import SEVERITY_RANK, id_list, items, text
from threatgate.views.compliance import compliance_matrix
from threatgate.views.diagram import build_diagram
from threatgate.views.report import (
    AcceptanceRow,
    AssertionOutcomes,
    AssertionRow,
    AssumptionRow,
    ControlRow,
    Element,
    FindingRow,
    FrameworkSection,
    Matrix,
    MatrixCell,
    ObjectiveRow,
    Ref,
    Report,
    RequirementRow,
    Summary,
    ThreatRow,
    anchor,
    unique_anchors,
)

#: (collection, kind of anchor, key of the label) of every entity a report links to.
LINKED_KINDS = (
    ("trust_boundaries", "boundary", "name"),
    ("components", "component", "name"),
    ("dataflows", "dataflow", "name"),
    ("assets", "asset", "name"),
    ("attackers", "attacker", "name"),
    ("objectives", "objective", "description"),
    ("threats", "threat", "title"),
    ("controls", "control", "title"),
    ("assumptions", "assumption", "description"),
    ("findings", "finding", "title"),
)


def build_report(
    data: Mapping[str, Any],
    assessment: ModelAssessment,
    today: dt.date,
    outcomes: AssertionOutcomes | None = None,
    catalogues: CatalogueLibrary = SHIPPED,
) -> Report:
    """The report of one model whose assessment is ``assessment``.

    ``today`` must be the date the assessment was made with: it decides which
    assumptions are still attested and which acceptances are still in force.
    """
    model = dict(data)
    index = ReportIndex(model, {c.id: c.status for c in assessment.controls})
    assets = asset_elements(model)
    attackers = attacker_elements(model)
    objectives = objective_rows(model, assessment, index)
    objective_status = {o.id: o.status for o in objectives}
    controls = control_rows(model, assessment, index, objective_status, outcomes)
    return Report(
        model_id=assessment.model_id,
        title=assessment.title,
        path=assessment.path,
        description=_str(model, "description"),
        system=assessment.system,
        owner=assessment.owner,
        frameworks=list(assessment.frameworks),
        badge=model_badge(assessment),
        posture=badge_from_objectives(assessment.objectives, label=MODEL_LABEL,
                                      has_controls=bool(assessment.controls)),
        summary=report_summary(assessment, outcomes),
        components=component_elements(model, index),
        dataflows=dataflow_elements(model, index),
        boundaries=boundary_elements(model),
        assets=assets,
        attackers=attackers,
        matrix=objective_matrix(assets, attackers, objectives),
        objectives=objectives,
        threats=threat_rows(model, assessment, index, objective_status),
        controls=controls,
        assumptions=assumption_rows(model, index, objectives, today),
        acceptances=acceptance_rows(model, index, today),
        findings=finding_rows(model, assessment, index),
        compliance=compliance_sections(assessment.frameworks, controls, assessment.controls,
                                       index, assessment, catalogues),
        diagram=build_diagram(model),
    )


class ReportIndex:
    """Entity lookups that turn ids into links."""

    def __init__(self, data: dict[str, Any], control_status: Mapping[str, str]) -> None:
        self.names: dict[tuple[str, str], str] = {}
        for collection, kind, label_key in LINKED_KINDS:
            for _, entry in items(data, collection):
                entity_id = entry.get("id")
                if isinstance(entity_id, str):
                    self.names.setdefault((kind, entity_id), _str(entry, label_key))
        self.control_status = control_status

    def ref(self, kind: str, entity_id: str, status: str = "") -> Ref:
        label = self.names.get((kind, entity_id))
        if label is None:
            return Ref(entity_id, "", None, status)
        return Ref(entity_id, label, anchor(kind, entity_id), status)

    def refs(self, kind: str, ids: list[str]) -> list[Ref]:
        return [self.ref(kind, i) for i in ids]

    def control(self, control_id: str) -> Ref:
        """A link to a control that also carries the control's status."""
        return self.ref("control", control_id, self.control_status.get(control_id, ""))


# --- architecture ----------------------------------------------------------------------


def _element(kind: str, entry: Mapping[str, Any], facts: list[tuple[str, str]],
             links: list[tuple[str, list[Ref]]] | None = None) -> Element:
    entity_id = str(entry.get("id"))
    return Element(entity_id, anchor(kind, entity_id), _str(entry, "name"),
                   _str(entry, "description"), facts, links or [])


def boundary_elements(model: dict[str, Any]) -> list[Element]:
    return [_element("boundary", e, []) for _, e in items(model, "trust_boundaries")]


def component_elements(model: dict[str, Any], index: ReportIndex) -> list[Element]:
    return [
        _element("component", e,
                 [("type", _str(e, "type")), ("flags", ", ".join(id_list(e.get("flags"))))],
                 [("boundary", index.refs("boundary", [b for b in [text(e, "boundary")] if b]))])
        for _, e in items(model, "components")
    ]


def dataflow_elements(model: dict[str, Any], index: ReportIndex) -> list[Element]:
    return [
        _element("dataflow", e,
                 [("protocol", _str(e, "protocol")),
                  ("encrypted", _flag(e.get("encrypted"))),
                  ("authenticated", _flag(e.get("authenticated")))],
                 [("from", index.refs("component", [_str(e, "from")])),
                  ("to", index.refs("component", [_str(e, "to")])),
                  ("data", index.refs("asset", id_list(e.get("data"))))])
        for _, e in items(model, "dataflows")
    ]


def asset_elements(model: dict[str, Any]) -> list[Element]:
    return [
        _element("asset", e,
                 [("properties", ", ".join(id_list(e.get("properties")))),
                  ("kind", _str(e, "kind")), ("classification", _str(e, "classification"))])
        for _, e in items(model, "assets")
    ]


def attacker_elements(model: dict[str, Any]) -> list[Element]:
    return [
        _element("attacker", e,
                 [("position", _str(e, "position")), ("capability", _str(e, "capability"))])
        for _, e in items(model, "attackers")
    ]


def objective_matrix(assets: list[Element], attackers: list[Element],
                     objectives: list[ObjectiveRow]) -> Matrix:
    """Assets by attackers, each cell listing the objectives of that pair."""
    asset_refs = [Ref(a.id, a.name, a.anchor) for a in assets]
    attacker_refs = [Ref(a.id, a.name, a.anchor) for a in attackers]
    cells = [[MatrixCell([]) for _ in attackers] for _ in assets]
    row_of = {a.id: i for i, a in enumerate(assets)}
    col_of = {a.id: i for i, a in enumerate(attackers)}
    for o in objectives:
        row, col = row_of.get(o.asset.id), col_of.get(o.attacker.id)
        if row is not None and col is not None:
            cells[row][col].objectives.append(Ref(o.id, o.description, o.anchor, o.status))
    return Matrix(asset_refs, attacker_refs, cells)


# --- posture -----------------------------------------------------------------------------


def objective_rows(model: dict[str, Any], assessment: ModelAssessment,
                   index: ReportIndex) -> list[ObjectiveRow]:
    raw_objectives = {str(o.get("id")): o for _, o in items(model, "objectives")}
    # An objective without properties stands for all of its asset's properties.
    asset_properties = {str(a.get("id")): id_list(a.get("properties"))
                        for _, a in items(model, "assets")}
    threats_of: dict[str, list[str]] = {}
    for t in assessment.threats:
        for objective_id in t.objectives:
            threats_of.setdefault(objective_id, []).append(t.id)
    rows = []
    for view in assessment.objectives:
        raw = raw_objectives.get(view.id, {})
        posture = view.posture
        rows.append(ObjectiveRow(
            id=view.id,
            anchor=anchor("objective", view.id),
            description=_str(raw, "description"),
            asset=index.ref("asset", view.asset),
            attacker=index.ref("attacker", view.attacker),
            properties=id_list(raw.get("properties")) or asset_properties.get(view.asset, []),
            tier=view.tier,
            status=posture.status,
            mitigated_by=posture.mitigated_by,
            level=posture.level,
            reasons=list(posture.reasons),
            groups=[[index.control(c) for c in id_list(g)] for g in raw.get("mitigated_by") or []
                    if id_list(g)],
            group=list(posture.group),
            missing=[index.control(c) for c in posture.missing],
            assumptions=index.refs("assumption", id_list(raw.get("assumptions"))),
            accepted=view.accepted,
            threats=index.refs("threat", threats_of.get(view.id, [])),
        ))
    return rows


def threat_rows(model: dict[str, Any], assessment: ModelAssessment, index: ReportIndex,
                objective_status: Mapping[str, str]) -> list[ThreatRow]:
    """The threats, highest severity first (in file order within a severity)."""
    raw_threats = {str(t.get("id")): t for _, t in items(model, "threats")}
    rows = []
    for _, t in sorted(enumerate(assessment.threats),
                       key=lambda pair: (SEVERITY_RANK[pair[1].severity], pair[0])):
        raw = raw_threats.get(t.id, {})
        rows.append(ThreatRow(
            id=t.id, anchor=anchor("threat", t.id), title=t.title,
            description=_str(raw, "description"), severity=t.severity, score=t.score,
            likelihood=_score(raw.get("likelihood")), impact=_score(raw.get("impact")),
            state=t.state, stride=id_list(raw.get("stride")),
            controls=[index.control(c) for c in t.mitigations],
            mitigated_by=list(t.mitigated_by),
            objectives=[index.ref("objective", o, objective_status.get(o, ""))
                        for o in t.objectives],
            components=index.refs("component", id_list(raw.get("components"))),
            cwe=[str(c) for c in raw.get("cwe") or [] if isinstance(c, (str, int))],
        ))
    return rows


def control_rows(model: dict[str, Any], assessment: ModelAssessment, index: ReportIndex,
                 objective_status: Mapping[str, str],
                 outcomes: AssertionOutcomes | None) -> list[ControlRow]:
    findings_of: dict[str, list[str]] = {}
    for f in assessment.findings:
        findings_of.setdefault(f.control, []).append(f.id)
    raw_controls = {str(c.get("id")): c for _, c in items(model, "controls")}
    rows = []
    for cv in assessment.controls:
        raw = raw_controls.get(cv.id, {})
        rows.append(ControlRow(
            id=cv.id, anchor=anchor("control", cv.id), title=cv.title,
            description=_str(raw, "description"), status=cv.status, active=cv.active,
            verification=cv.verification, owner=_str(raw, "owner"),
            assertions=assertion_rows(cv.id, raw, outcomes),
            objectives=[index.ref("objective", o, objective_status.get(o, ""))
                        for o in cv.objectives],
            threats=index.refs("threat", cv.threats), compliance=list(cv.compliance),
            findings=index.refs("finding", findings_of.get(cv.id, [])),
        ))
    return rows


def assertion_rows(control_id: str, control: Mapping[str, Any],
                   outcomes: AssertionOutcomes | None) -> list[AssertionRow]:
    """The assertions of one control, with their verdicts when verification ran."""
    rows = []
    for position, assertion in enumerate(control.get("assertions") or []):
        if not isinstance(assertion, dict):
            continue
        outcome, reason = (outcomes or {}).get((control_id, position), ("", ""))
        rows.append(AssertionRow(str(assertion.get("type", "")),
                                 _assertion_summary(assertion), outcome, reason))
    return rows


def assumption_rows(model: dict[str, Any], index: ReportIndex, objectives: list[ObjectiveRow],
                    today: dt.date) -> list[AssumptionRow]:
    covers: dict[str, list[str]] = {}
    for o in objectives:
        for assumption_ref in o.assumptions:
            covers.setdefault(assumption_ref.id, []).append(o.id)
    return [
        AssumptionRow(
            id=str(a.get("id")), anchor=anchor("assumption", str(a.get("id"))),
            description=_str(a, "description"), attested_by=_str(a, "attested_by"),
            expires=_str(a, "expires"), state=assumption_state(a, today),
            objectives=index.refs("objective", covers.get(str(a.get("id")), [])))
        for _, a in items(model, "assumptions")
    ]


def acceptance_rows(model: dict[str, Any], index: ReportIndex,
                    today: dt.date) -> list[AcceptanceRow]:
    rows = []
    for _, a in items(model, "acceptances"):
        target_id = text(a, "threat") or text(a, "objective") or ""
        kind = "threat" if text(a, "threat") else "objective"
        # Named by its own id, else by what it accepts (#acceptance-T9): unlike its
        # position, that survives reordering and removal of other acceptances.
        rows.append(AcceptanceRow(
            anchor=anchor("acceptance", text(a, "id") or target_id),
            target=index.ref(kind, target_id), owner=_str(a, "owner"),
            justification=_str(a, "justification"), review_by=_str(a, "review_by"),
            in_force=acceptance_in_force(a, today)))
    for row, unique in zip(rows, unique_anchors([r.anchor for r in rows]), strict=True):
        row.anchor = unique
    return rows


def finding_rows(model: dict[str, Any], assessment: ModelAssessment,
                 index: ReportIndex) -> list[FindingRow]:
    raw_findings = {str(f.get("id")): f for _, f in items(model, "findings")}
    rows = []
    for fv in assessment.findings:
        raw = raw_findings.get(fv.id, {})
        rows.append(FindingRow(
            id=fv.id, anchor=anchor("finding", fv.id), title=fv.title,
            description=_str(raw, "description"), control=index.control(fv.control),
            severity=fv.severity, status=fv.status, reason=_str(raw, "reason"),
            locations=[str(x) for x in raw.get("locations") or [] if isinstance(x, str)]))
    return rows


# --- summary and compliance ----------------------------------------------------------------


def report_summary(a: ModelAssessment, outcomes: AssertionOutcomes | None) -> Summary:
    return Summary(
        threats=len(a.threats), by_severity=a.by_severity, threat_states=a.threat_states,
        mitigation_ratio=a.mitigation_ratio, objectives=a.objective_states,
        controls=a.control_progress, controls_by_status=a.controls_by_status,
        findings_open=sum(f.status in OPEN_FINDING_STATUSES for f in a.findings),
        findings=len(a.findings), verification_ran=outcomes is not None,
        expired=sum(d.expired for d in a.dated), expiring=sum(not d.expired for d in a.dated))


def compliance_sections(frameworks: list[str], controls: list[ControlRow],
                        views: list[ControlView], index: ReportIndex,
                        assessment: ModelAssessment | None = None,
                        catalogues: CatalogueLibrary = SHIPPED) -> list[FrameworkSection]:
    """The mapped requirements per framework: covered when every mapped control is active,
    partial when some are, planned when none is yet (the statuses of
    :func:`threatgate.compliance.coverage.mapped_status`); with the whole catalogue's matrix
    (every requirement, the exact statuses of ``threatgate compliance report``) for a
    framework that has one."""
    by_id = {c.id: c for c in views}
    mapped: dict[str, dict[str, list[str]]] = {}
    for control in controls:
        for ref in control.compliance:
            framework, sep, requirement = ref.partition(":")
            if sep and framework and requirement:
                mapped.setdefault(framework, {}).setdefault(requirement, []).append(control.id)
    sections = []
    for framework in sorted(set(frameworks) | set(mapped)):
        rows = []
        for requirement, control_ids in sorted(mapped.get(framework, {}).items(),
                                               key=lambda kv: _natural(kv[0])):
            coverage = mapped_status(sum(by_id[c].active for c in control_ids),
                                     len(control_ids))
            rows.append(RequirementRow(framework, requirement,
                                       anchor("req", f"{framework}-{requirement}"),
                                       [index.control(c) for c in control_ids], coverage))
        for row, unique in zip(rows, unique_anchors([r.anchor for r in rows]), strict=True):
            row.anchor = unique
        counts = {k: sum(r.coverage == k for r in rows) for k in MAPPED_STATUSES}
        matrix = (compliance_matrix(assessment, framework, catalogues)
                  if assessment is not None else None)
        sections.append(FrameworkSection(framework, anchor("framework", framework), rows,
                                         counts, matrix))
    return sections


# --- values ------------------------------------------------------------------------------


def _str(entry: Mapping[str, Any], key: str) -> str:
    return text(entry, key) or ""


def _flag(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else ""


def _score(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return None


def _assertion_summary(assertion: Mapping[str, Any]) -> str:
    """A one-line description of an assertion: its fields other than the type."""
    parts = []
    for key, value in assertion.items():
        if key == "type":
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        parts.append(f"{key}: {value}")
    return "; ".join(parts)


def _natural(value: str) -> list[Any]:
    """Sort key that orders V1.10 after V1.9."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", value)]
