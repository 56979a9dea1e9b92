"""Validation results as text lines, JSON, or GitHub Actions workflow commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from threatgate.diagnostics import Diagnostic, Severity
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line
from threatgate.output.escape.workflow import WorkflowLevel, workflow_command
from threatgate.output.registry import register_format
from threatgate.validate.files import ValidationReport


@dataclass(frozen=True)
class ValidationResult:
    """What the validation writers receive: the report, and whether it passed (which
    depends on --strict)."""

    report: ValidationReport[Any]
    passed: bool


def text_line(d: Diagnostic) -> str:
    return (
        f"{terminal_location(d.path, d.line, d.column)}: {d.severity}: {one_line(d.message)} "
        f"[{d.rule}]"
    )


@register_format("validation", "text", 10)
def render_text(result: ValidationResult) -> str:
    return "".join(text_line(d) + "\n" for d in result.report.diagnostics)


def summary(report: ValidationReport[Any]) -> str:
    """One line for people: how many files, errors and warnings."""
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    files = len(report.files)
    noun = "file" if files == 1 else "files"
    if not errors and not warnings:
        return f"{files} model {noun} valid"
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' * (errors != 1)}")
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"{' and '.join(parts)} in {files} model {noun}"


@register_format("validation", "json", 20)
def render_json(result: ValidationResult) -> str:
    report = result.report
    document = {
        "valid": result.passed,
        "summary": {
            "files": len(report.files),
            "errors": report.count(Severity.ERROR),
            "warnings": report.count(Severity.WARNING),
        },
        "files": [
            {
                "path": f.display,
                "model_id": f.model_id,
                "diagnostics": [
                    {k: v for k, v in d.to_dict().items() if k != "path"}
                    for d in sorted(f.diagnostics, key=Diagnostic.sort_key)
                ],
            }
            for f in report.files
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@register_format("validation", "github", 30)
def render_github(result: ValidationResult) -> str:
    """Workflow commands GitHub Actions turns into annotations on the pull request."""
    lines = []
    for d in result.report.diagnostics:
        command: WorkflowLevel = "error" if d.severity is Severity.ERROR else "warning"
        lines.append(workflow_command(command, d.message, file=d.path, line=d.line,
                                      col=d.column, title="threatgate " + d.rule))
    return "".join(lines)

