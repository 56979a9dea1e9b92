"""The built-in rule library: every rule's inline cases, schema validity, and bad packs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import CASES_DIR
from threatgate.generate.catalogue import CATALOGUE_FILE, CATALOGUE_SCHEMA, builtin_catalogue
from threatgate.generate.datafiles import RULEPACK_SCHEMA, PackError
from threatgate.generate.packtests import CaseResult, test_packs
from threatgate.generate.rulepacks import builtin_pack_files, load_packs
from threatgate.model import schema
from threatgate.model.loader import load_bytes

CASES = CASES_DIR / "rulepacks" / "bad_packs.yaml"
ASVS = re.compile(r"^asvs-5\.0:V[0-9]+\.[0-9]+\.[0-9]+$")

BUILTIN = load_packs()
RULES = [rule for pack in BUILTIN for rule in pack.rules]
RESULTS: dict[str, list[CaseResult]] = {}
for _result in test_packs(BUILTIN):
    RESULTS.setdefault(_result.rule, []).append(_result)


def test_library_covers_at_least_sixty_distinct_threats() -> None:
    ids = [rule["id"] for rule in RULES]
    assert len(ids) == len(set(ids))
    assert len({rule["title"] for rule in RULES}) == len(ids)
    assert len(ids) >= 60
    expected_areas = {"web", "api", "identity", "data", "storage", "messaging", "payments",
                      "uploads", "secrets", "supply_chain", "containers", "llm", "mobile",
                      "saas", "admin", "transport", "logging"}
    assert expected_areas <= {pack.name for pack in BUILTIN}


@pytest.mark.parametrize("rule_id", [rule["id"] for rule in RULES])
def test_rule_fires_and_stays_silent_on_its_cases(rule_id: str) -> None:
    results = RESULTS[rule_id]
    kinds = {r.kind for r in results}
    assert {"fires", "silent"} <= kinds, f"{rule_id} lacks a fires or a silent case"
    failures = [f"{r.kind}[{r.index}] {r.name}: {r.message}" for r in results if not r.ok]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", builtin_pack_files(), ids=lambda p: p.name)
def test_pack_file_is_valid_against_its_schema(path: Path) -> None:
    data = load_bytes(path.read_bytes()).data
    assert schema.check(data, RULEPACK_SCHEMA) == []
    assert data["name"] == path.stem, "a built-in pack is named after its file"
    for rule in data["rules"]:
        assert rule["id"].split(".")[0] == data["name"], "rule ids start with their pack"


def test_catalogue_is_valid_and_every_default_flag_is_described() -> None:
    data = load_bytes(CATALOGUE_FILE.read_bytes()).data
    assert schema.check(data, CATALOGUE_SCHEMA) == []
    catalogue = builtin_catalogue()
    for tech in catalogue.types.values():
        assert tech.flags <= set(catalogue.flags), tech.id
    # the generic kinds of the model schema are all there
    assert {"client", "service", "datastore", "external"} <= set(catalogue.types)


def test_every_catalogue_flag_and_type_is_used_or_generic() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in builtin_pack_files())
    unused = [flag for flag in builtin_catalogue().flags if flag not in text]
    assert not unused, f"flags no rule matches on: {unused}"


def test_shared_controls_are_described_identically() -> None:
    seen: dict[str, dict[str, Any]] = {}
    for rule in RULES:
        for control in rule["controls"]:
            first = seen.setdefault(control["id"], control)
            assert first == control, f"control {control['id']} differs in {rule['id']}"


def test_compliance_refs_are_asvs_5_requirement_ids() -> None:
    refs = [ref for rule in RULES for control in rule["controls"]
            for ref in control.get("compliance", []) if ref.startswith("asvs")]
    assert refs
    bad = [ref for ref in refs if not ASVS.match(ref)]
    assert not bad


def test_every_rule_says_when_it_does_not_apply_and_scores() -> None:
    for rule in RULES:
        assert len(rule["not_applicable_when"]) > 20, rule["id"]
        assert 1 <= rule["likelihood"] <= 5 and 1 <= rule["impact"] <= 5
        assert rule.get("cwe") or rule["stride"] == ["denial_of_service"], rule["id"]


# --- packs that must be refused ------------------------------------------------------------


def _bad_cases() -> list[Any]:
    cases = load_bytes(CASES.read_bytes()).data["cases"]
    return [pytest.param(case, id=case["name"]) for case in cases]


@pytest.mark.parametrize("case", _bad_cases())
def test_bad_pack_is_refused_with_its_location(case: dict[str, Any], tmp_path: Path) -> None:
    extra = []
    if "other" in case:
        (tmp_path / "a_other.yaml").write_text(case["other"], encoding="utf-8")
        extra.append(tmp_path / "a_other.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(case["pack"], encoding="utf-8")
    for _ in range(2):  # the second time, a pack that passed its schema comes from the cache
        with pytest.raises(PackError) as caught:
            load_packs([*extra, bad])
        message = str(caught.value)
        assert "\n" not in message
        assert message.startswith(f"{bad}:{case['at']}: "), message
        assert case["error"] in message, message


def test_pack_that_is_not_utf8_or_missing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"rulepack: 1\nname: \xff\n")
    with pytest.raises(PackError, match=r"bad\.yaml:2:7: file is not valid UTF-8"):
        load_packs([bad])
    with pytest.raises(PackError, match="rule pack not found"):
        load_packs([tmp_path / "missing.yaml"])


def test_packs_and_catalogue_sit_inside_the_package_so_the_wheel_ships_them() -> None:
    import threatgate
    from threatgate.generate.rulepacks import BUILTIN_PACK_DIR

    package = Path(threatgate.__file__).resolve().parent
    assert BUILTIN_PACK_DIR.is_relative_to(package) and CATALOGUE_FILE.is_relative_to(package)
    assert len(builtin_pack_files()) >= 15


# --- rules test PACK: a pack file on its own -------------------------------------------------

_ACME = """\
rulepack: 1
name: acme
title: ACME rules
rules:
  - id: acme.legacy_soap
    title: Legacy SOAP stack in {component}
    description: "{component} parses XML with the in-house stack."
    scope: component
    stride: [tampering]
    cwe: [CWE-611]
    likelihood: 3
    impact: 4
    when: {component: {flags: [parses_xml]}}
    controls: [{id: acme-xml, title: Hardened parser, description: DTDs disabled.}]
    groups: [[acme-xml]]
    not_applicable_when: No component parses XML.
    tests:
      fires: [{components: [{id: api, type: rest_api, flags: [parses_xml]}], elements: [EXPECTED]}]
      silent: [{components: [{id: api, type: rest_api}]}]
"""


def test_rules_test_runs_an_edited_copy_of_a_configured_pack(run_cli: Any, project: Path) -> None:
    """A copy of a configured pack, edited elsewhere, is tested instead of the configured
    one (it used to be refused: "pack name 'acme' is already used")."""
    (project / "rules").mkdir()
    (project / "rules" / "acme.yaml").write_text(_ACME.replace("EXPECTED", "api"), "utf-8")
    (project / "threatgate.toml").write_text('[generate]\npacks = ["rules"]\n', "utf-8")
    (project / "draft.yaml").write_text(_ACME.replace("EXPECTED", "nope"), "utf-8")
    configured = run_cli("rules", "test", "acme", cwd=project)
    assert configured.exit_code == 0, configured.output
    assert "2 passed, 0 failed (1 rule(s))" in configured.output
    draft = run_cli("rules", "test", "draft.yaml", cwd=project)
    assert draft.exit_code == 1, draft.output
    assert "draft.yaml:5:5: FAIL acme.legacy_soap fires[0]" in draft.output  # where to look
    assert "expected [nope]" in draft.output
    # the configured pack is still loaded when generating: a second copy is refused
    clash = run_cli("rules", "list", "--pack", "draft.yaml", cwd=project)
    assert clash.exit_code == 2 and "pack name 'acme' is already used" in clash.output


def test_rules_test_runs_an_edited_copy_of_a_builtin_pack(run_cli: Any, tmp_path: Path) -> None:
    web = next(p for p in builtin_pack_files() if p.stem == "web")
    copy = tmp_path / "web.yaml"
    copy.write_text(web.read_text("utf-8"), "utf-8")
    done = run_cli("rules", "test", str(copy), cwd=tmp_path)
    assert done.exit_code == 0, done.output
    web_rules = len(next(p for p in BUILTIN if p.name == "web").rules)
    assert f"({web_rules} rule(s))" in done.output


def test_rules_test_of_a_missing_pack_file_says_so(run_cli: Any, tmp_path: Path) -> None:
    done = run_cli("rules", "test", "rules/acme.yaml", cwd=tmp_path)
    assert done.exit_code == 2
    assert "rules/acme.yaml: rule pack not found (no such file or folder)" in done.output
    named = run_cli("rules", "test", "acme", cwd=tmp_path)
    assert named.exit_code == 2 and "unknown rule pack acme; loaded: admin" in named.output
