"""``threatgate badge``: the badge states, Shields endpoint JSON, the offline SVG, privacy.

The verified state needs evidence from ``threatgate verify``; until that command exists
it is checked at the core level (assess_model with evidence), the other states through
the CLI. Golden files live in tests/golden/badge/; regenerate them with
THREATGATE_UPDATE_GOLDEN=1 after an intended change, and review the diff.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import check_golden
from threatgate.analysis.assess import assess_model
from threatgate.analysis.badges import (
    SHIELDS_ENDPOINT_KEYS,
    UNKNOWN,
    Badge,
    badge_for,
    framework_controls,
)
from threatgate.model.loader import load_text
from threatgate.output.svg.badge import render_badge_svg, text_width

TODAY = dt.date(2026, 6, 1)
SVG_NS = "{http://www.w3.org/2000/svg}"
SHIELDS_COLORS = {"brightgreen", "green", "yellowgreen", "yellow", "orange", "red",
                  "lightgrey", "blue", "grey"}

#: Every objective mitigated by implemented controls with assertions (CO1) or by an
#: attested assumption (CO2): "implemented" without evidence, "verified" with it.
MITIGATED = """\
threatgate: 1
id: vault
title: Secrets vault
frameworks: [asvs-5.0, pci-dss-4.0]
badge: public
assets:
  - {id: A1, name: Stored secrets, properties: [confidentiality]}
  - {id: A2, name: Audit log, properties: [integrity]}
attackers:
  - id: ATK1
    name: External attacker
    capability: Sends arbitrary HTTP requests from the internet without credentials.
    position: external
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, properties: [confidentiality], mitigated_by: [[C1, C2]]}
  - {id: CO2, asset: A2, attacker: ATK1, properties: [integrity], assumptions: [AS1]}
threats:
  - {id: T1, title: Secrets read without authorisation, stride: [information_disclosure],
     likelihood: 4, impact: 5, objectives: [CO1], mitigations: [C1]}
controls:
  - id: C1
    title: Secrets encrypted at rest
    status: implemented
    compliance: ["asvs-5.0:V11.1.1"]
    assertions:
      - {type: function_exists, file: src/vault.py, name: encrypt}
  - id: C2
    title: Access checked on every read
    status: implemented
    compliance: ["asvs-5.0:V8.2.1", "pci-dss-4.0:7.2.1"]
    assertions:
      - {type: pattern_matches, file: src/vault.py, pattern: 'check_access\\('}
assumptions:
  - {id: AS1, description: The audit log is written to append-only storage, attested_by: platform-team, expires: "2027-06-30"}
"""

#: CO1 mitigated, CO2 at risk (its control is planned; a critical threat names it), CO3
#: unassessed. asvs-5.0 maps only C1 (serving CO1), pci-dss-4.0 only C2 (serving CO2).
GAPS = """\
threatgate: 1
id: checkout
title: Checkout
frameworks: [asvs-5.0, pci-dss-4.0]
badge: public
assets:
  - {id: A1, name: Card data, properties: [confidentiality]}
  - {id: A2, name: Orders, properties: [integrity]}
  - {id: A3, name: Shop availability, properties: [availability]}
attackers:
  - id: ATK1
    name: External attacker
    capability: Sends arbitrary HTTP requests from the internet without credentials.
    position: external
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, properties: [confidentiality], mitigated_by: [[C1]]}
  - {id: CO2, asset: A2, attacker: ATK1, properties: [integrity], mitigated_by: [[C2]]}
  - {id: CO3, asset: A3, attacker: ATK1, properties: [availability]}
threats:
  - {id: T1, title: Orders tampered with, stride: [tampering], likelihood: 4, impact: 5,
     objectives: [CO2], mitigations: [C2]}
controls:
  - {id: C1, title: Card data tokenised, status: implemented, compliance: ["asvs-5.0:V11.1.1"]}
  - {id: C2, title: Orders signed, status: planned, compliance: ["pci-dss-4.0:6.2.4"]}
"""

#: Objectives, but no controls yet.
NO_CONTROLS = """\
threatgate: 1
id: draft
title: Draft model
badge: public
assets:
  - {id: A1, name: Customer data, properties: [confidentiality]}
attackers:
  - id: ATK1
    name: External attacker
    capability: Sends arbitrary HTTP requests from the internet without credentials.
    position: external
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, properties: [confidentiality]}
"""

#: A control, but no objective for it to serve yet.
NO_OBJECTIVES = """\
threatgate: 1
id: blank
title: Just started
badge: public
controls:
  - {id: C1, title: Single sign-on, status: implemented}
"""


def _assess(text: str, evidence: dict[str, str] | None = None):
    return assess_model(load_text(text).data, path="m.yaml", today=TODAY, evidence=evidence)


def _golden(name: str, text: str) -> None:
    check_golden(f"badge/{name}", text)


def _check_endpoint(document: dict) -> None:
    """Key by key: what Shields' endpoint schema accepts, and nothing else."""
    assert set(document) <= SHIELDS_ENDPOINT_KEYS
    assert list(document) == ["schemaVersion", "label", "message", "color"]
    assert document["schemaVersion"] == 1
    assert type(document["schemaVersion"]) is int
    assert isinstance(document["label"], str)
    assert isinstance(document["message"], str)
    assert document["message"]
    assert document["color"] in SHIELDS_COLORS


def _parse_svg(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("role") == "img"
    return root


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# --- core: the states ---------------------------------------------------------------


def test_verified_needs_passing_evidence_for_every_control_of_the_group():
    assessment = _assess(MITIGATED, {"C1": "passed", "C2": "passed"})
    badge = badge_for(assessment)
    assert badge == Badge("verified", "threat model", "2/2 objectives verified", "brightgreen")
    _golden("verified.json", badge.endpoint_json())
    _golden("verified.svg", render_badge_svg(badge.label, badge.message, badge.color))
    framework = badge_for(assessment, "pci-dss-4.0")
    assert framework == Badge("verified", "pci-dss-4.0", "1/1 objective verified", "brightgreen")


def test_pending_evidence_is_implemented_and_failing_evidence_is_a_gap():
    partial = _assess(MITIGATED, {"C1": "passed"})
    assert badge_for(partial).state == "implemented"
    failing = _assess(MITIGATED, {"C1": "passed", "C2": "failed"})
    badge = badge_for(failing)
    assert badge.state == "gaps"
    assert badge.message == "1 of 2 objectives at risk"
    assert badge.color == "red"  # CO1 carries a critical threat


def test_gap_of_low_tier_is_orange():
    assessment = _assess(GAPS.replace("likelihood: 4, impact: 5", "likelihood: 1, impact: 2"))
    badge = badge_for(assessment)
    assert (badge.state, badge.message, badge.color) == ("gaps", "2 of 3 objectives at risk", "orange")


def test_a_not_applicable_control_is_left_out_of_its_group():
    """MITIGATED's CO1 is [[C1, C2]]: with C1 not applicable, C2's evidence decides."""
    waived = MITIGATED.replace("status: implemented", "status: not_applicable", 1)
    assert badge_for(_assess(waived, {"C2": "passed"})).state == "verified"
    assert badge_for(_assess(waived, {"C2": "failed"})).state == "gaps"
    # A group of nothing but not_applicable controls never completes.
    alone = waived.replace("mitigated_by: [[C1, C2]]", "mitigated_by: [[C1]]")
    assert badge_for(_assess(alone, {"C2": "passed"})).state == "gaps"


def test_objectives_all_covered_by_assumptions_count_as_verified():
    text = MITIGATED.replace("mitigated_by: [[C1, C2]]", "assumptions: [AS1]")
    assessment = _assess(text)
    assert badge_for(assessment).state == "verified"


def test_private_and_missing_give_the_same_unknown_badge():
    private = _assess(MITIGATED.replace("badge: public", "badge: private"),
                            {"C1": "passed", "C2": "passed"})
    unset = _assess(MITIGATED.replace("badge: public\n", ""))
    assert badge_for(private) is UNKNOWN
    assert badge_for(unset) is UNKNOWN
    assert badge_for(None) is UNKNOWN
    assert badge_for(private, "asvs-5.0") is UNKNOWN
    assert badge_for(None, "asvs-5.0") is UNKNOWN
    assert UNKNOWN.endpoint() == {"schemaVersion": 1, "label": "threat model",
                                  "message": "unknown", "color": "lightgrey"}


def test_framework_without_controls_or_objectives_has_nothing_to_show_yet():
    assessment = _assess(GAPS)
    assert badge_for(assessment, "iso-27001-2022") == Badge(
        "no_controls", "iso-27001-2022", "no controls yet", "lightgrey")
    unused = GAPS.replace('compliance: ["asvs-5.0:V11.1.1"]',
                          'compliance: ["asvs-5.0:V11.1.1"]}\n  - {id: C3, title: WAF, '
                          'status: implemented, compliance: ["soc2:CC6.1"]')
    assessment = _assess(unused)
    assert badge_for(assessment, "soc2").message == "no objectives yet"


def test_framework_controls_read_compliance_references():
    assessment = _assess(MITIGATED)
    assert framework_controls(assessment) == {"asvs-5.0": {"C1", "C2"}, "pci-dss-4.0": {"C2"}}


# --- the SVG ------------------------------------------------------------------------


def test_text_widths_match_shields_for_known_badges():
    # Shields draws "build | passing" 37 + 51 and "license | MIT" 47 + 31 pixels wide.
    assert text_width("build") + 10 == 37
    assert text_width("passing") + 10 == 51
    assert text_width("license") + 10 == 47
    assert text_width("MIT") + 10 == 31
    svg = _parse_svg(render_badge_svg("build", "passing", "brightgreen"))
    assert svg.get("width") == "88"


def test_svg_is_accessible_and_well_formed():
    svg = render_badge_svg("threat model", "2/2 objectives verified", "brightgreen")
    root = _parse_svg(svg)
    assert root.get("aria-label") == "threat model: 2/2 objectives verified"
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == "threat model: 2/2 objectives verified"
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    assert texts == ["threat model", "threat model", "2/2 objectives verified", "2/2 objectives verified"]
    fills = [r.get("fill") for r in root.iter(f"{SVG_NS}rect")]
    assert "#555" in fills
    assert "#4c1" in fills


def test_svg_escapes_hostile_text():
    hostile = "<script>alert('x')</script> & \"quoted\" ]]> \x00\x1b\ud800 <!-- -->"
    svg = render_badge_svg(hostile, hostile, "red")
    root = _parse_svg(svg)
    assert "<script" not in svg
    assert not list(root.iter("script"))
    assert not list(root.iter(f"{SVG_NS}script"))
    cleaned = "<script>alert('x')</script> & \"quoted\" ]]> <!-- -->"
    assert root.get("aria-label") == f"{cleaned}: {cleaned}"
    title = root.find(f"{SVG_NS}title")
    assert title is not None
    assert title.text == f"{cleaned}: {cleaned}"


def test_svg_without_label_and_with_hex_colour():
    root = _parse_svg(render_badge_svg("", "ok", "#ABC"))
    assert root.get("aria-label") == "ok"
    assert [t.text for t in root.iter(f"{SVG_NS}text")] == ["ok", "ok"]
    assert "#abc" in [r.get("fill") for r in root.iter(f"{SVG_NS}rect")]
    with pytest.raises(ValueError, match="colour"):
        render_badge_svg("a", "b", "url(#evil)")


def test_wide_and_unknown_characters_still_get_a_width():
    assert text_width("漢字") > text_width("ab")
    assert text_width("é") > 0


# --- the command --------------------------------------------------------------------


def test_cli_writes_every_state_with_golden_output(run_cli, write_model, project):
    write_model(MITIGATED, "vault.yaml")
    write_model(GAPS, "checkout.yaml")
    write_model(NO_CONTROLS, "draft.yaml")
    write_model(NO_OBJECTIVES, "blank.yaml")
    result = run_cli("badge", "--out", "site/badges", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    out = project / "site" / "badges"
    assert sorted(_files(out)) == sorted(
        f"{stem}.{suffix}"
        for stem in ("blank", "checkout", "checkout--asvs-5.0", "checkout--pci-dss-4.0",
                     "draft", "unknown", "vault", "vault--asvs-5.0", "vault--pci-dss-4.0")
        for suffix in ("json", "svg")
    )
    assert "wrote site/badges/vault.json and site/badges/vault.svg" in result.stdout

    expected = {
        "vault": ("threat model", "2/2 objectives mitigated, verification pending", "green"),
        # asvs-5.0 has a catalogue: its badge is the coverage of its 345 requirements.
        "vault--asvs-5.0": ("asvs-5.0", "0.6% covered (2/345)", "red"),
        "checkout": ("threat model", "2 of 3 objectives at risk", "red"),
        "checkout--asvs-5.0": ("asvs-5.0", "0.3% covered (1/345)", "red"),
        "checkout--pci-dss-4.0": ("pci-dss-4.0", "1 of 1 objective at risk", "red"),
        "draft": ("threat model", "no controls yet", "lightgrey"),
        "blank": ("threat model", "no objectives yet", "lightgrey"),
        "unknown": ("threat model", "unknown", "lightgrey"),
    }
    for stem, (label, message, color) in expected.items():
        document = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        _check_endpoint(document)
        assert (document["label"], document["message"], document["color"]) == (
            label, message, color), stem
        root = _parse_svg((out / f"{stem}.svg").read_text(encoding="utf-8"))
        assert root.get("aria-label") == f"{label}: {message}"

    goldens = {"vault": "implemented", "checkout": "gaps", "checkout--pci-dss-4.0":
               "gaps-framework", "draft": "no-controls", "unknown": "unknown"}
    for stem, name in goldens.items():
        for suffix in ("json", "svg"):
            _golden(f"{name}.{suffix}", (out / f"{stem}.{suffix}").read_text(encoding="utf-8"))


def test_private_and_missing_models_are_byte_identical(run_cli, write_model, project):
    write_model(MITIGATED.replace("id: vault", "id: hidden").replace("badge: public\n", ""),
                "hidden.yaml")
    write_model(MITIGATED.replace("id: vault", "id: closed").replace("badge: public",
                                                                     "badge: private"),
                "closed.yaml")
    result = run_cli("badge", "hidden", "closed", "ghost", "--out", "badges", cwd=project)
    assert result.exit_code == 0, result.output
    out = project / "badges"
    unknown = (out / "unknown.json").read_bytes(), (out / "unknown.svg").read_bytes()
    for stem in ("hidden", "closed", "ghost", "hidden--asvs-5.0", "closed--pci-dss-4.0"):
        assert ((out / f"{stem}.json").read_bytes(), (out / f"{stem}.svg").read_bytes()) == \
            unknown, stem
    assert "'ghost'" in result.stderr  # a missing model is worth a warning
    # A private one is not an error, but the user is told why its badge is unknown.
    assert [line for line in result.stderr.splitlines() if "warning" in line] == [
        "threatgate: warning: no model with id 'ghost'; its badge is 'unknown'"]
    assert ("note: threatmodels/hidden.yaml: the badge of 'hidden' is 'unknown' because the "
            "model does not publish its posture") in result.stderr


def test_invalid_model_gets_unknown_and_a_warning(run_cli, write_model, project):
    write_model(GAPS.replace("status: planned", "status: plannd"), "checkout.yaml")
    write_model(":\n  - [", "broken.yaml")
    result = run_cli("badge", "--out", "badges", cwd=project)
    assert result.exit_code == 0, result.output
    assert "threatmodels/checkout.yaml" in result.stderr
    assert "[schema-enum]" in result.stderr
    assert "threatmodels/broken.yaml" in result.stderr
    out = project / "badges"
    assert sorted(p.name for p in out.iterdir()) == [
        "checkout.json", "checkout.svg", "unknown.json", "unknown.svg"]
    assert (out / "checkout.json").read_bytes() == (out / "unknown.json").read_bytes()


def test_invalid_model_id_never_becomes_a_path(run_cli, write_model, project):
    write_model(GAPS.replace("id: checkout", "id: ../../escaped"), "checkout.yaml")
    result = run_cli("badge", "--out", "site/badges", cwd=project)
    assert result.exit_code == 0, result.output
    assert "no usable id" in result.stderr
    assert sorted(p.name for p in (project / "site" / "badges").iterdir()) == [
        "unknown.json", "unknown.svg"]
    assert not (project / "escaped.json").exists()


def test_duplicate_model_ids_get_unknown(run_cli, write_model, project):
    write_model(GAPS, "a.yaml")
    write_model(GAPS, "b.yaml")
    result = run_cli("badge", cwd=project)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["checkout"] == UNKNOWN.endpoint()
    assert "several files" in result.stderr


def test_without_out_prints_the_endpoint_json(run_cli, write_model, project):
    write_model(GAPS, "checkout.yaml")
    result = run_cli("badge", "checkout", "--framework", "pci-dss-4.0", cwd=project)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert list(printed) == ["checkout", "checkout--pci-dss-4.0"]
    for document in printed.values():
        _check_endpoint(document)
    assert printed["checkout--pci-dss-4.0"]["message"] == "1 of 1 objective at risk"
    assert not (project / "badges").exists()


def test_framework_option_narrows_and_warns_about_unlisted(run_cli, write_model, project):
    write_model(GAPS, "checkout.yaml")
    result = run_cli("badge", "--out", "b", "--framework", "asvs-5.0", "--framework",
                     "iso-27001-2022", cwd=project)
    assert result.exit_code == 0
    assert sorted(p.name for p in (project / "b").iterdir()) == [
        "checkout--asvs-5.0.json", "checkout--asvs-5.0.svg", "checkout.json", "checkout.svg",
        "unknown.json", "unknown.svg"]
    assert "iso-27001-2022" in result.stderr


def test_output_is_deterministic(run_cli, write_model, project):
    write_model(MITIGATED, "vault.yaml")
    write_model(GAPS, "checkout.yaml")
    first = run_cli("badge", "--out", "one", cwd=project)
    second = run_cli("badge", "--out", "two", cwd=project)
    assert first.exit_code == second.exit_code == 0
    assert _files(project / "one") == _files(project / "two")
    again = run_cli("badge", "--out", "one", cwd=project)
    assert _files(project / "one") == _files(project / "two")
    assert again.stdout.replace("one/", "two/") == second.stdout


def test_hostile_model_title_never_reaches_the_badge(run_cli, write_model, project):
    write_model(GAPS.replace("title: Checkout", "title: '<svg onload=alert(1)>&'"),
                "checkout.yaml")
    result = run_cli("badge", "--out", "b", cwd=project)
    assert result.exit_code == 0, result.output
    svg = (project / "b" / "checkout.svg").read_text(encoding="utf-8")
    _parse_svg(svg)
    assert "onload" not in svg


@pytest.mark.parametrize("args", [["../escape"], ["Shop"], ["--framework", "ASVS 5"]])
def test_ids_that_are_not_safe_file_names_are_usage_errors(run_cli, write_model, project,
                                                           args):
    write_model(GAPS, "checkout.yaml")
    result = run_cli("badge", "--out", "b", *args, cwd=project)
    assert result.exit_code == 2
    assert not (project / "b").exists()


def test_help_shows_the_markdown_to_embed(run_cli):
    result = run_cli("badge", "--help")
    assert result.exit_code == 0
    assert "![threat model](https://img.shields.io/endpoint?url=<URL of the JSON>)" in result.stdout
    assert "![threat model](badges/<model>.svg)" in result.stdout
