"""``threatgate badge``: Shields endpoint JSON and an offline SVG of each model's posture."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    protected_paths,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_OK, EXIT_USAGE, InputError
from threatgate.support.outputs import check_folder, write_into

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ModelAssessment
    from threatgate.analysis.badges import Badge
    from threatgate.model.config import Config
    from threatgate.workspace import Workspace

#: The schema's modelId and frameworkId patterns: safe as file names and in URLs.
_SAFE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
UNKNOWN_STEM = "unknown"


def _check_ids(kind: str, values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not _SAFE_ID.fullmatch(value):
            raise click.BadParameter(
                f"{value!r} is not a {kind} id (lower-case letters, digits, '.', '_' and '-', "
                "starting with a letter or digit)",
                param_hint="MODEL" if kind == "model" else "--framework",
            )
    return values


@dataclass
class _Subject:
    """A model a badge is made for: its assessment, or why it has none."""

    model_id: str
    assessment: ModelAssessment | None = None
    display: str | None = None
    problem: str | None = None
    frameworks: list[str] = field(default_factory=list)


@click.command()
@click.argument("models", nargs=-1, metavar="[MODEL]...")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write <model>.json and <model>.svg (and one pair per "
                   "framework) into, created if needed. Without it, the endpoint JSON of "
                   "every badge is printed on standard output.")
@click.option("--framework", "frameworks", multiple=True, metavar="ID",
              help="Only these frameworks (repeatable), e.g. asvs-5.0. Default: every "
                   "framework each model lists under `frameworks`.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Check the controls' assertions first (without commands): only then "
                   "can a badge reach the verified state.")
@config_option
@today_option
def badge(models: tuple[str, ...], out_dir: Path | None, frameworks: tuple[str, ...],
          run_verify: bool, config_path: Path | None, today: str | None) -> int:
    """Write posture badges: Shields endpoint JSON plus an offline SVG.

    MODEL is a model id; without any, every model in the configured folders gets a
    badge. For each model, --out DIR receives DIR/<model>.json and DIR/<model>.svg, and
    for each framework the model lists, DIR/<model>--<framework>.json and .svg (a
    framework with a catalogue shows its requirement coverage, as `threatgate compliance
    report` computes it: "42% covered (12/28)", all covered "verification pending", all
    verified; one without a catalogue covers the objectives served by controls whose
    `compliance` names it). DIR/unknown.json and unknown.svg are written too.

    \b
    States:
      verified      every objective mitigated: by verified controls or an attested
                    assumption ("3/3 objectives verified", bright green)
      implemented   every objective mitigated, verification pending
                    ("3/3 objectives mitigated, verification pending", green)
      gaps          objectives at risk or unassessed ("1 of 3 objectives at risk"; red when
                    one of them is of tier high or critical, else orange)
      no controls   no controls or no objectives yet (light grey)
      unknown       the model is missing, not valid, or private (light grey)

    Publishing is opt-in: a model without `badge: public` gets exactly the same
    "unknown" badge as a model that does not exist, so a badge never reveals anything
    about a private model. Models that are not valid get "unknown" and a warning.

    \b
    Embed a badge published on GitHub Pages or any static host through Shields:
      ![threat model](https://img.shields.io/endpoint?url=<URL of the JSON>)
    for example, with DIR published as badges/ and the URL encoded:
      ![threat model](https://img.shields.io/endpoint?url=https%3A%2F%2Fexample.github.io%2Frepo%2Fbadges%2Fpayments-api.json)
    or, with no third party (works for private repositories), commit the SVG and use:
      ![threat model](badges/<model>.svg)

    The JSON holds only the keys Shields accepts (schemaVersion, label, message,
    color). Output is deterministic: the same models give the same bytes.

    Exit status: 0 when the badges were made (invalid models only warn), 2 for a
    usage error or input that cannot be read.
    """
    from threatgate.workspace import load_workspace

    _check_ids("model", models)
    _check_ids("framework", frameworks)
    config = resolve_config(config_path)
    if out_dir is not None:
        check_folder(out_dir, protected_paths(config), label=f"--out {out_dir}", what="badges")
    day = resolve_today(today)
    workspace = load_workspace((), config, day, verify=run_verify, progress=progress_bar)
    badges = _make_badges(_subjects(workspace, models, frameworks), config)
    if out_dir is None:
        printed = {stem: badge.endpoint() for stem, badge in badges}
        echo(json.dumps(printed, indent=2, ensure_ascii=False))
    else:
        try:
            _write(out_dir, badges)
        except OSError as exc:
            raise InputError(f"--out {out_dir}: cannot write: {exc.strerror or exc}") from None
    return EXIT_USAGE if workspace.report.unreadable else EXIT_OK


def _warn(message: str) -> None:
    echo(f"threatgate: warning: {message}", err=True)


def _subjects(workspace: Workspace, models: tuple[str, ...],
              frameworks: tuple[str, ...]) -> list[_Subject]:
    found: dict[str, list[_Subject]] = {}
    for result in workspace.report.files:
        if result.model_id is None or not _SAFE_ID.fullmatch(result.model_id):
            # No id, or one that is not safe as a file name: nothing to name a badge after.
            first = next((d for d in result.diagnostics if d.severity == "error"), None)
            detail = f": {first.line}:{first.column}: {first.message}" if first else ""
            _warn(f"{result.display} is not a valid model and has no usable id; "
                  f"no badge{detail}")
            continue
        has_errors = any(d.severity == "error" for d in result.diagnostics)
        subject = _Subject(result.model_id, display=result.display)
        if result.followed is None or has_errors:
            subject.problem = result.first_problem()
        else:
            subject.assessment = result.followed
        found.setdefault(result.model_id, []).append(subject)

    wanted = list(dict.fromkeys(models)) or sorted(found)
    subjects = []
    for model_id in wanted:
        candidates = found.get(model_id)
        if not candidates:
            _warn(f"no model with id {model_id!r}; its badge is 'unknown'")
            subjects.append(_Subject(model_id))
            continue
        subject = candidates[0]
        if len(candidates) > 1:
            places = ", ".join(str(c.display) for c in candidates)
            subject = _Subject(model_id, display=candidates[0].display,
                               problem=f"the id is used by several files ({places})")
        if subject.problem is not None:
            _warn(f"{subject.display}: {subject.problem}; the badges of {model_id!r} "
                  "are 'unknown' until the model is valid")
        elif subject.assessment is not None:
            listed = list(subject.assessment.frameworks)
            subject.frameworks = [f for f in listed if not frameworks or f in frameworks]
        subjects.append(subject)
    for framework in frameworks:
        if not any(framework in s.frameworks for s in subjects):
            _warn(f"no selected model lists framework {framework!r}; no badge for it")
    return subjects


def _make_badges(subjects: list[_Subject], config: Config) -> list[tuple[str, Badge]]:
    from threatgate.analysis.badges import badge_file_stem, model_badge
    from threatgate.catalogues.library import library_for
    from threatgate.compliance.badges import compliance_badge

    catalogues = library_for(config)
    made: list[tuple[str, Badge]] = []
    for subject in subjects:
        assessment = subject.assessment
        if assessment is not None and not assessment.badge_public:
            echo(f"threatgate: note: {subject.display}: the badge of {subject.model_id!r} "
                 "is 'unknown' because the model does not publish its posture (publishing "
                 "is opt-in); add `badge: public` to the model to publish it", err=True)
        made.append((badge_file_stem(subject.model_id), model_badge(assessment)))
        for framework in subject.frameworks:
            made.append((badge_file_stem(subject.model_id, framework),
                         compliance_badge(assessment, framework, catalogues)))
    return made


def _write(out_dir: Path, badges: list[tuple[str, Badge]]) -> None:
    from threatgate.analysis.badges import UNKNOWN
    from threatgate.output.svg.badge import render_badge_svg

    written: dict[str, Badge] = {}
    for stem, badge in [*badges, (UNKNOWN_STEM, UNKNOWN)]:
        if stem in written:
            if written[stem] != badge:
                _warn(f"two different badges would be written to {stem}.json; "
                      "keeping the first")
            continue
        written[stem] = badge
        json_path = write_into(out_dir, f"{stem}.json", badge.endpoint_json().encode("utf-8"))
        svg = render_badge_svg(badge.label, badge.message, badge.color)
        svg_path = write_into(out_dir, f"{stem}.svg", svg.encode("utf-8"))
        echo(f"wrote {json_path.as_posix()} and {svg_path.as_posix()}: "
                   f"{badge.label}: {badge.message}")
