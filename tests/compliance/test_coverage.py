"""Coverage computed by hand: tests/cases/compliance/coverage.yaml, at every level and
status. Each case model is validated first (against the same catalogues), so a case
tests the coverage and not a typo."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from casefiles import read_yaml
from conftest import CASES_DIR
from threatgate.analysis.assess import assess_model
from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.catalogues.model import dump_catalogue
from threatgate.catalogues.readers.tabular import catalogue_from_csv
from threatgate.compliance.coverage import framework_coverage, model_coverage, resolve_level
from threatgate.validate.files import check_bytes

CASE_FILE = CASES_DIR / "compliance" / "coverage.yaml"
TODAY = dt.date(2026, 6, 1)
COUNTS = ("requirements", "covered", "verified", "partial", "planned", "unmapped", "excluded")


def _document() -> dict[str, Any]:
    document = read_yaml(CASE_FILE)
    assert set(document) == {"description", "catalogues", "cases"}
    return document


def _library(folder: Path) -> CatalogueLibrary:
    for name, text in _document()["catalogues"].items():
        catalogue = catalogue_from_csv(text.encode(), name)
        (folder / f"{name}.json").write_text(dump_catalogue(catalogue), encoding="utf-8")
    return CatalogueLibrary(folder)


def _expectations(case: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    if "levels" in case:
        return {None if level == "all" else str(level): expected
                for level, expected in case["levels"].items()}
    return {None: case["expect"]}


@pytest.mark.parametrize("case", _document()["cases"], ids=lambda c: c["name"])
def test_coverage_case(case: dict[str, Any], tmp_path: Path) -> None:
    library = _library(tmp_path)
    model = case["model"]
    raw = json.dumps(model).encode() if isinstance(model, dict) else model.encode()
    problems = check_bytes(raw, TODAY, 32, library)["problems"]
    assert [p for p in problems if p[0] == "error"] == [], problems
    data = json.loads(raw) if isinstance(model, dict) else read_yaml_text(model)
    assessment = assess_model(data, path="m.yaml", today=TODAY,
                              evidence=case.get("evidence"))
    catalogue = library.require(case["framework"])
    for level, expected in _expectations(case).items():
        coverage = model_coverage(assessment, catalogue, resolve_level(catalogue, level))
        tally = coverage.tally
        for name in COUNTS:
            if name in expected:
                assert getattr(tally, name) == expected[name], (level, name)
        assert tally.coverage == expected["coverage"], level
        statuses = {row.requirement.id: "verified" if row.verified else row.status
                    for row in coverage.rows}
        for requirement, status in expected.get("rows", {}).items():
            assert statuses[requirement] == status, (level, requirement)


def read_yaml_text(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def test_roll_up_sums_the_models_that_answer_to_the_framework() -> None:
    top10 = SHIPPED.require("owasp-top10-2021")
    models = []
    for model_id, status in (("a", "implemented"), ("b", "planned")):
        models.append(assess_model({
            "threatgate": 1, "id": model_id, "title": model_id,
            "controls": [{"id": "C1", "title": "c", "status": status,
                          "compliance": ["owasp-top10-2021:A01"]}]},
            path=f"{model_id}.yaml", today=TODAY))
    models.append(assess_model({"threatgate": 1, "id": "other", "title": "o"},
                               path="o.yaml", today=TODAY))
    rolled = framework_coverage(models, top10)
    assert [m.model_id for m in rolled.models] == ["a", "b"]
    tally = rolled.tally
    assert (tally.requirements, tally.covered, tally.planned, tally.unmapped) == (20, 1, 1, 18)
    assert tally.coverage == 0.05
    assert [r.model for r in rolled.rows("planned")] == ["b"]


def test_an_unknown_level_names_the_known_ones() -> None:
    asvs = SHIPPED.require("asvs-5.0")
    assert resolve_level(asvs, "2") == "2"
    with pytest.raises(ValueError, match=r"levels: 1, 2, 3"):
        resolve_level(asvs, "4")
    nist = SHIPPED.require("nist-800-53-r5")
    assert resolve_level(nist, "MODERATE") == "moderate"
