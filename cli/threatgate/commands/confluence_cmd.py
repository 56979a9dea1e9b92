"""``threatgate confluence publish``: each model as a Confluence page.

Settings from ``[confluence]`` in threatgate.toml, credentials from the environment only
(``CONFLUENCE_EMAIL`` + ``CONFLUENCE_API_TOKEN``, or ``CONFLUENCE_PAT``). Every run prints
what it does, ends with a summary (created / updated / unchanged / failed) and exits 1 when
anything failed.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from threatgate.commands.options import (
    config_option,
    echo,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.commands.service_runs import say, valid_models
from threatgate.errors import EXIT_FAILURE, EXIT_OK
from threatgate.model.config import CONFIG_FILE


@click.group("confluence")
def confluence() -> None:
    """Confluence: each model published as a page of a space.

    \b
    Settings: the [confluence] table of threatgate.toml (url, space, parent_page,
    title, deployment, site_url).
    Credentials, from the environment only: CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN
    (Confluence Cloud) or CONFLUENCE_PAT (Data Center). See docs/confluence.md.

    Exit status: 0 ok, 1 something failed (listed, and counted in the summary), 2 a
    missing setting or credential, or an unknown model.
    """


@confluence.command("publish")
@click.argument("models", nargs=-1, metavar="[MODEL]...")
@click.option("--dry-run", is_flag=True,
              help="Read from Confluence and say which pages would be created or updated; "
                   "write nothing.")
@config_option
@today_option
def publish(models: tuple[str, ...], dry_run: bool, config_path: Path | None,
            today: str | None) -> int:
    """Publish one page per model, in the configured space.

    MODEL is a model file or id; without any, every model of the configured folders.
    A page is found by its title (the [confluence] title template, by default the
    model's title); it is created when absent and updated (version + 1) only when its
    content changed. The data-flow diagram is attached to the page as an SVG file.
    """
    from threatgate.integrations.confluence.publish import publications
    from threatgate.integrations.confluence.session import new_outcome, open_publisher
    from threatgate.integrations.confluence.settings import (
        confluence_settings,
        credentials_from,
    )
    from threatgate.integrations.http import HttpError

    config = resolve_config(config_path)
    settings = confluence_settings(config.confluence, str(config.source or CONFIG_FILE))
    credentials_from(os.environ, settings.deployment)
    day = resolve_today(today)
    outcome = new_outcome(say, dry_run)
    pages = publications([m.report for m in valid_models(models, config, day, outcome)],
                         settings)
    try:
        publisher = open_publisher(settings, outcome, dry_run)
    except HttpError as exc:
        outcome.fail(f"error: {exc.message}")
    else:
        try:
            for page in pages:
                publisher.publish(page)
        finally:
            publisher.pages.close()
    echo(outcome.summary("publish"))
    return EXIT_FAILURE if outcome.failed else EXIT_OK
