"""Validation results carry, typed, what the follow-up step made of each valid model."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import VALID_MODEL
from threatgate.model.config import load_config
from threatgate.model.discovery import discover
from threatgate.validate.files import ValidationReport, options_for, validate_files

DAY = dt.date(2026, 6, 1)


def _controls(data: dict[str, Any], display: str, locate: Callable[..., tuple[int, int]]
              ) -> list[str]:
    return [str(control["id"]) for control in data.get("controls") or []]


def _report(project: Path) -> ValidationReport[list[str]]:
    config = load_config(project)
    return validate_files(discover([], config, cwd=project), options_for(config, DAY, _controls))


def test_followed_only_for_valid_models(project: Path, write_model: Callable[..., Path]) -> None:
    write_model(VALID_MODEL, "a.yaml")
    write_model(VALID_MODEL.replace("likelihood: 4", "likelihood: 9"), "b.yaml")
    report = _report(project)
    assert [r.display for r in report.files] == ["threatmodels/a.yaml", "threatmodels/b.yaml"]
    valid, invalid = report.files
    assert valid.followed == ["C1", "C2"] and invalid.followed is None
    assert report.followed == [["C1", "C2"]]
    assert valid.first_problem() == "not a valid model"
    assert invalid.first_problem().endswith("[schema-maximum]")
    assert invalid.first_problem().split(":")[0].isdigit()


def test_map_keeps_everything_but_the_follow_up(project: Path,
                                                write_model: Callable[..., Path]) -> None:
    write_model(VALID_MODEL, "a.yaml")
    write_model("threatgate: 1\nid: [broken\n", "b.yaml")
    report = _report(project)
    counted = report.map(len)
    assert counted.followed == [2]
    for before, after in zip(report.files, counted.files, strict=True):
        assert (after.display, after.model_id, after.diagnostics, after.id_location) == (
            before.display, before.model_id, before.diagnostics, before.id_location)
    assert counted.files[1].followed is None


def test_without_a_follow_up_nothing_is_followed(project: Path,
                                                  write_model: Callable[..., Path]) -> None:
    write_model()
    config = load_config(project)
    report = validate_files(discover([], config, cwd=project), options_for(config, DAY))
    assert report.followed == [] and report.files[0].followed is None
