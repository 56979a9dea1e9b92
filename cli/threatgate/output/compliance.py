"""``threatgate compliance report`` as text, JSON or Markdown: pure renderers."""

from __future__ import annotations

import json

from threatgate.compliance.coverage import RequirementRow, Tally
from threatgate.compliance.report import ComplianceReport, FrameworkPage, report_json
from threatgate.output.escape.markdown import md_cell, md_code_span, md_inline
from threatgate.output.escape.text import one_line_shortened
from threatgate.output.registry import register_format

TEXT_WIDTH = 72


def percent(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def tally_line(tally: Tally) -> str:
    """``coverage 25.0% (2 of 8 covered, 1 verified; 1 partial, ...; 2 excluded)``."""
    return (f"coverage {percent(tally.coverage)} ({tally.covered} of {tally.in_scope} "
            f"covered, {tally.verified} verified; {tally.partial} partial, {tally.planned} "
            f"planned, {tally.unmapped} unmapped; {tally.excluded} excluded)")


def row_status(row: RequirementRow) -> str:
    return "verified" if row.verified else row.status


def controls_text(row: RequirementRow) -> str:
    if row.status == "excluded":
        return f"excluded: {row.reason}"
    return ", ".join(f"{c.id} ({c.status.replace('_', ' ')}"
                     f"{', verified' if c.verified else ''})" for c in row.controls) or "-"


def _heading(page: FrameworkPage) -> str:
    level = f", level {page.coverage.level}" if page.coverage.level else ""
    return f"{page.catalogue.id} ({page.catalogue.title}{level})"


def _shown(page: FrameworkPage) -> str:
    if not page.total_rows:
        return "no requirement rows" + (f" with status {page.status}" if page.status else "")
    first = page.offset + 1 if page.rows else page.offset
    return (f"rows {first}-{page.offset + len(page.rows)} of {page.total_rows}"
            + (f" with status {page.status}" if page.status else ""))


@register_format("compliance", "text", 10)
def report_text(report: ComplianceReport) -> str:
    lines: list[str] = []
    for page in report.frameworks:
        coverage = page.coverage
        lines.append(f"{_heading(page)}: {tally_line(coverage.tally)}")
        if not coverage.models:
            lines.append("  no model answers to this framework")
        for model in coverage.models:
            lines.append(f"  {model.model_id} ({model.path}): {tally_line(model.tally)}")
        lines.append(f"  {_shown(page)}:")
        for row in page.rows:
            lines.append(f"    {row.model} {row.requirement.id} {row_status(row)}: "
                         f"{controls_text(row)}")
            lines.append(f"      {one_line_shortened(row.requirement.text, TEXT_WIDTH)}")
        lines.append("")
    if not report.verification_run:
        lines.append("(evidence not verified: no requirement is counted as verified; "
                     "pass --verify)")
    return "\n".join(lines) + "\n"


@register_format("compliance", "json", 20)
def report_as_json(report: ComplianceReport) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


def markdown_tally_row(label: str, tally: Tally) -> str:
    return (f"| {label} | {tally.requirements} | {tally.covered} | {tally.verified} | "
            f"{tally.partial} | {tally.planned} | {tally.unmapped} | {tally.excluded} | "
            f"{percent(tally.coverage)} |")


TALLY_HEADER = ["| | Requirements | Covered | Verified | Partial | Planned | Unmapped | "
                "Excluded | Coverage |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]


def markdown_page(page: FrameworkPage, depth: int = 2) -> list[str]:
    """One framework: counts per model, then the requirement rows shown."""
    coverage = page.coverage
    lines = [f"{'#' * depth} {md_inline(_heading(page))}", "", *TALLY_HEADER,
             markdown_tally_row("**All models**", coverage.tally)]
    lines += [markdown_tally_row(md_code_span(m.model_id), m.tally) for m in coverage.models]
    lines += ["", f"{_shown(page).capitalize()}.", ""]
    if page.rows:
        lines += ["| Model | Requirement | Status | Controls | Text |",
                  "|---|---|---|---|---|"]
        lines += [f"| {md_code_span(row.model)} | {md_code_span(row.requirement.id)} | "
                  f"{row_status(row)} | {md_cell(controls_text(row))} | "
                  f"{md_cell(row.requirement.text)} |" for row in page.rows]
        lines.append("")
    return lines


@register_format("compliance", "markdown", 30)
def report_markdown(report: ComplianceReport) -> str:
    lines = ["# Compliance", ""]
    for page in report.frameworks:
        lines += markdown_page(page)
    if not report.verification_run:
        lines += ["Evidence not verified: no requirement is counted as verified.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
