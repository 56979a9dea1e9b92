"""The result of a verification run: verdicts, drift, and digests of what was verified."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatgate import __version__
from threatgate.verify.runner import (
    AssertionResult,
    Drift,
    PlannedAssertion,
    compare,
    evidence_digest,
    run_assertions,
    verdicts_digest,
)


@dataclass
class VerifyReport:
    results: list[AssertionResult]
    commit: str | None = None
    baseline: str | None = None
    drift: Drift = field(default_factory=Drift)
    #: The repository root (absolute): code-scanning locations are relative to it.
    root: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.verdict.status for r in self.results)
        return {s: counts.get(s, 0) for s in ("pass", "fail", "error", "skipped")}

    def controls(self) -> list[dict[str, Any]]:
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for r in self.results:
            p = r.planned
            row = rows.setdefault((p.model, p.control), {
                "model": p.model, "control": p.control, "status": p.control_status,
                "assertions": 0, "passed": 0})
            row["assertions"] += 1
            row["passed"] += r.verdict.status == "pass"
        for row in rows.values():
            # Verified means implemented plus passing evidence: the assertions of a control
            # that is still planned may pass, but that control is not verified.
            row["verified"] = (row["status"] == "implemented" and row["assertions"] > 0
                               and row["passed"] == row["assertions"])
        return list(rows.values())

    @property
    def blocking(self) -> list[AssertionResult]:
        """Failing or erroring assertions of implemented controls (they fail the run)."""
        return [r for r in self.results if r.planned.control_status == "implemented"
                and r.verdict.status in ("fail", "error")]

    def as_json(self) -> dict[str, Any]:
        digest, files = evidence_digest(self.results)
        return {
            "tool": {"name": "threatgate", "version": __version__},
            "commit": self.commit,
            "baseline": self.baseline,
            "evidence_digest": digest,
            "verdicts_digest": verdicts_digest(self.results),
            "summary": {**self.counts,
                        "controls": len(self.controls()),
                        "verified_controls": sum(r["verified"] for r in self.controls()),
                        "drifted": len(self.drift.drifted),
                        "changed_evidence": len(self.drift.changed)},
            "passed": not self.blocking,
            "assertions": [r.as_json() for r in self.results],
            "controls": self.controls(),
            "drift": [{**now.as_json(), "baseline_status": then.verdict.status}
                      for then, now in self.drift.drifted],
            "changed_evidence": [now.as_json() for _then, now in self.drift.changed],
            "evidence_files": files,
        }


def check_drift(report: VerifyReport, planned: list[PlannedAssertion], root: Path) -> None:
    """With a baseline, check the same assertions in that commit and record what drifted
    (passed there, fails now)."""
    if not report.baseline:
        return
    from threatgate.verify.gittree import GitTree

    before = run_assertions(planned, GitTree(root, report.baseline), workers=1)
    report.drift = compare(before, report.results)
