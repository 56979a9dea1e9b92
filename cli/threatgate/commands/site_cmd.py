"""``threatgate site OUT``: a static website of every model, for GitHub Pages or any host."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_OK, EXIT_USAGE, InputError, ThreatgateError
from threatgate.gate.report import GateRun
from threatgate.gate.run import Thresholds
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line
from threatgate.output.html.site import SiteOptions
from threatgate.support.outputs import FolderPublication, inside
from threatgate.views.reports import (
    InvalidEntry,
    ValidModel,
    outcomes_by_model,
    repo_path,
    sort_models,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from threatgate.gate.run import GateReport
    from threatgate.history.results import History
    from threatgate.model.config import Config
    from threatgate.output.html.site_build import ModelPages
    from threatgate.verify.results import VerifyReport
    from threatgate.workspace import Workspace

#: Lists the files the last build wrote, so the next build removes only its own stale files.
MANIFEST = ".threatgate-site.json"
#: Show a progress bar from this many models on (and only on a terminal).
PROGRESS_FROM = 50
#: The folder, in the staging folder of the site, where each model's files are rendered.
PARTS = ".parts"


def _check_out(out: Path, config: Config, paths: tuple[Path, ...] = ()) -> Path:
    """OUT, resolved, once it is sure to hold nothing but the site.

    The build removes files in OUT, so beyond the write rule of
    :mod:`threatgate.support.outputs` OUT may neither be the repository root (or above
    it) nor hold a model folder, and a folder in the repository may not lead outside it.
    """
    target = out.resolve()
    root = config.root.resolve()
    # Where OUT lies as written (``..`` collapsed, links not followed).
    lexical = Path(os.path.normpath(Path.cwd() / out))
    written_in_repository = any(inside(lexical, folder)
                                for folder in (Path(os.path.normpath(config.root)), root))
    if written_in_repository and not inside(target, root):
        # A link committed to the repository (or a linked parent folder) would make the
        # build write, and with --clean delete, wherever the pull request chose.
        raise InputError(f"{out}: lies in the repository but leads outside it (to {target}) "
                         "through a symbolic link; refusing to build the site there")
    if inside(root, target):
        raise InputError(f"{out}: refusing to build the site into the repository root or a "
                         "folder above it; choose a folder of its own, e.g. _site")
    for folder in [*config.model_dirs, *(p for p in paths if p.is_dir())]:
        if inside(target, folder.resolve()) or inside(folder.resolve(), target):
            raise InputError(f"{out}: refusing to build the site inside the model folder "
                             f"{folder} or around it; choose a folder of its own, e.g. _site")
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    return target


@click.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
@click.option("--title", default="Threat models", show_default=True,
              help="Title of the site, shown on every page.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Check the controls' assertions first (without commands), so that the "
                   "pages show each assertion's verdict and objectives reach the verified "
                   "level.")
@click.option("--clean", is_flag=True,
              help="Also delete every other file in OUT. Without it, only files an earlier "
                   "build wrote there (listed in OUT/.threatgate-site.json) are removed.")
@click.option("--no-cache", is_flag=True,
              help="Validate every model afresh instead of reusing cached results.")
@click.option("--public-only", is_flag=True,
              help="Publish only the models that opt in with `badge: public` (for a site "
                   "anyone can read); other models, and invalid ones, are left out "
                   "entirely.")
@click.option("--history", "history_count", type=click.IntRange(min=1), metavar="N",
              help="Also draw how the posture moved over the last N commits that changed a "
                   "model (history.html, api/models/<id>/history.json; see `threatgate "
                   "history`). Needs the git history: in CI, fetch-depth: 0.")
@config_option
@today_option
def site(out: Path, paths: tuple[Path, ...], title: str, run_verify: bool, clean: bool,
         no_cache: bool, public_only: bool, history_count: int | None,
         config_path: Path | None, today: str | None) -> int:
    """Build a static website of every model in the repository into OUT.

    PATH (files or folders) limits the site to those models; by default every model
    in the configured folders (threatmodels/) is included.

    \b
    OUT receives:
      index.html        every model grouped by system: posture, badge and counts
      models/<id>.html  one page per model: the sections of `threatgate render`,
                        the data-flow diagram as an SVG drawn at build time, and
                        threat and control tables you can filter and sort
      risks.html        open critical and high threats, objectives at risk
      compliance.html   requirement coverage per framework (when any is mapped)
      history.html      with --history N: the trend of the repository and of each
                        model (mitigation ratio, open critical and high, objectives
                        at risk) as charts, with their numbers in tables
      badges/           the files of `threatgate badge` (Shields JSON and SVG)
      index.json        every model with its posture, badge state and page
      api/              the GET endpoints of hosted threat-modelling tools as
                        static JSON: models.json, and per model models/<id>.json,
                        security-status.json (its gate JSON with the [gate]
                        thresholds: `jq .pass`), controls, objectives, threats,
                        findings (+ findings/summary.json), verification.json
                        with --verify (see docs/api.md)
      assets/           the stylesheet (with a print style) and the table script

    Links are relative and nothing is loaded from the network, so the site works
    from file://, on GitHub Pages or under any sub-path. Every page carries a
    Content-Security-Policy that allows only the site's own script and styles, and
    all text from the models is escaped (Markdown in descriptions is rendered
    without raw HTML, links only to http, https, mailto or relative targets).

    Models that are not valid are listed on the index with their problem. Private
    models (without `badge: public`) get pages, but their badge is the "unknown"
    one, exactly as with `threatgate badge`: the site is the team's view. For a site
    published to people outside the team, --public-only keeps only the models with
    `badge: public`.

    The output is deterministic: the same models give byte-identical files. No date
    is shown unless --today (or THREATGATE_TODAY) gives one. Files of an earlier
    build that are no longer produced are removed; other files in OUT are left alone
    unless --clean. OUT may not be the repository root nor inside a model folder.

    Exit status: 0 when the site was built (invalid models only warn), 2 for a usage
    error or input that cannot be read.
    """
    from threatgate.catalogues.library import library_for
    from threatgate.output.html.site_build import rendered_models, write_site
    from threatgate.workspace import load_workspace

    config = resolve_config(config_path)
    target = _check_out(out, config, paths)
    day = resolve_today(today)
    history = _history(config, history_count, no_cache)
    options = SiteOptions(title=" ".join(title.split()) or "Threat models",
                          generated=day.isoformat() if today else None, history=history)
    try:
        with FolderPublication(target, manifest=MANIFEST, generator="threatgate site",
                               clean=clean) as publication:
            parts = publication.staging / PARTS
            pages = _pages(parts, config, day, options, paths,
                           GateRun(Thresholds(**dict(config.gate)), today=today,
                                   use_cache=not no_cache, verify=run_verify))
            workspace = load_workspace(paths, config, day, verify=run_verify,
                                       use_cache=not no_cache, then=pages,
                                       progress=progress_bar)
            valid, invalid = _published(*sort_models(workspace, config, workspace.results),
                                        public_only)
            write_site(publication, parts, rendered_models(valid, workspace.results), invalid,
                       options, library_for(config))
            done = publication.publish()
    except OSError as exc:
        raise InputError(f"{out}: cannot write the site: {exc.strerror or exc}") from None
    echo(f"built {terminal_location(out.as_posix())}: {len(valid)} model page(s), "
         f"{len(invalid)} invalid model(s), {len(publication.names)} files "
         f"({done.written} written, {done.removed} stale removed)", err=True)
    return EXIT_USAGE if workspace.report.unreadable else EXIT_OK


def _history(config: Config, count: int | None, no_cache: bool) -> History | None:
    """With --history N: the history of the last N commits that changed a model."""
    if count is None:
        return None
    from threatgate.history.build import HistoryRequest, build_history

    history, _ = build_history(config, HistoryRequest(max_count=count, use_cache=not no_cache))
    for note in history.reach.notes():
        echo(f"threatgate: note: {one_line(note)}", err=True)
    return history


def _pages(parts: Path, config: Config, day: dt.date, options: SiteOptions,
           paths: tuple[Path, ...], run: GateRun) -> Callable[[VerifyReport | None], ModelPages]:
    """How each model's files are rendered where it is validated, given the verification.

    The gate runs there too when it needs no other verification than the site's;
    otherwise it runs first, on the models loaded the way the gate loads them.
    """
    from threatgate.catalogues.library import library_for
    from threatgate.gate.report import drifted_by_model, generated_at, verification_needed
    from threatgate.output.html.site_build import ModelGating, ModelPages

    reuse = verification_needed(run) == (run.verify, None)
    gate = None if reuse else _separate_gate(paths, config, day, run)
    histories = {}
    if options.history is not None:
        from threatgate.output.history import model_document

        histories = {s.model_id: model_document(options.history, s)
                     for s in options.history.models}

    def pages(verification: VerifyReport | None) -> ModelPages:
        gating = None
        if reuse:
            # Without --today the report has no timestamp: the site stays deterministic.
            gating = ModelGating(run.thresholds, drifted_by_model(verification),
                                 generated_at(run.today, day) if run.today else None,
                                 str(config.root.resolve()))
        return ModelPages(
            parts, config.root, day, library_for(config),
            dataclasses.replace(options, history=None), options.history is not None,
            outcomes=None if verification is None else outcomes_by_model(verification),
            verification=(None if verification is None
                          else _rooted_verification(verification, config)),
            gating=gating, gate=gate, histories=histories)

    return pages


def _published(valid: list[ValidModel], invalid: list[InvalidEntry], public_only: bool
               ) -> tuple[list[ValidModel], list[InvalidEntry]]:
    """The models the site shows; warns about those it lists as invalid or leaves out."""
    if public_only:
        kept = [m for m in valid if m.assessment.badge_public]
        left_out = len(valid) - len(kept) + len(invalid)
        if left_out:
            echo(f"threatgate: {left_out} model(s) without `badge: public` (or not "
                       f"valid) left out (--public-only)", err=True)
        valid, invalid = kept, []
    for entry in invalid:
        echo(f"threatgate: warning: {terminal_location(entry.path)}: not a valid model, listed "
                   f"as such: {one_line(entry.problem)}", err=True)
    return valid, invalid


def _separate_gate(paths: tuple[Path, ...], config: Config, day: dt.date,
                   run: GateRun) -> GateReport | None:
    """The report of `threatgate gate` on these models, loaded the way the gate loads them.

    Without --today the report has no timestamp, so that the site stays deterministic.
    When the gate cannot run (its drift reference does not exist here), None: the site is
    built without the gate's status, with a warning.
    """
    from threatgate.gate.report import gate_workspace, verification_needed
    from threatgate.workspace import load_workspace

    verify, reference = verification_needed(run)
    try:
        workspace = load_workspace(paths, config, day, use_cache=run.use_cache,
                                   verify=verify, baseline=reference, progress=progress_bar)
        report = gate_workspace(_from_root(workspace, config), config, day, run)
    except ThreatgateError as exc:
        echo(f"threatgate: warning: the gate cannot run, so the site has no "
             f"security-status.json: {one_line(exc.message)}", err=True)
        return None
    return report if run.today else dataclasses.replace(report, generated_at=None)


def _from_root(workspace: Workspace, config: Config) -> Workspace:
    """The workspace with each model's path from the repository root, as the pages show
    it, so that the site is the same from whatever folder it is built."""
    verification = workspace.verification
    if verification is not None:
        verification = _rooted_verification(verification, config)
    assessments = [dataclasses.replace(a, path=repo_path(a.path, config.root))
                   for a in workspace.assessments]
    return dataclasses.replace(workspace, assessments=assessments, verification=verification)


def _rooted_verification(verification: VerifyReport, config: Config) -> VerifyReport:
    """The verification with each model's path from the repository root."""
    from threatgate.verify.runner import AssertionResult, Drift

    def rooted(result: AssertionResult) -> AssertionResult:
        planned = dataclasses.replace(
            result.planned, model_path=repo_path(result.planned.model_path, config.root))
        return dataclasses.replace(result, planned=planned)

    drift = Drift([(rooted(a), rooted(b)) for a, b in verification.drift.drifted],
                  [(rooted(a), rooted(b)) for a, b in verification.drift.changed])
    return dataclasses.replace(
        verification, results=[rooted(r) for r in verification.results], drift=drift)
