"""``threatgate gaps``: a checklist for every control not implemented yet."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.analysis.gaps import GAP_STATUSES
from threatgate.commands.options import (
    config_option,
    echo,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["markdown", "json"]),
              default="markdown", show_default=True,
              help="markdown: a checklist to read or hand to a coding agent; json: the "
                   "same data for tools.")
@click.option("--control", metavar="ID", default=None, help="Only this control.")
@click.option("--status", type=click.Choice(GAP_STATUSES), default=None,
              help="Only controls in this status.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many controls.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many controls.")
@config_option
@today_option
def gaps(paths: tuple[Path, ...], output_format: str, control: str | None,
         status: str | None, offset: int, limit: int | None, config_path: Path | None,
         today: str | None) -> int:
    """Print, for every control not implemented yet, what to look for and where.

    Covers each control whose status is planned or in_progress (not_applicable and
    wont_do are decisions, not gaps), ordered by remediation leverage: the controls
    that would close the most at-risk objectives come first.

    \b
    Each control's section gives:
      - the objectives it serves, and whether implementing it closes them,
        advances them, only adds defense in depth, or cannot help on its own;
      - the threats it mitigates, with severity and state;
      - the findings recorded for it, with the places checked;
      - a checklist of the evidence `threatgate verify` will look for, one line per
        assertion of the control and of its open findings, e.g. "a function
        `run_query` defined in `src/db.py`", plus the findings' expected evidence;
      - where to look: every path named by those assertions and findings.

    PATHS are model files or folders; without them the configured model folders are
    read. Exit status: 0, or 1 when a model is invalid, 2 for a usage error or input
    that cannot be read.
    """
    from threatgate.analysis.gaps import gaps_follow, gaps_page
    from threatgate.model.discovery import discover
    from threatgate.output.gaps import gaps_json, gaps_markdown
    from threatgate.support.cache import open_cache
    from threatgate.validate.files import cache_salt, options_for, validate_files
    from threatgate.workspace import invalid_models

    config = resolve_config(config_path)
    day = resolve_today(today)
    files = discover(list(paths), config)
    cache = open_cache(cache_salt(config, day)) if config.cache else None
    follow = gaps_follow(day, config.expiring_days)
    report = validate_files(files, options_for(config, day, follow, cache=cache))
    page = gaps_page(report.followed, control=control, status=status, offset=offset,
                     limit=limit)
    render = gaps_json if output_format == "json" else gaps_markdown
    echo(render(page), nl=False)
    invalid = invalid_models(report)
    for bad in invalid:
        echo(f"{terminal_location(bad.path, bad.line, bad.column)}: error: "
                   "cannot be read as a model: "
                   f"{one_line(bad.message)} [{bad.rule}]", err=True)
    if report.unreadable:
        return EXIT_USAGE
    return EXIT_FAILURE if invalid else EXIT_OK
