"""``threatgate jira push|sync``: controls become Jira issues, their status comes back.

Settings from ``[jira]`` in threatgate.toml, credentials from the environment only
(``JIRA_EMAIL`` + ``JIRA_API_TOKEN``, or ``JIRA_PAT``). Every run prints what it does, ends
with a summary (created / updated / transitioned / unchanged / failed) and exits 1 when
anything failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threatgate.commands.options import (
    config_option,
    echo,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.commands.service_runs import say, valid_models
from threatgate.errors import EXIT_FAILURE, EXIT_OK, ThreatgateError
from threatgate.model.config import CONFIG_FILE, Config

if TYPE_CHECKING:
    from threatgate.integrations.jira.session import ModelTarget, Session
    from threatgate.integrations.outcome import Outcome



def load_targets(models: tuple[str, ...], config: Config, day: dt.date,
                 outcome: Outcome) -> list[ModelTarget]:
    """The valid models named (all of the configured folders without any); the others
    are counted as failed."""
    from threatgate.integrations.jira.session import ModelTarget

    return [ModelTarget(m.report, config.root / m.report.path)
            for m in valid_models(models, config, day, outcome)]


def run(verb: str, models: tuple[str, ...], dry_run: bool, config_path: Path | None,
        today: str | None, work: Callable[[Session, list[ModelTarget], Config, dt.date], None],
        ) -> int:
    """Settings and credentials first (exit 2 naming what is missing), then the models,
    then ``work`` on a connected session; the summary always ends the run."""
    from threatgate.integrations.http import HttpError
    from threatgate.integrations.jira.session import open_session
    from threatgate.integrations.jira.settings import credentials_from, jira_settings
    from threatgate.integrations.outcome import Outcome

    config = resolve_config(config_path)
    settings = jira_settings(config.jira, str(config.source or CONFIG_FILE))
    credentials_from(None, settings.deployment)
    day = resolve_today(today)
    outcome = Outcome(say, dry_run, service="jira")
    targets = load_targets(models, config, day, outcome)
    try:
        session = open_session(settings, outcome, dry_run)
    except HttpError as exc:
        outcome.fail(f"error: {exc}")
    else:
        try:
            work(session, targets, config, day)
        finally:
            session.jira.http.close()
    echo(outcome.summary(verb))
    return EXIT_FAILURE if outcome.failed else EXIT_OK


@click.group("jira")
def jira() -> None:
    """Jira: controls that are work to do become issues, and the issues' status comes
    back into the models.

    \b
    Settings: the [jira] table of threatgate.toml (url, project, issue_type, parent,
    label_prefix, status_map, wont_do_transition, deployment, site_url).
    Credentials, from the environment only: JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud)
    or JIRA_PAT (Data Center). See docs/jira.md.

    Exit status: 0 ok, 1 something failed (listed, and counted in the summary), 2 a
    missing setting or credential, or an unknown model.
    """


MODELS = click.argument("models", nargs=-1, metavar="[MODEL]...")
DRY_RUN = click.option("--dry-run", is_flag=True,
                       help="Read from Jira and say what would change; write nothing, "
                            "neither to Jira nor to the models.")


@jira.command("push")
@MODELS
@DRY_RUN
@click.option("--record", is_flag=True,
              help="Write each control's issue key into its `tickets` in the model.")
@config_option
@today_option
def push(models: tuple[str, ...], dry_run: bool, record: bool, config_path: Path | None,
         today: str | None) -> int:
    """Create one issue per control that is work to do (planned or in_progress).

    MODEL is a model file or id; without any, every model of the configured folders.
    Each issue carries the labels PREFIX:MODEL and PREFIX:MODEL:CONTROL; a search for
    them comes before any create, so running push again never duplicates an issue.
    An existing issue is updated when its summary or description would change. The
    issue of a control removed from the model, or set to not_applicable or wont_do, is
    closed with the [jira] wont_do_transition and one comment saying why.
    """
    def work(session: Session, targets: list[ModelTarget], config: Config,
             day: dt.date) -> None:
        from threatgate.integrations.jira.push import run_push

        pushed = run_push(session, targets)
        if record:
            record_keys(session, pushed.keys, config, day)

    return run("push", models, dry_run, config_path, today, work)


def record_keys(session: Session, keys: dict[ModelTarget, dict[str, str]], config: Config,
                day: dt.date) -> None:
    from threatgate.integrations.jira.writeback import record_tickets

    verb = "would record" if session.dry_run else "recorded"
    for target, by_control in keys.items():
        if not by_control:
            continue
        try:
            outcome = record_tickets(target.path, by_control, config, day, session.dry_run)
        except ThreatgateError as exc:  # the edit was refused: nothing written
            session.outcome.fail(f"{target.report.path}: the issue keys were not recorded: "
                                 f"{exc.message}")
            continue
        for control_id in outcome.value:
            echo(f"{target.report.path}: {verb} {by_control[control_id]} in the tickets of "
                 f"control {control_id}")


@jira.command("sync")
@MODELS
@DRY_RUN
@config_option
@today_option
def sync(models: tuple[str, ...], dry_run: bool, config_path: Path | None,
         today: str | None) -> int:
    """Set each control's status from its issue's, per [jira] status_map.

    The YAML is edited in place (comments and layout kept, validated, atomic, locked),
    with a dated note in the control's notes naming the issue; every change is printed,
    and a control moving back from implemented is reported as a warning.
    """
    def work(session: Session, targets: list[ModelTarget], config: Config,
             day: dt.date) -> None:
        from threatgate.integrations.jira.sync import run_sync

        run_sync(session, targets, config, day, {t: t.report.path for t in targets})

    return run("sync", models, dry_run, config_path, today, work)
