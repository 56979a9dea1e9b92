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
    changed under the model folders of either side's configuration (the
    configuration is read at BASE too). Models are matched by id, so a renamed
    or moved model is compared with its former self. Reported: a summary, the
    security regressions most severe first, and per model the entities added,
    removed and changed (list fields as items added and removed), status
    transitions and the posture before -> after.

    \b
    A regression is anything that makes an objective look safer without a
    control becoming active, or that stops something being checked:
      control-status-regressed, control-removed, control-not-applicable,
      assertion-removed, threat-score-lowered, threat-removed, threat-unlinked,
      acceptance-added, acceptance-extended, mitigation-group-shrunk,
      mitigation-group-added, assumption-added, assumption-attested,
      threat-mitigation-added, objective-at-risk, objective-unassessed,
      objective-removed, finding-dismissed, finding-removed,
      finding-severity-lowered, finding-control-changed, model-removed,
      model-unreadable, configuration-weakened (see docs/diff.md).

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
