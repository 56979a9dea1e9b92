"""Load, validate and assess the models a command works on (shared by assess, gate, badge)."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from threatgate.assess import InvalidModel, ModelAssessment, assessment_follow
from threatgate.cache import ResultCache, default_cache_dir
from threatgate.config import Config
from threatgate.discovery import discover
from threatgate.validate import ValidateOptions, ValidationReport, cache_salt, validate_files


@dataclass
class Workspace:
    config: Config
    today: dt.date
    report: ValidationReport
    assessments: list[ModelAssessment]

    @property
    def invalid(self) -> list[InvalidModel]:
        """Models that could not be assessed, with their first error."""
        out = []
        for result in self.report.files:
            if result.extra is None:
                first = next((d for d in result.diagnostics if d.severity == "error"), None)
                if first is None:
                    out.append(InvalidModel(result.display, 1, 1, "not a valid model", "invalid"))
                else:
                    out.append(InvalidModel(result.display, first.line, first.column,
                                            first.message, first.rule))
        return out


def load_workspace(paths: tuple[Path, ...], config: Config, today: dt.date, *,
                   jobs: int = 0, use_cache: bool = True) -> Workspace:
    files = discover(list(paths), config)
    cache = (ResultCache(default_cache_dir(), cache_salt(config, today))
             if config.cache and use_cache else None)
    options = ValidateOptions(
        today=today, max_file_size=config.max_file_size, max_depth=config.max_depth,
        rules=dict(config.rules), cache=cache, jobs=jobs,
        follow=assessment_follow(today, config.expiring_days),
    )
    progress = None
    if len(files) >= 200 and sys.stderr.isatty():
        bar = click.progressbar(length=len(files), label="assessing", file=sys.stderr)
        with bar:
            report = validate_files(files, options, progress=bar.update)
    else:
        report = validate_files(files, options, progress=progress)
    assessments = [r.extra for r in report.files if r.extra is not None]
    return Workspace(config, today, report, assessments)
