"""``threatgate history``: how each model's posture moved, commit by commit."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.commands.options import config_option, echo, resolve_config
from threatgate.errors import EXIT_OK
from threatgate.output.escape.text import one_line
from threatgate.output.registry import format_names, render


@click.command()
@click.argument("models", nargs=-1, metavar="[MODEL]...")
@click.option("--since", metavar="REF",
              help="Only the commits after git reference REF (REF..HEAD).")
@click.option("--max-count", type=click.IntRange(min=1), metavar="N",
              help="Only the N newest commits that changed a model.")
@click.option("--format", "output_format", type=click.Choice(format_names("history")),
              default="text", show_default=True, help="Output format.")
@click.option("--no-cache", is_flag=True,
              help="Assess every model version afresh instead of reusing cached results.")
@config_option
def history(models: tuple[str, ...], since: str | None, max_count: int | None,
            output_format: str, no_cache: bool, config_path: Path | None) -> int:
    """Show how the posture of the models moved over the git history.

    \b
    Walks the first-parent line of HEAD (a merge counts as the change it brings)
    and, at each commit that changed a model file in the configured model folders,
    assesses the models it changed: threats (by severity, mitigated, open critical
    and high), the mitigation ratio, objectives mitigated / at risk / unassessed
    and controls by status, as `threatgate assess` counts them, on the commit's
    date. MODEL (a model id or a file) limits the history to those models. A model
    is followed by its id, across renames of its file.

    \b
    Only the files a commit changed are read, straight from git (no checkout), and
    each result is cached by the blob's id outside the repository, so a second run
    reads no model at all. A model that cannot be read or is not valid at a commit
    is a gap in its series (listed, not an error); a model whose file is deleted
    ends there. No verification is recorded with a commit, so `verified` is null.
    In a shallow clone the history stops where the clone does, and says so.

    Exit status: 0, or 2 for a usage error, a reference that does not exist or a
    folder outside a git repository.
    """
    from threatgate.history.build import HistoryRequest, build_history

    config = resolve_config(config_path)
    found, _ = build_history(config, HistoryRequest(models, since, max_count, not no_cache))
    echo(render("history", output_format, found), nl=False)
    if output_format != "text":
        for note in found.reach.notes():
            echo(f"threatgate: note: {one_line(note)}", err=True)
    return EXIT_OK
