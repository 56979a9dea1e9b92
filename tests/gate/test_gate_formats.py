"""Every ``threatgate gate`` output format: golden files, then the machine formats field by field.

The project below holds one passing model, one failing every check but fail_on_empty, and
one invalid model. Golden files live in tests/golden/gate/; after an intended change of
output, regenerate them with

    THREATGATE_UPDATE_GOLDEN=1 python -m pytest tests/gate/test_gate_formats.py

and review the diff before committing it.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from conftest import GOLDEN_DIR, REPO_ROOT, check_golden
from sarif_schema import sarif_validator
from threatgate import __version__
from threatgate.gate.run import GateReport, Thresholds
from threatgate.output.escape.xml import xml_text
from threatgate.output.gate import render
from threatgate.output.junit import checks_of
from threatgate.output.sarif import RULES, artifact_location

GOLDEN = GOLDEN_DIR / "gate"

THRESHOLDS = (
    "--fail-on-critical", "--fail-on-unmitigated-high", "--min-mitigation-ratio", "0.5",
    "--fail-on-at-risk", "high", "--fail-on-expired", "--max-open-findings", "high=0",
    "--require-evidence", "--fail-on-empty", "--min-compliance", "owasp-top10-2021=0.5",
)
GOLDEN_FILES = {
    "text": "text.txt",
    "json": "json.json",
    "github": "github.txt",
    "markdown": "markdown.md",
    "sarif": "sarif.json",
    "junit": "junit.xml",
    "codequality": "codequality.json",
}
#: The checks these tests turn on; the evidence checks (require_verified, fail_on_drift)
#: need verification and are covered in tests/gate/test_verify_gate.py.
EVIDENCE_CHECKS = ("require_verified", "fail_on_drift")
ALL_CHECKS = [f.name for f in fields(Thresholds) if f.name not in EVIDENCE_CHECKS]

#: Passes every check: its one threat is mitigated by a control with evidence.
CATALOG = """\
threatgate: 1
id: catalog
title: Product catalogue
owner: catalog-team
assets:
  - id: A1
    name: Product prices
    properties: [integrity]
attackers:
  - id: ATK1
    name: External attacker
    capability: Sends arbitrary HTTP requests from the internet without credentials.
    position: external
objectives:
  - id: CO1
    asset: A1
    attacker: ATK1
    properties: [integrity]
    mitigated_by: [[C1]]
threats:
  - id: T1
    title: Prices changed through the admin API
    stride: [tampering]
    likelihood: 3
    impact: 4
    objectives: [CO1]
    mitigations: [C1]
controls:
  - id: C1
    title: Admin API requires a signed service token
    status: implemented
    assertions:
      - {type: function_exists, file: src/auth.py, name: require_service_token}
"""

#: Fails every check but fail_on_empty: a critical open threat (T1), a high one (T2), an
#: expired acceptance (T3) and attestation (AS1), an implemented control without
#: assertions (C2), two objectives at risk (CO1 critical, CO2 high), an open high finding,
#: no OWASP Top 10 category covered (it excludes one, so it answers to that framework).
PAYMENTS = """\
threatgate: 1
id: payments
title: Payments API
owner: payments-team
assets:
  - id: A1
    name: Cardholder data
    properties: [confidentiality, integrity]
attackers:
  - id: ATK1
    name: External attacker
    capability: Sends arbitrary HTTP requests from the internet without credentials.
    position: external
objectives:
  - id: CO1
    asset: A1
    attacker: ATK1
    properties: [confidentiality]
    mitigated_by: [[C1]]
  - id: CO2
    asset: A1
    attacker: ATK1
    properties: [integrity]
    assumptions: [AS1]
threats:
  - id: T1
    title: Card numbers read through SQL injection
    stride: [information_disclosure]
    likelihood: 4
    impact: 5
    objectives: [CO1]
    mitigations: [C1]
  - id: T2
    title: Refund amounts altered in transit
    stride: [tampering]
    likelihood: 3
    impact: 4
    objectives: [CO2]
    mitigations: [C1]
  - id: T3
    title: Payment page framed by a phishing site
    stride: [spoofing]
    likelihood: 2
    impact: 3
  - id: T4
    title: Card brand guessed from error messages
    stride: [information_disclosure]
    likelihood: 1
    impact: 2
    mitigations: [C2]
controls:
  - id: C1
    title: Parameterised queries only
    status: planned
  - id: C2
    title: Generic error pages
    status: implemented
assumptions:
  - {id: AS1, description: TLS is terminated by the load balancer, attested_by: platform-team, expires: "2026-03-31"}
acceptances:
  - {threat: T3, owner: cto, justification: "frame-ancestors lands with the new CDN", review_by: "2026-05-01"}
findings:
  - {id: F1, control: C1, title: Card numbers in debug logs, severity: high, status: discovered}
  - {id: F2, control: C2, title: Stack trace on /refund, severity: low, status: acknowledged}
exclusions:
  - {requirement: "owasp-top10-2021:A10", reason: No outbound requests}
"""

#: Not valid (likelihood out of range at line 7): cannot be assessed, always fails.
BROKEN = """\
threatgate: 1
id: broken
title: Half-written model
threats:
  - id: T1
    title: Something bad
    likelihood: 7
    impact: 2
"""

#: Control characters, quotes and '<>' are legal in POSIX file names, not on Windows.
posix_names = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX file names")

PAYMENTS_FAILURES = 10  # fail_on_at_risk and fail_on_expired fail twice each


@pytest.fixture(autouse=True)
def _no_step_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never append to a real job summary when the suite itself runs in GitHub Actions."""
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture
def gate_project(project: Path, write_model) -> Path:
    write_model(CATALOG, "catalog.yaml")
    write_model(PAYMENTS, "payments.yaml")
    write_model(BROKEN, "broken.yaml")
    return project


def gate(run_cli, project: Path, *args: str, thresholds: bool = True):
    return run_cli("gate", *(THRESHOLDS if thresholds else ()), *args, cwd=project)


def gate_output(run_cli, project: Path, kind: str, *, thresholds: bool = True) -> str:
    result = gate(run_cli, project, "--format", kind, thresholds=thresholds)
    assert result.exit_code == 1, result.output
    return result.stdout


def shift_lines(project: Path, name: str = "payments.yaml") -> None:
    """Insert a comment at the top of a model: every entity moves one line down."""
    path = project / "threatmodels" / name
    path.write_text("# moved down by one line\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")


def failure_details(run_cli, project: Path) -> list[dict[str, Any]]:
    document = json.loads(gate_output(run_cli, project, "json"))
    return [f for model in document["models"] for f in model["failure_details"]]


# --- golden files --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(GOLDEN_FILES))
def test_golden_output(run_cli, gate_project, kind):
    result = gate(run_cli, gate_project, "--format", kind)
    assert result.exit_code == 1
    assert result.stderr == ""
    check_golden(f"gate/{GOLDEN_FILES[kind]}", result.stdout)


def test_golden_files_are_committed_quality():
    """UTF-8, LF line ends, one final newline, no trailing blanks; JSON and XML parse."""
    for name in GOLDEN_FILES.values():
        raw = (GOLDEN / name).read_bytes()
        text = raw.decode("utf-8")
        assert b"\r" not in raw, name
        assert text.endswith("\n") and not text.endswith("\n\n"), name
        assert not any(line != line.rstrip() for line in text.splitlines()), name
        assert "/tmp" not in text and str(REPO_ROOT) not in text, name
    for name in ("json.json", "sarif.json", "codequality.json"):
        json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    ET.fromstring((GOLDEN / "junit.xml").read_bytes())


def test_every_format_is_dispatched_and_unknown_ones_refused():
    report = GateReport([], [], Thresholds(), "2026-06-01T00:00:00Z")
    for kind in GOLDEN_FILES:
        assert render(report, kind).endswith("\n")
    with pytest.raises(ValueError, match="unknown gate report format"):
        render(report, "pdf")


# --- SARIF ---------------------------------------------------------------------------


def sarif_of(run_cli, project: Path, *, thresholds: bool = True) -> dict[str, Any]:
    return json.loads(gate_output(run_cli, project, "sarif", thresholds=thresholds))


def test_sarif_is_valid_against_the_official_schema(run_cli, gate_project):
    validator = sarif_validator()
    # The validator must be able to fail, or this test proves nothing.
    assert not validator.is_valid({"version": "2.0.0", "runs": []})
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"results": []}]})
    document = sarif_of(run_cli, gate_project)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(document)]
    assert errors == []
    passing = sarif_of(run_cli, gate_project, thresholds=False)
    assert list(validator.iter_errors(passing)) == []


def test_sarif_log_and_run_header(run_cli, gate_project):
    document = sarif_of(run_cli, gate_project)
    assert document["version"] == "2.1.0"
    assert document["$schema"].startswith("https://") and "sarif" in document["$schema"]
    assert document["$schema"].endswith("2.1.0.json")
    assert len(document["runs"]) == 1
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "threatgate"
    assert driver["version"] == __version__
    assert driver["informationUri"] == "https://github.com/threatgate/threatgate"
    assert run["automationDetails"]["id"] == "threatgate/gate/"
    assert run["columnKind"] == "unicodeCodePoints"
    assert "%SRCROOT%" in run["originalUriBaseIds"]
    assert run["properties"]["pass"] is False


def test_sarif_rules_are_stable_and_complete(run_cli, gate_project):
    rules = sarif_of(run_cli, gate_project)["runs"][0]["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    # One rule per gate check plus invalid models, in a fixed order: ids and indexes
    # are what GitHub matches alerts by, so they never change between runs.
    assert ids == [f.name for f in fields(Thresholds)] + ["invalid_model"]
    assert ids == [rule.id for rule in RULES]
    for rule in rules:
        assert rule["name"] and rule["name"][0].isupper()
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning")
        properties = rule["properties"]
        severity = properties["security-severity"]
        assert isinstance(severity, str) and re.fullmatch(r"\d+\.\d", severity)
        assert 0.0 <= float(severity) <= 10.0
        assert "security" in properties["tags"]
        assert len(set(properties["tags"])) == len(properties["tags"])
        assert properties["precision"] in ("very-high", "high", "medium", "low")
    by_id = {rule["id"]: rule for rule in rules}
    assert float(by_id["fail_on_critical"]["properties"]["security-severity"]) >= 9.0
    assert by_id["fail_on_critical"]["defaultConfiguration"]["level"] == "error"


def test_sarif_results_one_per_failure_located_in_the_model(run_cli, gate_project):
    details = failure_details(run_cli, gate_project)
    run = sarif_of(run_cli, gate_project)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(details) == PAYMENTS_FAILURES
    assert len(results) == len(details) + 1  # + the invalid model
    for result, detail in zip(results, details, strict=False):
        assert result["ruleId"] == detail["check"]
        assert result["message"]["text"] == detail["message"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (detail["line"],
                                                                detail["column"])
        expected_level = "error" if detail["severity"] in ("critical", "high") else "warning"
        assert result["level"] == expected_level
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uri"].startswith("threatmodels/")
        assert "\\" not in artifact["uri"] and not artifact["uri"].startswith("/")
        assert artifact["uriBaseId"] == "%SRCROOT%"
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert 0.0 <= float(result["properties"]["security-severity"]) <= 10.0
    fingerprints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(set(fingerprints)) == len(fingerprints)
    by_rule = {r["ruleId"] for r in results}
    assert by_rule == {*ALL_CHECKS, "invalid_model"} - {"fail_on_empty"}


def test_sarif_invalid_model_result(run_cli, gate_project):
    results = sarif_of(run_cli, gate_project)["runs"][0]["results"]
    (invalid,) = [r for r in results if r["ruleId"] == "invalid_model"]
    assert invalid["level"] == "error"
    location = invalid["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "threatmodels/broken.yaml"
    # At the model's first problem.
    assert location["region"] == {"startLine": 7, "startColumn": 5}
    assert "7 is greater than the maximum of 5" in invalid["message"]["text"]


def test_sarif_fingerprints_survive_moved_lines(run_cli, gate_project):
    def located(document: dict[str, Any]) -> dict[str, int]:
        return {r["partialFingerprints"]["primaryLocationLineHash"]:
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                for r in document["runs"][0]["results"]
                if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "threatmodels/payments.yaml"}

    before = located(sarif_of(run_cli, gate_project))
    shift_lines(gate_project)
    after = located(sarif_of(run_cli, gate_project))
    assert len(before) == PAYMENTS_FAILURES
    assert after.keys() == before.keys()
    assert all(after[key] == line + 1 for key, line in before.items())


def test_sarif_fingerprint_follows_the_entity(run_cli, gate_project, write_model):
    """A different threat at fault is a different alert, even on the same line."""
    def critical(document: dict[str, Any]) -> str:
        (result,) = [r for r in document["runs"][0]["results"]
                     if r["ruleId"] == "fail_on_critical"]
        return str(result["partialFingerprints"]["primaryLocationLineHash"])

    before = critical(sarif_of(run_cli, gate_project))
    write_model(PAYMENTS.replace("T1", "T9"), "payments.yaml")
    assert critical(sarif_of(run_cli, gate_project)) != before


def test_sarif_uris_are_percent_encoded(run_cli, project, write_model):
    write_model(PAYMENTS, "card payments/pay ments#1.yaml")
    run = sarif_of(run_cli, project)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"]}
    assert uris == {"threatmodels/card%20payments/pay%20ments%231.yaml"}
    assert artifact_location("./a\\b c.yaml") == {"uri": "a/b%20c.yaml",
                                                  "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/srv/m.yaml") == {"uri": "file:///srv/m.yaml"}
    assert artifact_location("C:/repo/m.yaml") == {"uri": "file:///C:/repo/m.yaml"}
    assert artifact_location("caf\udce9.yaml")["uri"] == "caf%E9.yaml"


# --- JUnit ---------------------------------------------------------------------------


def junit_of(run_cli, project: Path, *, thresholds: bool = True) -> ET.Element:
    text = gate_output(run_cli, project, "junit", thresholds=thresholds)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def assert_junit_counts(root: ET.Element) -> None:
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(
            c.find("failure") is not None for c in cases)
        assert int(suite.get("errors", "-1")) == sum(c.find("error") is not None for c in cases)
        assert int(suite.get("skipped", "-1")) == sum(
            c.find("skipped") is not None for c in cases)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    # The common JUnit schema has no skipped count on <testsuites>.
    assert root.get("skipped") is None
    for key, value in totals.items():
        if key != "skipped":
            assert int(root.get(key, "-1")) == value, key


def test_junit_counts_and_cases(run_cli, gate_project):
    root = junit_of(run_cli, gate_project)
    assert_junit_counts(root)
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert list(suites) == ["catalog", "payments", "threatmodels/broken.yaml"]
    assert (root.get("tests"), root.get("failures")) == ("21", "11")
    for model in ("catalog", "payments"):
        cases = suites[model].findall("testcase")
        # One case per passing check, one per entity failing a check.
        checks = [c.get("name").partition("[")[0] for c in cases]
        assert list(dict.fromkeys(checks)) == ALL_CHECKS
        assert {c.get("classname") for c in cases} == {f"threatgate.{model}"}
        assert all(c.get("file") == f"threatmodels/{model}.yaml" for c in cases)
    assert [c.get("name") for c in suites["catalog"]] == ALL_CHECKS
    assert all(c.find("failure") is None for c in suites["catalog"])
    (invalid,) = suites["threatmodels/broken.yaml"].findall("testcase")
    assert invalid.get("name") == "valid"
    failure = invalid.find("failure")
    assert failure is not None and failure.get("type") == "invalid_model"
    assert failure.text == ("threatmodels/broken.yaml:7:5 threats[0].likelihood: 7 is "
                            "greater than the maximum of 5 [schema-maximum]")


def test_junit_every_failing_check_is_a_failure(run_cli, gate_project):
    details = failure_details(run_cli, gate_project)
    root = junit_of(run_cli, gate_project)
    (payments,) = [s for s in root.iter("testsuite") if s.get("name") == "payments"]
    cases = {case.get("name"): case for case in payments.findall("testcase")}
    failing = {d["check"] for d in details}
    assert {name.partition("[")[0] for name, case in cases.items()
            if case.find("failure") is not None} == failing
    for check in failing:
        mine = [d for d in details if d["check"] == check]
        mine_cases = [case for name, case in cases.items() if name.partition("[")[0] == check]
        assert all(case.get("file") == mine[0]["path"] for case in mine_cases)
        failures = [case.find("failure") for case in mine_cases]
        assert all(f is not None and f.get("type") == check and f.get("message")
                   for f in failures)
        assert [line for f in failures for line in (f.text or "").splitlines()] == [
            f"{d['path']}:{d['line']}:{d['column']} {d['message']}" for d in mine]


def test_junit_without_thresholds_has_one_posture_case(run_cli, gate_project):
    root = junit_of(run_cli, gate_project, thresholds=False)
    assert_junit_counts(root)
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        if suite.get("name") == "threatmodels/broken.yaml":
            assert [c.get("name") for c in cases] == ["valid"]
            assert suite.get("failures") == "1"
        else:
            assert [(c.get("name"), c.find("failure")) for c in cases] == [("posture", None)]
    assert (root.get("tests"), root.get("failures")) == ("3", "1")


@posix_names
def test_junit_escapes_everything(run_cli, project, write_model):
    hostile = 'evil\x07 <&"\'> ]]>\x1b[31m.yaml'
    write_model(PAYMENTS.replace("title: Card numbers read through SQL injection",
                                 "title: 'Card <script>&amp; \"numbers\" ]]> read'"), hostile)
    text = gate_output(run_cli, project, "junit")
    assert "\x07" not in text and "\x1b" not in text
    root = ET.fromstring(text.encode("utf-8"))
    assert_junit_counts(root)
    (suite,) = root.iter("testsuite")
    shown = "threatmodels/" + xml_text(hostile)
    assert all(case.get("file") == shown for case in suite.iter("testcase"))
    assert shown == 'threatmodels/evil\\x07 <&"\'> ]]>\\x1b[31m.yaml'
    critical = next(c for c in suite.iter("testcase")
                    if c.get("name").startswith("fail_on_critical"))
    failure = critical.find("failure")
    assert failure is not None
    assert failure.text is not None
    assert failure.text.startswith(shown + ":")
    assert failure.text.endswith('Card <script>&amp; "numbers" ]]> read')


def test_xml_text_drops_what_xml_cannot_carry():
    for char in ("\x00", "\x01", "\x0b", "\x1f", "\x7f", "\ufffe", "\uffff", "\ud800",
                 "\u2028"):
        escaped = xml_text(f"a{char}b")
        assert char not in escaped and escaped.startswith("a") and escaped.endswith("b")
        ET.fromstring(f"<x a='{escaped}'>{escaped}</x>".encode())
    assert xml_text("tab\there") == "tab\\there"
    assert xml_text("ünïcødé ✓") == "ünïcødé ✓"


def test_junit_knows_every_check():
    everything = Thresholds(True, True, 0.5, "high", True, {"high": 0}, True, True, "main",
                            True, {"asvs-5.0": 0.5})
    assert checks_of(everything) == [f.name for f in fields(Thresholds)]
    assert checks_of(Thresholds()) == []
    assert checks_of(Thresholds(min_mitigation_ratio=0.0)) == ["min_mitigation_ratio"]


# --- GitLab Code Quality ---------------------------------------------------------------

CODEQUALITY_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def codequality_of(run_cli, project: Path) -> list[dict[str, Any]]:
    issues = json.loads(gate_output(run_cli, project, "codequality"))
    assert isinstance(issues, list)
    return issues


def test_codequality_issues_have_the_fields_gitlab_reads(run_cli, gate_project):
    details = failure_details(run_cli, gate_project)
    issues = codequality_of(run_cli, gate_project)
    assert len(issues) == len(details) + 1
    for issue in issues:
        assert isinstance(issue["description"], str) and issue["description"]
        assert isinstance(issue["check_name"], str) and issue["check_name"]
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in CODEQUALITY_SEVERITIES
        path = issue["location"]["path"]
        assert path.startswith("threatmodels/") and "\\" not in path
        begin = issue["location"]["lines"]["begin"]
        assert isinstance(begin, int) and begin >= 1
        assert issue["location"]["lines"]["end"] == begin
    for issue, detail in zip(issues, details, strict=False):
        assert issue["check_name"] == detail["check"]
        assert issue["description"] == detail["message"]
        assert issue["location"] == {"path": detail["path"],
                                     "lines": {"begin": detail["line"], "end": detail["line"]}}
    by_check = {i["check_name"]: i["severity"] for i in issues}
    assert by_check["fail_on_critical"] == "blocker"
    assert by_check["invalid_model"] == "critical"
    assert issues[-1]["location"] == {"path": "threatmodels/broken.yaml",
                                      "lines": {"begin": 7, "end": 7}}


def test_codequality_fingerprints_unique_and_stable(run_cli, gate_project):
    before = codequality_of(run_cli, gate_project)
    prints = [issue["fingerprint"] for issue in before]
    assert len(set(prints)) == len(prints)
    assert codequality_of(run_cli, gate_project) == before
    shift_lines(gate_project)
    after = codequality_of(run_cli, gate_project)
    assert [issue["fingerprint"] for issue in after] == prints
    for old, new in zip(before, after, strict=True):
        shift = 1 if old["location"]["path"] == "threatmodels/payments.yaml" else 0
        assert new["location"]["lines"]["begin"] == old["location"]["lines"]["begin"] + shift


def test_fail_on_empty_in_every_machine_format(run_cli, project, write_model):
    write_model("threatgate: 1\nid: empty\ntitle: Nothing modelled yet\n", "empty.yaml")
    sarif = sarif_of(run_cli, project)
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "fail_on_empty"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    (issue,) = codequality_of(run_cli, project)
    assert issue["check_name"] == "fail_on_empty" and issue["severity"] == "major"
    root = junit_of(run_cli, project)
    assert_junit_counts(root)
    failing = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failing == ["fail_on_empty"]


# --- --output files and the GitHub format ---------------------------------------------


def test_output_files_written_in_the_same_run(run_cli, gate_project):
    (gate_project / "reports").mkdir()
    result = gate(run_cli, gate_project, "--output", "sarif=reports/gate.sarif",
                  "--output", "junit=gate.xml", "--output", "codequality=gl-code-quality.json")
    assert result.exit_code == 1
    check_golden("gate/text.txt", result.stdout)
    for target, golden in (("reports/gate.sarif", "sarif.json"), ("gate.xml", "junit.xml"),
                           ("gl-code-quality.json", "codequality.json")):
        written = (gate_project / target).read_text(encoding="utf-8")
        assert written == (GOLDEN / golden).read_text(encoding="utf-8"), target


@pytest.mark.parametrize("value", ["sarif", "sarif=", "pdf=report.pdf", "=gate.sarif"])
def test_bad_output_value_is_a_usage_error(run_cli, gate_project, value):
    result = gate(run_cli, gate_project, "--output", value)
    assert result.exit_code == 2
    assert "FORMAT=FILE" in result.stderr
    assert result.stdout == ""
    assert not (gate_project / "report.pdf").exists()


def test_github_annotations_and_step_summary(run_cli, gate_project, tmp_path, monkeypatch):
    summary = tmp_path / "step-summary.md"
    summary.write_text("## Earlier step\n\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = gate(run_cli, gate_project, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=threatmodels/payments.yaml,line=26,col=5,"
        "title=threatgate fail_on_critical::critical threat T1 is neither mitigated nor "
        "accepted: Card numbers read through SQL injection")
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == PAYMENTS_FAILURES + 1
    assert all(re.match(r"::error file=threatmodels/payments\.yaml,line=\d+,col=\d+,", line)
               for line in errors[:-1])
    assert errors[-1].startswith("::error file=threatmodels/broken.yaml,")
    assert lines[-1] == "threatgate gate failed"
    markdown = (GOLDEN / "markdown.md").read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8") == "## Earlier step\n\n" + markdown


def test_step_summary_only_written_for_the_github_format(run_cli, gate_project, tmp_path,
                                                          monkeypatch):
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert gate(run_cli, gate_project, "--format", "sarif").exit_code == 1
    assert not summary.exists()


@posix_names
def test_text_output_escapes_paths(run_cli, project, write_model):
    """A file name cannot split a report line or send escape sequences to the terminal."""
    write_model(PAYMENTS, "a\nPASS fake.yaml")
    text = gate_output(run_cli, project, "text")
    assert "threatmodels/a\\nPASS fake.yaml:26:5: critical threat T1" in text
    assert not any(line.startswith("PASS") for line in text.splitlines())

