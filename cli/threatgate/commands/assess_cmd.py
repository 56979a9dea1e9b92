"""``threatgate assess``: the posture of every model, summaries first, details on request."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.analysis.listings import LISTINGS, STATUSES
from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from threatgate.model.config import SETTING_MAXIMA
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="Output format.")
@click.option("--details", is_flag=True,
              help="With the summary: what is still open (highest first), objectives at "
                   "risk and why, the review queue and remediation leverage.")
@click.option("--list", "listing_name", type=click.Choice(LISTINGS), default=None,
              help="Instead of the summary, list one kind of row across the models: "
                   "threats, objectives, controls, findings, queue (what needs a human "
                   "next), leverage (controls ranked by the at-risk objectives they would "
                   "close) or expiring (acceptances and attestations).")
@click.option("--status", default=None,
              help="With --list: only rows in this state, e.g. open (threats), at_risk "
                   "(objectives), planned or verified (controls), acknowledged (findings), "
                   "expired (expiring).")
@click.option("--control", default=None, metavar="ID",
              help="With --list: only rows about this control.")
@click.option("--objective", default=None, metavar="ID",
              help="With --list: only rows about this objective.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="With --list: skip this many rows.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="With --list: show at most this many rows.")
@click.option("--expiring-days", type=click.IntRange(0, SETTING_MAXIMA["expiring_days"][0]),
              default=None,
              help="Acceptances and attestations running out within this many days count "
                   "as expiring (default 30, or expiring_days in the settings).")
@click.option("--no-cache", is_flag=True,
              help="Validate every model afresh instead of reusing cached results.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Check the controls' assertions first (as `threatgate verify`, without "
                   "commands), so that objectives reach the verified level and failing "
                   "evidence shows.")
@config_option
@today_option
def assess(paths: tuple[Path, ...], output_format: str, details: bool,
           listing_name: str | None, status: str | None, control: str | None,
           objective: str | None, offset: int, limit: int | None,
           expiring_days: int | None, no_cache: bool, run_verify: bool,
           config_path: Path | None,
           today: str | None) -> int:
    """Compute the posture of each model and of the repository.

    \b
    For each model:
      - threats by severity (likelihood x impact: >= 20 critical, >= 12 high,
        >= 6 medium, else low; unscored without both), mitigated / accepted /
        open, and the mitigation ratio;
      - control objectives mitigated by controls or by an attested assumption,
        at risk with a reason (missing_controls, insufficient_by_design,
        pending_attestation, expired_attestation, failing_evidence,
        no_mitigation_group) or unassessed; how many are verified;
      - controls by status (defined / implemented / verified), findings by
        status, acceptances and attestations expired or expiring;
      - the review queue and remediation leverage (with --details or --list).

    Models that are not valid are reported and cannot be assessed. Exit status: 0,
    or 1 when a model is invalid, 2 for a usage error.
    """
    from dataclasses import replace

    from threatgate.analysis.listings import listing
    from threatgate.output import assessment as render
    from threatgate.workspace import load_workspace

    if listing_name is None and (status or control or objective or offset or limit):
        raise click.UsageError("--status, --control, --objective, --offset and --limit "
                               "apply to a listing: add --list")
    if listing_name and status and status not in STATUSES[listing_name]:
        allowed = ", ".join(STATUSES[listing_name]) or "none"
        raise click.BadParameter(f"{status!r} is not a status of {listing_name} "
                                 f"(one of: {allowed})", param_hint="--status")
    config = resolve_config(config_path)
    if expiring_days is not None:
        config = replace(config, expiring_days=expiring_days)
    day = resolve_today(today)
    workspace = load_workspace(paths, config, day, verify=run_verify, use_cache=not no_cache,
                               progress=progress_bar)
    invalid = workspace.invalid
    if listing_name:
        page = listing(workspace.assessments, listing_name, status=status, control=control,
                       objective=objective, offset=offset, limit=limit)
        text = {"text": render.page_text, "json": render.page_json,
                "markdown": render.page_markdown}[output_format](page)
    elif output_format == "json":
        text = render.summary_json(workspace.assessments, invalid, day.isoformat(), details)
    elif output_format == "markdown":
        text = render.summary_markdown(workspace.assessments, invalid, details)
    else:
        text = render.summary_text(workspace.assessments, invalid, details)
    echo(text, nl=False)
    for bad in invalid:
        echo(f"{terminal_location(bad.path, bad.line, bad.column)}: error: "
                   f"cannot be assessed: {one_line(bad.message)} [{bad.rule}]", err=True)
    if workspace.report.unreadable:
        return EXIT_USAGE
    return EXIT_FAILURE if invalid else EXIT_OK
