"""``threatgate export``: CSV tables, the normalised JSON, the Word report, gate formats."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from pathlib import Path

import pytest

from conftest import GOLDEN_DIR, VALID_MODEL, check_golden

GOLDEN = GOLDEN_DIR / "export"
PAYMENTS = (GOLDEN / "payments.yaml").read_text(encoding="utf-8")

EMPTY_MODEL = """\
threatgate: 1
id: empty
title: Nothing yet
"""


def _golden(name: str, actual: bytes) -> None:
    check_golden(f"export/{name}", actual)


def _rows(blob: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(blob.decode("utf-8"), newline="")))


def _with_title(title: str) -> str:
    """VALID_MODEL with the threat's title replaced (double-quoted YAML, escapes allowed)."""
    quoted = json.dumps(title, ensure_ascii=False)
    return VALID_MODEL.replace("title: Customer data read through SQL injection",
                               f"title: {quoted}")


@pytest.fixture
def export(run_cli, project):  # type: ignore[no-untyped-def]
    def run(*args: str):  # type: ignore[no-untyped-def]
        return run_cli("export", *args, cwd=project)

    return run


# --- CSV ----------------------------------------------------------------------------


def test_csv_golden_tables(export, write_model, project: Path) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    result = export("threatmodels/payments.yaml", "--format", "csv", "--out", "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "payments-api.controls.csv", "payments-api.threats.csv"]
    threats = (project / "out" / "payments-api.threats.csv").read_bytes()
    controls = (project / "out" / "payments-api.controls.csv").read_bytes()
    _golden("payments-api.threats.csv", threats)
    _golden("payments-api.controls.csv", controls)
    # Spreadsheet conventions: CRLF everywhere, no BOM by default.
    assert threats.count(b"\r\n") == threats.count(b"\n")
    assert not threats.startswith(b"\xef\xbb\xbf")


def test_csv_stdout_chooses_the_table(export, write_model) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    threats = export("--format", "csv")
    assert threats.exit_code == 0, threats.output
    assert threats.stdout_bytes == (GOLDEN / "payments-api.threats.csv").read_bytes()
    controls = export("--format", "csv", "--table", "controls")
    assert controls.stdout_bytes == (GOLDEN / "payments-api.controls.csv").read_bytes()


def test_csv_columns_and_values(export, write_model) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    header, *rows = _rows(export("--format", "csv").stdout_bytes)
    by_id = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_id["T1"]["severity"] == "critical"
    assert by_id["T1"]["score"] == "20"
    assert by_id["T1"]["stride"] == "information_disclosure; tampering"
    assert by_id["T1"]["mitigations"] == "C1 (implemented); C3 (wont_do)"
    assert by_id["T1"]["mitigated_by"] == "C1"
    assert by_id["T3"]["state"] == "accepted"
    assert (by_id["T3"]["accepted_by"], by_id["T3"]["review_by"]) == ("cfo", "2026-12-31")
    assert by_id["T4"]["state"] == "open"  # its acceptance is past its review date
    assert by_id["T4"]["score"] == "" and by_id["T4"]["severity"] == "medium"
    header, *rows = _rows(export("--format", "csv", "--table", "controls").stdout_bytes)
    controls = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert controls["C1"]["active"] == "yes" and controls["C2"]["active"] == "no"
    assert controls["C5"]["findings_open"] == "1"
    assert controls["C1"]["findings_open"] == "0"  # F2 is remediated, not open
    assert controls["C4"]["threats"] == "T2; T3"
    assert controls["C1"]["assertions_passed"] == ""  # no --verify


@pytest.mark.parametrize("title", [
    "=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tleading tab",
    '=HYPERLINK("http://evil.example","x")',
])
def test_csv_formula_injection_is_neutralised(export, write_model, title: str) -> None:
    write_model(_with_title(title))
    header, row = _rows(export("--format", "csv").stdout_bytes)
    assert row[header.index("title")] == "'" + title


@pytest.mark.parametrize("owner", ["\rleading return", "\tleading tab", "=2*3", "@team"])
def test_csv_formula_injection_in_other_fields(export, write_model, owner: str) -> None:
    model = VALID_MODEL.replace("    status: planned\n",
                                f"    status: planned\n    owner: {json.dumps(owner)}\n")
    write_model(model)
    header, *rows = _rows(export("--format", "csv", "--table", "controls").stdout_bytes)
    # On standard output a carriage return is printed as an escape, not as itself.
    assert rows[1][header.index("owner")] == "'" + owner.replace("\r", "\\r")


def test_neutralise_leaves_numbers_and_text_alone() -> None:
    from threatgate.output.escape.spreadsheet import neutralise

    assert neutralise("20") == "20"
    assert neutralise("") == ""
    assert neutralise("-") == "'-"
    assert neutralise(" =1") == " =1"


@pytest.mark.parametrize("title", ["Plain title", "a = b", "Title with -dash", "'quoted"])
def test_csv_harmless_cells_are_kept(export, write_model, title: str) -> None:
    write_model(_with_title(title))
    header, row = _rows(export("--format", "csv").stdout_bytes)
    assert row[header.index("title")] == title


def test_csv_quoting_of_commas_quotes_and_newlines(export, write_model) -> None:
    title = 'Comma, "quote"; and more'
    write_model(_with_title(title))
    blob = export("--format", "csv").stdout_bytes
    assert b'"Comma, ""quote""; and more"' in blob
    header, row = _rows(blob)
    assert row[header.index("title")] == title


def test_csv_unicode_and_excel_bom(export, write_model) -> None:
    title = "Kundendaten — 顧客データ 🔓 gelesen"
    write_model(_with_title(title))
    plain = export("--format", "csv").stdout_bytes
    assert title.encode("utf-8") in plain
    excel = export("--format", "csv", "--excel").stdout_bytes
    assert excel == b"\xef\xbb\xbf" + plain
    header, row = list(csv.reader(io.StringIO(excel.decode("utf-8-sig"), newline="")))
    assert header[0] == "model" and row[header.index("title")] == title


def test_csv_empty_model_gives_headers_only(export, write_model, project: Path) -> None:
    write_model(EMPTY_MODEL, name="empty.yaml")
    result = export("--format", "csv", "--out", "out")
    assert result.exit_code == 0, result.output
    threats = (project / "out" / "empty.threats.csv").read_bytes()
    controls = (project / "out" / "empty.controls.csv").read_bytes()
    assert threats == (GOLDEN / "payments-api.threats.csv").read_bytes().split(b"\r\n")[0] \
        + b"\r\n"
    assert _rows(controls) == [_rows((GOLDEN / "payments-api.controls.csv").read_bytes())[0]]


def test_csv_several_models(export, write_model, project: Path) -> None:
    write_model(VALID_MODEL, name="shop.yaml")
    write_model(PAYMENTS, name="nested/payments.yaml")
    result = export("threatmodels", "--format", "csv", "--out", "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "payments-api.controls.csv", "payments-api.threats.csv",
        "shop.controls.csv", "shop.threats.csv"]
    # On standard output, one table holds the rows of every model, the model id first.
    _header, *rows = _rows(export("--format", "csv").stdout_bytes)
    assert {row[0] for row in rows} == {"shop", "payments-api"}
    assert len(rows) == 5


def test_csv_out_only_one_table(export, write_model, project: Path) -> None:
    write_model()
    assert export("--format", "csv", "--table", "controls", "--out", "out").exit_code == 0
    assert [p.name for p in (project / "out").iterdir()] == ["shop.controls.csv"]


def test_csv_out_must_be_a_folder(export, write_model, project: Path) -> None:
    write_model()
    (project / "file.csv").write_text("keep", encoding="utf-8")
    result = export("--format", "csv", "--out", "file.csv")
    assert result.exit_code == 2
    assert "not a folder" in result.stderr
    assert (project / "file.csv").read_text(encoding="utf-8") == "keep"


def test_csv_with_verify(export, write_model, project: Path) -> None:
    write_model()
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text("def run(q):\n    return q\n", encoding="utf-8")
    result = export("--format", "csv", "--table", "controls", "--verify")
    assert result.exit_code == 0, result.output
    header, *rows = _rows(result.stdout_bytes)
    c1 = dict(zip(header, rows[0], strict=True))
    assert (c1["verification"], c1["assertions"], c1["assertions_passed"]) == (
        "verified", "1", "1")


# --- JSON ---------------------------------------------------------------------------


def test_json_golden(export, write_model) -> None:
    path = write_model(PAYMENTS, name="payments.yaml")
    result = export("threatmodels/payments.yaml", "--format", "json")
    assert result.exit_code == 0, result.output
    _golden("payments-api.json", result.stdout_bytes)
    document = json.loads(result.stdout)
    assert list(document) == ["threatgate_export", "model", "assessment", "posture",
                              "verification", "source"]
    assert document["threatgate_export"] == 1
    assert document["source"] == {
        "path": "threatmodels/payments.yaml",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert result.stdout.endswith("}\n")


def test_json_model_is_normalised(export, write_model) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    model = json.loads(export("--format", "json").stdout)["model"]
    # Every collection is there, in the schema's order.
    assert [k for k in model if isinstance(model[k], list) and k not in ("frameworks", "tags")
            ] == ["components", "dataflows", "trust_boundaries", "assets", "attackers",
                  "objectives", "threats", "controls", "assumptions", "acceptances",
                  "findings", "exclusions"]
    objectives = {o["id"]: o for o in model["objectives"]}
    assert objectives["CO1"]["properties"] == ["confidentiality", "integrity"]  # the asset's
    assert objectives["CO2"]["properties"] == ["integrity"]  # its own
    assert objectives["CO1"]["status"] == "active"
    assert objectives["CO1"]["assumptions"] == []
    threats = {t["id"]: t for t in model["threats"]}
    assert threats["T3"]["stride"] == [] and threats["T3"]["components"] == []
    assert [t["id"] for t in model["threats"]] == ["T1", "T2", "T3", "T4"]  # file order
    (pattern, _function) = model["controls"][0]["assertions"]
    assert pattern["multiline"] is False and pattern["ignore_case"] is False
    assert model["tags"] == []


def test_json_empty_model_has_every_collection(export, write_model) -> None:
    write_model(EMPTY_MODEL, name="empty.yaml")
    document = json.loads(export("--format", "json").stdout)
    model = document["model"]
    for collection in ("components", "dataflows", "trust_boundaries", "assets", "attackers",
                       "objectives", "threats", "controls", "assumptions", "acceptances",
                       "findings", "frameworks"):
        assert model[collection] == [], collection
    assert model["badge"] == "private"
    assert document["assessment"]["models"][0]["empty"] is True
    assert document["posture"] == {"threats": [], "objectives": [], "controls": [],
                                   "findings": []}


def test_json_assessment_is_the_assess_document(export, run_cli, write_model,
                                                project: Path) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    exported = json.loads(export("--format", "json").stdout)["assessment"]
    assessed = json.loads(run_cli("assess", "--format", "json", "--details",
                                  cwd=project).stdout)
    assert exported == assessed


def test_json_posture_and_verification(export, write_model, project: Path) -> None:
    write_model()
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text('cursor.execute(f"select {x}")\n',
                                           encoding="utf-8")
    document = json.loads(export("--format", "json", "--verify").stdout)
    (threat,) = document["posture"]["threats"]
    assert (threat["id"], threat["status"]) == ("T1", "mitigated")
    (verdict,) = document["verification"]
    assert (verdict["control"], verdict["status"]) == ("C1", "fail")
    assert document["posture"]["controls"][0]["verification"] == "failing"
    assert json.loads(export("--format", "json").stdout)["verification"] is None


def test_json_several_models_need_a_folder(export, write_model, project: Path) -> None:
    write_model(VALID_MODEL, name="shop.yaml")
    write_model(PAYMENTS, name="payments.yaml")
    refused = export("--format", "json")
    assert refused.exit_code == 2
    assert "--out FOLDER" in refused.stderr
    assert refused.stdout == ""
    result = export("--format", "json", "--out", "exports")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "exports").iterdir()) == [
        "payments-api.json", "shop.json"]


def test_model_given_by_id(export, write_model, project: Path) -> None:
    """Like `threatgate render`, export takes a model id for its file; only that model
    is exported, even when another file is not valid."""
    write_model(VALID_MODEL, name="shop.yaml")
    write_model(PAYMENTS, name="nested/payments.yaml")
    write_model("threatgate: 1\nid: broken\n", name="broken.yaml")
    result = export("payments-api", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"]["id"] == "payments-api"
    rows = _rows(export("shop", "--format", "csv").stdout_bytes)
    assert {row[0] for row in rows[1:]} == {"shop"}
    unknown = export("no-such-model", "--format", "json")
    assert unknown.exit_code == 2
    assert "no-such-model: no such file or folder, nor a model id" in unknown.stderr


@pytest.mark.parametrize("fmt", ["json", "docx", "sarif"])
def test_out_never_overwrites_a_model(export, write_model, project: Path, fmt: str) -> None:
    path = write_model(VALID_MODEL, name="shop.yaml")
    result = export("threatmodels/shop.yaml", "--format", fmt, "--out", "threatmodels/shop.yaml")
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.stderr
    assert path.read_text(encoding="utf-8") == VALID_MODEL


def test_json_out_file_and_existing_folder(export, write_model, project: Path) -> None:
    write_model()
    assert export("--format", "json", "--out", "report.json").exit_code == 0
    assert json.loads((project / "report.json").read_text(encoding="utf-8"))["model"]["id"] \
        == "shop"
    (project / "reports").mkdir()
    assert export("--format", "json", "--out", "reports").exit_code == 0
    assert (project / "reports" / "shop.json").is_file()
    assert export("--format", "json", "--out", "new-folder/").exit_code == 0
    assert (project / "new-folder" / "shop.json").is_file()


def test_out_never_replaces_a_folder(export, write_model, project: Path) -> None:
    write_model()
    (project / "reports" / "shop.json").mkdir(parents=True)
    result = export("--format", "json", "--out", "reports")
    assert result.exit_code == 2
    assert "is a folder" in result.stderr
    assert (project / "reports" / "shop.json").is_dir()


def test_unicode_and_hostile_text_survive_json(export, write_model) -> None:
    title = "Données 🔓 <script>alert(1)</script> \u202e"
    write_model(_with_title(title))
    document = json.loads(export("--format", "json").stdout)
    assert document["model"]["threats"][0]["title"] == title


# --- errors -------------------------------------------------------------------------


def test_invalid_model_exits_1_with_diagnostics(export, write_model, project: Path) -> None:
    write_model(VALID_MODEL, name="shop.yaml")
    write_model("threatgate: 1\nid: broken\ntitle: Broken\nthreats: [{id: T1}]\n",
                name="broken.yaml")
    result = export("--format", "csv", "--out", "out")
    assert result.exit_code == 1
    assert "threatmodels/broken.yaml:4:" in result.stderr
    assert "error:" in result.stderr and "not exported" in result.stderr
    # The valid model is still exported.
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "shop.controls.csv", "shop.threats.csv"]


def test_unreadable_path_exits_2(export, project: Path) -> None:
    result = export("missing.yaml", "--format", "json")
    assert result.exit_code == 2
    assert "missing.yaml: no such file or folder" in result.stderr


def test_malformed_yaml_exits_1(export, write_model) -> None:
    write_model("threatgate: 1\nid: [unclosed\n", name="bad.yaml")
    result = export("--format", "json")
    assert result.exit_code == 1
    assert "threatmodels/bad.yaml:" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("args", [
    ("--format", "json", "--table", "threats"),
    ("--format", "docx", "--excel"),
    ("--format", "xml"),
    (),
])
def test_usage_errors(export, write_model, args: tuple[str, ...]) -> None:
    write_model()
    result = export(*args)
    assert result.exit_code == 2, result.output


def test_help_documents_formula_neutralising(export) -> None:
    result = export("--help")
    assert result.exit_code == 0
    assert "single quote" in result.stdout and "formula" in result.stdout
    assert "pip install 'threatgate[docx]'" in result.stdout


# --- gate formats -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sarif", "junit", "codequality"])
def test_gate_formats_match_the_gate(export, run_cli, write_model, project: Path,
                                     kind: str) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    write_model(VALID_MODEL, name="shop.yaml")
    (project / "threatgate.toml").write_text(
        "[gate]\nfail_on_unmitigated_high = true\n", encoding="utf-8")
    gate = run_cli("gate", "--format", kind, cwd=project)
    assert gate.exit_code == 1  # T2 is high and open
    exported = export("--format", kind)
    assert exported.exit_code == 0, exported.output  # export reports, it does not enforce
    assert exported.stdout == gate.stdout
    assert export("--format", kind, "--out", f"report.{kind}").exit_code == 0
    assert (project / f"report.{kind}").read_text(encoding="utf-8") == gate.stdout


def test_gate_format_out_refuses_a_folder(export, write_model, project: Path) -> None:
    write_model()
    (project / "reports").mkdir()
    result = export("--format", "sarif", "--out", "reports")
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


def test_gate_format_reports_invalid_models(export, write_model) -> None:
    write_model("threatgate: 1\nid: broken\ntitle: Broken\nthreats: [{id: T1}]\n",
                name="broken.yaml")
    result = export("--format", "sarif")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["runs"][0]["results"][0]["ruleId"] == "invalid_model"


# --- DOCX ---------------------------------------------------------------------------

docx = pytest.importorskip("docx")


def _document_text(path: Path) -> tuple[list[tuple[str, str]], list[list[list[str]]]]:
    document = docx.Document(str(path))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    tables = [[[cell.text for cell in row.cells] for row in table.rows]
              for table in document.tables]
    return paragraphs, tables


def test_docx_report_sections_and_tables(export, write_model, project: Path) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    result = export("--format", "docx", "--out", "report.docx")
    assert result.exit_code == 0, result.output
    paragraphs, tables = _document_text(project / "report.docx")
    assert paragraphs[0] == ("Title", "Payments API — Zahlungen")
    headings = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings == ["Description", "Summary", "Control objectives", "Threats by severity",
                        "Controls", "Assumptions", "Risk acceptances", "Findings",
                        "Compliance mapping"]
    subheadings = [text for style, text in paragraphs if style == "Heading 2"]
    assert subheadings == ["Critical (1)", "High (1)", "Medium (2)", "asvs-5.0",
                           "pci-dss-4.0"]
    title_page = dict(tables[0][1:])
    assert title_page["Model id"] == "payments-api"
    assert title_page["Owner"] == "payments-team"
    assert title_page["System"] == "checkout"
    assert title_page["Date"] == "2026-06-01"
    summary = dict(tables[1][1:])
    assert summary["Posture"] == "2 of 3 objectives at risk"  # CO2 rests on an attested assumption
    assert summary["Mitigation ratio"] == "25%"
    assert summary["By severity"] == "critical 1, high 1, medium 2, low 0, unscored 0"
    assert summary["Verification"].startswith("not run")
    cells = {cell for table in tables for row in table for cell in row}
    assert "C1 Parameterised queries only (implemented); C3 Web application firewall " \
           "(wont_do)" in cells
    assert "pattern_absent src/db.py\nfunction_exists src/db.py" in cells
    assert "2026-12-31" in cells and "Ledger is reconciled daily" in cells
    assert "No rate limit on /refund" in cells
    compliance = tables[-1]
    assert compliance[0] == ["Requirement", "Controls", "Coverage"]
    assert ["6.2.4", "C1 (implemented)", "covered"] in compliance
    assert ["7.2.1", "C4 (planned)", "planned"] in compliance


def test_docx_is_deterministic_and_dated(export, write_model, project: Path) -> None:
    write_model(PAYMENTS, name="payments.yaml")
    assert export("--format", "docx", "--out", "a.docx").exit_code == 0
    assert export("--format", "docx", "--out", "b.docx").exit_code == 0
    assert (project / "a.docx").read_bytes() == (project / "b.docx").read_bytes()
    properties = docx.Document(str(project / "a.docx")).core_properties
    assert properties.author == "threatgate"
    assert properties.created.isoformat().startswith("2026-06-01")
    assert properties.modified == properties.created
    assert export("--format", "docx", "--out", "c.docx", "--today", "2026-07-01").exit_code \
        == 0
    assert (project / "c.docx").read_bytes() != (project / "a.docx").read_bytes()


def test_docx_hostile_text_stays_literal(export, write_model, project: Path) -> None:
    hostile = ('<script>alert(1)</script> { HYPERLINK "http://evil" } '
               '<w:t>x</w:t> =cmd| \x1b[31m & "quotes"')
    model = _with_title(hostile).replace(
        "TLS is terminated by the load balancer",
        json.dumps("]]><!-- \x01 DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe"))
    write_model(model)
    result = export("--format", "docx", "--out", "report.docx")
    assert result.exit_code == 0, result.output
    _paragraphs, tables = _document_text(project / "report.docx")
    cells = {cell for table in tables for row in table for cell in row}
    expected = hostile.replace("\x1b", "\\x1b")
    assert expected in cells
    assert any(cell.startswith("]]><!-- \\x01 DDEAUTO") for cell in cells)


def test_docx_several_models_into_a_folder(export, write_model, project: Path) -> None:
    write_model(VALID_MODEL, name="shop.yaml")
    write_model(EMPTY_MODEL, name="empty.yaml")
    result = export("--format", "docx", "--out", "reports")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "reports").iterdir()) == [
        "empty.docx", "shop.docx"]
    paragraphs, _tables = _document_text(project / "reports" / "empty.docx")
    assert ("Normal", "None.") in paragraphs
    assert ("Normal", "No compliance framework is mapped.") in paragraphs


def test_docx_with_verify_shows_verdicts(export, write_model, project: Path) -> None:
    write_model()
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text("def run(q):\n    return q\n", encoding="utf-8")
    assert export("--format", "docx", "--out", "report.docx", "--verify").exit_code == 0
    _paragraphs, tables = _document_text(project / "report.docx")
    summary = dict(tables[1][1:])
    assert summary["Verification"] == ("1 of 1 assertions passed; 1 of 1 implemented "
                                       "controls verified")
    cells = {cell for table in tables for row in table for cell in row}
    assert any(cell.startswith("pattern_absent src/db.py: pass") for cell in cells)


def test_docx_to_a_pipe_and_not_to_a_terminal(export, write_model, monkeypatch) -> None:
    write_model()
    piped = export("--format", "docx")
    assert piped.exit_code == 0
    assert piped.stdout_bytes.startswith(b"PK")
    from threatgate.commands import export_cmd

    monkeypatch.setattr(export_cmd, "_is_terminal", lambda stream: True)
    refused = export("--format", "docx")
    assert refused.exit_code == 2
    assert "--out FILE" in refused.stderr
    assert refused.stdout_bytes == b""


def test_docx_without_python_docx_gives_the_install_hint(export, write_model,
                                                         monkeypatch) -> None:
    write_model()
    monkeypatch.setitem(sys.modules, "docx", None)  # import docx now raises ImportError
    result = export("--format", "docx", "--out", "report.docx")
    assert result.exit_code == 2
    assert "pip install 'threatgate[docx]'" in result.stderr
    assert "Traceback" not in result.output
