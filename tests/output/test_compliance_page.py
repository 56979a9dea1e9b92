"""The site's compliance page (the requirement matrix per framework, its filters) and the
Markdown report's coverage lines."""

from __future__ import annotations

import re
from pathlib import Path

from test_render import parse_page

from conftest import VALID_MODEL

#: Maps C1 (implemented) to ASVS V1.2.4 (level 1) and excludes V5.1.1 (level 2).
MODEL = VALID_MODEL.replace("owner: shop-team", "owner: shop-team\nbadge: public") + """\
exclusions:
  - {requirement: "asvs-5.0:V5.1.1", reason: No file uploads <b>at all</b>}
"""


def _site(run_cli, project: Path) -> str:
    result = run_cli("site", "_site", cwd=project)
    assert result.exit_code == 0, result.output
    return (project / "_site" / "compliance.html").read_text(encoding="utf-8")


def _rows(page: str) -> dict[str, str]:
    """Requirement id -> the data-status of its matrix row."""
    found = re.findall(r'<tr data-status="([^"]*)" data-level="[^"]*">\s*<th scope="row">'
                       r"([^<]+)</th>", page)
    return {requirement: status for status, requirement in found}


def test_matrix_lists_every_requirement_with_its_status(run_cli, project: Path,
                                                        write_model) -> None:
    write_model(MODEL)
    write_model(MODEL.replace("id: shop", "id: shop-two").replace(
        "    status: implemented\n", "    status: planned\n", 1), "two.yaml")
    page = _site(run_cli, project)
    rows = _rows(page)
    assert len(rows) == 345
    assert rows["V1.2.4"] == "covered planned"  # covered in shop, planned in shop-two
    assert rows["V5.1.1"] == "excluded"
    assert rows["V1.1.1"] == "unmapped"
    parsed = parse_page(page)
    ids = {a.get("id") for _, a in parsed.tags}
    assert "framework-asvs-5.0-matrix" in ids
    selects = [a for t, a in parsed.tags if t == "select"]
    assert [a.get("data-filter-key") for a in selects] == ["status", "level"]
    options = [a.get("value") for t, a in parsed.tags if t == "option"]
    assert {"verified", "covered", "partial", "planned", "unmapped", "excluded", "1", "2",
            "3"} <= set(options)
    # A level-2 requirement counts at levels 2 and 3; a level-1 one at 1, 2 and 3.
    assert '<tr data-status="excluded" data-level="2 3">' in page
    assert '<tr data-status="covered planned" data-level="1 2 3">' in page
    assert "No file uploads &lt;b&gt;at all&lt;/b&gt;" in page and "<b>at all" not in page
    # Each model's counts, and the roll-up.
    assert re.search(r"<th scope=\"row\">All models</th><td>690</td><td>1</td>", page)


def test_many_models_show_counts_instead_of_columns(run_cli, project: Path,
                                                    write_model) -> None:
    from threatgate.output.html.compliance_page import MAX_MODEL_COLUMNS

    for number in range(MAX_MODEL_COLUMNS + 1):
        write_model(MODEL.replace("id: shop", f"id: shop-{number}"), f"m{number}.yaml")
    page = _site(run_cli, project)
    assert "Models by status" in page
    assert '<span class="status coverage-covered">covered</span> 25' in page


def test_framework_badge_of_the_site_is_the_coverage(run_cli, project: Path,
                                                     write_model) -> None:
    write_model(MODEL)
    _site(run_cli, project)
    badge = (project / "_site" / "badges" / "shop--asvs-5.0.json").read_text(encoding="utf-8")
    assert '"message": "0.3% covered (1/344)"' in badge


def test_markdown_report_gets_coverage_and_exclusions(run_cli, project: Path,
                                                      write_model) -> None:
    write_model(MODEL)
    result = run_cli("render", "shop", "--format", "markdown", cwd=project)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert ("Coverage of OWASP Application Security Verification Standard 5.0.0: 0.3% "
            "(1 of 344 requirements covered, 0 verified; 0 partial, 0 planned, 343 unmapped; "
            "1 excluded).") in text
    assert "| Excluded requirement | Reason |" in text
    assert "| V5.1.1 | No file uploads" in text and "<b>at all</b>" not in text


def test_api_compliance_document_carries_the_coverage(run_cli, project: Path,
                                                      write_model) -> None:
    import json

    write_model(MODEL.replace("frameworks: [asvs-5.0]", "frameworks: [asvs-5.0, pci-dss-4.0]"))
    _site(run_cli, project)
    document = json.loads((project / "_site" / "api" / "models" / "shop" / "compliance.json")
                          .read_text(encoding="utf-8"))
    by_id = {f["id"]: f for f in document["frameworks"]}
    assert by_id["asvs-5.0"]["coverage"] == {
        "requirements": 345, "verified": 0, "covered": 1, "partial": 0, "planned": 0,
        "unmapped": 343, "excluded": 1, "coverage": 0.0029}
    assert by_id["pci-dss-4.0"]["coverage"] is None
