"""The report of one model: a pure view model shared by the Markdown and HTML renderers.

Built from a validated model's data and its :class:`~threatgate.analysis.assessment.ModelAssessment`
(posture is read from the assessment, never computed again), plus, when ``verify`` ran,
the verdict of each assertion. Everything a renderer needs is here, already ordered:
sections, rows, the links between entities and a stable anchor for every entity
(``threat-T1``, ``control-C1``, ...), so that both outputs link the same way.

Text in the report is the user's text, unescaped: escaping is the renderers' job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from threatgate.analysis.assessment import ControlView, ModelAssessment
from threatgate.analysis.badges import MODEL_LABEL, Badge, badge_from_objectives, model_badge
from threatgate.analysis.posture import (
    acceptance_in_force,
    assumption_state,
)
from threatgate.model.vocabulary import SEVERITY_ORDER, SEVERITY_RANK, id_list, items, text
from threatgate.views.diagram import Diagram, build_diagram

#: (control id, assertion index) -> (verdict status, reason), from a verification run.
AssertionOutcomes = Mapping[tuple[str, int], tuple[str, str]]

_UNSAFE_ANCHOR = re.compile(r"[^A-Za-z0-9_.-]")


def anchor(kind: str, entity_id: str) -> str:
    """The stable anchor of an entity: ``<kind>-<id>`` with anything unusual replaced."""
    return f"{kind}-{_UNSAFE_ANCHOR.sub('-', entity_id) or '-'}"


@dataclass(frozen=True)
class Ref:
    """A link to another entity of the model; ``anchor`` is None when it does not exist."""

    id: str
    label: str
    anchor: str | None
    status: str = ""


@dataclass
class Summary:
    threats: int
    by_severity: dict[str, int]
    threat_states: dict[str, int]
    mitigation_ratio: float
    objectives: dict[str, int]
    controls: dict[str, int]
    controls_by_status: dict[str, int]
    findings_open: int
    findings: int
    verification_ran: bool
    expired: int
    expiring: int


@dataclass
class Element:
    """A component, data flow, trust boundary, asset or attacker."""

    id: str
    anchor: str
    name: str
    description: str
    facts: list[tuple[str, str]]
    links: list[tuple[str, list[Ref]]] = field(default_factory=list)


@dataclass
class MatrixCell:
    objectives: list[Ref]


@dataclass
class Matrix:
    assets: list[Ref]
    attackers: list[Ref]
    #: One row per asset, one cell per attacker.
    cells: list[list[MatrixCell]]


@dataclass
class ObjectiveRow:
    id: str
    anchor: str
    description: str
    asset: Ref
    attacker: Ref
    properties: list[str]
    tier: str
    status: str
    mitigated_by: str | None
    level: str | None
    reasons: list[str]
    groups: list[list[Ref]]
    group: list[str]
    missing: list[Ref]
    assumptions: list[Ref]
    accepted: bool
    threats: list[Ref]


@dataclass
class ThreatRow:
    id: str
    anchor: str
    title: str
    description: str
    severity: str
    score: int | None
    likelihood: int | None
    impact: int | None
    state: str
    stride: list[str]
    controls: list[Ref]
    mitigated_by: list[str]
    objectives: list[Ref]
    components: list[Ref]
    cwe: list[str]


@dataclass
class AssertionRow:
    type: str
    summary: str
    outcome: str
    reason: str


@dataclass
class ControlRow:
    id: str
    anchor: str
    title: str
    description: str
    status: str
    active: bool
    verification: str
    owner: str
    assertions: list[AssertionRow]
    objectives: list[Ref]
    threats: list[Ref]
    compliance: list[str]
    findings: list[Ref]


@dataclass
class AssumptionRow:
    id: str
    anchor: str
    description: str
    attested_by: str
    expires: str
    state: str
    objectives: list[Ref]


@dataclass
class AcceptanceRow:
    anchor: str
    target: Ref
    owner: str
    justification: str
    review_by: str
    in_force: bool


@dataclass
class FindingRow:
    id: str
    anchor: str
    title: str
    description: str
    control: Ref
    severity: str
    status: str
    reason: str
    locations: list[str]


@dataclass
class RequirementRow:
    framework: str
    requirement: str
    anchor: str
    controls: list[Ref]
    coverage: str  # covered | partial | uncovered


@dataclass
class FrameworkSection:
    id: str
    anchor: str
    requirements: list[RequirementRow]
    coverage: dict[str, int]


@dataclass
class Report:
    model_id: str
    title: str
    path: str
    description: str
    system: str | None
    owner: str | None
    frameworks: list[str]
    #: The badge published for the model ("unknown" unless it is public).
    badge: Badge
    #: The same states and message, whether or not the model is public: the team's view.
    posture: Badge
    summary: Summary
    components: list[Element]
    dataflows: list[Element]
    boundaries: list[Element]
    assets: list[Element]
    attackers: list[Element]
    matrix: Matrix
    objectives: list[ObjectiveRow]
    threats: list[ThreatRow]
    controls: list[ControlRow]
    assumptions: list[AssumptionRow]
    acceptances: list[AcceptanceRow]
    findings: list[FindingRow]
    compliance: list[FrameworkSection]
    #: The data-flow diagram (drawn by the Mermaid and SVG renderers).
    diagram: Diagram

    def threats_by_severity(self) -> list[tuple[str, list[ThreatRow]]]:
        """Non-empty severity bands, highest first."""
        bands = [(s, [t for t in self.threats if t.severity == s]) for s in SEVERITY_ORDER]
        return [(s, rows) for s, rows in bands if rows]

    @property
    def has_architecture(self) -> bool:
        return bool(self.components or self.dataflows or self.boundaries)


# --- building ---------------------------------------------------------------------------


def _str(entry: Mapping[str, Any], key: str) -> str:
    return text(entry, key) or ""


class _Index:
    """Entity lookups that turn ids into links."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.names: dict[tuple[str, str], str] = {}
        for collection, kind, label_key in _KINDS:
            for _, entry in items(data, collection):
                entity_id = entry.get("id")
                if isinstance(entity_id, str):
                    self.names.setdefault((kind, entity_id), _str(entry, label_key))

    def ref(self, kind: str, entity_id: str, status: str = "") -> Ref:
        label = self.names.get((kind, entity_id))
        if label is None:
            return Ref(entity_id, "", None, status)
        return Ref(entity_id, label, anchor(kind, entity_id), status)

    def refs(self, kind: str, ids: list[str]) -> list[Ref]:
        return [self.ref(kind, i) for i in ids]


_KINDS = (
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


def build_report(
    data: Mapping[str, Any],
    assessment: ModelAssessment,
    today: dt.date,
    outcomes: AssertionOutcomes | None = None,
) -> Report:
    """The report of one model whose assessment is ``assessment``.

    ``today`` must be the date the assessment was made with: it decides which
    assumptions are still attested and which acceptances are still in force.
    """
    model = dict(data)
    index = _Index(model)
    status_of = {c.id: c.status for c in assessment.controls}
    controls_by_id = {c.id: c for c in assessment.controls}

    def control_ref(control_id: str) -> Ref:
        return index.ref("control", control_id, status_of.get(control_id, ""))

    boundaries = [
        Element(str(e.get("id")), anchor("boundary", str(e.get("id"))), _str(e, "name"),
                _str(e, "description"), [])
        for _, e in items(model, "trust_boundaries")
    ]
    components = [
        Element(str(e.get("id")), anchor("component", str(e.get("id"))), _str(e, "name"),
                _str(e, "description"),
                [("type", _str(e, "type")), ("flags", ", ".join(id_list(e.get("flags"))))],
                [("boundary", index.refs("boundary", [b for b in [text(e, "boundary")] if b]))])
        for _, e in items(model, "components")
    ]
    dataflows = [
        Element(str(e.get("id")), anchor("dataflow", str(e.get("id"))), _str(e, "name"),
                _str(e, "description"),
                [("protocol", _str(e, "protocol")),
                 ("encrypted", _flag(e.get("encrypted"))),
                 ("authenticated", _flag(e.get("authenticated")))],
                [("from", index.refs("component", [_str(e, "from")])),
                 ("to", index.refs("component", [_str(e, "to")])),
                 ("data", index.refs("asset", id_list(e.get("data"))))])
        for _, e in items(model, "dataflows")
    ]
    assets = [
        Element(str(e.get("id")), anchor("asset", str(e.get("id"))), _str(e, "name"),
                _str(e, "description"),
                [("properties", ", ".join(id_list(e.get("properties")))),
                 ("kind", _str(e, "kind")), ("classification", _str(e, "classification"))])
        for _, e in items(model, "assets")
    ]
    attackers = [
        Element(str(e.get("id")), anchor("attacker", str(e.get("id"))), _str(e, "name"),
                _str(e, "description"),
                [("position", _str(e, "position")), ("capability", _str(e, "capability"))])
        for _, e in items(model, "attackers")
    ]

    raw_objectives = {str(o.get("id")): o for _, o in items(model, "objectives")}
    # An objective without properties stands for all of its asset's properties.
    asset_properties = {str(a.get("id")): id_list(a.get("properties"))
                        for _, a in items(model, "assets")}
    threats_of: dict[str, list[str]] = {}
    for t in assessment.threats:
        for objective_id in t.objectives:
            threats_of.setdefault(objective_id, []).append(t.id)
    objectives = []
    for view in assessment.objectives:
        raw = raw_objectives.get(view.id, {})
        posture = view.posture
        objectives.append(ObjectiveRow(
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
            groups=[[control_ref(c) for c in id_list(g)] for g in raw.get("mitigated_by") or []
                    if id_list(g)],
            group=list(posture.group),
            missing=[control_ref(c) for c in posture.missing],
            assumptions=index.refs("assumption", id_list(raw.get("assumptions"))),
            accepted=view.accepted,
            threats=index.refs("threat", threats_of.get(view.id, [])),
        ))

    objective_status = {o.id: o.status for o in objectives}
    raw_threats = {str(t.get("id")): t for _, t in items(model, "threats")}
    threats = []
    for tv in sorted(enumerate(assessment.threats),
                     key=lambda pair: (SEVERITY_RANK[pair[1].severity], pair[0])):
        t = tv[1]
        raw = raw_threats.get(t.id, {})
        threats.append(ThreatRow(
            id=t.id, anchor=anchor("threat", t.id), title=t.title,
            description=_str(raw, "description"), severity=t.severity, score=t.score,
            likelihood=_score(raw.get("likelihood")), impact=_score(raw.get("impact")),
            state=t.state, stride=id_list(raw.get("stride")),
            controls=[control_ref(c) for c in t.mitigations],
            mitigated_by=list(t.mitigated_by),
            objectives=[index.ref("objective", o, objective_status.get(o, ""))
                        for o in t.objectives],
            components=index.refs("component", id_list(raw.get("components"))),
            cwe=[str(c) for c in raw.get("cwe") or [] if isinstance(c, (str, int))],
        ))

    findings_of: dict[str, list[str]] = {}
    for f in assessment.findings:
        findings_of.setdefault(f.control, []).append(f.id)
    raw_controls = {str(c.get("id")): c for _, c in items(model, "controls")}
    controls = []
    for cv in assessment.controls:
        raw = raw_controls.get(cv.id, {})
        assertion_rows = []
        for position, assertion in enumerate(raw.get("assertions") or []):
            if not isinstance(assertion, dict):
                continue
            outcome, reason = (outcomes or {}).get((cv.id, position), ("", ""))
            assertion_rows.append(AssertionRow(str(assertion.get("type", "")),
                                               _assertion_summary(assertion), outcome, reason))
        controls.append(ControlRow(
            id=cv.id, anchor=anchor("control", cv.id), title=cv.title,
            description=_str(raw, "description"), status=cv.status, active=cv.active,
            verification=cv.verification, owner=_str(raw, "owner"), assertions=assertion_rows,
            objectives=[index.ref("objective", o, objective_status.get(o, ""))
                        for o in cv.objectives],
            threats=index.refs("threat", cv.threats), compliance=list(cv.compliance),
            findings=index.refs("finding", findings_of.get(cv.id, [])),
        ))

    covers: dict[str, list[str]] = {}
    for o in objectives:
        for assumption_ref in o.assumptions:
            covers.setdefault(assumption_ref.id, []).append(o.id)
    assumptions = [
        AssumptionRow(
            id=str(a.get("id")), anchor=anchor("assumption", str(a.get("id"))),
            description=_str(a, "description"), attested_by=_str(a, "attested_by"),
            expires=_str(a, "expires"), state=assumption_state(a, today),
            objectives=index.refs("objective", covers.get(str(a.get("id")), [])))
        for _, a in items(model, "assumptions")
    ]

    acceptances = []
    for _, a in items(model, "acceptances"):
        target_id = text(a, "threat") or text(a, "objective") or ""
        kind = "threat" if text(a, "threat") else "objective"
        # Named by its own id, else by what it accepts (#acceptance-T9): unlike its
        # position, that survives reordering and removal of other acceptances.
        acceptances.append(AcceptanceRow(
            anchor=anchor("acceptance", text(a, "id") or target_id),
            target=index.ref(kind, target_id), owner=_str(a, "owner"),
            justification=_str(a, "justification"), review_by=_str(a, "review_by"),
            in_force=acceptance_in_force(a, today)))
    for row, unique in zip(acceptances, unique_anchors([r.anchor for r in acceptances]),
                           strict=True):
        row.anchor = unique

    raw_findings = {str(f.get("id")): f for _, f in items(model, "findings")}
    findings = []
    for fv in assessment.findings:
        raw = raw_findings.get(fv.id, {})
        findings.append(FindingRow(
            id=fv.id, anchor=anchor("finding", fv.id), title=fv.title,
            description=_str(raw, "description"), control=control_ref(fv.control),
            severity=fv.severity, status=fv.status, reason=_str(raw, "reason"),
            locations=[str(x) for x in raw.get("locations") or [] if isinstance(x, str)]))

    compliance = _compliance(assessment.frameworks, controls, controls_by_id, control_ref)
    return Report(
        model_id=assessment.model_id, title=assessment.title, path=assessment.path,
        description=_str(model, "description"), system=assessment.system,
        owner=assessment.owner, frameworks=list(assessment.frameworks),
        badge=model_badge(assessment),
        posture=badge_from_objectives(assessment.objectives, label=MODEL_LABEL,
                                      has_controls=bool(assessment.controls)),
        summary=_summary(assessment, outcomes),
        components=components, dataflows=dataflows, boundaries=boundaries, assets=assets,
        attackers=attackers, matrix=_matrix(assets, attackers, objectives),
        objectives=objectives, threats=threats, controls=controls, assumptions=assumptions,
        acceptances=acceptances, findings=findings, compliance=compliance,
        diagram=build_diagram(model))


def _flag(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else ""


def _summary(a: ModelAssessment, outcomes: AssertionOutcomes | None) -> Summary:
    return Summary(
        threats=len(a.threats), by_severity=a.by_severity, threat_states=a.threat_states,
        mitigation_ratio=a.mitigation_ratio, objectives=a.objective_states,
        controls=a.control_progress, controls_by_status=a.controls_by_status,
        findings_open=sum(f.status in ("discovered", "acknowledged") for f in a.findings),
        findings=len(a.findings), verification_ran=outcomes is not None,
        expired=sum(d.expired for d in a.dated), expiring=sum(not d.expired for d in a.dated))


def _matrix(assets: list[Element], attackers: list[Element],
            objectives: list[ObjectiveRow]) -> Matrix:
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


def _compliance(frameworks: list[str], controls: list[ControlRow],
                by_id: Mapping[str, ControlView],
                control_ref: Callable[[str], Ref]) -> list[FrameworkSection]:
    """Requirement coverage per framework: covered when every mapped control is active."""
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
            active = sum(by_id[c].active for c in control_ids)
            coverage = ("covered" if active == len(control_ids)
                        else "partial" if active else "uncovered")
            rows.append(RequirementRow(framework, requirement,
                                       anchor("req", f"{framework}-{requirement}"),
                                       [control_ref(c) for c in control_ids], coverage))
        for row, unique in zip(rows, unique_anchors([r.anchor for r in rows]), strict=True):
            row.anchor = unique
        counts = {k: sum(r.coverage == k for r in rows) for k in ("covered", "partial",
                                                                  "uncovered")}
        sections.append(FrameworkSection(framework, anchor("framework", framework), rows,
                                         counts))
    return sections


def unique_anchors(names: list[str]) -> list[str]:
    """The anchors, with ``-2``, ``-3``, ... added where sanitising made two the same."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, number = name, 1
        while candidate in seen:
            number += 1
            candidate = f"{name}-{number}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _natural(value: str) -> list[Any]:
    """Sort key that orders V1.10 after V1.9."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", value)]
