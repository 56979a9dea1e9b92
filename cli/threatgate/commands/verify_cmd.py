"""``threatgate verify``: check the controls' assertions against the code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from threatgate.commands.options import (
    config_option,
    echo,
    parse_outputs,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
    write_outputs,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line
from threatgate.output.registry import format_names, render

if TYPE_CHECKING:
    import datetime as dt

    from threatgate.model.config import Config
    from threatgate.model.discovery import ModelFile
    from threatgate.validate.files import FileResult
    from threatgate.verify.results import VerifyReport
    from threatgate.verify.runner import AssertionResult, PlannedAssertion


def changed_files(root: Path, base: str | None) -> set[str]:
    """Files changed against ``base`` (default HEAD), uncommitted and untracked included."""
    from threatgate.support.git import changed_paths

    try:
        return changed_paths(root, base or "HEAD")
    except InputError:
        raise InputError("--changed-files needs a git repository"
                         + (f" holding {base!r}" if base else "")) from None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--control", "controls", multiple=True, metavar="ID",
              help="Only the assertions of this control (repeatable).")
@click.option("--changed-files", "changed_files_only", is_flag=True,
              help="Only assertions whose evidence files changed against --baseline (or "
                   "HEAD), uncommitted and untracked files included.")
@click.option("--baseline", metavar="REF",
              help="Also check the assertions against this git reference (read from git "
                   "objects, no checkout) and report drift: assertions that passed there "
                   "and fail now, and evidence that changed while still passing.")
@click.option("--allow-commands", is_flag=True,
              help="Run command_succeeds assertions. Off by default: a pull request could "
                   "otherwise make CI run any command.")
@click.option("--update-findings", is_flag=True,
              help="Mark verified, in the model files, every remediated finding whose "
                   "linked assertions all pass (the file is edited in place).")
@click.option("--format", "output_format", type=click.Choice(format_names("verify")),
              default="text", show_default=True, help="What to print on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report to FILE (repeatable), e.g. json=verify.json.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=8, show_default=True,
              help="Commands (--allow-commands) run at the same time; a large run (256 "
                   "evidence checks or more) also checks its evidence in up to this many "
                   "processes, one per core. 1: everything in one process.")
@config_option
@today_option
def verify(paths: tuple[Path, ...], controls: tuple[str, ...], changed_files_only: bool,
           baseline: str | None, allow_commands: bool, update_findings: bool,
           output_format: str,
           outputs: tuple[str, ...], jobs: int, config_path: Path | None,
           today: str | None) -> int:
    """Check every assertion of the models' controls against the repository.

    Assertions are evaluated without running the repository's code: files are read,
    Python is parsed with its syntax tree, other languages are matched with their
    comments and strings blanked, regular expressions run with a time limit. Paths
    must stay inside the repository (no absolute paths, no '..', no symbolic link
    leaving it) and evidence files over 5 MB are refused. A control is verified when
    it has assertions and all of them pass.

    The JSON report records the commit, a digest of every evidence file read (path
    and content hash) and a hash of the assertions and their verdicts.

    Exit status: 0, or 1 when an assertion of an implemented control fails (or cannot
    be checked), or a model is invalid; 2 for a usage error.
    """
    import threatgate.verify  # noqa: F401  (registers the assertion types)
    from threatgate.model.discovery import discover
    from threatgate.validate.files import options_for, validate_files
    from threatgate.verify.runner import planned_assertions

    config = resolve_config(config_path)
    day = resolve_today(today)
    targets = parse_outputs(outputs, format_names("verify"))
    files = discover(list(paths), config)
    validation = validate_files(files, options_for(config, day, planned_assertions))
    planned = [p for found in validation.followed for p in found]
    invalid = [result for result in validation.files if result.followed is None]
    if controls:
        planned = [p for p in planned if p.control in controls]
    if changed_files_only:
        planned = _touching(planned, changed_files(config.root, baseline))
    report = _verify(planned, config, baseline, allow_commands, jobs)
    write_outputs(targets, lambda kind: render("verify", kind, report))
    if update_findings:
        _update_findings(validation.files, files, config, day)
    echo(render("verify", output_format, report), nl=False,
         workflow_commands=output_format == "github")
    for result in invalid:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        where = (f"{terminal_location(result.display, first.line, first.column)}: "
                 f"{one_line(first.message)}" if first
                 else f"{terminal_location(result.display)}:invalid")
        echo(f"{where}: model is not valid; its assertions were not checked", err=True)
    if validation.unreadable:
        return EXIT_USAGE
    failed = bool(report.blocking or report.drift.drifted or invalid)
    return EXIT_FAILURE if failed else EXIT_OK


def _touching(planned: list[PlannedAssertion], changed: set[str]) -> list[PlannedAssertion]:
    """The assertions whose evidence files (by their path parameters) are among ``changed``."""
    from threatgate.verify.base import REGISTRY, glob_matcher

    kept = []
    for p in planned:
        known = REGISTRY.get(p.type)
        params = [str(p.assertion[k]) for k in (known.path_params if known else ())
                  if k in p.assertion]
        if any(glob_matcher(param)(path) for param in params for path in changed):
            kept.append(p)
    return kept


def _verify(planned: list[PlannedAssertion], config: Config, baseline: str | None,
            allow_commands: bool, jobs: int) -> VerifyReport:
    """Check the assertions in the working tree (and at ``baseline``, for drift)."""
    from threatgate.verify.base import WorkingTree
    from threatgate.verify.results import VerifyReport, check_drift
    from threatgate.verify.runner import run_assertions

    tree = WorkingTree(config.root)
    results: list[AssertionResult]
    with progress_bar(len(planned), "verifying", 100) as advance:
        results = run_assertions(planned, tree, allow_commands=allow_commands, workers=jobs,
                                 progress=advance)
    from threatgate.support.git import head_commit

    report = VerifyReport(results, commit=head_commit(config.root), baseline=baseline,
                          root=str(config.root.resolve()))
    check_drift(report, planned, config.root)
    return report


def _update_findings(results: list[FileResult[Any]], files: list[ModelFile], config: Config,
                     day: dt.date) -> None:
    """Mark verified every remediated finding whose linked assertions all pass."""
    from threatgate.document.transaction import edit_file
    from threatgate.edits.findings import promote_remediated

    for result in results:
        if result.followed is None:
            continue
        path = next(f.path for f in files if f.display == result.display)
        outcome = edit_file(path, lambda editor: promote_remediated(editor, config.root),
                            today=day, max_depth=config.max_depth,
                            max_bytes=config.max_file_size, rules=config.rules)
        for finding_id in outcome.value:
            echo(f"{terminal_location(result.display)}: finding {finding_id} remediated "
                 "-> verified", err=True)
