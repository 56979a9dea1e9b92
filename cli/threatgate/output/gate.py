"""Gate results as text, JSON, GitHub annotations and a Markdown job summary.

The machine formats for code scanning and CI test reports live in their own modules
(sarif, junit, codequality); every format is found through the registry.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from threatgate.output.escape.markdown import md_cell
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import location, one_line
from threatgate.output.escape.workflow import workflow_command
from threatgate.output.registry import register_format
from threatgate.output.registry import render as render_result

if TYPE_CHECKING:
    from threatgate.gate.run import GateReport

#: GitHub shows at most 10 error annotations per step and 50 per job: keep the most
#: useful ones and say how many were left out.
GITHUB_ANNOTATION_CAP = 50


def render(report: GateReport, kind: str) -> str:
    """The gate report in format ``kind`` (ValueError for an unknown one)."""
    return render_result("gate", kind, report)


@register_format("gate", "json", 20)
def render_json(report: GateReport) -> str:
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


@register_format("gate", "text", 10)
def render_text(report: GateReport) -> str:
    lines = []
    for result in report.results:
        a = result.assessment
        sev = a.by_severity
        lines.append(
            f"{_verdict(result.passed)} {a.model_id} ({one_line(a.path)}): {len(a.threats)} "
            f"threats (critical {sev['critical']}, high {sev['high']}, medium {sev['medium']}, "
            f"low {sev['low']}, unscored {sev['unscored']}), mitigation ratio "
            f"{a.mitigation_ratio:.2f}, objectives at risk {a.objective_states['at_risk']}"
            f"/{len(a.objectives)}"
        )
        for failure in result.failures:
            where = terminal_location(failure.path, failure.line, failure.column)
            lines.append(f"  {where}: {one_line(failure.message)} [{failure.check}]")
        for failure in result.baseline_failures:
            where = terminal_location(failure.path, failure.line, failure.column)
            lines.append(f"  {where}: {one_line(failure.message)} [{failure.check}, already at "
                         f"{one_line(report.baseline or 'the baseline')}]")
        for warning in result.warnings:
            lines.append(f"  warning: {one_line(warning)}")
    for bad in report.invalid:
        where = terminal_location(bad.path, bad.line, bad.column)
        lines.append(f"FAIL {where}: cannot be assessed: "
                     f"{one_line(bad.message)} [{bad.rule}]")
    if not report.thresholds.any_set:
        lines.append("No thresholds set: reporting only (see `threatgate gate --help`).")
    failed = sum(not r.passed for r in report.results) + len(report.invalid)
    total = len(report.results) + len(report.invalid)
    lines.append(f"gate {'passed' if report.passed else 'failed'}: {failed} of {total} "
                 f"model{'s' * (total != 1)} failing")
    return "\n".join(lines) + "\n"


@register_format("gate", "github", 30)
def render_github(report: GateReport) -> str:
    """Workflow commands: one error annotation per failure, capped, then a notice."""
    failures = [f for r in report.results for f in r.failures]
    lines = []
    for failure in failures[:GITHUB_ANNOTATION_CAP]:
        lines.append(workflow_command("error", failure.message, file=failure.path,
                                      line=failure.line, col=failure.column,
                                      title="threatgate " + failure.check))
    if len(failures) > GITHUB_ANNOTATION_CAP:
        lines.append(workflow_command(
            "warning", f"{len(failures) - GITHUB_ANNOTATION_CAP} more gate failures not "
            "annotated; see the job summary or the JSON report"))
    for bad in report.invalid:
        lines.append(workflow_command("error", "model cannot be assessed: " + bad.message,
                                      file=bad.path, line=bad.line, col=bad.column,
                                      title="threatgate " + bad.rule))
    lines.append(f"threatgate gate {'passed' if report.passed else 'failed'}\n")
    return "".join(lines)


@register_format("gate", "markdown", 70)
def render_markdown(report: GateReport) -> str:
    """A job summary: a table per model, then the failures with their locations."""
    icon = "✅" if report.passed else "❌"
    out = [f"## {icon} Threat model gate {'passed' if report.passed else 'failed'}", ""]
    out += ["| Model | Result | Threats | Critical | High | Mitigation ratio | "
            "Objectives at risk |", "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for result in report.results:
        a = result.assessment
        out.append(
            f"| {md_cell(a.title)} ({md_cell(a.model_id)}) | {_verdict(result.passed)} | "
            f"{len(a.threats)} | {a.by_severity['critical']} | {a.by_severity['high']} | "
            f"{a.mitigation_ratio * 100:.0f}% | {a.objective_states['at_risk']} |"
        )
    for bad in report.invalid:
        out.append(f"| {md_cell(bad.path)} | FAIL (invalid) | | | | | |")
    failures = [f for r in report.results for f in r.failures]
    if failures or report.invalid:
        out += ["", "### Failures", ""]
        out += [f"- {md_cell(location(f.path, f.line))}: {md_cell(f.message)} ({f.check})"
                for f in failures]
        out += [f"- {md_cell(location(bad.path, bad.line))}: cannot be assessed: "
                f"{md_cell(bad.problem)}"
                for bad in report.invalid]
    return "\n".join(out) + "\n"
