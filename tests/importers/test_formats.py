"""Every fixture of every format: the golden model and report, stable bytes, a valid and
formatted model, detection, and a located refusal of the malformed file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import CASES_DIR, check_golden
from threatgate.document.canonical import format_text
from threatgate.importers import REGISTRY, ImportRefused
from threatgate.importers.convert import import_model, report_data
from threatgate.validate.files import check_bytes

IMPORT_CASES = CASES_DIR / "importers"
TODAY = dt.date(2026, 6, 1)
GOOD = sorted(p for p in IMPORT_CASES.glob("*/*") if not p.stem.startswith("malformed"))
MALFORMED = sorted(IMPORT_CASES.glob("*/malformed*"))


def _import(path: Path, format_name: str | None = None) -> object:
    return import_model(path.read_bytes(), path.name, format_name=format_name, today=TODAY,
                        max_depth=32)


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_every_format_has_fixtures_and_a_malformed_file() -> None:
    assert {p.parent.name for p in GOOD} == set(REGISTRY)
    assert {p.parent.name for p in MALFORMED} == set(REGISTRY)


@pytest.mark.parametrize("path", GOOD, ids=_case_id)
def test_golden_model_and_report(path: Path) -> None:
    imported = _import(path)
    assert imported.format.name == path.parent.name  # detected from the content
    check_golden(f"importers/{path.parent.name}/{path.stem}.yaml", imported.text)
    report = report_data(imported, path.name, f"threatmodels/{path.stem}.yaml")
    check_golden(f"importers/{path.parent.name}/{path.stem}.report.json",
                 json.dumps(report, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.parametrize("path", GOOD, ids=_case_id)
def test_model_is_valid_formatted_and_stable(path: Path) -> None:
    first = _import(path, path.parent.name)
    assert _import(path).text == first.text
    assert format_text(first.text) == first.text
    problems = check_bytes(first.text.encode("utf-8"), TODAY, 32)["problems"]
    assert [p for p in problems if p[0] == "error"] == []


@pytest.mark.parametrize("path", GOOD, ids=_case_id)
def test_nothing_is_dropped_silently(path: Path) -> None:
    """Every leaf of the source is in the model: mapped to a field, kept in an extension
    field, or the subject of a note (the report says which)."""
    imported = _import(path)
    report = imported.report
    places = ([m["from"] for m in report.mapped] + [k["from"] for k in report.kept]
              + [n["from"] for n in report.notes])
    assert places
    assert all(p.startswith("/") for p in places)
    assert all(k["to"].split(": ")[-1].startswith(f"x-{path.parent.name}") for k in report.kept)


@pytest.mark.parametrize("path", MALFORMED, ids=_case_id)
def test_malformed_file_is_refused_with_its_place(path: Path) -> None:
    with pytest.raises(ImportRefused) as caught:
        _import(path)
    diagnostic = caught.value.diagnostics[0]
    assert caught.value.exit_code == 1
    assert diagnostic.line > 1
    assert "(at /" in diagnostic.message
