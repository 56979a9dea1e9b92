"""The machine reports as their consumers check them: GitHub code scanning (SARIF), GitLab
Code Quality, and the common JUnit XML schema (tests/output/junit.xsd, checked with lxml).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import GOLDEN_DIR, git
from sarif_schema import sarif_validator

JUNIT_XSD = Path(__file__).with_name("junit.xsd")

#: A critical and a high threat, neither mitigated.
SHOP = """\
threatgate: 1
id: shop
title: Shop
threats:
  - id: T1
    title: Card numbers read through SQL injection
    stride: [information_disclosure]
    likelihood: 5
    impact: 5
  - id: T2
    title: Refunds altered in transit
    stride: [tampering]
    likelihood: 4
    impact: 4
"""
#: The same with a control whose evidence is missing (src/db.py) and one that holds.
SHOP_WITH_EVIDENCE = SHOP + """\
controls:
  - id: C1
    title: Queries are parameterised
    status: implemented
    assertions:
      - {type: file_exists, file: src/db.py}
      - {type: file_exists, file: threatmodels/shop.yaml}
"""
GATE = ("gate", "--fail-on-critical", "--fail-on-unmitigated-high", "--exit-zero")


@pytest.fixture
def shop(git_repo: Path) -> Path:
    (git_repo / "threatmodels").mkdir()
    (git_repo / "threatmodels" / "shop.yaml").write_text(SHOP, encoding="utf-8")
    (git_repo / "src").mkdir()
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "shop")
    return git_repo


def gate_report(run_cli: Callable[..., Any], cwd: Path, kind: str, *args: str) -> str:
    result = run_cli(*GATE, "--format", kind, *args, cwd=cwd)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


# --- SARIF: GitHub code scanning ------------------------------------------------------------


def github_code_scanning_problems(document: dict[str, Any]) -> list[str]:
    """What GitHub's documentation of SARIF support requires of an upload, and what SARIF
    Multitool's GitHub rules check (required properties, relative locations, limits)."""
    problems = []
    if document.get("version") != "2.1.0":
        problems.append("version must be 2.1.0")
    for run in document["runs"]:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            problems.append("tool.driver.name is required")
        rules = driver.get("rules", [])
        ids = [rule["id"] for rule in rules]
        if len(set(ids)) != len(ids):
            problems.append("rule ids must be unique")
        for rule in rules:
            where = f"rule {rule['id']}"
            for key in ("shortDescription", "fullDescription"):
                text = rule.get(key, {}).get("text", "")
                if not text or len(text) > 1024:
                    problems.append(f"{where}: {key}.text must have 1 to 1024 characters")
            if not rule.get("help", {}).get("text") or not rule["help"].get("markdown"):
                problems.append(f"{where}: help needs text and markdown")
            if rule.get("defaultConfiguration", {}).get("level") not in (
                    "note", "warning", "error"):
                problems.append(f"{where}: defaultConfiguration.level")
            if not str(rule.get("helpUri", "")).startswith("https://"):
                problems.append(f"{where}: helpUri must be an absolute URL")
            properties = rule.get("properties", {})
            score = float(properties.get("security-severity", "-1"))
            if not 0.0 <= score <= 10.0:
                problems.append(f"{where}: security-severity must be 0.0 to 10.0")
            if len(properties.get("tags", [])) > 20:
                problems.append(f"{where}: at most 20 tags")
            if properties.get("precision") not in ("very-high", "high", "medium", "low"):
                problems.append(f"{where}: precision")
        bases = run.get("originalUriBaseIds", {})
        for name, base in bases.items():
            uri = base.get("uri")
            if uri is not None and (not uri.endswith("/") or uri.startswith("file:///")):
                problems.append(f"originalUriBaseIds {name}: {uri!r} is machine-specific")
        for number, result in enumerate(run.get("results", [])):
            where = f"result {number}"
            if result.get("ruleId") not in ids:
                problems.append(f"{where}: ruleId names no rule")
            elif ids[result.get("ruleIndex", -1)] != result["ruleId"]:
                problems.append(f"{where}: ruleIndex does not match ruleId")
            if not result.get("message", {}).get("text"):
                problems.append(f"{where}: message.text is required")
            if not result.get("partialFingerprints"):
                problems.append(f"{where}: partialFingerprints")
            locations = result.get("locations", [])
            if not 1 <= len(locations) <= 10:
                problems.append(f"{where}: one to ten locations")
            for location in [*locations, *result.get("relatedLocations", [])]:
                physical = location.get("physicalLocation", {})
                artifact = physical.get("artifactLocation", {})
                uri = artifact.get("uri", "")
                if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", uri) or uri.startswith(("/", "..")):
                    problems.append(f"{where}: {uri!r} is not relative to the repository")
                if artifact.get("uriBaseId") not in bases:
                    problems.append(f"{where}: uriBaseId {artifact.get('uriBaseId')!r} is "
                                    "not declared in originalUriBaseIds")
            for location in locations:
                if location.get("physicalLocation", {}).get("region", {}).get(
                        "startLine", 0) < 1:
                    problems.append(f"{where}: region.startLine is required")
    return problems


def test_the_code_scanning_check_can_fail() -> None:
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [
        {"id": "r", "shortDescription": {"text": "s"}}]}},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
        "results": [{"ruleId": "r", "ruleIndex": 0, "message": {"text": "m"},
                     "locations": [{"physicalLocation": {
                         "artifactLocation": {"uri": "file:///tmp/m.yaml"}}}]}]}]}
    problems = "\n".join(github_code_scanning_problems(bad))
    for expected in ("fullDescription", "help needs", "defaultConfiguration", "helpUri",
                     "machine-specific", "not relative", "startLine", "partialFingerprints"):
        assert expected in problems


def test_gate_and_verify_sarif_meet_code_scanning_requirements(run_cli: Any,
                                                               shop: Path) -> None:
    (shop / "threatmodels" / "shop.yaml").write_text(SHOP_WITH_EVIDENCE, encoding="utf-8")
    golden = json.loads((GOLDEN_DIR / "gate" / "sarif.json").read_text(encoding="utf-8"))
    gate = json.loads(gate_report(run_cli, shop, "sarif"))
    verify = json.loads(run_cli("verify", "--format", "sarif", cwd=shop / "src").stdout)
    assert verify["runs"][0]["results"], "the verification fails: there is a result"
    for document in (golden, gate, verify):
        assert github_code_scanning_problems(document) == []
    validator = sarif_validator()
    for document in (golden, gate, verify):
        assert [error.message for error in validator.iter_errors(document)] == []


def _locations(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
             result["partialFingerprints"]["primaryLocationLineHash"])
            for result in document["runs"][0]["results"]]


@pytest.mark.parametrize("where, target", [
    ("src", ()), ("src", ("../threatmodels",)), (".", ("threatmodels/shop.yaml",)),
    ("src", ("{root}/threatmodels/shop.yaml",)),
])
def test_locations_are_relative_to_the_repository_wherever_the_gate_runs(
        run_cli: Any, shop: Path, where: str, target: tuple[str, ...]) -> None:
    args = tuple(arg.format(root=shop) for arg in target)
    from_root = json.loads(gate_report(run_cli, shop, "sarif"))
    elsewhere = json.loads(gate_report(run_cli, shop / where, "sarif", *args))
    expected = _locations(from_root)
    assert expected and all(uri == "threatmodels/shop.yaml" for uri, _, _ in expected)
    assert _locations(elsewhere) == expected
    quality = json.loads(gate_report(run_cli, shop / where, "codequality", *args))
    assert quality == json.loads(gate_report(run_cli, shop, "codequality"))


# --- GitLab Code Quality --------------------------------------------------------------------


def test_codequality_issues_have_begin_and_end_lines_and_stable_fingerprints(
        run_cli: Any, shop: Path) -> None:
    issues = json.loads(gate_report(run_cli, shop, "codequality"))
    assert len(issues) == 2
    for issue in issues:
        lines = issue["location"]["lines"]
        assert isinstance(lines["begin"], int) and lines["end"] == lines["begin"] >= 1
    model = shop / "threatmodels" / "shop.yaml"
    model.write_text(SHOP.replace("title: Shop\n", "title: Shop\ndescription: Moved.\n"),
                     encoding="utf-8")
    moved = json.loads(gate_report(run_cli, shop, "codequality"))
    assert [i["location"]["lines"]["begin"] for i in moved] == [
        i["location"]["lines"]["begin"] + 1 for i in issues]
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]


# --- JUnit ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def junit_schema() -> Any:
    etree = pytest.importorskip("lxml.etree")
    return etree.XMLSchema(etree.parse(str(JUNIT_XSD)))


def assert_junit_valid(schema: Any, text: str) -> None:
    from lxml import etree

    document = etree.fromstring(text.encode("utf-8"))
    if not schema.validate(document):
        raise AssertionError("\n".join(str(error) for error in schema.error_log))


def test_the_junit_schema_refuses_what_no_consumer_reads(junit_schema: Any) -> None:
    base = ('<testsuites><testsuite name="s" tests="1">'
            '<testcase name="c" classname="k" file="f"{extra}/></testsuite></testsuites>')
    assert_junit_valid(junit_schema, base.format(extra=""))
    with pytest.raises(AssertionError, match="line"):
        assert_junit_valid(junit_schema, base.format(extra=' line="3"'))
    with pytest.raises(AssertionError):
        assert_junit_valid(junit_schema, '<testsuites skipped="0"/>')


def test_gate_and_verify_junit_meet_the_common_schema(run_cli: Any, shop: Path,
                                                      junit_schema: Any) -> None:
    assert_junit_valid(junit_schema,
                       (GOLDEN_DIR / "gate" / "junit.xml").read_text(encoding="utf-8"))
    assert_junit_valid(junit_schema, gate_report(run_cli, shop, "junit"))
    passing = run_cli("gate", "--format", "junit", cwd=shop).stdout
    assert_junit_valid(junit_schema, passing)
    (shop / "threatmodels" / "shop.yaml").write_text(SHOP_WITH_EVIDENCE, encoding="utf-8")
    assert_junit_valid(junit_schema, run_cli("verify", "--format", "junit", cwd=shop).stdout)


def _case_names(text: str) -> dict[str, bool]:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(text.encode("utf-8"))
    return {f"{case.get('classname')}::{case.get('name')}": case.find("failure") is not None
            for case in root.iter("testcase")}


def test_a_newly_failing_entity_is_a_new_failing_test_case(run_cli: Any, shop: Path) -> None:
    before = _case_names(gate_report(run_cli, shop, "junit"))
    assert before == {"threatgate.shop::fail_on_critical[T1]": True,
                      "threatgate.shop::fail_on_unmitigated_high[T2]": True}
    model = shop / "threatmodels" / "shop.yaml"
    model.write_text(SHOP + """\
  - id: T3
    title: Sessions hijacked
    stride: [spoofing]
    likelihood: 5
    impact: 4
""", encoding="utf-8")
    after = _case_names(gate_report(run_cli, shop, "junit"))
    assert set(after) - set(before) == {"threatgate.shop::fail_on_critical[T3]"}
    assert all(after[name] for name in before), "the old failures keep their names"
