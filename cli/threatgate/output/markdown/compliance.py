"""The coverage part of a report's compliance section, for frameworks with a catalogue:
the counts of ``threatgate compliance report`` and the excluded requirements."""

from __future__ import annotations

from threatgate.output.escape.markdown import md_cell, md_cell_literal
from threatgate.views.compliance import ComplianceMatrix


def coverage_lines(matrix: ComplianceMatrix | None) -> list[str]:
    """Lines after a framework's introduction (none without a catalogue)."""
    if matrix is None:
        return []
    c = matrix.counts
    in_scope = c["requirements"] - c["excluded"]
    lines = [
        f"Coverage of {md_cell_literal(matrix.title)}: {matrix.coverage * 100:.1f}% "
        f"({c['covered']} of {in_scope} requirements covered, {c['verified']} verified; "
        f"{c['partial']} partial, {c['planned']} planned, {c['unmapped']} unmapped; "
        f"{c['excluded']} excluded).", ""]
    excluded = matrix.excluded
    if excluded:
        lines += ["| Excluded requirement | Reason |", "|---|---|"]
        lines += [f"| {md_cell_literal(row.requirement)} | {md_cell(row.reason or '')} |"
                  for row in excluded]
        lines.append("")
    return lines
