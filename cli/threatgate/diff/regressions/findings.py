"""Findings that stop being tracked.

``finding-dismissed``
    a finding's status becomes ``dismissed``.
``finding-removed``
    a finding that was open at BASE (discovered or acknowledged) is gone at HEAD.
``finding-severity-lowered``
    a finding the gate still counts (not verified or dismissed) is rated lower at HEAD
    (or its severity is gone).
``finding-control-changed``
    such a finding names another control at HEAD (or none): the gap moves off the
    control it was found in.
"""

from __future__ import annotations

from typing import Any

from threatgate.diff.match import indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.gate.checks.max_open_findings import COUNTED_STATUSES
from threatgate.model.vocabulary import FINDING_RANK, text

OPEN_FINDINGS = frozenset({"discovered", "acknowledged"})


def _severity(finding: dict[str, Any]) -> str | None:
    value = finding.get("severity")
    return value if isinstance(value, str) and value in FINDING_RANK else None


def _titled(finding_id: str, finding: dict[str, Any]) -> str:
    title = text(finding, "title")
    return f"finding {finding_id}" + (f" “{title}”" if title else "")


def _changed(comparison: Comparison, finding_id: str, h_index: int,
             was: dict[str, Any], now: dict[str, Any]) -> None:
    head = comparison.sides()[1]
    old_sev, new_sev = _severity(was), _severity(now)
    if old_sev and (new_sev is None or FINDING_RANK[new_sev] > FINDING_RANK[old_sev]):
        comparison.add(
            "finding-severity-lowered", finding_id,
            f"{_titled(finding_id, now)} is rated {new_sev or 'without a severity'} (was "
            f"{old_sev}): it weighs less in the gate and the review queue with nothing fixed",
            head, ("findings", h_index, "severity" if "severity" in now else "id"),
            severity=old_sev)
    if was.get("control") != now.get("control"):
        comparison.add(
            "finding-control-changed", finding_id,
            f"{_titled(finding_id, now)} now names control {now.get('control') or '(none)'} "
            f"instead of {was.get('control')}: the gap it records in "
            f"{was.get('control')} stops being shown against it",
            head, ("findings", h_index, "control" if "control" in now else "id"),
            severity=old_sev)


@regression_check("finding-dismissed", "finding-removed", "finding-severity-lowered",
                  "finding-control-changed", order=50)
def find_finding_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    new_findings = indexed(head.data, "findings")
    for finding_id, (b_index, finding) in indexed(base.data, "findings").items():
        status = finding.get("status")
        if finding_id not in new_findings:
            if status in OPEN_FINDINGS:
                comparison.add(
                    "finding-removed", finding_id,
                    f"{_titled(finding_id, finding)} was {status} and is deleted instead of "
                    "remediated or dismissed with a reason", base, ("findings", b_index, "id"),
                    severity=_severity(finding))
            continue
        h_index, now = new_findings[finding_id]
        if now.get("status") == "dismissed" and status != "dismissed":
            reason = text(now, "reason")
            comparison.add(
                "finding-dismissed", finding_id,
                f"{_titled(finding_id, now)} is dismissed (was {status}): the gap is no "
                f"longer tracked; reason given: {reason or 'none'}",
                head, ("findings", h_index, "status"), severity=_severity(finding))
        if status in COUNTED_STATUSES:
            _changed(comparison, finding_id, h_index, finding, now)
