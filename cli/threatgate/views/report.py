"""The report of one model: a pure view model shared by the Markdown and HTML renderers.

:mod:`threatgate.views.report_builder` builds it from a validated model's data and its
:class:`~threatgate.analysis.assessment.ModelAssessment` (posture is read from the
assessment, never computed again), plus, when ``verify`` ran, the verdict of each
assertion. Everything a renderer needs is here, already ordered:
sections, rows, the links between entities and a stable anchor for every entity
(``threat-T1``, ``control-C1``, ...), so that both outputs link the same way.

Text in the report is the user's text, unescaped: escaping is the renderers' job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from threatgate.analysis.badges import Badge
from threatgate.model.vocabulary import SEVERITY_ORDER
from threatgate.views.compliance import ComplianceMatrix
from threatgate.views.diagram import Diagram

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
    coverage: str  # covered | partial | planned (compliance.coverage.mapped_status)


@dataclass
class FrameworkSection:
    id: str
    anchor: str
    requirements: list[RequirementRow]
    coverage: dict[str, int]
    #: Every requirement of the framework's catalogue with its status (None: the
    #: framework has no catalogue, only its mapped requirements are known).
    matrix: ComplianceMatrix | None = None


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


def objective_status(o: ObjectiveRow) -> str:
    """An objective's posture in words: ``mitigated by controls (verified)``, ``at risk:
    missing controls``, with ``(risk accepted)`` when an acceptance is in force."""
    status = o.status.replace("_", " ")
    if o.status == "mitigated":
        status += f" by {o.mitigated_by}" + (f" ({o.level})" if o.level else "")
    elif o.reasons:
        status += ": " + ", ".join(r.replace("_", " ") for r in o.reasons)
    if o.accepted:
        status += " (risk accepted)"
    return status


def summary_facts(report: Report) -> list[tuple[str, str]]:
    """The summary's rows as plain text, in the order every report shows them.

    Only the posture message is the user's text; the other values are numbers and the
    model's fixed vocabulary.
    """
    s = report.summary
    severities = ", ".join(f"{n} {name}" for name, n in s.by_severity.items() if n) or "none"
    states = ", ".join(f"{n} {name}" for name, n in s.threat_states.items())
    o = s.objectives
    objectives = (f"{o['mitigated']} of {o['total']} mitigated ({o['mitigated_by_controls']} "
                  f"by controls, {o['mitigated_by_assumption']} by assumption), "
                  f"{o['at_risk']} at risk, {o['unassessed']} unassessed")
    c = s.controls
    verification = ("assertions checked in this run" if s.verification_ran
                    else "assertions not checked in this run (use --verify)")
    rows = [
        ("Posture", report.posture.message),
        ("Threats", f"{s.threats} ({severities})"),
        ("Threat states", states),
        ("Mitigation ratio", f"{round(s.mitigation_ratio * 100)}%"),
        ("Objectives", objectives),
        ("Controls", f"{c['implemented']} of {c['defined']} implemented, {c['verified']} verified"),
        ("Verification", f"{c['verified']} of {c['implemented']} implemented controls "
                         f"verified; {verification}"),
        ("Findings", f"{s.findings_open} open of {s.findings}"),
    ]
    if s.expired or s.expiring:
        rows.append(("Dates", f"{s.expired} expired, {s.expiring} expiring soon"))
    return rows


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
