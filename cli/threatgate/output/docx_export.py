"""One model as a Word report for audit deliverables (python-docx, an optional extra).

Sections: a title page, the summary (posture, severities, mitigation ratio,
verification), the control objectives, the threats by severity with their controls, the
controls with their status and evidence, assumptions, risk acceptances with their review
dates, findings, and the compliance mapping. Every value read from the model goes into
the document as literal text: Word never interprets it (no fields, no hyperlinks), and
characters XML cannot carry are written as visible escapes such as ``\\x1b``.

The bytes are deterministic for the same input and date: the document properties are
fixed (author "threatgate", created and modified on the report date) and the archive
entries carry that date too instead of the time of writing.

Pure: data in, bytes out. ``docx`` is imported only when a report is made.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from threatgate.analysis.assessment import OPEN_FINDING_STATUSES, ModelAssessment
from threatgate.analysis.badges import badge_from_objectives
from threatgate.analysis.posture import acceptance_in_force, assumption_state
from threatgate.compliance.coverage import mapped_status
from threatgate.errors import EXIT_USAGE, ThreatgateError
from threatgate.model.vocabulary import SEVERITY_ORDER, id_list, items, text
from threatgate.output.csv_export import Verdicts
from threatgate.output.escape.xml import xml_visible

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

AUTHOR = "threatgate"
INSTALL_HINT = "pip install 'threatgate[docx]'"
TABLE_STYLE = "Table Grid"


class DocxUnavailable(ThreatgateError):
    """python-docx is not installed (exit 2, with the command that installs it)."""

    exit_code = EXIT_USAGE


def _docx() -> Any:
    try:
        import docx
    except ImportError:
        raise DocxUnavailable(
            f"Word export needs python-docx, an optional extra: {INSTALL_HINT}") from None
    return docx


def literal(value: Any) -> str:
    """Text Word shows as written: characters XML cannot carry become visible escapes."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(literal(v) for v in value)
    return xml_visible(str(value))


class _Report:
    """Builds the document section by section."""

    def __init__(self, document: DocumentObject) -> None:
        self.doc = document

    def heading(self, value: str, level: int) -> None:
        self.doc.add_heading(literal(value), level)

    def para(self, value: str, *, bold: bool = False) -> None:
        run = self.doc.add_paragraph().add_run(literal(value))
        run.bold = bold

    def table(self, header: Sequence[str], rows: Iterable[Sequence[Any]],
              empty: str = "None.") -> None:
        rows = list(rows)
        if not rows:
            self.para(empty)
            return
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = TABLE_STYLE
        for cell, title in zip(table.rows[0].cells, header, strict=True):
            cell.paragraphs[0].add_run(title).bold = True
        for row in rows:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = literal(value)
        self.doc.add_paragraph()


def _names(data: Mapping[str, Any], collection: str, field: str = "name") -> dict[str, str]:
    return {str(e["id"]): str(e.get(field, "")) for _, e in items(dict(data), collection)
            if isinstance(e.get("id"), str)}


def _named(ids: Iterable[str], names: Mapping[str, str]) -> str:
    return "; ".join(f"{i} {names[i]}" if names.get(i) else i for i in ids)


def _title_page(r: _Report, data: Mapping[str, Any], a: ModelAssessment, today: dt.date,
                path: str, sha256: str) -> None:
    r.doc.add_heading(literal(a.title or a.model_id), 0)
    r.para("Threat model report")
    r.table(["Field", "Value"], [
        ("Model id", a.model_id),
        ("Owner", a.owner or "-"),
        ("System", a.system or "-"),
        ("Frameworks", ", ".join(a.frameworks) or "-"),
        ("Date", today.isoformat()),
        ("Source", path),
        ("SHA-256 of the source", sha256),
    ])
    description = text(data, "description")
    if description:
        r.heading("Description", 1)
        r.para(description)
    r.doc.add_page_break()  # type: ignore[no-untyped-call]


def _summary(r: _Report, a: ModelAssessment, verdicts: Verdicts | None) -> None:
    r.heading("Summary", 1)
    posture = badge_from_objectives(a.objectives, label="posture",
                                    has_controls=bool(a.controls))
    states, objectives = a.threat_states, a.objective_states
    progress, findings = a.control_progress, a.findings_by_status
    if verdicts is None:
        verification = "not run (export with --verify to check the evidence)"
    else:
        passed = sum(status == "pass" for status, _ in verdicts.values())
        verification = (f"{passed} of {len(verdicts)} assertions passed; "
                        f"{progress['verified']} of {progress['implemented']} implemented "
                        "controls verified")
    expired = sum(d.expired for d in a.dated)
    r.table(["Measure", "Value"], [
        ("Posture", posture.message),
        ("Threats", str(len(a.threats))),
        ("By severity", ", ".join(f"{k} {v}" for k, v in a.by_severity.items())),
        ("Threat states", f"mitigated {states['mitigated']}, accepted {states['accepted']}, "
                          f"open {states['open']}"),
        ("Mitigation ratio", f"{a.mitigation_ratio * 100:.0f}%"),
        ("Control objectives", f"{objectives['total']}: mitigated {objectives['mitigated']} "
                               f"(by controls {objectives['mitigated_by_controls']}, by "
                               f"assumption {objectives['mitigated_by_assumption']}), "
                               f"verified {objectives['verified']}, at risk "
                               f"{objectives['at_risk']}, unassessed "
                               f"{objectives['unassessed']}"),
        ("Controls", f"{progress['defined']}: implemented {progress['implemented']}, "
                     f"verified {progress['verified']}"),
        ("Verification", verification),
        ("Findings open", f"{sum(findings[s] for s in OPEN_FINDING_STATUSES)} of "
                          f"{len(a.findings)}"),
        ("Expired acceptances and attestations", str(expired)),
    ])


def _objectives(r: _Report, data: Mapping[str, Any], a: ModelAssessment) -> None:
    r.heading("Control objectives", 1)
    assets, attackers = _names(data, "assets"), _names(data, "attackers")
    raw = {str(o.get("id")): o for _, o in items(dict(data), "objectives")}
    rows = []
    for o in a.objectives:
        p = o.posture
        properties = id_list(raw.get(o.id, {}).get("properties"))
        if not properties:
            asset = next((e for _, e in items(dict(data), "assets") if e.get("id") == o.asset),
                         {})
            properties = id_list(asset.get("properties"))
        if p.status == "mitigated":
            how = (f"by assumption {p.assumption}" if p.mitigated_by == "assumption"
                   else f"by {', '.join(p.group)} ({p.level})")
        elif p.status == "at_risk":
            how = ", ".join(p.reasons) + (f"; missing {', '.join(p.missing)}"
                                          if p.missing else "")
        else:
            how = "no mitigation group or assumption"
        rows.append((o.id, _named([o.asset], assets), _named([o.attacker], attackers),
                     ", ".join(properties), o.tier, p.status.replace("_", " "), how))
    r.table(["ID", "Asset", "Attacker", "Properties", "Tier", "Status", "Detail"], rows)


def _threats(r: _Report, data: Mapping[str, Any], a: ModelAssessment) -> None:
    r.heading("Threats by severity", 1)
    if not a.threats:
        r.para("None.")
        return
    raw = {str(t.get("id")): t for _, t in items(dict(data), "threats")}
    controls = {str(c.get("id")): c for _, c in items(dict(data), "controls")}
    for severity in SEVERITY_ORDER:
        chosen = sorted((t for t in a.threats if t.severity == severity),
                        key=lambda t: -(t.score or 0))
        if not chosen:
            continue
        r.heading(f"{severity.capitalize()} ({len(chosen)})", 2)
        rows = []
        for t in chosen:
            threat = raw.get(t.id, {})
            score = (f"{t.score} ({literal(threat.get('likelihood'))} x "
                     f"{literal(threat.get('impact'))})" if t.score else "-")
            linked = "; ".join(
                f"{c} {controls[c].get('title', '')} ({controls[c].get('status')})"
                if c in controls else c for c in t.mitigations) or "-"
            rows.append((t.id, t.title, score, t.state, ", ".join(id_list(threat.get("stride"))),
                         ", ".join(t.objectives), linked))
        r.table(["ID", "Title", "Score", "State", "STRIDE", "Objectives", "Controls"], rows)


def _evidence(assertion: Mapping[str, Any], verdict: tuple[str, str] | None) -> str:
    where = next((str(assertion[k]) for k in ("file", "glob", "name", "key", "package",
                                               "command") if k in assertion), "")
    line = f"{assertion.get('type')} {where}".strip()
    if verdict is not None:
        line += f": {verdict[0]} ({verdict[1]})" if verdict[1] else f": {verdict[0]}"
    return line


def _controls(r: _Report, data: Mapping[str, Any], a: ModelAssessment,
              verdicts: Verdicts | None) -> None:
    r.heading("Controls", 1)
    raw = {str(c.get("id")): c for _, c in items(dict(data), "controls")}
    rows = []
    for c in a.controls:
        control = raw.get(c.id, {})
        evidence = [
            _evidence(assertion, None if verdicts is None else verdicts.get((c.id, index)))
            for index, assertion in enumerate(control.get("assertions") or [])
            if isinstance(assertion, Mapping)
        ]
        rows.append((c.id, c.title, c.status, c.verification, text(control, "owner") or "-",
                     ", ".join(c.objectives) or "-", ", ".join(c.threats) or "-",
                     "\n".join(evidence) or "none"))
    r.table(["ID", "Title", "Status", "Verification", "Owner", "Objectives", "Threats",
             "Evidence"], rows)


def _assumptions(r: _Report, data: Mapping[str, Any], today: dt.date) -> None:
    r.heading("Assumptions", 1)
    rows = [(e.get("id"), e.get("description"), e.get("attested_by") or "-",
             e.get("expires") or "-", assumption_state(e, today))
            for _, e in items(dict(data), "assumptions")]
    r.table(["ID", "Assumption", "Attested by", "Expires", "State"], rows)


def _acceptances(r: _Report, data: Mapping[str, Any], today: dt.date) -> None:
    r.heading("Risk acceptances", 1)
    rows = []
    for _, e in items(dict(data), "acceptances"):
        target = text(e, "threat") or text(e, "objective") or "-"
        rows.append((target, e.get("owner"), e.get("justification"),
                     e.get("accepted_on") or "-", e.get("review_by"),
                     "in force" if acceptance_in_force(e, today) else "expired"))
    r.table(["Accepted", "Owner", "Justification", "Accepted on", "Review by", "State"], rows)


def _findings(r: _Report, data: Mapping[str, Any]) -> None:
    r.heading("Findings", 1)
    rows = []
    for _, f in items(dict(data), "findings"):
        detail = "; ".join([*id_list(f.get("locations")),
                            *([f"dismissed: {f['reason']}"] if text(f, "reason") else [])])
        rows.append((f.get("id"), f.get("control"), f.get("title"), f.get("severity"),
                     f.get("status"), detail or "-"))
    r.table(["ID", "Control", "Title", "Severity", "Status", "Locations"], rows)


def _compliance(r: _Report, a: ModelAssessment) -> None:
    r.heading("Compliance mapping", 1)
    requirements: dict[str, dict[str, list[tuple[str, bool]]]] = {}
    for c in a.controls:
        for ref in c.compliance:
            framework, _, requirement = ref.partition(":")
            requirements.setdefault(framework, {}).setdefault(requirement, []).append(
                (f"{c.id} ({c.status})", c.active))
    frameworks = list(dict.fromkeys([*a.frameworks, *sorted(requirements)]))
    if not frameworks:
        r.para("No compliance framework is mapped.")
        return
    for framework in frameworks:
        r.heading(framework, 2)
        rows = []
        for requirement, controls in sorted(requirements.get(framework, {}).items()):
            coverage = mapped_status(sum(on for _, on in controls), len(controls))
            rows.append((requirement, "; ".join(name for name, _ in controls), coverage))
        r.table(["Requirement", "Controls", "Coverage"], rows,
                empty="No control names a requirement of this framework.")


def _fixed_archive(raw: bytes, when: dt.date) -> bytes:
    """The same archive with every entry dated ``when``, so equal input gives equal bytes."""
    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(raw)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info))
    return out.getvalue()


def render_docx(data: Mapping[str, Any], assessment: ModelAssessment, *, today: dt.date,
                path: str, sha256: str, verdicts: Verdicts | None = None) -> bytes:
    """The Word report of one model.

    ``verdicts`` holds the model's assertion verdicts when verification ran.
    Raises :class:`DocxUnavailable` when python-docx is not installed.
    """
    docx = _docx()
    document = docx.Document()
    moment = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    properties = document.core_properties
    properties.author = AUTHOR
    properties.last_modified_by = AUTHOR
    properties.created = moment
    properties.modified = moment
    properties.revision = 1
    properties.title = literal(assessment.title)[:255]
    properties.subject = f"Threat model {assessment.model_id}"
    properties.comments = ""
    report = _Report(document)
    _title_page(report, data, assessment, today, path, sha256)
    _summary(report, assessment, verdicts)
    _objectives(report, data, assessment)
    _threats(report, data, assessment)
    _controls(report, data, assessment, verdicts)
    _assumptions(report, data, today)
    _acceptances(report, data, today)
    _findings(report, data)
    _compliance(report, assessment)
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_archive(buffer.getvalue(), today)
