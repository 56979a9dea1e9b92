"""Gate results as a GitLab Code Quality report (a subset of the Code Climate issue format).

A JSON array with one issue per failure and per model that cannot be assessed, each with
``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path`` / ``location.lines.begin``. GitLab shows the issues in the merge request
widget and diff, and matches them between the source and target branch by fingerprint:
an MD5 hex digest of the check, model id and entity at fault (plus an occurrence number),
never of the line, so moving text in a model does not report the issue as new.

Pure: data in, a string out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from threatgate.gate.run import GateReport
from threatgate.output.escape.text import utf8_text
from threatgate.output.sarif import INVALID_MODEL

#: Gate severities to GitLab's info / minor / major / critical / blocker. Every issue
#: fails the gate, so nothing is reported as info.
SEVERITY = {"critical": "blocker", "high": "critical", "medium": "major", "low": "minor"}


def _fingerprint(*parts: str) -> str:
    return hashlib.md5("\0".join(parts).encode("utf-8", "replace"),
                       usedforsecurity=False).hexdigest()


def _path(path: str) -> str:
    path = utf8_text(path).replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _issue(check: str, description: str, severity: str, path: str, line: int,
           fingerprint: str) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": check,
        "description": utf8_text(description),
        "categories": ["Security"],
        "severity": severity,
        "fingerprint": fingerprint,
        "location": {"path": _path(path), "lines": {"begin": max(1, line)}},
    }


def codequality_issues(report: GateReport) -> list[dict[str, Any]]:
    issues = []
    seen: dict[tuple[str, ...], int] = {}
    for result in report.results:
        model_id = result.assessment.model_id
        for failure in result.failures:
            key = (failure.check, failure.path, model_id, failure.entity or "")
            seen[key] = seen.get(key, 0) + 1
            issues.append(_issue(
                failure.check, failure.message, SEVERITY.get(failure.severity, "major"),
                failure.path, failure.line,
                _fingerprint("threatgate", *key, str(seen[key])),
            ))
    for bad in report.invalid:
        issues.append(_issue(
            INVALID_MODEL, f"model cannot be assessed: {bad.message} [{bad.rule}]",
            "critical", bad.path, bad.line, _fingerprint("threatgate", INVALID_MODEL, bad.path),
        ))
    return issues


def render_codequality(report: GateReport) -> str:
    return json.dumps(codequality_issues(report), indent=2, ensure_ascii=False) + "\n"
