"""What the pictures show, computed from the reports: pure data shared by the site and
the Markdown report (the SVG renderers draw it, the tables beside them list it).

* :func:`risk_matrix`: the threats of one model in a 5 x 5 likelihood x impact grid,
  open and handled (mitigated, or accepted while the acceptance is in force) counted
  apart, each cell in the severity band of its score; threats without a likelihood and
  an impact of 1 to 5 are counted beside the grid as "not scored".
* :func:`model_bars`: a model's objectives by posture (at risk split by its first,
  most actionable reason), its controls by status and, when ``verify`` ran, its
  implemented controls by verification.
* :func:`overview`: one row per model (objectives by posture, open critical and high
  threats) and the repository's totals; past :data:`OVERVIEW_ROWS` models only the
  models that need attention most get a row, the rest are summed in one "others" row,
  so the picture stays the same size from one model to a thousand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from threatgate.analysis.posture import AT_RISK_REASONS
from threatgate.model.vocabulary import CONTROL_STATUSES, severity_from_score
from threatgate.views.report import ControlRow, ObjectiveRow, Ref, Report, ThreatRow

#: Likelihood and impact run from 1 to 5; the grid shows likelihood 5 on top.
SCORES = (1, 2, 3, 4, 5)
#: Threat states that count as handled (as the gate counts them).
HANDLED_STATES = frozenset({"mitigated", "accepted"})
#: Models with a row of their own in the overview; the others are summed in one row.
OVERVIEW_ROWS = 15
UNSCORED_ANCHOR = "risk-unscored"


def cell_anchor(likelihood: int, impact: int) -> str:
    """The anchor of a matrix cell's list of threats (``risk-L4-I5``)."""
    return f"risk-L{likelihood}-I{impact}"


# --- the risk matrix ------------------------------------------------------------------------


@dataclass
class RiskCell:
    """The threats of one cell (or of the "not scored" box: no likelihood or impact)."""

    likelihood: int | None
    impact: int | None
    band: str
    anchor: str
    open: list[Ref] = field(default_factory=list)
    handled: list[Ref] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.open) + len(self.handled)

    @property
    def score(self) -> int | None:
        if self.likelihood is None or self.impact is None:
            return None
        return self.likelihood * self.impact

    def counts(self) -> str:
        """``2 open, 1 handled``; ``none`` for an empty cell."""
        if not self.total:
            return "none"
        return f"{len(self.open)} open, {len(self.handled)} handled"


@dataclass
class RiskMatrix:
    #: Rows from likelihood 5 down to 1, each with impact 1 to 5.
    rows: list[list[RiskCell]]
    unscored: RiskCell

    def cells(self) -> list[RiskCell]:
        return [cell for row in self.rows for cell in row]

    @property
    def scored_open(self) -> int:
        return sum(len(c.open) for c in self.cells())

    @property
    def scored_handled(self) -> int:
        return sum(len(c.handled) for c in self.cells())

    @property
    def scored(self) -> int:
        return self.scored_open + self.scored_handled

    def summary(self) -> str:
        """One sentence with every total, for the picture's title."""
        u = self.unscored
        return (f"{self.scored} threats scored by likelihood and impact ({self.scored_open} "
                f"open, {self.scored_handled} handled); {u.total} not scored "
                f"({len(u.open)} open, {len(u.handled)} handled)")


def risk_matrix(threats: Sequence[ThreatRow]) -> RiskMatrix:
    """The threats placed by likelihood and impact, in the report's order within a cell."""
    grid = {(likelihood, impact): RiskCell(likelihood, impact,
                                           severity_from_score(likelihood, impact),
                                           cell_anchor(likelihood, impact))
            for likelihood in SCORES for impact in SCORES}
    unscored = RiskCell(None, None, "unscored", UNSCORED_ANCHOR)
    for threat in threats:
        cell = unscored
        if threat.score is not None and threat.likelihood and threat.impact:
            cell = grid.get((threat.likelihood, threat.impact), unscored)
        ref = Ref(threat.id, threat.title, threat.anchor, threat.state)
        (cell.handled if threat.state in HANDLED_STATES else cell.open).append(ref)
    rows = [[grid[(likelihood, impact)] for impact in SCORES]
            for likelihood in reversed(SCORES)]
    return RiskMatrix(rows, unscored)


# --- bars -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One part of a bar: ``key`` names its colour, ``label`` says what it counts."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Bar:
    label: str
    #: What one unit is (objectives, controls), for the text equivalent.
    unit: str
    segments: tuple[Segment, ...]
    #: Said instead of the counts when the bar is empty (or when it cannot be known).
    note: str = ""

    @property
    def total(self) -> int:
        return sum(s.count for s in self.segments)

    def summary(self, label: str | None = None) -> str:
        """``Objectives: 5 objectives: 2 mitigated by controls, 3 at risk: missing
        controls``; ``label`` in place of the bar's own (a shortened model title)."""
        name = self.label if label is None else label
        if self.note and not self.total:
            return f"{name}: {self.note}"
        parts = [f"{s.count} {s.label}" for s in self.segments if s.count]
        return f"{name}: {self.total} {self.unit}" + (": " + ", ".join(parts)
                                                     if parts else "")


def _words(value: str) -> str:
    return value.replace("_", " ")


def objective_bar(objectives: Sequence[ObjectiveRow], label: str = "Objectives") -> Bar:
    """Objectives by posture; an objective at risk counts under its first reason."""
    by_controls = sum(o.status == "mitigated" and o.mitigated_by != "assumption"
                      for o in objectives)
    by_assumption = sum(o.status == "mitigated" and o.mitigated_by == "assumption"
                        for o in objectives)
    at_risk = [o for o in objectives if o.status == "at_risk"]
    reasons = [Segment(f"at_risk_{reason}", f"at risk: {_words(reason)}",
                       sum((o.reasons or ["no_mitigation_group"])[0] == reason
                           for o in at_risk))
               for reason in AT_RISK_REASONS]
    return Bar(label, "objectives", (
        Segment("mitigated_by_controls", "mitigated by controls", by_controls),
        Segment("mitigated_by_assumption", "mitigated by assumption", by_assumption),
        *reasons,
        Segment("unassessed", "unassessed", sum(o.status == "unassessed" for o in objectives)),
    ), note="no control objectives")


def control_bar(controls: Sequence[ControlRow]) -> Bar:
    return Bar("Controls", "controls", tuple(
        Segment(status, _words(status), sum(c.status == status for c in controls))
        for status in CONTROL_STATUSES), note="no controls")


#: Verification states of an implemented control, best first.
VERIFICATION_STATES = (("verified", "verified"), ("failing", "failing"),
                       ("pending", "not checked"), ("none", "without assertions"))


def verification_bar(controls: Sequence[ControlRow], ran: bool) -> Bar:
    """Implemented controls by the verdict of their evidence (known only after verify)."""
    implemented = [c for c in controls if c.active]
    if not ran:
        return Bar("Verification", "implemented controls", (),
                   note="not checked in this run (use --verify)")
    return Bar("Verification", "implemented controls", tuple(
        Segment(f"verification_{state}", label,
                sum(c.verification == state for c in implemented))
        for state, label in VERIFICATION_STATES), note="no implemented controls")


def coverage_bar(label: str, counts: Mapping[str, int]) -> Bar:
    """A framework's requirements by coverage status (``threatgate compliance report``'s
    counts): covered and verified, covered, partial, planned, unmapped, excluded."""
    verified = counts.get("verified", 0)
    return Bar(label, "requirements", (
        Segment("coverage_verified", "covered and verified", verified),
        Segment("coverage_covered", "covered, not verified",
                counts.get("covered", 0) - verified),
        Segment("coverage_partial", "partial", counts.get("partial", 0)),
        Segment("coverage_planned", "planned", counts.get("planned", 0)),
        Segment("coverage_unmapped", "unmapped", counts.get("unmapped", 0)),
        Segment("coverage_excluded", "excluded", counts.get("excluded", 0)),
    ), note="no requirements in scope")


def model_bars(report: Report) -> list[Bar]:
    """The bars of a model page: objectives, controls, verification."""
    return [objective_bar(report.objectives), control_bar(report.controls),
            verification_bar(report.controls, report.summary.verification_ran)]


# --- the overview of every model ----------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    label: str
    #: The model's page, relative to the site's root; None for the summed rows.
    page: str | None
    models: int
    posture: Bar
    open_critical: int
    open_high: int

    def summary(self, label: str | None = None) -> str:
        return (f"{self.posture.summary(label)}; open threats: {self.open_critical} "
                f"critical, {self.open_high} high")


@dataclass(frozen=True)
class Overview:
    #: One row per model shown: in id order, or, when some are summed in ``others``, the
    #: models needing attention most first.
    rows: tuple[OverviewRow, ...]
    #: The models without a row of their own, summed (None when every model has a row).
    others: OverviewRow | None
    total: OverviewRow

    @property
    def models(self) -> int:
        return self.total.models


def _posture_bar(label: str, objectives: Sequence[ObjectiveRow]) -> Bar:
    """A model's objectives in four parts: by controls, by assumption, at risk, unassessed."""
    full = objective_bar(objectives, label)
    at_risk = sum(s.count for s in full.segments if s.key.startswith("at_risk_"))
    kept = [s for s in full.segments if not s.key.startswith("at_risk_")]
    return Bar(label, "objectives", (*kept[:2], Segment("at_risk", "at risk", at_risk),
                                     *kept[2:]), note=full.note)


def _row(label: str, page: str | None, reports: Sequence[Report]) -> OverviewRow:
    objectives = [o for r in reports for o in r.objectives]
    open_threats = [t for r in reports for t in r.threats if t.state == "open"]
    return OverviewRow(label, page, len(reports), _posture_bar(label, objectives),
                       sum(t.severity == "critical" for t in open_threats),
                       sum(t.severity == "high" for t in open_threats))


def _attention(row: OverviewRow) -> tuple[int, int, int, int]:
    at_risk = next(s.count for s in row.posture.segments if s.key == "at_risk")
    unassessed = next(s.count for s in row.posture.segments if s.key == "unassessed")
    return (-row.open_critical, -row.open_high, -at_risk, -unassessed)


def overview(models: Sequence[tuple[Report, str]], limit: int = OVERVIEW_ROWS) -> Overview:
    """The overview of ``models`` (each a report and its page), ordered by model id.

    Up to ``limit + 1`` models every model has a row, in id order; beyond, the ``limit``
    models with the most open critical, then high threats, objectives at risk and
    unassessed get a row, in that order, and the rest are summed into "others".
    """
    ordered = sorted(models, key=lambda m: m[0].model_id)
    rows = [_row(report.title or report.model_id, page, [report]) for report, page in ordered]
    total = _row(f"All {len(ordered)} models", None, [r for r, _ in ordered])
    if len(rows) <= limit + 1:
        return Overview(tuple(rows), None, total)
    positions = sorted(range(len(rows)), key=lambda i: (*_attention(rows[i]), i))
    shown = positions[:limit]
    rest = [ordered[i][0] for i in sorted(positions[limit:])]
    others = _row(f"{len(rest)} other models", None, rest)
    return Overview(tuple(rows[i] for i in shown), others, total)
