"""``threatgate site OUT``: a static website of every model, for GitHub Pages or any host."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threatgate.commands.options import (
    config_option,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_OK, EXIT_USAGE, InputError

if TYPE_CHECKING:
    from threatgate.model.config import Config
    from threatgate.output.html.site import InvalidEntry, SiteModel
    from threatgate.views.report import AssertionOutcomes
    from threatgate.workspace import Workspace

#: Lists the files the last build wrote, so the next build removes only its own stale files.
MANIFEST = ".threatgate-site.json"
#: Show a progress bar from this many models on (and only on a terminal).
PROGRESS_FROM = 50


@dataclass
class Loaded:
    """The models of a workspace, split into those with a report and those without."""

    models: list[SiteModel]
    invalid: list[InvalidEntry]


def _outcomes(workspace: Workspace, model_id: str) -> AssertionOutcomes | None:
    if workspace.verification is None:
        return None
    return {(r.planned.control, r.planned.index): (r.verdict.status, r.verdict.reason)
            for r in workspace.verification.results if r.planned.model == model_id}


def _repo_path(display: str, root: Path) -> str:
    """A model's path from the repository root, whatever folder the command ran in."""
    try:
        return Path(display).resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return display


def load_reports(workspace: Workspace, config: Config, model_id: str | None = None) -> Loaded:
    """A report for every valid model (or only those with ``model_id``), and the rest.

    The workspace must have been loaded with ``keep_data``: reports are built from the
    data that was validated, never from a second read of the file.
    """
    from threatgate.output.html.site import InvalidEntry, SiteModel
    from threatgate.views.report_builder import build_report

    models: list[SiteModel] = []
    invalid: list[InvalidEntry] = []
    for result in workspace.report.files:
        if model_id is not None and result.model_id != model_id:
            continue
        errors = [d for d in result.diagnostics if d.severity == "error"]
        data = workspace.data.get(result.display)
        if result.extra is None or errors or data is None:
            first = errors[0] if errors else None
            problem = (f"{first.line}:{first.column}: {first.message} [{first.rule}]"
                       if first else "not a valid model")
            invalid.append(InvalidEntry(_repo_path(result.display, config.root), problem,
                                        result.model_id))
            continue
        assessment = result.extra
        report = build_report(data, assessment, workspace.today,
                              _outcomes(workspace, assessment.model_id))
        report.path = _repo_path(result.display, config.root)
        models.append(SiteModel(report, assessment))
    return Loaded(models, invalid)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the site is built.

    The build keeps every model's report alive until the index is written; each full
    collection walks all of them, so with thousands of models the collector's share of
    the time grows faster than the model count. Reports and pages form almost no
    reference cycles, so nothing accumulates meanwhile.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_out(out: Path, config: Config, paths: tuple[Path, ...] = ()) -> Path:
    target = out.resolve()
    root = config.root.resolve()
    if _inside(root, target):
        raise InputError(f"{out}: refusing to build the site into the repository root or a "
                         "folder above it; choose a folder of its own, e.g. _site")
    for folder in [*config.model_dirs, *(p for p in paths if p.is_dir())]:
        if _inside(target, folder.resolve()) or _inside(folder.resolve(), target):
            raise InputError(f"{out}: refusing to build the site inside the model folder "
                             f"{folder} or around it; choose a folder of its own, e.g. _site")
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    return target


def _previous(target: Path) -> set[str]:
    try:
        listed = json.loads((target / MANIFEST).read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {p for p in listed if isinstance(p, str)}


def _safe_relative(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts


def _everything(target: Path) -> set[str]:
    """Every file and symbolic link below ``target`` (links are never followed)."""
    found = set()
    for current, dirs, files in os.walk(target, followlinks=False):
        here = Path(current)
        links = [d for d in dirs if (here / d).is_symlink()]
        for name in [*files, *links]:
            found.add((here / name).relative_to(target).as_posix())
    found.discard(MANIFEST)
    return found


def _remove(target: Path, names: set[str], links_too: bool = False) -> int:
    removed = 0
    for name in sorted(names):
        if not _safe_relative(name):
            continue
        path = target / name
        if not _inside(path.parent.resolve(), target):
            continue  # a folder on the way is a link out of OUT: leave it alone
        if (path.is_symlink() and links_too) or (path.is_file() and not path.is_symlink()):
            path.unlink()
            removed += 1
    return removed


def _prune_empty(target: Path) -> None:
    for current, _dirs, _files in sorted(os.walk(target), key=lambda x: -len(x[0])):
        folder = Path(current)
        if folder != target and not any(folder.iterdir()):
            folder.rmdir()


def _write(target: Path, files: dict[str, bytes], clean: bool) -> tuple[int, int]:
    from threatgate.support.fsutil import atomic_write

    target.mkdir(parents=True, exist_ok=True)
    stale = _previous(target) - set(files)
    if clean:
        stale |= _everything(target) - set(files)
    written = 0
    for name, content in files.items():
        if not _safe_relative(name):
            raise InputError(f"{target}: refusing to write {name!r}, a path outside the site")
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if path.is_file() and path.read_bytes() == content:
                continue
        except OSError:
            pass
        atomic_write(path, content, durable=False)
        written += 1
    removed = _remove(target, stale, clean)
    if clean:
        _prune_empty(target)
    else:
        _prune_empty_own(target, stale)
    manifest = json.dumps({"generator": "threatgate site", "files": sorted(files)}, indent=1)
    atomic_write(target / MANIFEST, (manifest + "\n").encode("utf-8"))
    return written, removed


def _prune_empty_own(target: Path, stale: set[str]) -> None:
    """Remove folders that held only files of the previous build."""
    folders = {(target / n).parent for n in stale if _safe_relative(n)}
    for folder in sorted(folders, key=lambda f: -len(f.parts)):
        if folder != target and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


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
@config_option
@today_option
def site(out: Path, paths: tuple[Path, ...], title: str, run_verify: bool, clean: bool,
         no_cache: bool, public_only: bool, config_path: Path | None,
         today: str | None) -> None:
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
      badges/           the files of `threatgate badge` (Shields JSON and SVG)
      index.json        every model with its posture, badge state and page
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
    from threatgate.output.html.site import SiteOptions, build_site
    from threatgate.workspace import load_workspace

    config = resolve_config(config_path)
    target = _check_out(out, config, paths)
    day = resolve_today(today)
    with _collector_paused():
        workspace = load_workspace(paths, config, day, verify=run_verify, keep_data=True,
                                   use_cache=not no_cache, progress=progress_bar)
        loaded = load_reports(workspace, config)
    if public_only:
        kept = [m for m in loaded.models if m.assessment.badge_public]
        left_out = len(loaded.models) - len(kept) + len(loaded.invalid)
        if left_out:
            click.echo(f"threatgate: {left_out} model(s) without `badge: public` (or not "
                       f"valid) left out (--public-only)", err=True)
        loaded = Loaded(kept, [])
    for entry in loaded.invalid:
        click.echo(f"threatgate: warning: {entry.path}: not a valid model, listed as such: "
                   f"{entry.problem}", err=True)
    # One line, never blank: it heads every page and names it in the browser's tab.
    options = SiteOptions(title=" ".join(title.split()) or "Threat models",
                          generated=day.isoformat() if today else None)
    with _collector_paused():
        if len(loaded.models) >= PROGRESS_FROM and sys.stderr.isatty():
            with click.progressbar(length=len(loaded.models), label="rendering",
                                   file=sys.stderr) as bar:
                files = build_site(loaded.models, loaded.invalid, options,
                                   progress=bar.update)
        else:
            files = build_site(loaded.models, loaded.invalid, options)
    try:
        written, removed = _write(target, files, clean)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the site: {exc.strerror or exc}") from None
    click.echo(f"built {out.as_posix()}: {len(loaded.models)} model page(s), "
               f"{len(loaded.invalid)} invalid model(s), {len(files)} files "
               f"({written} written, {removed} stale removed)", err=True)
    if workspace.report.unreadable:
        raise click.exceptions.Exit(EXIT_USAGE)
    raise click.exceptions.Exit(EXIT_OK)
