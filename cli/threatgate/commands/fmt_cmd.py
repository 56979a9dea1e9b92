"""``threatgate fmt``: rewrite models into the canonical layout, keeping every comment."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from threatgate.commands.options import (
    config_option,
    echo,
    model_paths,
    models_only_option,
    resolve_config,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from threatgate.model.config import Config
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; list the files that would change and exit 1 if any would.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Write nothing; print a unified diff of the changes (implies --check).",
)
@models_only_option
@config_option
def fmt(paths: tuple[Path, ...], check: bool, show_diff: bool, models_only: bool,
        config_path: Path | None) -> int:
    """Rewrite model files into one canonical layout.

    Keys are put in the order of the schema (threatgate, id, title, ... and, inside each
    entity, id first), mappings indent by two spaces and list items by two more. Comments,
    quoting and inline [lists] are kept. Files are replaced atomically, under the same
    lock as the edit verbs, and a file whose data would change in any way other than
    layout, or that validate refuses, is left untouched.

    PATHS are files or folders; without them the configured model folders are formatted.
    Exit status: 0 when nothing needs to change (or everything was rewritten), 1 with
    --check/--diff when a file would change or when a file cannot be formatted, 2 for
    unreadable input.
    """
    from threatgate.model.discovery import discover

    config = resolve_config(config_path)
    given = model_paths(paths, models_only, config)
    if paths and not given:
        return EXIT_OK  # --models-only: none of the given files is a model
    files = discover(given, config)
    check = check or show_diff
    code = EXIT_OK
    changed = 0
    for item in files:
        if item.refused:
            echo(f"{terminal_location(item.display, 1, 1)}: error: {one_line(item.refused)} "
                 "[symlink-escape]", err=True)
            code = EXIT_USAGE
            continue
        outcome = _format_file(item.path, item.display, config, check)
        if isinstance(outcome, int):
            code = max(code, outcome)
            continue
        raw, formatted = outcome
        if formatted == raw:
            continue
        changed += 1
        if show_diff:
            before = raw.decode("utf-8-sig").splitlines(keepends=True)
            after = formatted.decode("utf-8").splitlines(keepends=True)
            echo(
                "".join(
                    difflib.unified_diff(before, after, f"a/{item.display}", f"b/{item.display}")
                ),
                nl=False,
            )
        elif check:
            echo(f"would reformat {terminal_location(item.display)}")
        else:
            echo(f"reformatted {terminal_location(item.display)}")
        if check:
            code = max(code, EXIT_FAILURE)
    verb = "would be reformatted" if check else "reformatted"
    unchanged = len(files) - changed
    echo(f"{changed} file{'s' * (changed != 1)} {verb}, {unchanged} unchanged", err=True)
    return code


def _format_file(path: Path, display: str, config: Config,
                 check: bool) -> tuple[bytes, bytes] | int:
    """(before, after) of one file, or the exit status once it said why it cannot be
    formatted. Writing happens under the edit lock: an edit verb running meanwhile is
    not lost."""
    from threatgate.document.canonical import FormatError, format_bytes
    from threatgate.document.errors import EditError
    from threatgate.document.transaction import rewrite_file
    from threatgate.model.loader import LoadError, read_bytes

    def canonical(raw: bytes) -> bytes:
        return format_bytes(raw, max_depth=config.max_depth)

    try:
        if check:
            raw = read_bytes(path, config.max_file_size)
            return raw, canonical(raw)
        return rewrite_file(path, canonical, max_bytes=config.max_file_size)
    except EditError as exc:  # the lock: another edit of the file is still running
        echo(f"{terminal_location(display, 1, 1)}: error: {one_line(exc.message)} [{exc.rule}]",
             err=True)
        return exc.exit_code
    except OSError as exc:
        echo(f"{terminal_location(display, 1, 1)}: error: cannot "
             f"{'read' if check else 'rewrite'} file: {one_line(str(exc.strerror or exc))} "
             "[file-unreadable]", err=True)
        return EXIT_USAGE
    except (FormatError, LoadError) as exc:
        echo(f"{terminal_location(display, exc.line, exc.column)}: error: "
             f"{one_line(exc.message)} [{exc.rule}]", err=True)
        return EXIT_FAILURE
