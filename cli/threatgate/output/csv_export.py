"""Threats and controls as CSV tables that open cleanly in a spreadsheet.

Two tables, one row per threat and one per control, with the model id as the first
column so that the rows of several models can share one table. The format is RFC 4180
(the ``csv`` module's quoting, ``\\r\\n`` line ends), UTF-8, optionally with a byte
order mark so that Excel detects the encoding. List cells are joined with ``"; "``.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(and some also after a leading tab or carriage return), so a threat titled
``=HYPERLINK("http://evil", "click")`` would run when the file is opened. Every such cell
is written with a leading single quote, which spreadsheets show as text and never run
(OWASP's advice on CSV injection).

Pure: data in, bytes out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from threatgate.analysis.assessment import OPEN_FINDING_STATUSES, ModelAssessment
from threatgate.model.vocabulary import id_list, items, text
from threatgate.output.escape.spreadsheet import neutralise, one_line_cell

#: (control id, assertion index) -> (status, reason) of one model's assertions, as
#: ``threatgate verify`` found them: status is pass, fail, error or skipped.
Verdicts = Mapping[tuple[str, int], tuple[str, str]]

THREAT_COLUMNS: tuple[str, ...] = (
    "model", "id", "title", "severity", "score", "likelihood", "impact", "state", "stride",
    "cwe", "components", "objectives", "mitigations", "mitigated_by", "accepted_by",
    "review_by", "file", "line",
)
CONTROL_COLUMNS: tuple[str, ...] = (
    "model", "id", "title", "status", "active", "verification", "objectives", "threats",
    "compliance", "owner", "assertions", "assertions_passed", "findings_open", "file",
    "line",
)
TABLES = ("threats", "controls")
LIST_SEPARATOR = "; "
BOM = "\ufeff"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(_cell(v) for v in value)
    return str(value)


def _by_id(data: Mapping[str, Any], collection: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for _, entry in items(dict(data), collection):
        if isinstance(entry.get("id"), str):
            found.setdefault(entry["id"], entry)
    return found


def threat_rows(data: Mapping[str, Any], assessment: ModelAssessment) -> list[list[Any]]:
    """One row per threat, in file order, with the columns of :data:`THREAT_COLUMNS`."""
    threats = _by_id(data, "threats")
    controls = _by_id(data, "controls")
    acceptances: dict[str, list[dict[str, Any]]] = {}
    for _, acceptance in items(dict(data), "acceptances"):
        target = text(acceptance, "threat")
        if target:
            acceptances.setdefault(target, []).append(acceptance)
    rows = []
    for view in assessment.threats:
        raw = threats.get(view.id, {})
        mitigations = [
            f"{c} ({controls[c].get('status')})" if c in controls else c
            for c in view.mitigations
        ]
        accepted = acceptances.get(view.id, [])
        rows.append([
            assessment.model_id, view.id, view.title, view.severity, view.score,
            raw.get("likelihood"), raw.get("impact"), view.state,
            id_list(raw.get("stride")), id_list(raw.get("cwe")),
            id_list(raw.get("components")), view.objectives, mitigations, view.mitigated_by,
            [text(a, "owner") or "" for a in accepted],
            [text(a, "review_by") or "" for a in accepted],
            assessment.path, view.location[0],
        ])
    return rows


def control_rows(data: Mapping[str, Any], assessment: ModelAssessment,
                 verdicts: Verdicts | None = None) -> list[list[Any]]:
    """One row per control, in file order, with the columns of :data:`CONTROL_COLUMNS`.

    ``assertions_passed`` is filled only when ``verdicts`` (a verification run) is given.
    """
    controls = _by_id(data, "controls")
    open_findings: dict[str, int] = {}
    for finding in assessment.findings:
        if finding.status in OPEN_FINDING_STATUSES:
            open_findings[finding.control] = open_findings.get(finding.control, 0) + 1
    passed: dict[str, int] = {}
    if verdicts is not None:
        for (control_id, _index), (status, _reason) in verdicts.items():
            passed[control_id] = passed.get(control_id, 0) + (status == "pass")
    rows = []
    for view in assessment.controls:
        raw = controls.get(view.id, {})
        rows.append([
            assessment.model_id, view.id, view.title, view.status, view.active,
            view.verification, view.objectives, view.threats, view.compliance,
            text(raw, "owner"), view.assertions,
            passed.get(view.id, 0) if verdicts is not None else None,
            open_findings.get(view.id, 0), assessment.path, view.location[0],
        ])
    return rows


def render_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                 excel: bool = False, one_line_cells: bool = False) -> bytes:
    """The CSV bytes of a table: a header row, then the rows, every cell neutralised.

    ``one_line_cells`` (for standard output, which a terminal or a CI log reads line by
    line) writes line breaks inside a cell as escapes, one record per line.
    """
    escape = one_line_cell if one_line_cells else neutralise
    buffer = io.StringIO(newline="")
    if excel:
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape(_cell(value)) for value in row])
    return buffer.getvalue().encode("utf-8")


def render_csv(table: str, models: Iterable[tuple[Mapping[str, Any], ModelAssessment]], *,
               verdicts: Mapping[str, Verdicts] | None = None, excel: bool = False,
               one_line_cells: bool = False) -> bytes:
    """One table ("threats" or "controls") over the models, each a (data, assessment).

    ``verdicts`` maps model id -> that model's assertion verdicts, when verification ran.
    """
    if table == "threats":
        rows = [row for data, a in models for row in threat_rows(data, a)]
        return render_table(THREAT_COLUMNS, rows, excel=excel, one_line_cells=one_line_cells)
    if table == "controls":
        rows = [row for data, a in models
                for row in control_rows(data, a, None if verdicts is None
                                        else verdicts.get(a.model_id, {}))]
        return render_table(CONTROL_COLUMNS, rows, excel=excel, one_line_cells=one_line_cells)
    raise ValueError(f"unknown CSV table {table!r}; one of {', '.join(TABLES)}")
