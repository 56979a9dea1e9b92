"""Compliance tools, in-process: frameworks, coverage reports and mappings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mcp_session import call, call_all, ok, refused

from conftest import VALID_MODEL
from threatgate.commands.main import cli


@pytest.fixture
def repo(project: Path, write_model, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_model(VALID_MODEL.replace("    status: implemented\n",
                                    "    status: implemented\n    # the query layer\n", 1))
    monkeypatch.chdir(project)
    return project


def test_the_frameworks_are_the_shipped_catalogues_and_the_repository_s(repo: Path) -> None:
    table = repo / "acme.csv"
    table.write_text("id,title,level\nR1,Encrypt everything,1\nR2,Log everything,2\n",
                     encoding="utf-8")
    imported = CliRunner().invoke(cli, ["compliance", "import", str(table), "--id", "acme-1"])
    assert imported.exit_code == 0, imported.output
    listed = ok(call(repo, "list_compliance_frameworks"))
    by_id = {f["id"]: f for f in listed["frameworks"]}
    assert by_id["asvs-5.0"]["requirements"] == 345
    assert by_id["asvs-5.0"]["source"] == "shipped"
    assert set(by_id["nist-800-53-r5"]["levels"]) >= {"low", "moderate", "high"}
    assert by_id["acme-1"] == {"id": "acme-1", "title": by_id["acme-1"]["title"],
                               "requirements": 2, "levels": {"1": 1, "2": 2},
                               "cumulative": True, "source": "repository"}
    mapped = ok(call(repo, "map_control_to_requirement",
                     {"control_id": "C1", "requirements": ["acme-1:R2"]}))
    assert mapped["result"]["compliance"][-1] == "acme-1:R2"
    report = ok(call(repo, "get_compliance_report", {"framework": "acme-1", "level": "2"}))
    assert (report["requirements"], report["covered"], report["unmapped"]) == (2, 1, 1)


def test_the_report_counts_by_default_and_pages_rows_on_request(repo: Path) -> None:
    summary, rows, planned = call_all(
        repo, ("get_compliance_report", {"framework": "asvs-5.0"}),
        ("get_compliance_report", {"framework": "asvs-5.0", "summary_only": False,
                                   "limit": 5, "offset": 2}),
        ("get_compliance_report", {"framework": "asvs-5.0", "status": "planned"}))
    counts = ok(summary)
    assert counts["id"] == "asvs-5.0" and counts["requirements"] == 345
    assert "rows" not in counts
    assert counts["covered"] + counts["partial"] + counts["planned"] + counts["unmapped"] \
        + counts["excluded"] == 345
    page = ok(rows)["rows"]
    assert page["total"] == 345 and page["offset"] == 2 and len(page["items"]) == 5
    assert all(row["status"] == "planned" for row in ok(planned)["rows"]["items"])


def test_map_a_control_keeps_comments_and_checks_the_catalogue(repo: Path) -> None:
    mapped = ok(call(repo, "map_control_to_requirement",
                     {"control_id": "C1", "requirements": ["asvs-5.0:V1.2.4"]}))
    assert "asvs-5.0:V1.2.4" in mapped["result"]["compliance"]
    text = (repo / "threatmodels" / "model.yaml").read_text(encoding="utf-8")
    assert "# the query layer" in text and "asvs-5.0:V1.2.4" in text
    report = ok(call(repo, "get_compliance_report", {"framework": "asvs-5.0",
                                                    "status": "covered"}))
    assert "V1.2.4" in [row["requirement"] for row in report["rows"]["items"]]
    typo = refused(call(repo, "map_control_to_requirement",
                        {"control_id": "C1", "requirements": ["asvs-5.0:V1.2.44"]}))
    assert "not a requirement of asvs-5.0" in typo
    unknown = refused(call(repo, "map_control_to_requirement",
                           {"control_id": "C1", "requirements": ["asvs-50:V1.2.4"]}))
    assert "did you mean asvs-5.0" in unknown
    removed = ok(call(repo, "map_control_to_requirement",
                      {"control_id": "C1", "requirements": ["asvs-5.0:V1.2.4"],
                       "remove": True}))
    assert "asvs-5.0:V1.2.4" not in removed["result"]["compliance"]


def test_unknown_framework_and_level_are_tool_errors(repo: Path) -> None:
    assert "asvs" in refused(call(repo, "get_compliance_report", {"framework": "asvs-9"}))
    refused(call(repo, "get_compliance_report", {"framework": "asvs-5.0", "level": "7"}))
    refused(call(repo, "map_control_to_requirement",
                 {"control_id": "C99", "requirements": ["asvs-5.0:V1.2.4"]}))


def test_export_oscal(repo: Path) -> None:
    exported = ok(call(repo, "export_threat_model", {"format": "oscal", "model_id": "shop"}))
    assert "component-definition" in json.loads(exported["content"])
