"""``threatgate diff``: what a change does to the threat models, and its security regressions."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.commands.options import (
    config_option,
    echo,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK


@click.command()
@click.argument("base")
@click.argument("head", required=False)
@click.option("--worktree", is_flag=True,
              help="Compare BASE with the files in the working tree (uncommitted changes "
                   "included) instead of a commit.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="Output format; markdown is a pull-request comment (summary table, "
                   "collapsible details, a hidden marker line, under 65,000 characters).")
@click.option("--fail-on-regression", is_flag=True,
              help="Exit 1 when the change holds a security regression that no "
                   "x-regression-ok note in the model acknowledges.")
@config_option
@today_option
def diff(base: str, head: str | None, worktree: bool, output_format: str,
         fail_on_regression: bool, config_path: Path | None, today: str | None) -> int:
    """Compare the models at git reference BASE with those at HEAD (default: HEAD).

    \b
    Models are read from the git objects (no checkout), only the files that
    changed under the model folders. Models are matched by id, so a renamed or
    moved model is compared with its former self; entities are matched by id.
    Reported per model: entities added, removed and changed field by field,
    status transitions, the posture before -> after, and security regressions:
      control-status-regressed, control-removed, assertion-removed,
      threat-score-lowered, threat-removed, acceptance-added,
      acceptance-extended, mitigation-group-shrunk, objective-at-risk,
      finding-dismissed, finding-removed, model-removed, model-unreadable.

    \b
    A regression is acknowledged (reported, but not failing) by a note added
    to the model at HEAD in the same change:
      x-regression-ok:
        - {kind: threat-score-lowered, entity: T3, reason: "..."}

    Exit status: 0, or 1 with --fail-on-regression when an unacknowledged
    regression is found, 2 for a usage error, a reference that does not exist or
    a folder outside a git repository.
    """
    from threatgate.diff.compare import diff_refs
    from threatgate.output.diff import render

    if worktree and head is not None:
        raise click.UsageError("give either HEAD or --worktree, not both")
    config = resolve_config(config_path)
    day = resolve_today(today)
    result = diff_refs(config, base, head or "HEAD", worktree=worktree, today=day)
    echo(render(result, output_format), nl=False)
    return EXIT_FAILURE if fail_on_regression and result.failing else EXIT_OK
