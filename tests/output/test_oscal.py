"""``export --format oscal`` and ``--format oscal-ar``: OSCAL 1.1 documents that
compliance-trestle reads, reproducible byte for byte, whatever the model holds."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.component import ComponentDefinition

from conftest import GOLDEN_DIR, VALID_MODEL
from threatgate.output import registry
from threatgate.output.oscal.ids import NIST_800_53_R5_CATALOG

LEDGER = (GOLDEN_DIR / "oscal" / "ledger.yaml").read_text(encoding="utf-8")
TODAY = "2026-06-01"
#: OSCAL's token (control-id, target-id), its ASCII part: a letter or '_' first.
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
EVIDENCE = {
    "src/db.py": 'def run(cursor, query, params):\n    cursor.execute(query, params)\n',
    "src/refund.py": "def refund(amount):\n    return amount\n",
}


@pytest.fixture
def export(run_cli, project: Path):  # type: ignore[no-untyped-def]
    for name, text in EVIDENCE.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")

    def run(*args: str) -> bytes:
        result = run_cli("export", *args, cwd=project)
        assert result.exit_code == 0, result.output
        return result.stdout_bytes

    return run


def component_definition(blob: bytes) -> dict[str, Any]:
    """The document, checked by compliance-trestle's OSCAL 1.1 model."""
    body = json.loads(blob)["component-definition"]
    ComponentDefinition.parse_obj(body)
    return body


def assessment_results(blob: bytes) -> dict[str, Any]:
    body = json.loads(blob)["assessment-results"]
    AssessmentResults.parse_obj(body)
    return body


def uuids(document: Any) -> list[str]:
    """Every uuid the document defines (not the ones it refers to)."""
    if isinstance(document, dict):
        own = [document["uuid"]] if isinstance(document.get("uuid"), str) else []
        return own + [u for v in document.values() for u in uuids(v)]
    if isinstance(document, list):
        return [u for v in document for u in uuids(v)]
    return []


# --- golden documents ----------------------------------------------------------------


def test_component_definition_golden(export, write_model, golden) -> None:
    write_model(LEDGER, name="ledger.yaml")
    blob = export("threatmodels/ledger.yaml", "--format", "oscal", "--today", TODAY)
    golden("oscal/ledger.component-definition.json", blob)
    body = component_definition(blob)
    (component,) = body["components"]
    by_source = {ci["source"]: ci for ci in component["control-implementations"]}
    assert list(by_source) == ["urn:threatgate:framework:asvs-5.0", NIST_800_53_R5_CATALOG]
    asvs = by_source["urn:threatgate:framework:asvs-5.0"]["implemented-requirements"]
    # One implemented requirement per mapped requirement, in the natural order of ids.
    assert [r["control-id"] for r in asvs] == ["v1.2.4", "v2.2.1", "v6.2.9", "v6.2.10"]
    first = asvs[0]
    props = [(p["name"], p["value"], p.get("class")) for p in first["props"]]
    assert props == [("requirement", "asvs-5.0:V1.2.4", None),
                     ("implementation-status", "partial", None),
                     ("control", "C1", "implemented"), ("control", "C3", "planned")]
    nist = by_source[NIST_800_53_R5_CATALOG]["implemented-requirements"]
    assert [r["control-id"] for r in nist] == ["ac-2.1", "si-10"]
    assert len(set(uuids(body))) == len(uuids(body))


def test_assessment_results_golden(export, write_model, golden) -> None:
    write_model(LEDGER, name="ledger.yaml")
    # oscal-ar runs the verification itself: no --verify needed.
    blob = export("threatmodels/ledger.yaml", "--format", "oscal-ar", "--today", TODAY)
    golden("oscal/ledger.assessment-results.json", blob)
    body = assessment_results(blob)
    (result,) = body["results"]
    assert result["start"] == f"{TODAY}T00:00:00Z"
    verdicts = [{p["name"]: p["value"] for p in o["props"]}["verdict"]
                for o in result["observations"]]
    assert verdicts == ["pass", "pass", "fail", "fail"]
    states = {f["target"]["target-id"]: (f["target"]["status"]["state"],
                                         f["target"]["status"]["reason"])
              for f in result["findings"]}
    assert states == {
        "v1.2.4": ("not-satisfied", "other"),  # C3 is planned
        "v2.2.1": ("satisfied", "pass"),  # C1 only: implemented, its assertions pass
        "v6.2.9": ("not-satisfied", "other"),  # planned: its failing assertion is expected
        "v6.2.10": ("not-satisfied", "other"),
        "ac-2.1": ("not-satisfied", "fail"),  # C2 is implemented and its assertion fails
        "si-10": ("not-satisfied", "fail"),
    }
    observed = {o["uuid"] for o in result["observations"]}
    related = {r["observation-uuid"] for f in result["findings"]
               for r in f.get("related-observations", [])}
    assert related == observed
    assert body["import-ap"]["href"] == "#" + body["back-matter"]["resources"][0]["uuid"]
    assert len(set(uuids(body))) == len(uuids(body))


def test_documents_are_reproducible_and_their_uuids_stable(export, write_model,
                                                           project: Path) -> None:
    path = write_model(LEDGER, name="ledger.yaml")
    args = ("threatmodels/ledger.yaml", "--today", TODAY)
    first = export(*args, "--format", "oscal"), export(*args, "--format", "oscal-ar")
    assert first == (export(*args, "--format", "oscal"), export(*args, "--format", "oscal-ar"))
    # Another version of the model: another document, the same entities.
    path.write_text(LEDGER.replace("owner: ledger-team", "owner: billing-team"),
                    encoding="utf-8")
    before, after = (component_definition(first[0]),
                     component_definition(export(*args, "--format", "oscal")))
    assert before["uuid"] != after["uuid"]
    assert uuids(before)[1:] == uuids(after)[1:]
    for value in uuids(before):
        assert uuid.UUID(value).version == 5


def test_the_verification_outcome_changes_the_run_not_the_observations(
        export, write_model, project: Path) -> None:
    write_model(LEDGER, name="ledger.yaml")
    args = ("threatmodels/ledger.yaml", "--format", "oscal-ar", "--today", TODAY)
    before = assessment_results(export(*args))
    (project / "src" / "refund.py").write_text("second_approver = True\n", encoding="utf-8")
    after = assessment_results(export(*args))
    assert before["uuid"] != after["uuid"]
    assert before["results"][0]["uuid"] != after["results"][0]["uuid"]
    assert ([o["uuid"] for o in before["results"][0]["observations"]]
            == [o["uuid"] for o in after["results"][0]["observations"]])
    states = {f["target"]["target-id"]: f["target"]["status"]["state"]
              for f in after["results"][0]["findings"]}
    assert states["ac-2.1"] == states["si-10"] == "satisfied"


def test_the_time_is_the_exports_unless_the_day_is_pinned(export, write_model,
                                                          monkeypatch) -> None:
    write_model(LEDGER, name="ledger.yaml")
    monkeypatch.delenv("THREATGATE_TODAY", raising=False)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    body = assessment_results(export("threatmodels/ledger.yaml", "--format", "oscal-ar"))
    after = dt.datetime.now(dt.UTC)
    start = dt.datetime.fromisoformat(body["results"][0]["start"].replace("Z", "+00:00"))
    assert before <= start <= after
    assert body["metadata"]["last-modified"] == body["results"][0]["start"]
    monkeypatch.setenv("THREATGATE_TODAY", TODAY)
    pinned = component_definition(export("threatmodels/ledger.yaml", "--format", "oscal"))
    assert pinned["metadata"]["last-modified"] == f"{TODAY}T00:00:00Z"


# --- models of every shape -----------------------------------------------------------


def test_a_model_without_mappings(export, write_model) -> None:
    unmapped = VALID_MODEL.replace("frameworks: [asvs-5.0]\n", "")
    unmapped = re.sub(r"\n *compliance: .*", "", unmapped)
    assert "compliance" not in unmapped
    write_model(unmapped)
    body = component_definition(export("--format", "oscal", "--today", TODAY))
    (component,) = body["components"]
    assert "control-implementations" not in component
    results = assessment_results(export("--format", "oscal-ar", "--today", TODAY))
    (result,) = results["results"]
    assert "findings" not in result
    assert result["reviewed-controls"]["control-selections"] == [
        {"description": "No requirement in the model's scope is mapped to a control."}]


def test_an_empty_model(export, write_model) -> None:
    write_model("threatgate: 1\nid: empty\ntitle: Nothing yet\n")
    component_definition(export("--format", "oscal", "--today", TODAY))
    body = assessment_results(export("--format", "oscal-ar", "--today", TODAY))
    assert "observations" not in body["results"][0]


ODD_TITLES = [
    "<script>alert(1)</script> & **bold** | `code` [link](javascript:x)",
    "  leading and trailing spaces  ",
    "tab\there, escape \x1b[31m, bidi \u202eevil, line sep \u2028 end",
    "Ünïcödé 返金 🙂 \\ backslash \"quotes\"",
    "# heading _under_ ~strike~ > quote",
]


@pytest.mark.parametrize("title", ODD_TITLES)
def test_odd_characters_in_titles(export, write_model, title: str) -> None:
    quoted = json.dumps(title, ensure_ascii=False)
    model = (LEDGER.replace('title: "Ledger <API> | *billing* & [refunds] — Rückerstattung"',
                            f"title: {quoted}")
             .replace("title: Parameterised queries only", f"title: {quoted}")
             .replace("owner: ledger-team", f"owner: {quoted}"))
    write_model(model, name="ledger.yaml")
    cd = component_definition(export("--format", "oscal", "--today", TODAY))
    ar = assessment_results(export("--format", "oscal-ar", "--today", TODAY))
    for body in (cd, ar):
        # Markup fields (Markdown) hold no live HTML; no field holds control characters.
        markup = json.dumps(_without_props(body), ensure_ascii=False)
        assert "<script>" not in markup
        text = json.dumps(body, ensure_ascii=False)
        assert "\x1b" not in text and "\u202e" not in text
        for prop in _all_props(body):
            assert prop["value"] == prop["value"].strip() and "\n" not in prop["value"]


def _without_props(document: Any) -> Any:
    """The document without its properties (plain text, not Markdown)."""
    if isinstance(document, dict):
        return {k: _without_props(v) for k, v in document.items() if k != "props"}
    if isinstance(document, list):
        return [_without_props(v) for v in document]
    return document


def _all_props(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict):
        found = list(document.get("props", []))
        return found + [p for k, v in document.items() if k != "props" for p in _all_props(v)]
    if isinstance(document, list):
        return [p for v in document for p in _all_props(v)]
    return []


#: Ids of frameworks with a catalogue are checked at validation, so they are spelt as the
#: catalogue does; the odd ones are those of frameworks without a catalogue (unchecked).
ODD_REQUIREMENTS = ["asvs-5.0:V1.2.4", "asvs-5.0:V1.2.10", "asvs-5.0:V1.2.9",
                    "nist-800-53-r5:AC-2(1)", "pci-dss-4.0:06.2.4", "nist-800-53-r5:AC-2",
                    "owasp-top10-2021:A01", "pci-dss-4.0:6.2.4", "cwe:CWE-79",
                    "custom-1:Ü/ß(ä)", "custom-1:--x"]


def _many_controls(count: int) -> str:
    controls = []
    for index in range(count):
        refs = ", ".join(json.dumps(r) for r in ODD_REQUIREMENTS[index % 3::3])
        status = ("implemented", "planned", "in_progress", "wont_do")[index % 4]
        controls.append(f"  - id: C{index}\n    title: Control {index}\n"
                        f"    status: {status}\n    compliance: [{refs}]\n"
                        f"    assertions:\n      - {{type: file_exists, file: src/db.py}}\n")
    return ("threatgate: 1\nid: many\ntitle: Many controls\n"
            "frameworks: [asvs-5.0, nist-800-53-r5, owasp-top10-2021, pci-dss-4.0, cwe, "
            "custom-1]\ncontrols:\n" + "".join(controls))


def test_many_controls_and_odd_requirement_ids(export, write_model) -> None:
    write_model(_many_controls(400), name="many.yaml")
    cd = component_definition(export("--format", "oscal", "--today", TODAY))
    ar = assessment_results(export("--format", "oscal-ar", "--today", TODAY))
    by_framework = {ci["props"][0]["value"]: [r["control-id"]
                                               for r in ci["implemented-requirements"]]
                    for ci in cd["components"][0]["control-implementations"]}
    assert by_framework == {
        "asvs-5.0": ["v1.2.4", "v1.2.9", "v1.2.10"],
        "custom-1": ["_-", "_--x"],
        "cwe": ["cwe-79"],
        "nist-800-53-r5": ["ac-2", "ac-2.1"],
        "owasp-top10-2021": ["a01"],
        "pci-dss-4.0": ["_06.2.4", "_6.2.4"],
    }
    implemented = [r for ci in cd["components"][0]["control-implementations"]
                   for r in ci["implemented-requirements"]]
    for requirement in implemented:
        assert TOKEN.fullmatch(requirement["control-id"]), requirement["control-id"]
        controls = [p["value"] for p in requirement["props"] if p["name"] == "control"]
        assert len(controls) == len(set(controls)) > 100
    (nist,) = [r for r in implemented if r["control-id"] == "ac-2.1"]
    assert [p["value"] for p in nist["props"] if p["name"] == "requirement"] == [
        "nist-800-53-r5:AC-2(1)"]
    (result,) = ar["results"]
    assert len(result["observations"]) == 400
    assert len(result["findings"]) == len(implemented)
    assert len(set(uuids(cd))) == len(uuids(cd))
    assert len(set(uuids(ar))) == len(uuids(ar))


# --- the formats are registered ------------------------------------------------------


def test_the_oscal_formats_are_found_in_their_folder() -> None:
    found = {f.name: f for f in registry.formats("export")}
    assert found["oscal"].write.__module__ == "threatgate.output.oscal.component"
    assert found["oscal-ar"].write.__module__ == "threatgate.output.oscal.results"
    assert (found["oscal"].suffix, found["oscal-ar"].suffix) == (".oscal.json",
                                                                 ".oscal-ar.json")
    assert found["oscal-ar"].needs_verification and not found["oscal"].needs_verification


def test_several_models_go_to_a_folder(export, write_model, project: Path) -> None:
    write_model(LEDGER, name="ledger.yaml")
    write_model()
    export("--format", "oscal-ar", "--out", "out", "--today", TODAY)
    assert sorted(p.name for p in (project / "out").iterdir()) == [
        "ledger.oscal-ar.json", "shop.oscal-ar.json"]
    assessment_results((project / "out" / "ledger.oscal-ar.json").read_bytes())


def test_file_names_become_uri_references(export, write_model) -> None:
    write_model(LEDGER, name="my ledger #1.yaml")
    body = component_definition(export("--format", "oscal", "--today", TODAY))
    (resource,) = body["back-matter"]["resources"]
    assert resource["rlinks"][0]["href"] == "threatmodels/my%20ledger%20%231.yaml"


def test_a_file_name_that_is_not_utf8(export, write_model, project: Path) -> None:
    write_model(LEDGER, name="ledger.yaml").rename(
        project.joinpath("threatmodels").joinpath(os.fsdecode(b"l\xffdger.yaml")))
    body = component_definition(export("--format", "oscal", "--today", TODAY))
    (resource,) = body["back-matter"]["resources"]
    assert resource["rlinks"][0]["href"] == "threatmodels/l%5Cxffdger.yaml"


def test_with_verify_the_component_definition_tells_the_evidence(export, write_model) -> None:
    write_model(LEDGER, name="ledger.yaml")
    body = component_definition(export("--format", "oscal", "--verify", "--today", TODAY))
    remarks = {r["control-id"]: r["remarks"]
               for ci in body["components"][0]["control-implementations"]
               for r in ci["implemented-requirements"]}
    assert remarks["v2.2.1"] == "- **C1**: implemented, evidence verified"
    assert remarks["ac-2.1"] == "- **C2**: implemented, evidence failing"


def test_excluded_requirements_are_not_applicable_with_their_reason(export,
                                                                     write_model) -> None:
    """As in `compliance report`: an excluded requirement is not applicable whatever maps
    it; one no control maps is listed too, so the reader sees every decision."""
    write_model(VALID_MODEL + "exclusions:\n"
                "  - {requirement: 'asvs-5.0:V5.1.1', reason: No uploaded files are stored.}\n"
                "  - {requirement: 'asvs-5.0:V1.2.4', reason: Only <stored> procedures.}\n")
    body = component_definition(export("--format", "oscal", "--today", TODAY))
    (implementation,) = body["components"][0]["control-implementations"]
    by_id = {r["control-id"]: r for r in implementation["implemented-requirements"]}
    assert list(by_id) == ["v1.2.4", "v5.1.1"]

    def status(requirement: dict[str, Any]) -> str:
        return next(p["value"] for p in requirement["props"]
                    if p["name"] == "implementation-status")

    unmapped = by_id["v5.1.1"]
    assert status(unmapped) == "not-applicable"
    assert unmapped["description"] == "Not applicable to this system: No uploaded files are stored."
    assert not any(p["name"] == "control" for p in unmapped["props"])
    mapped = by_id["v1.2.4"]
    assert status(mapped) == "not-applicable"
    assert "Mapped all the same" in mapped["description"] and "C1" in mapped["description"]
    assert mapped["remarks"].startswith("Excluded by the threat model: Only")
    assert [p["value"] for p in mapped["props"] if p["name"] == "control"] == ["C1"]


def test_excluded_requirements_are_no_findings(export, write_model) -> None:
    write_model(VALID_MODEL + "exclusions:\n"
                "  - {requirement: 'asvs-5.0:V1.2.4', reason: Only stored procedures.}\n")
    results = assessment_results(export("--format", "oscal-ar", "--today", TODAY))
    (result,) = results["results"]
    assert "findings" not in result
    assert result["reviewed-controls"]["control-selections"] == [
        {"description": "No requirement in the model's scope is mapped to a control."}]
