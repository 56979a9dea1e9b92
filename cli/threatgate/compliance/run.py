"""The compliance commands' pipeline: models loaded and assessed once (the workspace),
the frameworks asked for resolved against the repository's catalogues."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.catalogues.library import CatalogueLibrary
from threatgate.catalogues.model import Catalogue
from threatgate.compliance.coverage import resolve_level
from threatgate.compliance.report import frameworks_of
from threatgate.errors import InputError, PolicyFailure
from threatgate.model.config import Config
from threatgate.workspace import ProgressBar, Workspace, load_workspace


def selected_frameworks(assessments: Sequence[ModelAssessment], library: CatalogueLibrary,
                        wanted: Sequence[str], level: str | None
                        ) -> list[tuple[Catalogue, str | None]]:
    """The catalogues of ``wanted`` (default: every framework the models list or map that
    has a catalogue), each with ``level`` as it names it. An unknown framework or level
    is a usage error."""
    ids = list(wanted) or [f for f in frameworks_of(assessments) if library.get(f)]
    if not ids:
        raise InputError("no framework to report: the models list none with a catalogue; "
                         "name one with --framework (`threatgate compliance list`)")
    selected = []
    for framework in ids:
        catalogue = library.require(framework)
        try:
            selected.append((catalogue, resolve_level(catalogue, level)))
        except ValueError as exc:
            raise InputError(str(exc)) from None
    return selected


def load_models(paths: tuple[Path, ...], config: Config, day: dt.date, *, verify: bool,
                use_cache: bool = True, keep_data: bool = False,
                progress: ProgressBar | None = None) -> Workspace:
    return load_workspace(paths, config, day, verify=verify, use_cache=use_cache,
                          keep_data=keep_data, progress=progress)


def one_model(path: Path, config: Config, day: dt.date) -> tuple[ModelAssessment,
                                                                   dict[str, Any]]:
    """The assessment and data of one model file; an invalid model is refused (exit 1)."""
    workspace = load_models((path,), config, day, verify=False, keep_data=True)
    if workspace.invalid or not workspace.assessments:
        first = workspace.invalid[0] if workspace.invalid else None
        where = f"{first.path}:{first.problem}" if first else str(path)
        raise PolicyFailure(f"the model is not valid ({where}); `threatgate validate` "
                            "says why")
    assessment = workspace.assessments[0]
    return assessment, workspace.data[assessment.path]
