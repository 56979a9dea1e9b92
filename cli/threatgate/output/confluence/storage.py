"""One model's report as a Confluence page in storage format (pure: report in, text out).

The page has the sections of the Markdown report, from the same :class:`Report`: the
summary, the data-flow diagram (an SVG attached to the page, see
:data:`DIAGRAM_ATTACHMENT`), the architecture, objectives, threats, controls,
assumptions, acceptances, findings and compliance. Descriptions are rendered from their
Markdown (:mod:`threatgate.output.confluence.markup`); everything else is plain text.
"""

from __future__ import annotations

from collections.abc import Iterable

from threatgate.output.confluence.markup import description_storage
from threatgate.output.confluence.xhtml import (
    anchor_link,
    anchor_macro,
    attached_image,
    element,
    heading,
    lines,
    lozenge,
    paragraph,
    table,
    text,
)
from threatgate.views.report import (
    ControlRow,
    Element,
    Ref,
    Report,
    ThreatRow,
    anchor,
    objective_status,
    summary_facts,
)

#: The file name of the data-flow diagram attached to the page.
DIAGRAM_ATTACHMENT = "threatgate-data-flow.svg"

#: The colour of the posture lozenge for each badge state.
_POSTURE_COLOURS = {"verified": "Green", "implemented": "Blue", "gaps": "Red",
                    "no_controls": "Yellow", "unknown": "Grey"}


def _words(value: str) -> str:
    return value.replace("_", " ")


def _link(ref: Ref, *, show_status: bool = False) -> str:
    status = f" ({text(_words(ref.status))})" if show_status and ref.status else ""
    if ref.anchor is None:
        return f"{text(ref.id)} (unknown){status}"
    return anchor_link(ref.anchor, ref.id) + status


def _links(refs: Iterable[Ref], *, show_status: bool = False) -> str:
    return ", ".join(_link(r, show_status=show_status) for r in refs) or "-"


def _id_cell(entity_anchor: str, entity_id: str) -> str:
    return anchor_macro(entity_anchor) + text(entity_id)


def _summary(report: Report) -> str:
    colour = _POSTURE_COLOURS.get(report.posture.state, "Grey")
    rows = [[text(name), lozenge(value, colour) if name == "Posture" else text(value)]
            for name, value in summary_facts(report)]
    return heading(2, "Summary") + table(["", ""], rows)


def _elements(title: str, elements: list[Element]) -> str:
    if not elements:
        return ""
    facts = [name for name, _ in elements[0].facts]
    links = [name for name, _ in elements[0].links]
    rows = [[_id_cell(e.anchor, e.id), text(e.name), *[text(v) for _, v in e.facts],
             *[_links(refs) for _, refs in e.links], lines(e.description)] for e in elements]
    header = ["Id", "Name", *[n.capitalize() for n in facts], *[n.capitalize() for n in links],
              "Description"]
    return heading(3, title) + table(header, rows)


def _architecture(report: Report, has_diagram: bool) -> str:
    if not report.has_architecture:
        return ""
    out = heading(2, "Data flow")
    if has_diagram:
        alt = f"Data-flow diagram of {report.title}"
        out += element("p", attached_image(DIAGRAM_ATTACHMENT, alt))
    return (out + _elements("Components", report.components)
            + _elements("Data flows", report.dataflows)
            + _elements("Trust boundaries", report.boundaries))


def _assets(report: Report) -> str:
    m = report.matrix
    out = _elements("Assets", report.assets) + _elements("Attackers", report.attackers)
    if m.assets and m.attackers:
        rows = [[_link(asset), *[_links(cell.objectives, show_status=True) for cell in row]]
                for asset, row in zip(m.assets, m.cells, strict=True)]
        header_links = [a.id for a in m.attackers]
        out += heading(3, "Control objectives by asset and attacker")
        out += table(["Asset / attacker", *header_links], rows)
    return heading(2, "Assets and attackers") + (out or paragraph("No assets or attackers."))


def _groups(groups: list[list[Ref]]) -> str:
    return " or ".join("(" + " and ".join(_link(r, show_status=True) for r in group) + ")"
                       for group in groups) or "-"


def _objectives(report: Report) -> str:
    if not report.objectives:
        return heading(2, "Control objectives") + paragraph("No control objectives.")
    rows = []
    for o in report.objectives:
        status = objective_status(o)
        rows.append([_id_cell(o.anchor, o.id), _link(o.asset), _link(o.attacker),
                     text(", ".join(o.properties)) or "-", text(o.tier), text(status),
                     _groups(o.groups), _links(o.assumptions), _links(o.threats),
                     lines(o.description)])
    header = ["Objective", "Asset", "Attacker", "Properties", "Tier", "Status",
              "Mitigation groups", "Assumptions", "Threats", "Description"]
    return heading(2, "Control objectives") + table(header, rows)


def _threat_row(t: ThreatRow) -> list[str]:
    score = f"{t.score} ({t.likelihood}x{t.impact})" if t.score is not None else "-"
    state = _words(t.state)
    if t.mitigated_by:
        state += " by " + ", ".join(t.mitigated_by)
    return [_id_cell(t.anchor, t.id), text(t.title), text(score), text(state),
            _links(t.controls, show_status=True), _links(t.objectives, show_status=True),
            _links(t.components), text(", ".join([*(_words(s) for s in t.stride), *t.cwe])) or "-",
            lines(t.description)]


def _threats(report: Report) -> str:
    out = heading(2, "Threats")
    if not report.threats:
        return out + paragraph("No threats.")
    header = ["Threat", "Title", "Score", "State", "Controls", "Objectives", "Components",
              "STRIDE, CWE", "Description"]
    for severity, rows in report.threats_by_severity():
        out += heading(3, f"{severity.capitalize()} ({len(rows)})")
        out += table(header, [_threat_row(t) for t in rows])
    return out


def _evidence(c: ControlRow) -> str:
    parts = []
    for a in c.assertions:
        outcome = f" <strong>{text(a.outcome)}</strong>" if a.outcome else ""
        reason = f" ({text(a.reason)})" if a.reason else ""
        parts.append(f"{text(a.type)}: {text(a.summary)}{outcome}{reason}")
    return "<br />".join(parts) or "none"


def _controls(report: Report) -> str:
    if not report.controls:
        return heading(2, "Controls") + paragraph("No controls.")
    rows = [[_id_cell(c.anchor, c.id), text(c.title), text(_words(c.status)),
             text(c.verification), _evidence(c), _links(c.objectives, show_status=True),
             _links(c.threats), text(", ".join(c.compliance)) or "-", _links(c.findings),
             text(c.owner) or "-", lines(c.description)] for c in report.controls]
    header = ["Control", "Title", "Status", "Verification", "Evidence", "Objectives",
              "Threats", "Compliance", "Findings", "Owner", "Description"]
    return heading(2, "Controls") + table(header, rows)


def _assumptions(report: Report) -> str:
    if not report.assumptions:
        return heading(2, "Assumptions") + paragraph("No assumptions.")
    rows = [[_id_cell(a.anchor, a.id), lines(a.description), text(a.state),
             text(a.attested_by) or "-", text(a.expires) or "-", _links(a.objectives)]
            for a in report.assumptions]
    header = ["Assumption", "Description", "State", "Attested by", "Expires", "Covers"]
    return heading(2, "Assumptions") + table(header, rows)


def _acceptances(report: Report) -> str:
    if not report.acceptances:
        return heading(2, "Risk acceptances") + paragraph("No risk acceptances.")
    rows = [[anchor_macro(a.anchor) + _link(a.target), text(a.owner) or "-",
             lines(a.justification) or "-", text(a.review_by) or "-",
             "in force" if a.in_force else "expired"] for a in report.acceptances]
    header = ["Accepted", "Owner", "Justification", "Review by", "State"]
    return heading(2, "Risk acceptances") + table(header, rows)


def _findings(report: Report) -> str:
    if not report.findings:
        return heading(2, "Findings") + paragraph("No findings.")
    rows = [[_id_cell(f.anchor, f.id), text(f.title), _link(f.control), text(f.severity),
             text(_words(f.status)), text(", ".join(f.locations)) or "-",
             lines(f.description + (f"\n\nDismissed: {f.reason}" if f.reason else ""))]
            for f in report.findings]
    header = ["Finding", "Title", "Control", "Severity", "Status", "Locations", "Details"]
    return heading(2, "Findings") + table(header, rows)


def _compliance(report: Report) -> str:
    if not report.compliance:
        return ""
    out = heading(2, "Compliance")
    for section in report.compliance:
        counts = ", ".join(f"{n} {k}" for k, n in section.coverage.items())
        intro = (f"Requirements: {counts}." if section.requirements
                 else "No control maps to this framework yet.")
        out += heading(3, section.id) + element("p", anchor_macro(section.anchor) + text(intro))
        if section.requirements:
            rows = [[_id_cell(r.anchor, r.requirement), _links(r.controls, show_status=True),
                     text(r.coverage)] for r in section.requirements]
            out += table(["Requirement", "Controls", "Coverage"], rows)
    return out


def footer(source: str) -> str:
    """The closing line of a page: where it comes from (the model file, a site link)."""
    return element("p", element("em", text(source)))


def render_report_storage(report: Report, *, has_diagram: bool) -> str:
    """The page body. ``has_diagram``: the diagram is attached as :data:`DIAGRAM_ATTACHMENT`."""
    meta = [f"Model {report.model_id}"]
    if report.system:
        meta.append(f"system {report.system}")
    if report.owner:
        meta.append(f"owner {report.owner}")
    meta.append(f"file {report.path}")
    if report.frameworks:
        meta.append("frameworks " + ", ".join(report.frameworks))
    parts = [element("p", anchor_macro(anchor("model", report.model_id))
                     + text(" · ".join(meta)))]
    if report.description:
        parts.append(description_storage(report.description))
    parts += [_summary(report), _architecture(report, has_diagram), _assets(report),
              _objectives(report), _threats(report), _controls(report), _assumptions(report),
              _acceptances(report), _findings(report), _compliance(report)]
    return "".join(parts)
