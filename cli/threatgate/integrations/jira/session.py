"""What a run works with: the Jira connection, the settings, the models and the tally."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from threatgate.integrations.http import HttpClient, RetryPolicy
from threatgate.integrations.jira.client import Issue, JiraClient, detect_deployment
from threatgate.integrations.jira.labels import (
    label_key,
    labels_jql,
    model_label,
    parse_control_label,
)
from threatgate.integrations.jira.settings import JiraSettings, credentials_from
from threatgate.integrations.outcome import Outcome
from threatgate.views.report import Report

#: (model id, control id), compared without regard to case as Jira compares labels.
ControlKey = tuple[str, str]
#: Model labels named in one search.
LABELS_PER_SEARCH = 40


@dataclass(frozen=True, eq=False)
class ModelTarget:
    """A valid model of the run: its report data and its file (each one is distinct)."""

    report: Report
    path: Path


@dataclass
class Session:
    jira: JiraClient
    settings: JiraSettings
    outcome: Outcome
    dry_run: bool = False
    #: Waits before looking again at a change whose answer was lost.
    pause: Callable[[float], None] = time.sleep

    def find_issues(self, models: Iterable[ModelTarget]) -> dict[ControlKey, list[Issue]]:
        """The issues carrying the labels of ``models``, by the control they track (one
        search, read page by page), oldest first."""
        labels = sorted({model_label(self.settings.label_prefix, m.report.model_id)
                         for m in models})
        found: dict[ControlKey, list[Issue]] = {}
        # A few searches rather than one URL too long for the site.
        for start in range(0, len(labels), LABELS_PER_SEARCH):
            jql = labels_jql(self.settings.project, labels[start:start + LABELS_PER_SEARCH])
            for issue in self.jira.search(jql):
                for key in self.tracked_by(issue):
                    if issue not in found.get(key, []):
                        found.setdefault(key, []).append(issue)
        for issues in found.values():
            issues.sort(key=lambda issue: (issue.number, issue.key))
        return found

    def tracked_by(self, issue: Issue) -> set[ControlKey]:
        """The controls an issue's labels name."""
        keys = set()
        for label in issue.labels:
            parsed = parse_control_label(self.settings.label_prefix, label)
            if parsed is not None:
                keys.add((label_key(parsed[0]), label_key(parsed[1])))
        return keys

    def chosen(self, issues: list[Issue], what: str) -> Issue:
        """The oldest of the issues tracking one control; more than one is reported."""
        if len(issues) > 1:
            others = ", ".join(issue.key for issue in issues[1:])
            self.outcome.warn(f"warning: {what}: several issues track it; using "
                              f"{issues[0].key}, not {others}")
        return issues[0]


def control_key(model_id: str, control_id: str) -> ControlKey:
    return label_key(model_id), label_key(control_id)


#: The retry bounds of a run's requests.
RETRY_POLICY = RetryPolicy()


def wait(seconds: float) -> None:
    """How a run waits (between retries, before looking again)."""
    time.sleep(seconds)


def open_session(settings: JiraSettings, outcome: Outcome, dry_run: bool,
                 env: Mapping[str, str] | None = None) -> Session:
    """A run's session on the configured site, with :data:`RETRY_POLICY` and :func:`wait`."""
    client = connect(settings, env, policy=RETRY_POLICY, sleep=wait)
    return Session(client, settings, outcome, dry_run, pause=wait)


def connect(settings: JiraSettings, env: Mapping[str, str] | None = None, *,
            policy: RetryPolicy | None = None,
            sleep: Callable[[float], None] = time.sleep) -> JiraClient:
    """A client of the configured site; credentials are read (and checked) first, then the
    deployment is asked for unless configured."""
    credentials = credentials_from(env, settings.deployment)
    http = HttpClient(settings.url, credentials, service="Jira", policy=policy, sleep=sleep)
    try:
        deployment = settings.deployment or detect_deployment(http)
    except BaseException:
        http.close()
        raise
    return JiraClient(http, deployment)
