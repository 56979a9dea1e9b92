"""``jira push``: one issue per control that is work to do, created once.

One search (page by page) finds every issue of the models before anything is created;
a control whose issue exists gets it updated when its content changed, a control without
one gets it created (planned or in_progress only). A create whose answer was lost is
followed by a search for the control's label before it is tried again, so it never
duplicates. The issues of controls removed from a model, or set to not_applicable or
wont_do, are closed with the Won't Do transition and one comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from threatgate.integrations.http import HttpError
from threatgate.integrations.jira.client import Issue
from threatgate.integrations.jira.labels import (
    control_label,
    label_key,
    labels_jql,
    model_label,
    parse_control_label,
)
from threatgate.integrations.jira.once import exactly_once
from threatgate.integrations.jira.payloads import (
    IssueContent,
    description_for,
    has_fingerprint,
    issue_content,
)
from threatgate.integrations.jira.session import (
    ControlKey,
    ModelTarget,
    Session,
    control_key,
)
from threatgate.integrations.jira.transitions import Closer
from threatgate.views.report import ControlRow

WORK_STATUSES = frozenset({"planned", "in_progress"})
CLOSED_STATUSES = frozenset({"not_applicable", "wont_do"})


@dataclass
class Pushed:
    """The issue keys of each model's controls (for ``--record``), by model file."""

    keys: dict[ModelTarget, dict[str, str]] = field(default_factory=dict)


def run_push(session: Session, models: list[ModelTarget]) -> Pushed:
    pushed = Pushed()
    try:
        existing = session.find_issues(models)
    except HttpError as exc:
        session.outcome.fail(f"error: cannot search the issues: {exc}")
        return pushed
    closer = Closer(session.jira, session.settings.wont_do_transition, session.pause)
    for model in models:
        keys = pushed.keys.setdefault(model, {})
        for control in model.report.controls:
            issues = existing.pop(control_key(model.report.model_id, control.id), [])
            what = f"{model.report.model_id} {control.id}"
            try:
                key = push_control(session, closer, model, control, issues)
            except HttpError as exc:
                session.outcome.fail(f"{what}: failed: {exc}")
                continue
            if key:
                keys[control.id] = key
        close_removed(session, closer, model, existing)
    return pushed


def push_control(session: Session, closer: Closer, model: ModelTarget, control: ControlRow,
                 issues: list[Issue]) -> str | None:
    """Create, update, close or leave the issue of one control; its key, if it has one."""
    report = model.report
    what = f"{report.model_id} {control.id}"
    issue = session.chosen(issues, what) if issues else None
    content = issue_content(report, control, session.settings.site_url)
    if control.status in CLOSED_STATUSES:
        if issue is not None:
            close_issue(session, closer, issue, report.model_id, control.id,
                        f"is now {control.status} in the threat model")
        return issue.key if issue else None
    if issue is not None:
        update_issue(session, issue, content, what)
        return issue.key
    if control.status not in WORK_STATUSES:
        return None  # implemented without an issue: nothing to track
    if session.dry_run:
        session.outcome.count("created", f"{what}: would create: {content.summary}")
        return None
    key = create_issue(session, content)
    session.outcome.count("created", f"{what}: created {key}: {content.summary}")
    return key


def update_issue(session: Session, issue: Issue, content: IssueContent, what: str) -> None:
    if issue.summary == content.summary and has_fingerprint(issue.description, content):
        session.outcome.count("unchanged")
        return
    if not session.dry_run:
        session.jira.update(issue.key, {
            "summary": content.summary,
            "description": description_for(content, session.jira.cloud)})
    verb = "would update" if session.dry_run else "updated"
    session.outcome.count("updated", f"{what}: {verb} {issue.key}")


def create_fields(session: Session, content: IssueContent) -> dict[str, Any]:
    settings = session.settings
    fields: dict[str, Any] = {
        "project": {"key": settings.project},
        "summary": content.summary,
        "issuetype": {"name": settings.issue_type},
        "labels": [model_label(settings.label_prefix, content.model_id),
                   control_label(settings.label_prefix, content.model_id, content.control_id)],
        "description": description_for(content, session.jira.cloud),
    }
    if settings.parent:
        fields["parent"] = {"key": settings.parent}
    return fields


def create_issue(session: Session, content: IssueContent) -> str:
    """Create the issue of a control; when the answer is lost, look for it before trying
    again (the create may have succeeded)."""
    label = control_label(session.settings.label_prefix, content.model_id, content.control_id)
    fields = create_fields(session, content)

    def look() -> str | None:
        found = [issue for issue in session.jira.search(
                    labels_jql(session.settings.project, [label]))
                 if label_key(label) in {label_key(text) for text in issue.labels}]
        return min(found, key=lambda issue: (issue.number, issue.key)).key if found else None

    return exactly_once(lambda: session.jira.create(fields), look, session.pause)


def close_issue(session: Session, closer: Closer, issue: Issue, model_id: str,
                control_id: str, why: str) -> None:
    """Close an open issue of a control that is no longer work, with one comment."""
    what = f"{model_id} {control_id}"
    if issue.category == "done":
        session.outcome.count("unchanged")
        return
    if session.dry_run:
        session.outcome.count("transitioned", f"{what}: would close {issue.key} ({why})")
        return
    comment = (f"threatgate: control {control_id} of the threat model {model_id} {why}, so "
               f"this issue is closed as {session.settings.wont_do_transition}.")
    status = closer.close(issue, comment)
    session.outcome.count("transitioned", f"{what}: closed {issue.key} as {status} ({why})")


def close_removed(session: Session, closer: Closer, model: ModelTarget,
                  existing: dict[ControlKey, list[Issue]]) -> None:
    """Close the issues of ``model``'s controls that the model no longer has."""
    model_id = model.report.model_id
    for key in sorted(k for k in existing if k[0] == label_key(model_id)):
        for issue in existing.pop(key):
            control_id = written_control_id(session, issue, key)
            try:
                close_issue(session, closer, issue, model_id, control_id,
                            "was removed from the threat model")
            except HttpError as exc:
                session.outcome.fail(f"{model_id} {control_id}: failed: {exc}")


def written_control_id(session: Session, issue: Issue, key: ControlKey) -> str:
    """The control id of ``key`` as the issue's label writes it."""
    for label in issue.labels:
        parsed = parse_control_label(session.settings.label_prefix, label)
        if parsed and control_key(*parsed) == key:
            return parsed[1]
    return key[1]
