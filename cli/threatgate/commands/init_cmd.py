"""``threatgate init``: start keeping threat models in this repository."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.commands.options import echo


@click.command()
@click.argument(
    "directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--models-dir",
    default="threatmodels",
    show_default=True,
    help="Folder for the model files, relative to DIRECTORY.",
)
@click.option(
    "--pyproject",
    "use_pyproject",
    is_flag=True,
    help="Put the settings in a [tool.threatgate] table of pyproject.toml instead "
    "of threatgate.toml.",
)
def init(directory: Path, models_dir: str, use_pyproject: bool) -> None:
    """Create threatmodels/ with a commented example model and the settings file.

    Writes threatmodels/<folder-name>.yaml (a small, valid model to edit) and
    threatgate.toml with every setting at its default, adds _site/ to .gitignore, then
    prints the pre-commit configuration to add: validate and fmt on every commit, and
    the gate before a push as a ratchet against the default branch (it fails only on
    what a change adds, so adopting never blocks on the model's first draft). Existing
    files are never overwritten: they are listed as skipped.
    """
    from threatgate.edits.scaffold import IGNORED, init_repository

    directory.mkdir(parents=True, exist_ok=True)
    result = init_repository(directory, models_dir=models_dir, use_pyproject=use_pyproject)
    for path in result.created:
        echo(f"created {path}")
    for path in result.updated:
        echo(f"updated {path} (added {IGNORED}, the site's default output folder)")
    for path in result.skipped:
        echo(f"skipped {path} (exists; left unchanged)")
    echo("\nNext: edit the model, then run `threatgate validate`.")
    echo("To check models on every commit, add this to .pre-commit-config.yaml:\n")
    echo(result.pre_commit_snippet, nl=False)
    base = result.baseline
    width = len(f"threatgate gate --baseline {base}")
    echo(f"\nThe gate starts as a ratchet: before a push it fails only on problems new "
         f"against\n{base} (the thresholds in the settings fail a fresh model on its open "
         "critical and\nhigh threats).\n"
         f"  {'threatgate gate':<{width}}  # everything they fail on today\n"
         f"  {'threatgate gate --baseline ' + base:<{width}}  # only what a change adds "
         "(the same in CI)\n"
         "Remove the --baseline arguments once `threatgate gate` passes.")
