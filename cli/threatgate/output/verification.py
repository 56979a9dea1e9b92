"""Verification results as text, JSON, GitHub annotations and Markdown.

JUnit XML and SARIF are written by the modules that write them for the gate too (junit,
sarif); every format is found through the registry.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from threatgate.output.escape.markdown import md_cell
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import location, one_line
from threatgate.output.escape.workflow import WorkflowLevel, workflow_command
from threatgate.output.registry import register_format

if TYPE_CHECKING:
    from threatgate.verify.results import VerifyReport
    from threatgate.verify.runner import AssertionResult


def evidence_place(r: AssertionResult) -> str:
    """`` (file:line)`` of the evidence the verdict points at, if any."""
    v = r.verdict
    return f" ({location(v.file, v.line or None)})" if v.file else ""


@register_format("verify", "text", 10)
def render_text(report: VerifyReport) -> str:
    lines = []
    for r in report.results:
        p = r.planned
        where = terminal_location(p.model_path, p.line)
        lines.append(f"{where}: {r.verdict.status.upper()} {p.control} "
                     f"{p.type}: {one_line(r.verdict.reason)}{one_line(evidence_place(r))}")
    for _then, now in report.drift.drifted:
        where = terminal_location(now.planned.model_path, now.planned.line)
        lines.append(f"{where}: DRIFT {now.planned.control}"
                     f" {now.planned.type}: passed at {report.baseline}, now "
                     f"{now.verdict.status}: {one_line(now.verdict.reason)}")
    for _then, now in report.drift.changed:
        where = terminal_location(now.planned.model_path, now.planned.line)
        lines.append(f"{where}: CHANGED "
                     f"{now.planned.control} {now.planned.type}: still passes, but its "
                     f"evidence changed since {report.baseline}")
    if report.baseline and not report.drift.drifted and not report.drift.changed:
        lines.append(f"no drift against {one_line(report.baseline)}: every assertion that "
                     "passed there passes now, on the same evidence")
    c = report.counts
    verified = sum(row["verified"] for row in report.controls())
    lines.append(f"{len(report.results)} assertions: {c['pass']} passed, {c['fail']} failed, "
                 f"{c['error']} errors, {c['skipped']} skipped; {verified} of "
                 f"{len(report.controls())} controls verified")
    return "\n".join(lines) + "\n"


@register_format("verify", "github", 30)
def render_github(report: VerifyReport) -> str:
    lines = []
    for r in report.results:
        if r.verdict.status not in ("fail", "error"):
            continue
        p = r.planned
        level: WorkflowLevel = "error" if p.control_status == "implemented" else "warning"
        lines.append(workflow_command(level, p.type + ": " + r.verdict.reason + evidence_place(r),
                                      file=p.model_path, line=p.line,
                                      title="threatgate verify " + p.control))
    for _then, now in report.drift.drifted:
        p = now.planned
        lines.append(workflow_command("error", "passed at the baseline, fails now: "
                                      + now.verdict.reason, file=p.model_path, line=p.line,
                                      title="threatgate drift " + p.control))
    return "".join(lines) + render_text(report).splitlines()[-1] + "\n"


@register_format("verify", "markdown", 40)
def render_markdown(report: VerifyReport) -> str:
    c = report.counts
    out = [f"## Evidence verification: {c['pass']} passed, {c['fail']} failed, "
           f"{c['error']} errors, {c['skipped']} skipped", "",
           "| Model | Control | Assertion | Result | Reason |", "| --- | --- | --- | --- | --- |"]
    for r in report.results:
        p = r.planned
        out.append(f"| {md_cell(p.model)} | {md_cell(p.control)} | {md_cell(p.type)} | "
                   f"{r.verdict.status} | {md_cell(r.verdict.reason + evidence_place(r))} |")
    if report.drift.drifted:
        out += ["", f"### Drift since {md_cell(report.baseline or '')}", ""]
        out += [f"- {md_cell(now.planned.control)} {md_cell(now.planned.type)}: "
                f"{md_cell(now.verdict.reason)}" for _t, now in report.drift.drifted]
    return "\n".join(out) + "\n"


@register_format("verify", "json", 20)
def render_json(report: VerifyReport) -> str:
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"
