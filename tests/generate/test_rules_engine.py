"""The rule engine: match language, flags, stable ids, model-valid output, config and CLI."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import VALID_MODEL
from threatgate.generate.catalogue import builtin_catalogue
from threatgate.generate.datafiles import PackError
from threatgate.generate.engine import MAX_ID, Generated, apply_packs, bounded_id
from threatgate.generate.rulepacks import RulePack, load_packs
from threatgate.model import schema
from threatgate.model.loader import load_text

BUILTIN = load_packs()

SHOP: dict[str, Any] = {
    "trust_boundaries": [{"id": "internet", "name": "Internet"},
                         {"id": "dmz", "name": "DMZ"}, {"id": "core", "name": "Core"}],
    "components": [
        {"id": "browser", "name": "Browser", "type": "browser", "boundary": "internet"},
        {"id": "shop", "name": "Shop", "type": "web_app", "boundary": "dmz",
         "flags": ["handles_payment_data"]},
        {"id": "db", "name": "Orders DB", "type": "database", "boundary": "core"},
        {"id": "psp", "name": "Payment provider", "type": "payment_provider",
         "boundary": "internet"},
    ],
    "dataflows": [
        {"id": "DF1", "from": "browser", "to": "shop", "protocol": "https", "data": ["A1"]},
        {"id": "DF2", "from": "shop", "to": "db", "protocol": "sql", "data": ["A1"]},
        {"id": "DF3", "from": "shop", "to": "psp", "protocol": "https"},
        {"id": "DF4", "from": "psp", "to": "shop", "protocol": "https"},
    ],
    "assets": [{"id": "A1", "name": "Customer data", "properties": ["confidentiality"],
                "kind": "personal_data", "classification": "confidential"}],
}

RULE: dict[str, Any] = {
    "id": "t.rule", "title": "Threat to {component}", "description": "D", "scope": "component",
    "stride": ["tampering"], "likelihood": 3, "impact": 4,
    "when": {"component": {"type": ["database"]}},
    "controls": [{"id": "ctl", "title": "Control", "description": "Do it."}],
    "groups": [["ctl"]], "not_applicable_when": "never",
}


def _pack(tmp_path: Path, *rules: dict[str, Any], name: str = "t",
          extra: dict[str, Any] | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps({"rulepack": 1, "name": name, "title": "T",
                                **(extra or {}), "rules": list(rules)}), encoding="utf-8")
    return path


def _rule(**changes: Any) -> dict[str, Any]:
    rule = copy.deepcopy(RULE)
    rule.update(changes)
    return rule


def _fired(generated: Generated, rule: str) -> list[str]:
    return [f.elements[0] for f in generated.fired if f.rule == rule]


def _run_one(tmp_path: Path, model: dict[str, Any], **changes: Any) -> list[str]:
    packs = load_packs([_pack(tmp_path, _rule(**changes))], builtin=False)
    return _fired(apply_packs(model, packs), "t.rule")


# --- catalogue and flags -------------------------------------------------------------------


def test_effective_flags_are_type_defaults_plus_flags_minus_no_flags() -> None:
    catalogue = builtin_catalogue()
    assert "internet_facing" in catalogue.effective_flags("web_app", [])
    flags = catalogue.effective_flags("web_app", ["no_internet_facing", "accepts_uploads"])
    assert "internet_facing" not in flags and "accepts_uploads" in flags
    assert catalogue.effective_flags("my_own_type", ["stores_data"]) == {"stores_data"}
    assert catalogue.effective_flags(None, []) == frozenset()
    assert catalogue.category("database") == "datastore"
    assert catalogue.category("unheard_of") is None


# --- the match language --------------------------------------------------------------------


def _flows_model(**flow: Any) -> dict[str, Any]:
    return {"components": [{"id": "a", "type": "service", "boundary": flow.pop("a_zone", None)},
                           {"id": "b", "type": "database", "boundary": flow.pop("b_zone", None)}],
            "dataflows": [{"id": "F", "from": "a", "to": "b", **flow}]}


@pytest.mark.parametrize(("flow", "condition", "fires"), [
    ({"protocol": "http"}, {"encrypted": False}, True),
    ({"protocol": "HTTPS"}, {"encrypted": True}, True),
    ({"protocol": "http", "encrypted": True}, {"encrypted": False}, False),
    ({"protocol": "custom"}, {"encrypted": "unknown"}, True),
    ({}, {"encrypted": [False, "unknown"]}, True),
    ({"protocol": "https"}, {"encrypted": [False, "unknown"]}, False),
    ({}, {"authenticated": False}, False),
    ({"authenticated": False}, {"authenticated": False}, True),
    ({}, {"authenticated": "unknown"}, True),
    ({"protocol": "AMQP"}, {"protocol": ["amqp", "kafka"]}, True),
    ({"protocol": "grpc"}, {"protocol": ["amqp"]}, False),
    ({"a_zone": "x", "b_zone": "y"}, {"crosses_boundary": True}, True),
    ({"a_zone": "x", "b_zone": "x"}, {"crosses_boundary": True}, False),
    ({"a_zone": "x"}, {"crosses_boundary": True}, True),
    ({}, {"crosses_boundary": False}, True),
    ({"data": ["A"]}, {"has_data": True}, False),  # A is not an asset of the model
])
def test_dataflow_conditions(tmp_path: Path, flow: dict[str, Any], condition: dict[str, Any],
                             fires: bool) -> None:
    fired = _run_one(tmp_path, _flows_model(**flow), scope="dataflow",
                     title="{dataflow}", when={"dataflow": condition})
    assert fired == (["F"] if fires else [])


@pytest.mark.parametrize(("flags", "condition", "fires"), [
    ([], ["stores_data"], True),                       # a type default
    (["no_stores_data"], ["stores_data"], False),      # removed by no_
    (["internet_facing"], {"all": ["stores_data", "internet_facing"]}, True),
    ([], {"any": ["internet_facing", "public_read"]}, False),
    (["public_read"], {"any": ["internet_facing", "public_read"]}, True),
    (["public_read"], {"none": ["public_read"]}, False),
    ([], {"all": ["stores_data"], "none": ["public_read"]}, True),
])
def test_flag_conditions(tmp_path: Path, flags: list[str], condition: Any, fires: bool) -> None:
    model = {"components": [{"id": "db", "type": "database", "flags": flags}]}
    fired = _run_one(tmp_path, model, when={"component": {"flags": condition}})
    assert fired == (["db"] if fires else [])


def test_combinators_unless_and_neighbours(tmp_path: Path) -> None:
    model = copy.deepcopy(SHOP)
    when = {"any": [{"component": {"type": ["database"]}},
                    {"all": [{"component": {"category": ["process"]}},
                             {"not": {"component": {"flags": ["renders_html"]}}}]}]}
    assert _run_one(tmp_path, model, when=when) == ["db"]
    # unless removes a match; inbound / outbound look at neighbouring flows
    assert _run_one(tmp_path / "x", model, when={"component": {"category": ["datastore",
                                                                            "process"]}},
                    unless={"inbound": {"source": {"type": ["browser"]}}}) == ["db"]
    assert _run_one(tmp_path / "y", model, when={"outbound": {"target": {
        "type": ["database"]}}}) == ["shop"]
    assert _run_one(tmp_path / "z", model, when={"inbound": {"source": {
        "flags": ["handles_payment_data"]}}}) == ["shop", "db", "psp"]


def test_data_conditions(tmp_path: Path) -> None:
    model = copy.deepcopy(SHOP)
    assert _run_one(tmp_path, model, scope="dataflow", title="{dataflow}",
                    when={"data": {"kind": ["personal_data"]}}) == ["DF1", "DF2"]
    assert _run_one(tmp_path, model, scope="dataflow", title="{dataflow}",
                    when={"data": {"min_classification": "restricted"}}) == []
    assert _run_one(tmp_path, model, when={"data": {"min_classification": "internal",
                                                    "properties": ["confidentiality"]}}) \
        == ["browser", "shop", "db"]
    assert _run_one(tmp_path, model, when={"data": {"classification": ["public"]}}) == []


# --- output --------------------------------------------------------------------------------


def test_generated_threats_and_controls_validate_in_a_model() -> None:
    generated = apply_packs(SHOP, BUILTIN)
    assert len(generated.threats) > 20
    model = load_text(VALID_MODEL).data
    model.update(copy.deepcopy(SHOP))
    model["threats"] += [t.entry for t in generated.threats]
    model["controls"] += generated.controls
    assert schema.check(model) == []
    control_ids = {c["id"] for c in generated.controls}
    for threat in generated.threats:
        entry = threat.entry
        assert entry["origin"] == "generated"
        assert entry["mitigations"] == list(dict.fromkeys(c for g in threat.groups for c in g))
        assert set(entry["mitigations"]) <= control_ids
        assert threat.properties and threat.attacker_positions
    assert all(c["status"] == "planned" and c["origin"] == "generated"
               for c in generated.controls)
    assert len(control_ids) == len(generated.controls), "controls are deduplicated"


def test_threat_fields_for_component_and_dataflow_rules() -> None:
    generated = apply_packs(SHOP, BUILTIN)
    by_id = {t.entry["id"]: t for t in generated.threats}
    sqli = by_id["T-web.sqli-shop"]
    assert sqli.entry["title"] == "Injection into queries built by Shop"
    assert sqli.entry["components"] == ["shop"] and "dataflows" not in sqli.entry
    assert sqli.entry["cwe"] == ["CWE-89", "CWE-943"]
    assert sqli.entry["mitigations"] == ["C-parameterised-queries"]
    assert sqli.assets == ["A1"] and sqli.rule == "web.sqli"
    assert sqli.properties == ["confidentiality", "integrity"]
    webhook = by_id["T-payments.webhook_spoofing-shop"]  # one threat per component
    assert webhook.entry["components"] == ["psp", "shop"]
    assert webhook.entry["dataflows"] == ["DF4"]
    assert "Payment provider" in webhook.entry["title"]
    firing = next(f for f in generated.fired if f.rule == "payments.webhook_spoofing")
    assert firing.elements == ("DF4",) and "DF4 psp -> shop" in firing.reason


def test_shared_control_is_one_control_and_per_element_controls_are_separate(
        tmp_path: Path) -> None:
    shared = {"id": "same", "title": "Same", "description": "Same."}
    first = _rule(id="t.first", controls=[shared], groups=[["same"]])
    second = _rule(id="t.second", controls=[
        shared, {"id": "mine", "title": "Mine", "description": "x", "per_element": True}],
        groups=[["same"], ["mine"]], when={"component": {"category": ["datastore"]}})
    packs = load_packs([_pack(tmp_path, first, second)], builtin=False)
    model = {"components": [{"id": "db", "type": "database"}, {"id": "c", "type": "cache"}]}
    generated = apply_packs(model, packs)
    assert [c["id"] for c in generated.controls] == ["C-same", "C-mine-db", "C-mine-c"]
    assert [t.groups for t in generated.threats] == [
        [["C-same"]], [["C-same"], ["C-mine-db"]], [["C-same"], ["C-mine-c"]]]


def test_ids_are_stable_and_a_changed_architecture_gives_a_small_diff() -> None:
    before = apply_packs(SHOP, BUILTIN)
    assert apply_packs(SHOP, BUILTIN).threats == before.threats  # deterministic
    changed = copy.deepcopy(SHOP)
    changed["components"].append({"id": "cache", "name": "Cache", "type": "cache",
                                  "boundary": "core"})
    changed["dataflows"].append({"id": "DF5", "from": "shop", "to": "cache"})
    after = apply_packs(changed, BUILTIN)
    old = [t.entry for t in before.threats]
    new = [t.entry for t in after.threats]
    # a threat per weakness per component: the ones on shop's flows now list DF5 too
    assert [e for e in new if e["id"] in {o["id"] for o in old}
            and "DF5" not in e.get("dataflows", [])] == [
        o for o in old if o["id"] in {e["id"] for e in new if "DF5" not in e.get("dataflows", [])}]
    assert {o["id"] for o in old} <= {e["id"] for e in new}
    added = {e["id"] for e in new} - {o["id"] for o in old}
    assert added and all("cache" in i for i in added)


def test_long_or_odd_element_ids_give_bounded_valid_unique_ids() -> None:
    long_a, long_b = "a" * 60 + "x", "a" * 60 + "y"
    ids = {bounded_id(f"T-web.sqli-{x}") for x in (long_a, long_b)}
    assert len(ids) == 2 and all(len(i) <= MAX_ID for i in ids)
    assert bounded_id("T-web.sqli-api") == "T-web.sqli-api"
    assert bounded_id("T-x-é") != bounded_id("T-x-è")
    pattern = schema.schema_documents()["common.schema.json"]["$defs"]["entityId"]["pattern"]
    import re
    assert all(re.match(pattern, i) for i in ids | {bounded_id("T-x-é"), bounded_id("9")})


def test_hostile_names_give_one_line_bounded_titles() -> None:
    model = {"components": [{"id": "db", "type": "database",
                             "name": "<script>alert(1)</script>\n" + "Ω" * 400}]}
    generated = apply_packs(model, BUILTIN)
    for threat in generated.threats:
        title = threat.entry["title"]
        assert "\n" not in title and len(title) <= 200
    assert schema.check({"threatgate": 1, "id": "m", "title": "M",
                         "threats": [t.entry for t in generated.threats],
                         "controls": generated.controls}) == []


def test_empty_and_malformed_architectures_do_not_crash() -> None:
    empty = apply_packs({}, BUILTIN)
    assert empty.threats == [] and empty.controls == [] and empty.fired == []
    assert len(empty.not_applicable) == sum(len(p.rules) for p in BUILTIN)
    assert all(n.explanation for n in empty.not_applicable)
    odd = {"components": [None, {"id": 3}, {"id": "a", "type": 5, "flags": "x"},
                          {"id": "a", "type": "database"}],
           "dataflows": [{"id": "F", "from": "a", "to": "nowhere"}, "junk",
                         {"id": "G", "from": "a", "to": "a", "data": [1, "missing"]}],
           "assets": "not a list"}
    generated = apply_packs(odd, BUILTIN)
    assert all(t.entry["components"] == ["a"] for t in generated.threats)


def test_large_architecture_runs() -> None:
    types = sorted(builtin_catalogue().types)
    components = [{"id": f"c{i}", "type": types[i % len(types)], "boundary": f"z{i % 3}"}
                  for i in range(500)]
    flows = [{"id": f"F{i}", "from": f"c{i % 500}", "to": f"c{(i * 7 + 1) % 500}",
              "protocol": ("http", "https", "grpc")[i % 3]} for i in range(1000)]
    generated = apply_packs({"components": components, "dataflows": flows}, BUILTIN)
    ids = [t.entry["id"] for t in generated.threats]
    assert len(ids) == len(set(ids)) > 1000


def test_packs_can_add_flags_and_types(tmp_path: Path) -> None:
    rule = _rule(when={"component": {"type": ["mainframe"], "flags": ["runs_cobol"]}})
    pack = _pack(tmp_path, rule, extra={
        "flags": {"runs_cobol": "Runs COBOL batch jobs."},
        "types": {"mainframe": {"name": "Mainframe", "category": "process",
                                "description": "A mainframe.", "flags": ["runs_cobol"]}}})
    packs = load_packs([pack])
    generated = apply_packs({"components": [{"id": "m", "type": "mainframe"}]}, packs)
    assert _fired(generated, "t.rule") == ["m"]


def test_a_pack_built_by_hand_is_compiled_on_use() -> None:
    pack = RulePack(name="h", path=Path("h.yaml"), rules=(_rule(),))
    assert _fired(apply_packs({"components": [{"id": "d", "type": "database"}]}, [pack]),
                  "t.rule") == ["d"]
    broken = RulePack(name="h", path=Path("h.yaml"),
                      rules=(_rule(when={"component": {"flags": ["nope"]}}),))
    with pytest.raises(PackError, match="unknown flag"):
        apply_packs({}, [broken])


def test_same_file_twice_is_loaded_once(tmp_path: Path) -> None:
    path = _pack(tmp_path, _rule())
    assert len(load_packs([path, tmp_path], builtin=False)) == 1


# --- configuration and CLI -----------------------------------------------------------------


def _config(project: Path, text: str) -> None:
    (project / "threatgate.toml").write_text(text, encoding="utf-8")


def test_config_generate_packs(project: Path, run_cli: Callable[..., Result]) -> None:
    (project / "rules").mkdir()
    _pack(project / "rules", _rule(), name="local")
    _config(project, '[generate]\npacks = ["rules"]\nbuiltin_packs = false\n')
    result = run_cli("rules", "list", "--format", "json", cwd=project)
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.output)["rules"]] == ["t.rule"]
    _config(project, '[generate]\npackz = ["rules"]\n')
    result = run_cli("rules", "list", cwd=project)
    assert result.exit_code == 2 and "packz" in result.output


def test_cli_list_filters_and_pages(project: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("rules", "list", "--pack-name", "llm", "--format", "json", cwd=project)
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["total"] == 6
    assert {r["pack"] for r in data["rules"]} == {"llm"}
    result = run_cli("rules", "list", "--stride", "repudiation", "--limit", "2", cwd=project)
    assert result.exit_code == 0 and "1-2 of" in result.output
    result = run_cli("rules", "list", "--pack-name", "nope", cwd=project)
    assert result.exit_code == 2 and "unknown rule pack nope" in result.output


def test_cli_show(project: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("rules", "show", "web.xss", cwd=project)
    assert result.exit_code == 0
    assert "C-output-encoding" in result.output and "asvs-5.0:V1.2.1" in result.output
    assert "not applicable when" in result.output
    data = json.loads(run_cli("rules", "show", "web.xss", "--format", "json",
                              cwd=project).output)
    assert data["groups"] == [["C-output-encoding", "C-content-security-policy"]]
    result = run_cli("rules", "show", "web.xs", cwd=project)
    assert result.exit_code == 2 and "did you mean web.xss" in result.output


def test_cli_test_passes_fails_and_refuses(project: Path, tmp_path: Path,
                                           run_cli: Callable[..., Result]) -> None:
    result = run_cli("rules", "test", cwd=project)
    assert result.exit_code == 0 and " 0 failed" in result.output
    tests = {"fires": [{"components": [{"id": "d", "type": "cache"}]}],
             "silent": [{"components": [{"id": "d", "type": "database"}]}]}
    bad = _pack(tmp_path, _rule(tests=tests), name="mine")
    result = run_cli("rules", "test", str(bad), cwd=project)
    assert result.exit_code == 1
    assert "FAIL t.rule fires[0] (fires[0]): did not fire" in result.output
    assert "FAIL t.rule silent[0] (silent[0]): fired on d" in result.output
    assert "(1 rule(s))" in result.output, "only the named pack is tested"
    untested = _pack(tmp_path / "u", _rule(), name="untested")
    result = run_cli("rules", "test", str(untested), "--format", "json", cwd=project)
    assert result.exit_code == 1
    assert json.loads(result.output)["failed"] == 2
    (tmp_path / "broken.yaml").write_text("rulepack: 1\nname: [\n", encoding="utf-8")
    result = run_cli("rules", "test", str(tmp_path / "broken.yaml"), cwd=project)
    assert result.exit_code == 2 and "broken.yaml:" in result.output
    assert "Traceback" not in result.output
    result = run_cli("rules", "test", "web", cwd=project)
    assert result.exit_code == 0 and "(13 rule(s))" in result.output


def test_cli_catalogue(project: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("rules", "catalogue", cwd=project)
    assert result.exit_code == 0
    assert "object_storage" in result.output and "internet_facing" in result.output
    data = json.loads(run_cli("rules", "catalogue", "--format", "json", cwd=project).output)
    assert data["types"]["web_app"]["category"] == "process"
    assert "stores_secrets" in data["flags"]


def test_cli_pack_options(project: Path, tmp_path: Path,
                          run_cli: Callable[..., Result]) -> None:
    pack = _pack(tmp_path / "p", _rule(), name="mine")
    result = run_cli("rules", "list", "--no-builtin-packs", "--pack", str(pack),
                     "--format", "json", cwd=project)
    assert [r["id"] for r in json.loads(result.output)["rules"]] == ["t.rule"]
    result = run_cli("rules", "list", "--no-builtin-packs", cwd=project)
    assert result.exit_code == 0 and "No rule packs loaded." in result.output
    result = run_cli("rules", "list", "--pack", str(tmp_path / "missing"), cwd=project)
    assert result.exit_code == 2 and "rule pack not found" in result.output


def test_cli_text_output_drops_terminal_control_characters(
        project: Path, tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    pack = _pack(tmp_path / "p", _rule(title="\x1b[2J\x1b[31mRed {component}"), name="evil")
    for command in (["list"], ["show", "t.rule"]):
        result = run_cli("rules", *command, "--no-builtin-packs", "--pack", str(pack),
                         cwd=project)
        assert result.exit_code == 0
        assert "\x1b" not in result.output and "Red {component}" in result.output


def _recording(answers: list[bool], asked: list[int]) -> list[Callable[[Any], bool]]:
    """Checks giving ``answers``, each noting its index in ``asked`` when called."""
    def check(i: int) -> Callable[[Any], bool]:
        def answer(_: Any) -> bool:
            asked.append(i)
            return answers[i]
        return answer
    return [check(i) for i in range(len(answers))]


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_joined_checks_keep_order_and_stop_at_the_first_answer(count: int) -> None:
    from threatgate.generate.expressions import every, some

    for answers in ([True] * count, [False] * count, [True] * (count - 1) + [False],
                    [False] * (count - 1) + [True]):
        asked: list[int] = []
        checks = _recording(answers, asked)
        assert every(checks)(None) is all(answers)
        assert asked == list(range(answers.index(False) + 1 if False in answers else count))
        asked.clear()
        assert some(checks)(None) is any(answers)
        assert asked == list(range(answers.index(True) + 1 if True in answers else count))
