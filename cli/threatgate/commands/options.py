"""Options shared by several commands, the helpers that turn them into core inputs, and
the one way a command prints (:func:`echo`)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from threatgate.commands.replay import note_output
from threatgate.errors import InputError
from threatgate.model.config import CONFIG_FILE, PYPROJECT, Config, load_config
from threatgate.model.dates import TODAY_ENV, today
from threatgate.output.escape.terminal import terminal_lines
from threatgate.support.outputs import Protected, check_file, write_file

F = TypeVar("F", bound=Callable[..., Any])


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Settings file (threatgate.toml or pyproject.toml). Default: found at the "
        "repository root above the current folder.",
    )(func)


def models_only_option(func: F) -> F:
    return click.option(
        "--models-only",
        is_flag=True,
        help="Skip the given files that are not model files by the settings (outside the "
        "configured model folders, or excluded): for hooks that pass every changed YAML "
        "file.",
    )(func)


def model_paths(paths: tuple[Path, ...], models_only: bool, config: Config) -> list[Path]:
    """The paths to check; with ``models_only``, only those that are model files."""
    if not models_only:
        return list(paths)
    from threatgate.model.discovery import in_model_folders

    return [path for path in paths if in_model_folders(path, config)]


def today_option(func: F) -> F:
    return click.option(
        "--today",
        metavar="YYYY-MM-DD",
        envvar=TODAY_ENV,
        show_envvar=True,
        help="Date used for expiry checks instead of today's UTC date, for reproducible runs.",
    )(func)


#: Where :func:`resolve_config` leaves the settings for the rest of the command.
CONFIG_KEY = "threatgate.config"


def resolve_config(config_path: Path | None) -> Config:
    """The settings of the command, kept in its click context for :func:`write_outputs`.

    A command run with ``--no-cache`` checks the settings afresh too."""
    context = click.get_current_context(silent=True)
    fresh = context is not None and bool(context.params.get("no_cache"))
    config = load_config(Path.cwd(), config_path, remember=not fresh)
    if context is not None:
        context.meta[CONFIG_KEY] = config
    return config


def command_config() -> Config:
    """The settings the running command resolved (those of the current folder if none)."""
    context = click.get_current_context(silent=True)
    found = context.meta.get(CONFIG_KEY) if context is not None else None
    return found if isinstance(found, Config) else resolve_config(None)


def protected_paths(config: Config) -> Protected:
    """What no output of the command may replace: the model folders and the settings."""
    files = [config.root / CONFIG_FILE, config.root / PYPROJECT]
    if config.source is not None:
        files.append(config.source)
    return Protected.of(config.model_dirs, files)


def resolve_today(value: str | None) -> dt.date:
    return today(value)


def parse_outputs(values: tuple[str, ...], formats: list[str]) -> list[tuple[str, Path]]:
    """``--output FORMAT=FILE`` values, checked (also against the write rule of
    :mod:`threatgate.support.outputs`) before any work is done."""
    parsed = []
    for value in values:
        kind, _, target = value.partition("=")
        if kind not in formats or not target:
            raise InputError(f"--output {value!r}: write FORMAT=FILE with FORMAT one of "
                             f"{', '.join(formats)}")
        parsed.append((kind, Path(target)))
    if parsed:
        protected = protected_paths(command_config())
        for kind, path in parsed:
            check_file(path, protected, label=f"--output {kind}={path}", what="the report")
    return parsed


def write_outputs(targets: list[tuple[str, Path]], render: Callable[[str], str]) -> None:
    """Write each requested report under the write rule; a refusal or write error is a
    usage error."""
    if not targets:
        return
    protected = protected_paths(command_config())
    for kind, target in targets:
        write_file(target, render(kind).encode("utf-8"), protected,
                   label=f"--output {kind}={target}", what="the report")


@contextmanager
def progress_bar(total: int, label: str = "assessing",
                 minimum: int = 200) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal's standard error for ``total`` steps, yielding the
    callback that advances it; None for short runs or when stderr is not a terminal."""
    if total < minimum or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def echo(text: str = "", *, err: bool = False, nl: bool = True,
         workflow_commands: bool = False) -> None:
    """Print ``text`` on standard output (or error), every line escaped for the terminal or
    CI log it reaches.

    The parts of a line (file names, model text) are escaped where the line is built;
    this is the last guard, so that nothing a repository holds can print a control
    sequence or start a GitHub Actions workflow command
    (:func:`threatgate.output.escape.terminal.terminal_lines`). ``workflow_commands``:
    the text is annotations written by
    :func:`threatgate.output.escape.workflow.workflow_command`.
    """
    shown = terminal_lines(text, workflow_commands=workflow_commands)
    note_output(shown + "\n" if nl else shown, err=err)
    click.echo(shown, err=err, nl=nl)
