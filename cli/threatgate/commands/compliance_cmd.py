"""``threatgate compliance``: frameworks, requirement mappings, coverage and remediation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from threatgate.commands.edit_options import MODEL, edit_config, emit_change, shown_path
from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.compliance.coverage import STATUS_FILTERS
from threatgate.errors import EXIT_FAILURE, EXIT_OK, InputError
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line, one_line_shortened
from threatgate.output.registry import format_names

if TYPE_CHECKING:
    from threatgate.catalogues.library import CatalogueLibrary
    from threatgate.catalogues.model import Catalogue
    from threatgate.document.transaction import EditOutcome
    from threatgate.model.config import Config

FORMATS = click.Choice(["text", "json"])
LEVEL_HELP = ("Requirements in scope at this level: ASVS levels 1-3 are cumulative (2 "
              "counts levels 1 and 2); NIST levels are the baselines low, moderate, high, "
              "privacy. Default: every requirement.")


def _library(config: Config) -> CatalogueLibrary:
    from threatgate.catalogues.library import library_for

    return library_for(config)


@click.group()
def compliance() -> None:
    """Compliance frameworks: catalogues, mappings, coverage and remediation.

    A control answers requirements through its `compliance` list
    (`["asvs-5.0:V1.2.4"]`); `threatgate validate` checks each against the
    framework's catalogue. Shipped catalogues: asvs-5.0 (OWASP ASVS 5.0.0),
    nist-800-53-r5 (the LOW, MODERATE, HIGH and PRIVACY baselines), owasp-top10-2021
    and cwe (the CWE ids of the rule packs); `compliance import` adds a repository's
    own. A model excludes requirements that do not apply under `exclusions:`, each
    with a reason.

    \b
    Coverage, per framework and model, of the requirements in scope:
      covered    mapped, and every control mapping it is implemented
                 (verified too when they are all verified)
      partial    some of its controls implemented, some not
      planned    mapped, none of its controls implemented
      unmapped   no control maps it
      excluded   recorded in exclusions (never a gap)
      coverage = covered / (requirements - excluded)
    """


@compliance.command("list")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@config_option
def list_frameworks(output_format: str, config_path: Path | None) -> int:
    """List the frameworks available, with their requirement counts and levels."""
    from threatgate.compliance.report import framework_rows

    rows = framework_rows(_library(resolve_config(config_path)))
    if output_format == "json":
        echo(json.dumps({"frameworks": rows}, indent=2, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        levels = ", ".join(f"{name} {count}" for name, count in row["levels"].items())
        kind = "cumulative levels" if row["cumulative"] else "levels"
        echo(f"{row['id']}: {row['requirements']} requirements"
             + (f" ({kind}: {levels})" if levels else "")
             + f" [{row['source']}] {one_line(row['title'])}")
    return EXIT_OK


@compliance.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "framework", metavar="ID", default=None,
              help="The framework id (lower case with its version, e.g. acme-2024); "
                   "default: made from the file name.")
@click.option("--replace", is_flag=True, help="Write over a framework imported before.")
@config_option
def import_framework(file: Path, framework: str | None, replace: bool,
                     config_path: Path | None) -> int:
    """Add a framework to the repository from FILE.

    FILE is an OSCAL catalog (JSON, such as NIST's full SP 800-53 catalog), the
    OWASP ASVS flat JSON, or a simple table: CSV with a header row, or YAML (a list,
    or a mapping with `title` and `requirements`), of id, title, level and parent.
    Numbered levels are cumulative (level 2 includes level 1); named levels are
    memberships, several separated by `;`.

    The catalogue is written to the `[compliance] folder` (default `compliance/`) as
    ID.json; models can then map and exclude its requirements. A file that cannot be
    read exits 2 naming the line (CSV, YAML) or JSON pointer at fault, and writes
    nothing.
    """
    from threatgate.catalogues.importing import import_catalogue

    config = resolve_config(config_path)
    done = import_catalogue(file, config, framework, replace=replace)
    catalogue = done.catalogue
    levels = f" (levels {', '.join(catalogue.levels)})" if catalogue.levels else ""
    verb = "replaced" if done.replaced else "imported"
    echo(f"{verb} {catalogue.id}: {len(catalogue.requirements)} requirements{levels} -> "
         f"{shown_path(done.path)}")
    return EXIT_OK


def _edit(path: Path, config: Config, today: str | None, dry_run: bool,
          change: Any) -> EditOutcome[Any]:
    from threatgate.document.transaction import edit_file

    return edit_file(path, change, today=resolve_today(today), max_depth=config.max_depth,
                     max_bytes=config.max_file_size, rules=config.rules, write=not dry_run,
                     catalogues=_library(config))


def _model_path(model: Path | None, config_path: Path | None,
                entity: str | None = None) -> tuple[Path, Config]:
    from threatgate.edits.entities import resolve_model

    path = resolve_model(model, edit_config(model, config_path), entity)
    return path, edit_config(path, config_path)


@compliance.command("map")
@click.argument("control")
@click.argument("requirements", nargs=-1, required=True)
@click.option("-m", "--model", type=MODEL, default=None,
              help="The model file (or model id); default: the model defining CONTROL.")
@click.option("--remove", is_flag=True, help="Take the requirements out of the mapping.")
@click.option("--dry-run", is_flag=True, help="Print the change as a diff, write nothing.")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@config_option
@today_option
def map_control(control: str, requirements: tuple[str, ...], model: Path | None,
                remove: bool, dry_run: bool, output_format: str, config_path: Path | None,
                today: str | None) -> int:
    """Map CONTROL to REQUIREMENTS (FRAMEWORK:ID, e.g. asvs-5.0:V1.2.4), or --remove.

    Each requirement is checked against its framework's catalogue first (the closest
    ids are named when it is not there). The file keeps its comments and layout, is
    written atomically, and concurrent edits are serialised by a lock (MODEL.lock).
    """
    from threatgate.edits.compliance import map_requirements

    path, config = _model_path(model, config_path, control)
    library = _library(config)
    outcome = _edit(path, config, today, dry_run, lambda editor: map_requirements(
        editor, control, requirements, library, remove=remove))
    edited = outcome.value
    verb = "unmapped from" if remove else "mapped to"
    line = (f"{control} {verb} {', '.join(requirements)}" if edited.changed
            else f"{control}: mapping unchanged")
    emit_change(path, outcome, dry_run, output_format,
                {"control": control, "compliance": edited.after.get("compliance", [])},
                [line], warn=True)
    return EXIT_OK


def _framework_catalogue(library: CatalogueLibrary, framework: str, level: str | None
                         ) -> tuple[Catalogue, str | None]:
    from threatgate.compliance.run import selected_frameworks

    return selected_frameworks([], library, [framework], level)[0]


@compliance.command("automap")
@click.argument("model", type=MODEL, required=False)
@click.option("--framework", metavar="ID", default="asvs-5.0", show_default=True)
@click.option("--level", default=None, help=LEVEL_HELP)
@click.option("--control", "only", metavar="ID", default=None, help="Only this control.")
@click.option("--top", type=click.IntRange(1, 20), default=3, show_default=True,
              help="Candidates shown per control.")
@click.option("--apply", is_flag=True, help="Map each control to its best candidate.")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@config_option
@today_option
def automap(model: Path | None, framework: str, level: str | None, only: str | None,
            top: int, apply: bool, output_format: str, config_path: Path | None,
            today: str | None) -> int:
    """Rank requirements for the controls of MODEL that map none of the framework yet.

    The ranking is a deterministic text match (TF-IDF) of each control's title,
    description and notes against the requirement texts and their section titles.
    Controls generated from the rule packs already carry their requirements and are
    left alone, as is every control mapped to the framework. Nothing is written unless
    --apply, which maps each control to its best candidate through `compliance map`'s
    edit.
    """
    from threatgate.compliance.automap import automap as rank
    from threatgate.compliance.run import one_model
    from threatgate.edits.compliance import map_requirements

    path, config = _model_path(model, config_path)
    catalogue, resolved = _framework_catalogue(_library(config), framework, level)
    assessment, data = one_model(path, config, resolve_today(today))
    texts = {str(c.get("id")): " ".join(str(c.get(k) or "") for k in ("description",
                                                                        "notes"))
             for c in data.get("controls") or [] if isinstance(c, dict)}
    if only is not None and only not in texts:
        raise InputError(f"--control {only}: no such control in {shown_path(path)}")
    ranked = rank([(c, f"{c.title} {texts.get(c.id, '')}") for c in assessment.controls
                   if only is None or c.id == only], catalogue, resolved, top)
    if output_format == "json":
        echo(json.dumps({"framework": catalogue.id, "controls": [
            {"control": r.control, "title": r.title, "candidates": [
                {"requirement": f"{catalogue.id}:{c.requirement.id}",
                 "score": round(c.score, 4), "text": c.requirement.text}
                for c in r.candidates]} for r in ranked]}, indent=2, ensure_ascii=False))
    else:
        for r in ranked:
            echo(f"{r.control} {one_line(r.title)}:")
            for c in r.candidates or ():
                echo(f"  {catalogue.id}:{c.requirement.id} {c.score:.2f} "
                     f"{one_line_shortened(c.requirement.text, 70)}")
            if not r.candidates:
                echo("  no candidate")
    chosen = [(r.control, f"{catalogue.id}:{r.candidates[0].requirement.id}")
              for r in ranked if r.candidates]
    if apply and chosen:
        library = _library(config)
        _edit(path, config, today, False, lambda editor: [
            map_requirements(editor, control, [best], library) for control, best in chosen])
        for control, best in chosen:
            echo(f"{control} mapped to {best}", err=output_format == "json")
    return EXIT_OK


@compliance.command("report")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--framework", "frameworks", metavar="ID", multiple=True,
              help="A framework to report (repeatable); default: every framework the "
                   "models list or map that has a catalogue.")
@click.option("--level", default=None, help=LEVEL_HELP)
@click.option("--status", type=click.Choice(STATUS_FILTERS), default=None,
              help="Only requirement rows in this status (verified: covered and verified).")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many requirement rows (per framework).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many requirement rows (per framework).")
@click.option("--format", "output_format", type=click.Choice(format_names("compliance")),
              default="text", show_default=True)
@click.option("--min-coverage", type=click.FloatRange(0, 1), default=None, metavar="R",
              help="Exit 1 when a framework's coverage over the models is below R.")
@click.option("--verify", is_flag=True,
              help="Verify the evidence first, so that requirements can count as verified.")
@click.option("--no-cache", is_flag=True, help="Ignore cached validation results.")
@config_option
@today_option
def report(paths: tuple[Path, ...], frameworks: tuple[str, ...], level: str | None,
           status: str | None, offset: int, limit: int | None, output_format: str,
           min_coverage: float | None, verify: bool, no_cache: bool,
           config_path: Path | None, today: str | None) -> int:
    """Report the coverage of framework requirements by the models' controls.

    PATHS are model files or folders (default: the configured model folders). Per
    framework: the counts over all the models (the sum of theirs), each model's
    counts, then one row per model and requirement with the controls mapping it. JSON
    keys per framework: id, requirements, covered, verified, partial, planned,
    unmapped, excluded, coverage, models, rows.

    Exit status: 0; 1 when a model is invalid or, with --min-coverage, a framework is
    below it; 2 for a usage error or input that cannot be read.
    """
    from threatgate.compliance.report import build_report
    from threatgate.compliance.run import load_models, selected_frameworks
    from threatgate.output.registry import render

    config = resolve_config(config_path)
    workspace = load_models(paths, config, resolve_today(today), verify=verify,
                            use_cache=not no_cache, progress=progress_bar)
    selected = selected_frameworks(workspace.assessments, _library(config), frameworks,
                                   level)
    built = build_report(workspace.assessments, selected, status=status, offset=offset,
                         limit=limit)
    echo(render("compliance", output_format, built), nl=False)
    for bad in workspace.invalid:
        echo(f"{terminal_location(bad.path, bad.line, bad.column)}: error: cannot be read "
             f"as a model: {one_line(bad.message)} [{bad.rule}]", err=True)
    below = built.below(min_coverage) if min_coverage is not None else []
    for page in below:
        echo(f"threatgate: {page.catalogue.id} coverage {page.coverage.tally.coverage:.4f} "
             f"is below {min_coverage}", err=True)
    return EXIT_FAILURE if below or workspace.invalid else EXIT_OK


@compliance.command("suggest")
@click.argument("model", type=MODEL, required=False)
@click.option("--framework", metavar="ID", required=True)
@click.option("--level", default=None, help=LEVEL_HELP)
@click.option("--apply", is_flag=True,
              help="Add the suggested controls (status planned) with their mappings.")
@click.option("--select", "selected", metavar="CONTROL", multiple=True,
              help="With --apply: only these rule-pack controls (their ids, repeatable).")
@click.option("--format", "output_format", type=FORMATS, default="text", show_default=True)
@config_option
@today_option
def suggest(model: Path | None, framework: str, level: str | None, apply: bool,
            selected: tuple[str, ...], output_format: str, config_path: Path | None,
            today: str | None) -> int:
    """Suggest rule-pack controls that would cover uncovered requirements of MODEL.

    A rule-pack control covers the requirements its `compliance` names and the CWE ids
    of its rule (framework cwe). For the unmapped, planned and partial requirements,
    the controls of the configured rule packs that the model does not have yet (by
    title) are listed, those covering the most first, with what their rule needs to
    apply (scope, conditions, attackers). --apply adds them through the edit verbs'
    machinery, status planned, with their mappings.
    """
    from threatgate.compliance.coverage import model_coverage
    from threatgate.compliance.run import one_model
    from threatgate.compliance.suggest import pack_controls
    from threatgate.compliance.suggest import suggest as suggestions_for
    from threatgate.edits.compliance import NewControl, add_planned_controls
    from threatgate.generate.rulepacks import configured_packs

    path, config = _model_path(model, config_path)
    library = _library(config)
    catalogue, resolved = _framework_catalogue(library, framework, level)
    day = resolve_today(today)
    assessment, _data = one_model(path, config, day)
    candidates = [c for pack in configured_packs(config) for c in pack_controls(
        pack.name, pack.rules)]
    found = suggestions_for(model_coverage(assessment, catalogue, resolved), catalogue.id,
                            candidates, (c.title for c in assessment.controls))
    if output_format == "json":
        echo(json.dumps({"framework": catalogue.id, "model": assessment.model_id,
                         "suggestions": [{"control": s.control.slug, "title": s.control.title,
                                          "pack": s.control.pack, "rule": s.control.rule,
                                          "requirements": [f"{catalogue.id}:{r}"
                                                           for r in s.requirements],
                                          "needs": s.control.needs} for s in found]},
                        indent=2, ensure_ascii=False))
    else:
        for s in found:
            echo(f"{s.control.slug} ({s.control.pack}: {s.control.rule}) "
                 f"{one_line(s.control.title)}")
            echo(f"  covers {', '.join(s.requirements)}")
            echo(f"  needs {one_line(s.control.needs)}")
        if not found:
            echo(f"no rule-pack control covers an uncovered requirement of {catalogue.id}")
    unknown = sorted(set(selected) - {s.control.slug for s in found})
    if unknown:
        raise InputError(f"--select {', '.join(unknown)}: not among the suggestions "
                         f"({', '.join(s.control.slug for s in found) or 'none'})")
    if apply and found:
        chosen = [s for s in found if not selected or s.control.slug in selected]
        new = [NewControl(s.control.title, s.control.description,
                          tuple(f"{catalogue.id}:{r}" for r in s.requirements)
                          + tuple(r for r in s.control.covers
                                  if r.partition(":")[0] in assessment.frameworks
                                  and not r.startswith(catalogue.id + ":")))
               for s in chosen]
        outcome = _edit(path, config, today, False,
                        lambda editor: add_planned_controls(editor, new, library, today=day))
        for added in outcome.value:
            echo(f"added {added.entity_id} {one_line(str(added.entry.get('title')))} "
                 "(planned)", err=output_format == "json")
    return EXIT_OK
