"""``threatgate compliance import`` and ``list``: every source kind, good and malformed
(tests/cases/compliance/imports.yaml), the full official catalogs, and what is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casefiles import read_yaml
from conftest import CASES_DIR, VALID_MODEL
from threatgate.catalogues.library import CatalogueLibrary

CASES = read_yaml(CASES_DIR / "compliance" / "imports.yaml")["cases"]


def _write_source(project: Path, case: dict[str, Any]) -> Path:
    path = project / case["file"]
    data = case["text"].encode("latin-1" if case.get("latin1") else "utf-8")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_import_case(case: dict[str, Any], run_cli, project: Path) -> None:
    source = _write_source(project, case)
    result = run_cli("compliance", "import", str(source), "--id", "acme-1", cwd=project)
    target = project / "compliance" / "acme-1.json"
    if "error" in case:
        assert result.exit_code == 2, result.output
        for part in case["error"]:
            assert part in result.stderr, result.stderr
        assert str(source.name) in result.stderr
        assert not target.exists()
        assert "Traceback" not in result.output
        return
    assert result.exit_code == 0, result.output
    catalogue = CatalogueLibrary(project / "compliance").require("acme-1")
    assert list(catalogue.levels) == case["levels"]
    assert catalogue.cumulative == case.get("cumulative", False)
    got = {r.id: [list(r.levels), r.parent] for r in catalogue.requirements}
    assert got == case["requirements"]


def test_imported_framework_is_checked_by_validate(run_cli, project: Path, write_model) -> None:
    (project / "acme.csv").write_text("id,title\nR1,One\nR2,Two\n", encoding="utf-8")
    assert run_cli("compliance", "import", "acme.csv", "--id", "acme-1",
                   cwd=project).exit_code == 0
    model = VALID_MODEL.replace("frameworks: [asvs-5.0]", "frameworks: [asvs-5.0, acme-1]")
    write_model(model.replace('["asvs-5.0:V1.2.4"]', '["asvs-5.0:V1.2.4", "acme-1:R2"]'))
    assert run_cli("validate", "--strict", cwd=project).exit_code == 0
    write_model(model.replace('["asvs-5.0:V1.2.4"]', '["acme-1:R3"]'))
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 1
    assert "acme-1:R3, which is not a requirement of acme-1; did you mean acme-1:R" in (
        result.output)


def test_configured_folder_and_listing(run_cli, project: Path) -> None:
    (project / "threatgate.toml").write_text('[compliance]\nfolder = "grc/catalogues"\n',
                                             encoding="utf-8")
    (project / "acme.yaml").write_text("- {id: R1, title: One, level: 1}\n"
                                       "- {id: R2, title: Two, level: 2}\n", encoding="utf-8")
    assert run_cli("compliance", "import", "acme.yaml", "--id", "acme-2",
                   cwd=project).exit_code == 0
    assert (project / "grc" / "catalogues" / "acme-2.json").is_file()
    listed = json.loads(run_cli("compliance", "list", "--format", "json",
                                cwd=project).stdout)["frameworks"]
    by_id = {f["id"]: f for f in listed}
    assert by_id["acme-2"] == {"id": "acme-2", "title": "acme-2", "requirements": 2,
                               "levels": {"1": 1, "2": 2}, "cumulative": True,
                               "source": "repository"}
    assert by_id["asvs-5.0"]["requirements"] == 345
    assert by_id["asvs-5.0"]["levels"] == {"1": 70, "2": 253, "3": 345}
    assert by_id["nist-800-53-r5"]["levels"] == {"low": 149, "moderate": 287, "high": 370,
                                                 "privacy": 96}
    text = run_cli("compliance", "list", cwd=project).stdout
    assert "asvs-5.0: 345 requirements (cumulative levels: 1 70, 2 253, 3 345)" in text


def test_refusals_write_nothing(run_cli, project: Path) -> None:
    (project / "a.csv").write_text("id,title\nR1,One\n", encoding="utf-8")
    shipped = run_cli("compliance", "import", "a.csv", "--id", "asvs-5.0", cwd=project)
    assert shipped.exit_code == 2 and "shipped catalogue" in shipped.stderr
    bad_id = run_cli("compliance", "import", "a.csv", "--id", "Not An Id", cwd=project)
    assert bad_id.exit_code == 2 and "framework id" in bad_id.stderr
    missing = run_cli("compliance", "import", "nope.csv", "--id", "x-1", cwd=project)
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    assert not (project / "compliance").exists()
    assert run_cli("compliance", "import", "a.csv", cwd=project).exit_code == 0
    assert (project / "compliance" / "a.json").is_file()  # the id from the file name
    again = run_cli("compliance", "import", "a.csv", cwd=project)
    assert again.exit_code == 2 and "--replace" in again.stderr
    assert run_cli("compliance", "import", "a.csv", "--replace", cwd=project).exit_code == 0


def test_a_folder_outside_the_repository_is_refused(run_cli, project: Path) -> None:
    (project / "threatgate.toml").write_text('[compliance]\nfolder = "../elsewhere"\n',
                                             encoding="utf-8")
    result = run_cli("compliance", "list", cwd=project)
    assert result.exit_code == 2 and "outside the repository" in result.stderr



def _sources() -> Path:
    from conftest import REPO_ROOT

    for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent):
        found = base / "shared" / "reference" / "compliance"
        if found.is_dir():
            return found
    pytest.skip("the official compliance sources are not beside the repository")


def test_official_sources_import_as_they_are(run_cli, project: Path) -> None:
    sources = _sources()
    asvs = run_cli("compliance", "import", str(sources / "OWASP_ASVS_5.0.0_en.flat.json"),
                   "--id", "asvs-copy", cwd=project)
    assert asvs.exit_code == 0, asvs.output
    assert "imported asvs-copy: 345 requirements (levels 1, 2, 3)" in asvs.stdout
    high = sources / "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json"
    oscal = run_cli("compliance", "import", str(high), "--id", "nist-high", cwd=project)
    assert oscal.exit_code == 0, oscal.output
    catalogue = CatalogueLibrary(project / "compliance").require("nist-high")
    assert len(catalogue.requirements) == 370 and "AC-2(1)" in catalogue
