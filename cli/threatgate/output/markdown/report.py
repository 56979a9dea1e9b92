"""One model's report as GitHub/GitLab-flavoured Markdown (pure: report in, text out).

Every piece of user text is escaped: table cells with :func:`md_cell_literal`,
paragraphs with :func:`md_paragraphs` (Markdown punctuation backslash-escaped, ``<``,
``>`` and ``&`` as entities), so a title or description can neither break the document's
structure nor inject HTML. Descriptions are therefore shown as plain text, line breaks
kept. The only HTML emitted is ``<a id="..."></a>`` anchors built from sanitised entity ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from threatgate.output.escape.markdown import (
    md_cell_lines,
    md_cell_literal,
    md_fence,
    md_paragraphs,
)
from threatgate.output.escape.text import one_line
from threatgate.output.markdown.compliance import coverage_lines
from threatgate.output.markdown.pictures import matrix_markdown
from threatgate.views.pictures import risk_matrix
from threatgate.views.report import (
    AcceptanceRow,
    ControlRow,
    Element,
    Ref,
    Report,
    ThreatRow,
    anchor,
    objective_status,
    summary_facts,
)


def description_html(value: str) -> str:
    """The model's description, its Markdown rendered as safe HTML inside one HTML block.

    GitHub and GitLab show HTML blocks (through their own sanitisers), so the
    description keeps its formatting, while the HTML comes from markdown-it with raw
    HTML off and only safe links: the user's text cannot add tags of its own. Blank
    lines (inside code blocks) would end the HTML block and hand the rest back to the
    Markdown parser, so they are written as ``&#10;``.
    """
    from threatgate.output.html.markup import render_markdown

    html = render_markdown(value).strip("\n")
    if not html:
        return ""
    html = re.sub(r"\n{2,}", lambda m: "\n" + "&#10;" * (len(m.group(0)) - 1), html)
    return f"<div>\n{html}\n</div>"


def _anchor(name: str) -> str:
    """The entity's anchor, plus its lower-case twin when they differ.

    GitHub prefixes ids with ``user-content-`` and looks a link's fragment up in lower
    case, so ``[T1](#threat-T1)`` finds only ``id="threat-t1"``; other viewers (GitLab,
    editors, the HTML report) match the fragment exactly, so both are written.
    """
    lower = name.lower()
    twin = f'<a id="{lower}"></a>' if lower != name else ""
    return f'<a id="{name}"></a>{twin}'


def _link(ref: Ref, *, show_status: bool = False) -> str:
    label = md_cell_literal(ref.id)
    status = (f" ({md_cell_literal(ref.status.replace('_', ' '))})"
              if show_status and ref.status else "")
    if ref.anchor is None:
        return f"{label} (unknown){status}"
    return f"[{label}](#{ref.anchor}){status}"


def _links(refs: Iterable[Ref], *, show_status: bool = False, empty: str = "-") -> str:
    out = ", ".join(_link(r, show_status=show_status) for r in refs)
    return out or empty


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _words(value: str) -> str:
    return value.replace("_", " ")


def _summary(report: Report) -> list[str]:
    rows = [[name, md_cell_literal(value) if name == "Posture" else value]
            for name, value in summary_facts(report)]
    return ["## Summary", "", *_table(["", ""], rows)]


def _elements(title: str, elements: list[Element]) -> list[str]:
    if not elements:
        return []
    fact_names = [name for name, _ in elements[0].facts]
    link_names = [name for name, _ in elements[0].links]
    header = ["Id", "Name", *[n.capitalize() for n in fact_names],
              *[n.capitalize() for n in link_names], "Description"]
    rows = []
    for e in elements:
        rows.append([
            f"{_anchor(e.anchor)}{md_cell_literal(e.id)}", md_cell_literal(e.name),
            *[md_cell_literal(value) for _, value in e.facts],
            *[_links(refs) for _, refs in e.links],
            md_cell_lines(e.description),
        ])
    return [f"### {title}", "", *_table(header, rows)]


#: Mermaid's default limits (``maxEdges``, ``maxTextSize``), which GitHub and GitLab keep:
#: a larger diagram shows an error box instead of the drawing.
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000


def _architecture(report: Report, mermaid: str | None) -> list[str]:
    if not report.has_architecture:
        return []
    lines = ["## Data flow", ""]
    edges = len(report.diagram.edges)
    if mermaid and (edges > MERMAID_MAX_EDGES or len(mermaid) > MERMAID_MAX_TEXT):
        lines += [f"The diagram is not drawn here: with {edges} data flows and "
                  f"{len(mermaid):,} characters it is beyond what Mermaid draws "
                  f"({MERMAID_MAX_EDGES} flows, {MERMAID_MAX_TEXT:,} characters). The HTML "
                  "report (`--format html`) and the site draw it.", ""]
    elif mermaid:
        lines += [md_fence(mermaid, "mermaid"), ""]
    lines += _elements("Components", report.components)
    lines += _elements("Data flows", report.dataflows)
    lines += _elements("Trust boundaries", report.boundaries)
    return lines


def _matrix(report: Report) -> list[str]:
    m = report.matrix
    lines = ["## Assets and attackers", ""]
    lines += _elements("Assets", report.assets)
    lines += _elements("Attackers", report.attackers)
    if m.assets and m.attackers:
        header = ["Asset / attacker", *[_link(a) for a in m.attackers]]
        rows = [[_link(asset), *[_links(cell.objectives, show_status=True) for cell in row]]
                for asset, row in zip(m.assets, m.cells, strict=True)]
        lines += ["### Control objectives by asset and attacker", "", *_table(header, rows)]
    if len(lines) == 2:
        lines += ["No assets or attackers.", ""]
    return lines


def _groups(groups: list[list[Ref]]) -> str:
    if not groups:
        return "-"
    return " or ".join("(" + " and ".join(_link(r, show_status=True) for r in g) + ")"
                       for g in groups)


def _objectives(report: Report) -> list[str]:
    lines = ["## Control objectives", ""]
    if not report.objectives:
        return [*lines, "No control objectives.", ""]
    rows = []
    for o in report.objectives:
        status = objective_status(o)
        rows.append([
            f"{_anchor(o.anchor)}{md_cell_literal(o.id)}", _link(o.asset), _link(o.attacker),
            md_cell_literal(", ".join(o.properties)) or "-", o.tier, md_cell_literal(status),
            _groups(o.groups), _links(o.assumptions), _links(o.threats),
            md_cell_lines(o.description),
        ])
    header = ["Objective", "Asset", "Attacker", "Properties", "Tier", "Status",
              "Mitigation groups", "Assumptions", "Threats", "Description"]
    return [*lines, *_table(header, rows)]


def _threat_row(t: ThreatRow) -> list[str]:
    score = (f"{t.score} ({t.likelihood}x{t.impact})" if t.score is not None else "-")
    state = _words(t.state)
    if t.mitigated_by:
        state += " by " + ", ".join(md_cell_literal(c) for c in t.mitigated_by)
    return [
        f"{_anchor(t.anchor)}{md_cell_literal(t.id)}", md_cell_literal(t.title), score, state,
        _links(t.controls, show_status=True), _links(t.objectives, show_status=True),
        _links(t.components),
        md_cell_literal(", ".join([*(_words(s) for s in t.stride), *t.cwe])) or "-",
        md_cell_lines(t.description),
    ]


def _threats(report: Report) -> list[str]:
    lines = ["## Threats", ""]
    if not report.threats:
        return [*lines, "No threats.", ""]
    header = ["Threat", "Title", "Score", "State", "Controls", "Objectives", "Components",
              "STRIDE, CWE", "Description"]
    for severity, rows in report.threats_by_severity():
        lines += [f"### {severity.capitalize()} ({len(rows)})", ""]
        lines += _table(header, [_threat_row(t) for t in rows])
    return lines


def _evidence(c: ControlRow) -> str:
    if not c.assertions:
        return "none"
    parts = []
    for a in c.assertions:
        outcome = f" **{md_cell_literal(a.outcome)}**" if a.outcome else ""
        reason = f" ({md_cell_literal(a.reason)})" if a.reason else ""
        parts.append(f"{md_cell_literal(a.type)}: {md_cell_literal(a.summary)}{outcome}{reason}")
    return "<br>".join(parts)


def _controls(report: Report) -> list[str]:
    lines = ["## Controls", ""]
    if not report.controls:
        return [*lines, "No controls.", ""]
    rows = [[
        f"{_anchor(c.anchor)}{md_cell_literal(c.id)}", md_cell_literal(c.title),
        md_cell_literal(_words(c.status)),
        md_cell_literal(c.verification), _evidence(c), _links(c.objectives, show_status=True),
        _links(c.threats), md_cell_literal(", ".join(c.compliance)) or "-", _links(c.findings),
        md_cell_literal(c.owner) or "-", md_cell_lines(c.description),
    ] for c in report.controls]
    header = ["Control", "Title", "Status", "Verification", "Evidence", "Objectives",
              "Threats", "Compliance", "Findings", "Owner", "Description"]
    return [*lines, *_table(header, rows)]


def _assumptions(report: Report) -> list[str]:
    lines = ["## Assumptions", ""]
    if not report.assumptions:
        return [*lines, "No assumptions.", ""]
    rows = [[
        f"{_anchor(a.anchor)}{md_cell_literal(a.id)}", md_cell_lines(a.description), a.state,
        md_cell_literal(a.attested_by) or "-", md_cell_literal(a.expires) or "-",
        _links(a.objectives),
    ] for a in report.assumptions]
    header = ["Assumption", "Description", "State", "Attested by", "Expires", "Covers"]
    return [*lines, *_table(header, rows)]


def _acceptance_row(a: AcceptanceRow) -> list[str]:
    return [
        f"{_anchor(a.anchor)}{_link(a.target)}", md_cell_literal(a.owner) or "-",
        md_cell_lines(a.justification) or "-", md_cell_literal(a.review_by) or "-",
        "in force" if a.in_force else "expired",
    ]


def _acceptances(report: Report) -> list[str]:
    lines = ["## Risk acceptances", ""]
    if not report.acceptances:
        return [*lines, "No risk acceptances.", ""]
    header = ["Accepted", "Owner", "Justification", "Review by", "State"]
    return [*lines, *_table(header, [_acceptance_row(a) for a in report.acceptances])]


def _findings(report: Report) -> list[str]:
    lines = ["## Findings", ""]
    if not report.findings:
        return [*lines, "No findings.", ""]
    rows = [[
        f"{_anchor(f.anchor)}{md_cell_literal(f.id)}", md_cell_literal(f.title), _link(f.control),
        md_cell_literal(f.severity), md_cell_literal(_words(f.status)),
        md_cell_literal(", ".join(f.locations)) or "-",
        md_cell_lines(f.description + (f"\n\nDismissed: {f.reason}" if f.reason else "")),
    ] for f in report.findings]
    header = ["Finding", "Title", "Control", "Severity", "Status", "Locations", "Details"]
    return [*lines, *_table(header, rows)]


def _compliance(report: Report) -> list[str]:
    if not report.compliance:
        return []
    lines = ["## Compliance", ""]
    for section in report.compliance:
        counts = ", ".join(f"{n} {k}" for k, n in section.coverage.items())
        intro = (f"Requirements: {counts}." if section.requirements
                 else "No control maps to this framework yet.")
        lines += [f"### {md_cell_literal(section.id)}", "",
                  _anchor(section.anchor) + md_cell_literal(intro), "",
                  *coverage_lines(section.matrix)]
        if section.requirements:
            rows = [[f"{_anchor(r.anchor)}{md_cell_literal(r.requirement)}",
                     _links(r.controls, show_status=True), r.coverage]
                    for r in section.requirements]
            lines += _table(["Requirement", "Controls", "Coverage"], rows)
    return lines


def render_report_markdown(report: Report, mermaid: str | None = None,
                           generated: str | None = None) -> str:
    """The whole report; ``mermaid`` is the data-flow diagram's Mermaid source, if any."""
    meta = [f"Model {md_cell_literal(report.model_id)}"]
    if report.system:
        meta.append(f"system {md_cell_literal(report.system)}")
    if report.owner:
        meta.append(f"owner {md_cell_literal(report.owner)}")
    meta.append(f"file {md_cell_literal(report.path)}")
    if report.frameworks:
        meta.append("frameworks " + md_cell_literal(", ".join(report.frameworks)))
    if generated:
        meta.append(f"as of {md_cell_literal(generated)}")
    title = md_paragraphs(one_line(report.title)) or "Untitled"
    lines = [f"# {_anchor(anchor('model', report.model_id))}{title}",
             "", " · ".join(meta), ""]
    if report.description:
        lines += [description_html(report.description), ""]
    lines += _summary(report)
    lines += matrix_markdown(risk_matrix(report.threats))
    lines += _architecture(report, mermaid)
    lines += _matrix(report)
    lines += _objectives(report)
    lines += _threats(report)
    lines += _controls(report)
    lines += _assumptions(report)
    lines += _acceptances(report)
    lines += _findings(report)
    lines += _compliance(report)
    return "\n".join(lines).rstrip("\n") + "\n"
