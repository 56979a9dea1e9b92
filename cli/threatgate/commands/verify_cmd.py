"""``threatgate verify``: check the controls' assertions against the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from threatgate.commands.options import (
    config_option,
    parse_outputs,
    resolve_config,
    resolve_today,
    today_option,
    write_outputs,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError

FORMATS = ["text", "json", "github", "markdown", "junit", "sarif"]


def _git(root: Path, *args: str) -> list[str] | None:
    """Lines printed by a git command in ``root``, or None outside a git repository."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return [line for line in done.stdout.splitlines() if line]


def changed_files(root: Path, base: str | None) -> set[str]:
    """Files changed against ``base`` (default HEAD), uncommitted and untracked included."""
    changed = _git(root, "diff", "--name-only", "--relative", base or "HEAD")
    if changed is None:
        raise InputError("--changed-files needs a git repository"
                         + (f" holding {base!r}" if base else ""))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard") or []
    return set(changed) | set(untracked)


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
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="What to print on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report to FILE (repeatable), e.g. json=verify.json.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=8, show_default=True,
              help="Assertions checked at the same time.")
@config_option
@today_option
def verify(paths: tuple[Path, ...], controls: tuple[str, ...], changed_files_only: bool,
           baseline: str | None, allow_commands: bool, update_findings: bool,
           output_format: str,
           outputs: tuple[str, ...], jobs: int, config_path: Path | None,
           today: str | None) -> None:
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
    from threatgate.output import verification as render
    from threatgate.validate.files import ValidateOptions, validate_files
    from threatgate.verify.base import WorkingTree
    from threatgate.verify.results import VerifyReport
    from threatgate.verify.runner import compare, planned_assertions, run_assertions

    config = resolve_config(config_path)
    day = resolve_today(today)
    targets = parse_outputs(outputs, FORMATS)
    files = discover(list(paths), config)
    validation = validate_files(files, ValidateOptions(
        today=day, max_file_size=config.max_file_size, max_depth=config.max_depth,
        rules=dict(config.rules), follow=planned_assertions))
    planned = [p for result in validation.files for p in (result.extra or [])]
    invalid = [result for result in validation.files if result.extra is None]
    if controls:
        planned = [p for p in planned if p.control in controls]
    if changed_files_only:
        from threatgate.verify.base import REGISTRY, glob_matcher

        changed = changed_files(config.root, baseline)
        kept = []
        for p in planned:
            known = REGISTRY.get(p.type)
            params = [str(p.assertion[k]) for k in (known.path_params if known else ())
                      if k in p.assertion]
            if any(glob_matcher(param)(path) for param in params for path in changed):
                kept.append(p)
        planned = kept
    tree = WorkingTree(config.root)
    bar = None
    if len(planned) >= 100 and sys.stderr.isatty():
        bar = click.progressbar(length=len(planned), label="verifying", file=sys.stderr)
    if bar is not None:
        with bar:
            results = run_assertions(planned, tree, allow_commands=allow_commands,
                                     workers=jobs, progress=bar.update)
    else:
        results = run_assertions(planned, tree, allow_commands=allow_commands, workers=jobs)
    head = _git(config.root, "rev-parse", "HEAD")
    report = VerifyReport(results, commit=head[0] if head else None, baseline=baseline)
    if baseline:
        from threatgate.verify.gittree import GitTree

        before = run_assertions(planned, GitTree(config.root, baseline), workers=1)
        report.drift = compare(before, results)
    write_outputs(targets, lambda kind: render.render(report, kind))
    if update_findings:
        from threatgate.document.editor import edit_file
        from threatgate.edits.findings import promote_remediated

        for result in validation.files:
            if result.extra is None:
                continue
            path = next(f.path for f in files if f.display == result.display)
            outcome = edit_file(path, lambda editor: promote_remediated(editor, config.root),
                                today=day, max_depth=config.max_depth,
                                max_bytes=config.max_file_size, rules=config.rules)
            for finding_id in outcome.value:
                click.echo(f"{result.display}: finding {finding_id} remediated -> verified",
                           err=True)
    click.echo(render.render(report, output_format), nl=False)
    for result in invalid:
        first = next((d for d in result.diagnostics if d.severity == "error"), None)
        where = f"{first.line}:{first.column}: {first.message}" if first else "invalid"
        click.echo(f"{result.display}:{where}: model is not valid; its assertions were not "
                   "checked", err=True)
    if validation.unreadable:
        raise click.exceptions.Exit(EXIT_USAGE)
    failed = bool(report.blocking or report.drift.drifted or invalid)
    raise click.exceptions.Exit(EXIT_FAILURE if failed else EXIT_OK)
