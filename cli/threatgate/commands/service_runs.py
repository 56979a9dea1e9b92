"""What the commands of the web-service integrations (jira, confluence) share: the models
of a run, read and validated, with the invalid ones counted as failed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from threatgate.commands.options import echo
from threatgate.errors import InputError
from threatgate.model.config import Config

if TYPE_CHECKING:
    from threatgate.integrations.outcome import Outcome
    from threatgate.views.reports import SiteModel


def say(line: str, problem: bool) -> None:
    """How a run prints: problems on standard error, the rest on standard output."""
    echo(line, err=problem)


def valid_models(models: tuple[str, ...], config: Config, day: dt.date,
                 outcome: Outcome) -> list[SiteModel]:
    """The valid models named (every model of the configured folders without any); the
    invalid ones are counted as failed. An unknown model id is a usage error (exit 2)."""
    from threatgate.model.discovery import model_file
    from threatgate.views.reports import load_reports
    from threatgate.workspace import load_workspace

    paths = []
    for given in models:
        path = model_file(Path(given), config)
        if path is None:
            raise InputError(f"no model with id {given!r} in {', '.join(config.models)} "
                             "(give a model id or a .yaml file)")
        paths.append(path)
    workspace = load_workspace(tuple(paths), config, day, keep_data=True)
    loaded = load_reports(workspace, config)
    for invalid in loaded.invalid:
        outcome.fail(f"{invalid.path}: not a valid model, skipped: {invalid.problem}")
    return loaded.models
