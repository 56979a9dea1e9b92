"""Gate results as a GitLab Code Quality report (a subset of the Code Climate issue format).

A JSON array with one issue per failure and per model that cannot be assessed, each with
``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path`` (relative to the repository root, wherever the gate ran from) /
``location.lines.begin`` and ``end`` (the line at fault). GitLab shows the issues in the
merge request widget and diff, and matches them between the source and target branch by
fingerprint:
an MD5 hex digest of the check, model id and entity at fault (plus an occurrence number),
never of the line, so moving text in a model does not report the issue as new, and never
of the working directory, so running the gate from a subfolder does not either.

Pure: data in, a string out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from threatgate.output.escape.text import utf8_text
from threatgate.output.registry import register_format
from threatgate.output.sarif import INVALID_MODEL, fingerprint, repository_path

if TYPE_CHECKING:
    from threatgate.gate.run import GateReport

#: Gate severities to GitLab's info / minor / major / critical / blocker. Every issue
#: fails the gate, so nothing is reported as info.
SEVERITY = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor"}


def _path(path: str) -> str:
    path = utf8_text(path).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _issue(check: str, description: str, severity: str, path: str, line: int,
           match_key: str) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": check,
        "description": utf8_text(description),
        "categories": ["Security"],
        "severity": severity,
        "fingerprint": match_key,
        "location": {"path": _path(path),
                     "lines": {"begin": max(1, line), "end": max(1, line)}},
    }


def codequality_issues(report: GateReport) -> list[dict[str, Any]]:
    issues = []
    seen: dict[tuple[str, ...], int] = {}
    for result in report.results:
        model_id = result.assessment.model_id
        for failure in result.failures:
            path = repository_path(failure.path, report.root)
            key = (failure.check, path, model_id, failure.entity or "")
            seen[key] = seen.get(key, 0) + 1
            issues.append(_issue(
                failure.check, failure.message, SEVERITY.get(failure.severity, "major"),
                path, failure.line,
                fingerprint("threatgate", *key, str(seen[key]), digest="md5"),
            ))
    for bad in report.invalid:
        path = repository_path(bad.path, report.root)
        issues.append(_issue(
            INVALID_MODEL, f"model cannot be assessed: {bad.message} [{bad.rule}]",
            "critical", path, bad.line,
            fingerprint("threatgate", INVALID_MODEL, path, digest="md5"),
        ))
    return issues


@register_format("gate", "codequality", 60, report_file=True)
def render_codequality(report: GateReport) -> str:
    return json.dumps(codequality_issues(report), indent=2, ensure_ascii=False) + "\n"
