"""What push and sync write into a model file, through the edit machinery: only the touched
controls change (comments and layout kept), the result is validated, the write is atomic and
locked, and a dry run writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatgate.document.editor import ModelEditor
from threatgate.document.transaction import EditOutcome, edit_file
from threatgate.edits.entities import find_entity, status_fields
from threatgate.edits.fields import KINDS
from threatgate.model.config import Config


@dataclass(frozen=True)
class StatusMove:
    """A control's status as Jira has it: ``key`` is ``jira_status``, so ``after``."""

    control_id: str
    key: str
    jira_status: str
    before: str
    after: str

    @property
    def note(self) -> str:
        return f"{self.key} is {self.jira_status} in Jira"


#: Given the fresh editor: {control index: fields to set}, and the ids of those controls.
FieldsOf = Callable[[ModelEditor], tuple[dict[int, dict[str, Any]], list[str]]]


def edit_model(path: Path, config: Config, today: dt.date, dry_run: bool,
               fields_of: FieldsOf) -> EditOutcome[list[str]]:
    """Apply ``fields_of(editor) -> ({control index: fields}, changed control ids)``."""
    def change(editor: ModelEditor) -> list[str]:
        changes, touched = fields_of(editor)
        if changes:
            editor.update_many("controls", changes)
        return list(touched)

    return edit_file(path, change, today=today, max_depth=config.max_depth,
                     max_bytes=config.max_file_size, rules=config.rules, write=not dry_run)


def record_tickets(path: Path, keys: Mapping[str, str], config: Config, today: dt.date,
                   dry_run: bool) -> EditOutcome[list[str]]:
    """Add each issue key to its control's ``tickets`` where it is not yet; the ids of the
    controls that gained one."""
    def fields_of(editor: ModelEditor) -> tuple[dict[int, dict[str, Any]], list[str]]:
        changes: dict[int, dict[str, Any]] = {}
        touched = []
        for control_id, key in keys.items():
            index, entry = find_entity(editor.data, KINDS["control"], control_id)
            tickets = [str(t) for t in entry.get("tickets") or []]
            if key not in tickets:
                changes[index] = {"tickets": [*tickets, key]}
                touched.append(control_id)
        return changes, touched

    return edit_model(path, config, today, dry_run, fields_of)


def write_statuses(path: Path, moves: list[StatusMove], config: Config, today: dt.date,
                   dry_run: bool) -> EditOutcome[list[str]]:
    """Set each control's status (with a dated note naming the issue); the ids moved."""
    def fields_of(editor: ModelEditor) -> tuple[dict[int, dict[str, Any]], list[str]]:
        changes: dict[int, dict[str, Any]] = {}
        touched = []
        for move in moves:
            index, entry = find_entity(editor.data, KINDS["control"], move.control_id)
            if str(entry.get("status")) != move.after:
                changes[index], _ = status_fields(entry, move.after, move.note, today)
                touched.append(move.control_id)
        return changes, touched

    return edit_model(path, config, today, dry_run, fields_of)
