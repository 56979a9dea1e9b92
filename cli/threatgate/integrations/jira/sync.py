"""``jira sync``: the status of each control's issue, per ``status_map``, into the models.

The issues are read in pages (one search for every model), never one GET per issue. Each
model file is edited once, through the edit machinery, with every change printed; a control
that moves back from implemented is reported on standard error as a warning. A control that
is not_applicable stays so when its issue was closed as Won't Do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from threatgate.errors import ThreatgateError
from threatgate.integrations.http import HttpError
from threatgate.integrations.jira.client import Issue
from threatgate.integrations.jira.session import ModelTarget, Session, control_key
from threatgate.integrations.jira.settings import fold
from threatgate.integrations.jira.writeback import StatusMove, write_statuses
from threatgate.model.config import Config

CLOSED_STATUSES = frozenset({"not_applicable", "wont_do"})


def mapped_status(issue: Issue, status_map: Mapping[str, str]) -> str | None:
    """The control status of an issue's status: by its name first, then its category."""
    return status_map.get(fold(issue.status)) or status_map.get(fold(issue.category))


def run_sync(session: Session, models: list[ModelTarget], config: Config,
             today: dt.date, shown: dict[ModelTarget, str]) -> None:
    """``shown``: how each model's file is named in the lines printed."""
    try:
        existing = session.find_issues(models)
    except HttpError as exc:
        session.outcome.fail(f"error: cannot read the issues: {exc}")
        return
    for model in models:
        moves = planned_moves(session, model, existing)
        if moves:
            apply_moves(session, model, moves, config, today, shown[model])


def planned_moves(session: Session, model: ModelTarget,
                  existing: dict[tuple[str, str], list[Issue]]) -> list[StatusMove]:
    report = model.report
    moves = []
    for control in report.controls:
        issues = existing.get(control_key(report.model_id, control.id))
        if not issues:
            continue
        issue = session.chosen(issues, f"{report.model_id} {control.id}")
        target = mapped_status(issue, session.settings.status_map)
        if target is None:
            session.outcome.count("unchanged", f"{report.model_id} {control.id}: {issue.key} "
                                  f"is {issue.status!r}, which [jira] status_map does not "
                                  "map; left as it is")
        elif target == control.status or (target == "wont_do"
                                          and control.status in CLOSED_STATUSES):
            session.outcome.count("unchanged")
        else:
            moves.append(StatusMove(control.id, issue.key, issue.status, control.status, target))
    return moves


def apply_moves(session: Session, model: ModelTarget, moves: list[StatusMove], config: Config,
                today: dt.date, where: str) -> None:
    try:
        outcome = write_statuses(model.path, moves, config, today, session.dry_run)
    except ThreatgateError as exc:  # the edit was refused: nothing written
        for move in moves:
            session.outcome.fail(f"{where}: control {move.control_id}: not written: "
                                 f"{exc.message}")
        return
    moved = set(outcome.value)
    verb = "would move" if session.dry_run else "moved"
    for move in moves:
        if move.control_id not in moved:
            session.outcome.count("unchanged")
            continue
        if move.before == "implemented":
            session.outcome.warn(f"warning: {where}: control {move.control_id} moves BACK "
                                 f"from implemented to {move.after}: {move.note} (was it "
                                 "reopened? the gate and diff count it as a regression)")
        session.outcome.count("updated", f"{where}: control {move.control_id} {verb} from "
                              f"{move.before} to {move.after} ({move.note})")
