"""Findings that stop being tracked.

``finding-dismissed``
    a finding's status becomes ``dismissed``.
``finding-removed``
    a finding that was open at BASE (discovered or acknowledged) is gone at HEAD.
"""

from __future__ import annotations

from threatgate.diff.match import indexed
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.model.vocabulary import text

OPEN_FINDINGS = frozenset({"discovered", "acknowledged"})


@regression_check("finding-dismissed", "finding-removed", order=50)
def find_finding_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    new_findings = indexed(head.data, "findings")
    for finding_id, (b_index, finding) in indexed(base.data, "findings").items():
        status = finding.get("status")
        if finding_id not in new_findings:
            if status in OPEN_FINDINGS:
                comparison.add(
                    "finding-removed", finding_id,
                    f"finding {finding_id} was {status} and is deleted instead of remediated "
                    "or dismissed with a reason", base, ("findings", b_index, "id"))
            continue
        h_index, now = new_findings[finding_id]
        if now.get("status") == "dismissed" and status != "dismissed":
            reason = text(now, "reason")
            comparison.add(
                "finding-dismissed", finding_id,
                f"finding {finding_id} is dismissed (was {status}): the gap is no longer "
                f"tracked; reason given: {reason or 'none'}",
                head, ("findings", h_index, "status"))
