"""What the pages about every model need of one model once its own page is written.

The index, the risks, compliance and history pages, ``index.json`` and the badges read a
:class:`ModelSummary` of each model: its report cut to the rows those pages show (see
:func:`slim_report`), its entry of ``index.json`` and its badges. A summary is small
and mostly shared between models, so that a site of thousands of models is built
without keeping any model's whole report or assessment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from threatgate.analysis.badges import Badge
from threatgate.model.vocabulary import SEVERE
from threatgate.views.diagram import Diagram
from threatgate.views.report import Matrix, ObjectiveRow, Ref, Report, ThreatRow


@dataclass(frozen=True)
class ModelSummary:
    """One model as the pages about every model show it."""

    #: Its report with only what those pages show (:func:`slim_report`).
    report: Report
    #: Its entry of ``index.json`` (the index's row).
    row: dict[str, Any]
    #: Its badge files (the model's, then one per framework it lists), by file stem.
    badges: tuple[tuple[str, Badge], ...]
    #: Whether it lists a framework or maps a control to one (it has compliance).
    answers_compliance: bool

    @property
    def model_id(self) -> str:
        return self.report.model_id

    @property
    def page(self) -> str:
        return f"models/{self.report.model_id}.html"


_NO_REF = Ref("", "", None)
#: The stand-ins of objectives not at risk, by status and what mitigates them.
_POSTURES: dict[tuple[str, str | None], ObjectiveRow] = {}


def posture_only(objective: ObjectiveRow) -> ObjectiveRow:
    """An objective not at risk as the overview counts it (status and what mitigates it),
    one shared row per posture: no page about every model shows more of it."""
    key = (objective.status, objective.mitigated_by)
    found = _POSTURES.get(key)
    if found is None:
        found = _POSTURES[key] = ObjectiveRow(
            "", "", "", _NO_REF, _NO_REF, [], "", objective.status, objective.mitigated_by,
            None, [], [], [], [], [], False, [])
    return found


def _risk_row(threat: ThreatRow) -> ThreatRow:
    """An open critical or high threat as the risks page lists it."""
    return dataclasses.replace(threat, description="", stride=[], controls=[],
                               mitigated_by=[], objectives=[], components=[], cwe=[])


def _at_risk_row(objective: ObjectiveRow) -> ObjectiveRow:
    """An objective at risk as the risks page lists it."""
    return dataclasses.replace(objective, description="", properties=[], groups=[],
                               group=[], missing=[], assumptions=[], threats=[])


def slim_report(report: Report) -> Report:
    """The report without what only the model's own page shows: the threats kept are the
    open critical and high ones (the only ones the other pages count or list), the
    objectives at risk are kept whole and the others only by posture (the overview
    counts them)."""
    return dataclasses.replace(
        report, description="", components=[], dataflows=[], boundaries=[], assets=[],
        attackers=[], controls=[], assumptions=[], acceptances=[], findings=[],
        threats=[_risk_row(t) for t in report.threats
                 if t.state == "open" and t.severity in SEVERE],
        objectives=[_at_risk_row(o) if o.status == "at_risk" else posture_only(o)
                    for o in report.objectives],
        matrix=Matrix([], [], []), diagram=Diagram((), (), (), report.diagram.title))


def shared(summary: ModelSummary) -> ModelSummary:
    """The summary with its objectives not at risk shared with every other model's (as
    they arrive from the processes that made them)."""
    objectives = [o if o.status == "at_risk" else posture_only(o)
                  for o in summary.report.objectives]
    return dataclasses.replace(summary,
                               report=dataclasses.replace(summary.report, objectives=objectives))
