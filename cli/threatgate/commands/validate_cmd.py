"""``threatgate validate``: schema and semantic checks of model files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from threatgate.commands.options import (
    config_option,
    echo,
    model_paths,
    models_only_option,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from threatgate.output.registry import format_names
from threatgate.validate.files import ValidateOptions, ValidationReport


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(format_names("validation")),
    default="text",
    show_default=True,
    help="text: one 'path:line:col: severity: message [rule]' line per problem; "
    "json: a machine-readable report; github: workflow annotations.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Check every file afresh instead of reusing results of unchanged files (or "
    "replaying an identical earlier run that passed).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes; 0 uses every core.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary line.")
@models_only_option
@config_option
@today_option
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    strict: bool,
    no_cache: bool,
    jobs: int,
    quiet: bool,
    models_only: bool,
    config_path: Path | None,
    today: str | None,
) -> int:
    """Check model files against the schema and the semantic rules.

    PATHS are model files or folders searched recursively for *.yaml and *.yml; without
    them, the configured model folders (default: threatmodels/) are checked. Models
    anywhere on disk can be checked; the repository only supplies the settings.

    \b
    Checks, each reported with its rule id:
      - YAML that is safe and plain: no anchors, aliases, custom tags, duplicate keys,
        tabs or multiple documents; UTF-8; within the size and depth limits
      - the JSON Schema in schemas/ (unknown keys, types, enums, required fields)
      - ids unique within a model, model ids unique across the repository
      - every reference resolves to an entity of the right kind
      - explicit severity only on unscored threats; real calendar dates
      - warnings: unused controls, assets without objectives, attackers in no
        objective, expired acceptances and assumptions, mitigation groups that can
        never complete, compliance frameworks not listed by the model

    Exit status: 0 when no errors were found (warnings fail only with --strict), 1 when
    problems fail validation, 2 for a usage error or input that cannot be read.
    """
    from threatgate.commands.replay import recording_run, remember
    from threatgate.model.discovery import discover
    from threatgate.output.diagnostics import ValidationResult, summary
    from threatgate.output.registry import render
    from threatgate.support.cache import open_cache
    from threatgate.validate.files import cache_salt, options_for, validate_files
    from threatgate.validate.inputs import validation_inputs
    from threatgate.validate.siblings import repository_model_ids

    config = resolve_config(config_path)
    day = resolve_today(today)
    asked = paths
    given = model_paths(paths, models_only, config)
    if paths and not given:
        return EXIT_OK  # --models-only: none of the given files is a model
    paths = tuple(given)
    files = discover(given, config)
    cache = None
    if config.cache and not no_cache:
        cache = open_cache(cache_salt(config, day))
    options: ValidateOptions[None] = options_for(config, day, cache=cache, jobs=jobs)
    others: dict[str, str] = {}
    if paths and any(folder.is_dir() for folder in config.model_dirs):
        others = repository_model_ids(files, config, cache)

    with progress_bar(len(files), "validating") as advance:
        report = validate_files(files, options, others, progress=advance)

    code = exit_code(report, strict)
    result = ValidationResult(report, passed=code == EXIT_OK)
    echo(render("validation", output_format, result), nl=False,
         workflow_commands=output_format == "github")
    if not quiet and output_format != "json":
        echo(summary(report), err=True)
    if code == EXIT_OK and cache is not None and recording_run():
        remember(validation_inputs(config, asked, start=Path.cwd(),
                                   explicit_settings=config_path is not None))
    return code


def exit_code(report: ValidationReport[Any], strict: bool) -> int:
    from threatgate.diagnostics import Severity

    if report.unreadable:
        return EXIT_USAGE
    if report.count(Severity.ERROR) or (strict and report.count(Severity.WARNING)):
        return EXIT_FAILURE
    return EXIT_OK
