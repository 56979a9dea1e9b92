"""``threatgate findings add|list|update``: gaps found in the code, kept in the model file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from threatgate.commands.edit_options import edit_config, shown_path
from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.edits.findings import STATUSES
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from threatgate.model.config import find_root
from threatgate.model.vocabulary import FINDING_SEVERITIES
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line

MODEL = click.Path(dir_okay=False, path_type=Path)


def _parse_assertions(ctx: click.Context, param: click.Parameter,
                      values: tuple[str, ...]) -> list[dict[str, Any]]:
    from threatgate.document.errors import EditError
    from threatgate.edits.findings import parse_assertion

    parsed = []
    for value in values:
        try:
            parsed.append(parse_assertion(value))
        except EditError as exc:
            raise click.BadParameter(exc.message) from None
    return parsed


@click.group()
def findings() -> None:
    """Record and track findings: gaps found in the code for a control.

    A finding is kept in the model file, under `findings:`, with the control it
    belongs to, a title, a severity, the places that were checked and the evidence
    expected once the gap is closed. Edits keep every comment and the layout of the
    rest of the file, are refused if they would make the model invalid, are written
    atomically, and are serialised by a lock (MODEL.lock) so that concurrent edits
    never lose one another.

    \b
    Lifecycle:
      discovered   -> acknowledged | dismissed
      acknowledged -> remediated | dismissed
      remediated   -> verified | acknowledged (reopen) | dismissed
      verified     -> acknowledged (reopen: the gap came back)
      dismissed    -> acknowledged (reopen: the dismissal was wrong)
    dismissed needs --reason; remediated needs at least one assertion proving the fix;
    verified needs all of the finding's assertions to pass against the repository.

    Exit status: 0 ok, 1 refused (illegal transition, failing evidence, unknown control,
    an edit that would make the model invalid), 2 usage error or unreadable file.
    """


@findings.command("add")
@click.argument("model", type=MODEL)
@click.option("--control", required=True, metavar="ID",
              help="The control the gap belongs to (a control id of the model).")
@click.option("--title", required=True, help="One-line statement of the gap.")
@click.option("--severity", required=True, type=click.Choice(FINDING_SEVERITIES),
              help="How serious the gap is.")
@click.option("--location", "locations", multiple=True, metavar="PATH[:LINE]",
              help="A place that was checked, e.g. src/api/refund.py:40. Repeatable.")
@click.option("--expected-evidence", metavar="TEXT",
              help="What should be found in the code once the gap is closed.")
@click.option("--description", metavar="TEXT", help="Longer explanation (Markdown).")
@click.option("--tag", "tags", multiple=True, help="A free label. Repeatable.")
@click.option("--id", "finding_id", metavar="ID",
              help="Id of the new finding. Default: F<n>, one past the highest F-number "
                   "the file mentions; an id in use is refused.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True,
              help="text: one line saying what was added; json: the entry written.")
@config_option
@today_option
def add(model: Path, control: str, title: str, severity: str, locations: tuple[str, ...],
        expected_evidence: str | None, description: str | None, tags: tuple[str, ...],
        finding_id: str | None, output_format: str, config_path: Path | None,
        today: str | None) -> None:
    """Record a new finding (status discovered, discovered_on today) in MODEL.

    MODEL is a model file. The finding is appended to its `findings` list in the
    style of the existing entries (the list is created at the end of the file if
    missing); nothing else in the file changes.

    \b
    Example:
      threatgate findings add threatmodels/payments.yaml --control C2 \\
        --title "Rate limit missing on /refund" --severity high \\
        --location src/api/refund.py:40 \\
        --expected-evidence "a limiter decorator on refund()"
    """
    from threatgate.document.transaction import edit_file
    from threatgate.edits.findings import NewFinding, add_finding

    day = resolve_today(today)
    config = edit_config(model, config_path)
    request = NewFinding(control=control, title=title, severity=severity, today=day,
                         locations=locations, expected_evidence=expected_evidence,
                         description=description, tags=tags, finding_id=finding_id)
    outcome = edit_file(model, lambda editor: add_finding(editor, request), today=day,
                        max_depth=config.max_depth, max_bytes=config.max_file_size,
                        rules=config.rules)
    entry = outcome.value
    if output_format == "json":
        echo(json.dumps({"path": shown_path(model), "finding": entry}, indent=2,
                              ensure_ascii=False))
    else:
        echo(f"{terminal_location(shown_path(model))}: added {entry['id']} "
             f"(control {entry['control']}, {entry['severity']}, discovered)")


@findings.command("update")
@click.argument("model", type=MODEL)
@click.argument("finding_id", metavar="FINDING")
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Move the finding to this status (see `threatgate findings --help` for "
                   "the allowed moves).")
@click.option("--reason", metavar="TEXT",
              help="Why the finding is dismissed; required with --status dismissed.")
@click.option("--assertion", "assertions", multiple=True, callback=_parse_assertions,
              metavar="YAML",
              help="Evidence that proves the fix, as a YAML or JSON flow mapping, e.g. "
                   "'{type: pattern_absent, file: src/db.py, pattern: \"execute\\\\(f\"}'. "
                   "Added to the finding's assertions. Repeatable.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True,
              help="text: one line saying what changed; json: the change and verdicts.")
@config_option
@today_option
def update(model: Path, finding_id: str, status: str | None, reason: str | None,
           assertions: list[dict[str, Any]], output_format: str, config_path: Path | None,
           today: str | None) -> None:
    """Move FINDING of MODEL through its lifecycle, or add assertions to it.

    \b
    --status acknowledged   someone owns the gap (also reopens a remediated,
                            verified or dismissed finding; reopening a dismissed
                            one removes its reason)
    --status remediated     the fix is in; the finding must have at least one
                            assertion, given here with --assertion or already there
    --status verified       runs the finding's assertions against the repository
                            holding MODEL (never running commands) and refuses
                            unless every one passes
    --status dismissed      not a real gap or not worth closing; needs --reason

    Without --status, --assertion adds evidence and --reason rewrites the reason of a
    dismissed finding. Only the finding's entry changes in the file.

    \b
    Example:
      threatgate findings update threatmodels/shop.yaml F1 --status remediated \\
        --assertion '{type: pattern_absent, file: src/db.py, pattern: "execute\\\\(f"}'
    """
    from threatgate.document.transaction import edit_file
    from threatgate.edits.findings import FindingUpdate, update_finding

    day = resolve_today(today)
    config = edit_config(model, config_path)
    root = find_root(model.resolve().parent) if model.exists() else Path.cwd()
    request = FindingUpdate(status=status, reason=reason, assertions=assertions, root=root)
    outcome = edit_file(model, lambda editor: update_finding(editor, finding_id, request),
                        today=day, max_depth=config.max_depth,
                        max_bytes=config.max_file_size, rules=config.rules)
    result = outcome.value
    verdicts = [{"assertion": i + 1, "status": v.status, "reason": v.reason}
                for i, v in sorted(result.verdicts.items())]
    if output_format == "json":
        echo(json.dumps({"path": shown_path(model), "id": result.finding_id,
                               "from": result.before, "to": result.after,
                               "reopened": result.reopened,
                               "assertions_added": result.added_assertions,
                               "reason_removed": result.reason_removed,
                               "verdicts": verdicts}, indent=2, ensure_ascii=False))
        return
    notes = []
    if result.added_assertions:
        notes.append(f"{result.added_assertions} assertion(s) added")
    if result.reopened:
        notes.append("reopened")
    if result.reason_removed:
        notes.append("the dismissal reason was removed; the history keeps it")
    move = (f"{result.before} -> {result.after}" if result.before != result.after
            else f"still {result.after}")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    echo(f"{terminal_location(shown_path(model))}: {result.finding_id} {move}{suffix}")
    for verdict in verdicts:
        echo(f"  #{verdict['assertion']} {verdict['status']}: {one_line(verdict['reason'])}")


@findings.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--status", type=click.Choice(STATUSES), default=None,
              help="Only findings in this status.")
@click.option("--control", metavar="ID", default=None, help="Only findings of this control.")
@click.option("--severity", type=click.Choice(FINDING_SEVERITIES), default=None,
              help="Only findings of this severity.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True, help="Output format.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many rows.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many rows.")
@config_option
@today_option
def list_findings(paths: tuple[Path, ...], status: str | None, control: str | None,
                  severity: str | None, output_format: str, offset: int, limit: int | None,
                  config_path: Path | None, today: str | None) -> int:
    """List the findings of the models, filtered, then paged.

    PATHS are model files or folders; without them the configured model folders
    (default: threatmodels/) are read. Rows come in file order, one per finding, with
    the model, id, severity, status, control and title (JSON adds the file and line).
    Models that are not valid are reported on stderr and exit with status 1.
    """
    from threatgate.analysis.listings import Page, listing
    from threatgate.output import assessment as render
    from threatgate.workspace import load_workspace

    config = resolve_config(config_path)
    workspace = load_workspace(paths, config, resolve_today(today), progress=progress_bar)
    rows = listing(workspace.assessments, "findings", status=status, control=control).rows
    if severity:
        rows = [row for row in rows if row["severity"] == severity]
    page = Page("findings", len(rows), offset, limit,
                rows[offset: offset + limit if limit is not None else None])
    text = {"text": render.page_text, "json": render.page_json,
            "markdown": render.page_markdown}[output_format](page)
    echo(text, nl=False)
    invalid = workspace.invalid
    for bad in invalid:
        echo(f"{terminal_location(bad.path, bad.line, bad.column)}: error: "
                   "cannot be read as a model: "
                   f"{one_line(bad.message)} [{bad.rule}]", err=True)
    if workspace.report.unreadable:
        return EXIT_USAGE
    return EXIT_FAILURE if invalid else EXIT_OK
