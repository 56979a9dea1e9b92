"""Options shared by several commands, and the helpers that turn them into core inputs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from threatgate.config import Config, load_config
from threatgate.dates import TODAY_ENV, today

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file (threatgate.toml or pyproject.toml). Default: found at the "
        "repository root above the current folder.",
    )(func)


def today_option(func: F) -> F:
    return click.option(
        "--today",
        metavar="YYYY-MM-DD",
        envvar=TODAY_ENV,
        show_envvar=True,
        help="Date used for expiry checks instead of today's UTC date, for reproducible runs.",
    )(func)


def resolve_config(config_path: Path | None) -> Config:
    return load_config(Path.cwd(), config_path)


def resolve_today(value: str | None) -> dt.date:
    return today(value)
