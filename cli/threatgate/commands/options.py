"""Options shared by several commands, and the helpers that turn them into core inputs."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from threatgate.errors import InputError
from threatgate.model.config import Config, load_config
from threatgate.model.dates import TODAY_ENV, today

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


def parse_outputs(values: tuple[str, ...], formats: list[str]) -> list[tuple[str, Path]]:
    """``--output FORMAT=FILE`` values, checked before any work is done."""
    parsed = []
    for value in values:
        kind, _, target = value.partition("=")
        if kind not in formats or not target:
            raise InputError(f"--output {value!r}: write FORMAT=FILE with FORMAT one of "
                             f"{', '.join(formats)}")
        parsed.append((kind, Path(target)))
    return parsed


def write_outputs(targets: list[tuple[str, Path]], render: Callable[[str], str]) -> None:
    """Write each requested report, creating folders; a write error is a usage error."""
    for kind, target in targets:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(kind), encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--output {kind}={target}: cannot write: "
                             f"{exc.strerror or exc}") from None


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal's standard error; nothing when it is not a terminal."""
    if not sys.stderr.isatty():
        yield lambda _count: None
        return
    with click.progressbar(length=total, label="assessing", file=sys.stderr) as bar:
        yield bar.update
