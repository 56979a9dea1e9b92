"""``threatgate add|edit|remove KIND`` and ``threatgate set-status``: edits in place."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CASES_DIR, VALID_MODEL
from threatgate.document.editor import ModelEditor
from threatgate.document.errors import EditError
from threatgate.document.transaction import edit_file, lock_path
from threatgate.edits.entities import add_entity, next_id
from threatgate.edits.fields import KINDS, fields_of
from threatgate.edits.removal import remove_entity
from threatgate.model.loader import load_text
from threatgate.validate.files import check_bytes

TODAY = dt.date(2026, 6, 1)


def data_of(path: Path) -> dict:
    return load_text(path.read_text(encoding="utf-8")).data


def errors_of(raw: bytes) -> list:
    return [p for p in check_bytes(raw, TODAY, 32)["problems"] if p[0] == "error"]


def ids(path: Path, collection: str) -> list:
    return [entry.get("id") for entry in data_of(path).get(collection, [])]


# --- add ----------------------------------------------------------------------------------------


def test_add_threat_with_every_kind_of_option(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("add", "threat", "--id", "T7", "--title", "Session fixation",
                     "--likelihood", "4", "--impact", "5", "--stride", "spoofing",
                     "--stride", "tampering", "--objective", "CO1", "--mitigation", "C2",
                     "--cwe", "CWE-384", "--set", "x-ticket=SEC-12", str(path), cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == "threatmodels/model.yaml: added threat T7\n"
    threats = data_of(path)["threats"]
    assert threats[-1] == {"id": "T7", "title": "Session fixation",
                           "stride": ["spoofing", "tampering"], "likelihood": 4, "impact": 5,
                           "objectives": ["CO1"], "mitigations": ["C2"], "cwe": ["CWE-384"],
                           "x-ticket": "SEC-12"}
    text = path.read_text()
    insert_at = VALID_MODEL.index("controls:\n")
    assert text.startswith(VALID_MODEL[:insert_at])
    assert text.endswith(VALID_MODEL[insert_at:])
    assert text[insert_at:].startswith("  - id: T7\n    title: Session fixation\n")
    assert not errors_of(path.read_bytes())


def test_add_without_id_takes_the_next_free_one(project: Path, write_model, run_cli) -> None:
    path = write_model(VALID_MODEL.replace("threats:\n", "threats:\n  # T4 was dropped\n"))
    result = run_cli("add", "threat", "--title", "Another", cwd=project)
    assert result.exit_code == 0, result.output
    assert ids(path, "threats") == ["T1", "T5"]
    result = run_cli("add", "control", "--title", "Rate limit", "--format", "json",
                     cwd=project)
    record = json.loads(result.stdout)
    assert record["id"] == "C3" and record["entry"]["status"] == "planned"
    assert record["action"] == "add" and record["changed"] and not record["dry_run"]


def test_next_id_follows_the_style_and_is_unique_across_kinds() -> None:
    kind = KINDS["threat"]
    data = {"threats": [{"id": "T01"}, {"id": "T02"}], "controls": [{"id": "T03"}]}
    assert next_id(data, "", kind) == "T04"
    data = {"threats": [{"id": "TH-1"}, {"id": "TH-2"}, {"id": "X9"}]}
    assert next_id(data, "# TH-7 was removed", kind) == "TH-8"
    assert next_id({}, "", kind) == "T1"
    assert next_id({}, "generation: {removed: [T3]}", kind) == "T4"
    component = KINDS["component"]
    assert next_id({"components": [{"id": "payments-db"}]}, "", component,
                   "Payments DB") == "payments-db-2"
    assert next_id({}, "", component, "2FA service") == "c-2fa-service"
    assert next_id({}, "", component, "!!!") == "item"


def test_add_refuses_an_id_in_use(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("add", "asset", "--id", "C1", "--name", "x", "--property", "integrity",
                     cwd=project)
    assert result.exit_code == 1
    assert "id C1 is already used by a control" in result.stderr
    assert path.read_text() == VALID_MODEL
    result = run_cli("add", "asset", "--id", "1bad", "--name", "x", "--property",
                     "integrity", cwd=project)
    assert result.exit_code == 2 and "not a valid id" in result.stderr


def test_add_needs_the_required_fields(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("add", "attacker", "--name", "Insider", cwd=project)
    assert result.exit_code == 2
    assert "a new attacker needs --capability, --position" in result.stderr
    assert path.read_text() == VALID_MODEL


def test_an_add_that_breaks_a_reference_is_refused(project: Path, write_model,
                                                   run_cli) -> None:
    path = write_model()
    result = run_cli("add", "threat", "--title", "x", "--mitigation", "C99", cwd=project)
    assert result.exit_code == 1
    assert "the edit would make the model invalid; file left unchanged" in result.stderr
    assert "threatmodels/model.yaml:" in result.stderr
    assert "[dangling-reference]" in result.stderr
    assert path.read_text() == VALID_MODEL


def test_add_acceptance_and_component(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("add", "acceptance", "--objective", "CO1", "--owner", "ciso",
                     "--justification", "until the WAF lands", "--review-by", "2026-09-30",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["acceptances"][-1] == {
        "objective": "CO1", "owner": "ciso", "justification": "until the WAF lands",
        "accepted_on": "2026-06-01", "review_by": "2026-09-30"}
    result = run_cli("add", "acceptance", "--objective", "CO1", "--threat", "T1",
                     "--owner", "x", "--justification", "y", "--review-by", "2026-09-30",
                     cwd=project)
    assert result.exit_code == 2 and "exactly one of --threat or --objective" in result.stderr
    result = run_cli("add", "component", "--name", "Payments DB", "--type", "database",
                     "--boundary", "internal", "--flag", "stores_secrets", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["components"][-1]["id"] == "payments-db"
    result = run_cli("add", "dataflow", "--from", "api", "--to", "payments-db",
                     "--no-encrypted", "--data", "A1", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["dataflows"][-1] == {"id": "DF2", "from": "api",
                                              "to": "payments-db", "data": ["A1"],
                                              "encrypted": False}
    assert not errors_of(path.read_bytes())


def test_add_to_a_model_without_the_list(project: Path, write_model, run_cli) -> None:
    path = write_model("threatgate: 1\nid: empty\ntitle: Empty  # nothing yet\n")
    result = run_cli("add", "asset", "--name", "Keys", "--property", "confidentiality",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert path.read_text() == ("threatgate: 1\nid: empty\ntitle: Empty  # nothing yet\n"
                                "assets:\n  - id: A1\n    name: Keys\n"
                                "    properties: [confidentiality]\n")


@pytest.mark.parametrize("title", [
    "Ünïcödé — “quotes” and 'single' ones",
    "a: colon, # hash, [brackets] {braces} & *star !bang %pct @at `tick`",
    "yes", "null", "0x1F", "- dash first", "  leading spaces", "trailing space ",
    "<script>alert(1)</script>",
])
def test_hostile_text_round_trips(title: str, project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("add", "threat", "--title", title, "--description", f"{title}\nline 2",
                     cwd=project)
    assert result.exit_code == 0, result.output
    threat = data_of(path)["threats"][-1]
    assert threat["title"] == title and threat["description"] == f"{title}\nline 2"
    result = run_cli("edit", "threat", threat["id"], "--title", title + "!", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["threats"][-1]["title"] == title + "!"


def test_multi_line_title_is_refused(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("add", "threat", "--title", "two\nlines", cwd=project)
    assert result.exit_code == 1
    assert "[schema-pattern]" in result.stderr
    assert path.read_text() == VALID_MODEL


def test_set_is_checked_against_the_schema(project: Path, write_model, run_cli) -> None:
    write_model()
    result = run_cli("add", "threat", "--title", "x", "--set", "likelyhood=3", cwd=project)
    assert result.exit_code == 2
    assert "a threat has no field 'likelyhood'; did you mean 'likelihood'?" in result.stderr
    result = run_cli("edit", "threat", "T1", "--set", "id=T9", cwd=project)
    assert result.exit_code == 2 and "cannot be changed" in result.stderr
    result = run_cli("edit", "threat", "T1", "--set", "likelihood=high", cwd=project)
    assert result.exit_code == 2 and "expected a whole number" in result.stderr
    result = run_cli("edit", "threat", "T1", "--set", "novalue", cwd=project)
    assert result.exit_code == 2 and "write FIELD=VALUE" in result.stderr


# --- edit ---------------------------------------------------------------------------------------


def test_edit_changes_only_that_entry(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("edit", "threat", "T1", "--likelihood", "2", "--add-to",
                     "mitigations=C2", "--unset", "components", "--set",
                     "cwe=[CWE-89]", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == ("threatmodels/model.yaml: threat T1: changed likelihood, "
                             "mitigations, cwe, components\n")
    text = path.read_text()
    start, end = VALID_MODEL.index("  - id: T1"), VALID_MODEL.index("controls:")
    assert text.startswith(VALID_MODEL[:start]) and text.endswith(VALID_MODEL[end:])
    threat = data_of(path)["threats"][0]
    assert threat["likelihood"] == 2 and threat["mitigations"] == ["C1", "C2"]
    assert "components" not in threat and threat["cwe"] == ["CWE-89"]


def test_edit_list_options_replace_and_remove_from_takes_out(project: Path, write_model,
                                                             run_cli) -> None:
    path = write_model()
    assert run_cli("edit", "threat", "T1", "--stride", "spoofing", cwd=project).exit_code == 0
    assert data_of(path)["threats"][0]["stride"] == ["spoofing"]
    result = run_cli("edit", "objective", "CO1", "--add-to", "mitigated_by=C1,C2",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["objectives"][0]["mitigated_by"] == [["C1"], ["C2"], ["C1", "C2"]]
    result = run_cli("edit", "objective", "CO1", "--remove-from", "mitigated_by=C1",
                     "--remove-from", "assumptions=AS1", cwd=project)
    assert result.exit_code == 0, result.output
    objective = data_of(path)["objectives"][0]
    assert objective["mitigated_by"] == [["C2"], ["C1", "C2"]]
    assert "assumptions" not in objective
    result = run_cli("edit", "threat", "T1", "--remove-from", "mitigations=C9", cwd=project)
    assert result.exit_code == 2 and "mitigations of threat T1 does not hold C9" in result.stderr
    result = run_cli("edit", "threat", "T1", "--add-to", "title=x", cwd=project)
    assert result.exit_code == 2 and "is not a list" in result.stderr


def test_edit_refusals(project: Path, write_model, run_cli) -> None:
    path = write_model()
    cases = [
        (["edit", "threat", "T9", "--title", "x"], 2, "no threat T9 in this model"),
        (["edit", "threat", "C1", "--title", "x"], 2, "C1 is a control, not a threat"),
        (["edit", "control", "F1", "--title", "x"], 2, "use `threatgate findings update`"),
        (["edit", "threat", "T1"], 2, "nothing to change"),
        (["edit", "threat", "T1", "--unset", "title"], 2, "title is required"),
        (["edit", "threat", "T1", "--severity", "low"], 1, "[severity-with-score]"),
        (["edit", "threat", "T1", "--likelihood", "9"], 2, "not in the range"),
    ]
    for args, code, message in cases:
        result = run_cli(*args, cwd=project)
        assert result.exit_code == code, (args, result.output)
        assert message in result.output, (args, result.output)
    assert path.read_text() == VALID_MODEL


def test_an_edit_that_changes_nothing_says_so(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("edit", "threat", "T1", "--likelihood", "4", cwd=project)
    assert result.exit_code == 0
    assert "already has these values; nothing changed" in result.stdout
    assert path.read_text() == VALID_MODEL


def test_acceptances_are_found_by_what_they_accept(project: Path, write_model,
                                                    run_cli) -> None:
    path = write_model()
    result = run_cli("edit", "acceptance", "T1", "--review-by", "2026-07-31", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["acceptances"][0]["review_by"] == "2026-07-31"
    assert run_cli("edit", "acceptance", "#1", "--owner", "cfo", cwd=project).exit_code == 0
    assert data_of(path)["acceptances"][0]["owner"] == "cfo"
    result = run_cli("remove", "acceptance", "T1", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["acceptances"] == []


# --- remove -------------------------------------------------------------------------------------


def test_remove_refuses_when_referenced_and_lists_each_reference(
        project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("remove", "control", "C2", cwd=project)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == ("threatmodels/model.yaml: error: control C2 is referenced 2 time(s); "
                        "nothing was removed (--force removes the references too)")
    assert lines[1:] == ["threatmodels/model.yaml:28: objective CO1 mitigated_by",
                         "threatmodels/model.yaml:54: finding F1 control"]
    assert path.read_text() == VALID_MODEL


def test_forced_removal_cleans_up(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("remove", "control", "C2", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "threatmodels/model.yaml: removed control C2",
        "  also removed finding F1: its control (control C2) is removed",
        "  objective CO1 mitigated_by: C2 taken out (1 empty mitigation group(s) removed)",
    ]
    data = data_of(path)
    assert data["objectives"][0]["mitigated_by"] == [["C1"]]
    assert [c["id"] for c in data["controls"]] == ["C1"]
    assert data["findings"] == []
    assert path.read_text().endswith("assumptions:\n  - {id: AS1, description: TLS is "
                                     "terminated by the load balancer, attested_by: "
                                     "platform-team, expires: \"2027-06-30\"}\nacceptances:\n"
                                     "  - {threat: T1, owner: cto, justification: legacy "
                                     "endpoint, review_by: \"2026-12-31\"}\nfindings: []\n")
    assert not errors_of(path.read_bytes())


ASSET_MODEL = """\
threatgate: 1
id: shop
title: Web shop
assets:
  - {id: A1, name: Customer data, properties: [confidentiality]}
  - {id: A2, name: Prices, properties: [integrity]}
attackers:
  - {id: ATK1, name: External, capability: Sends requests., position: external}
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1, C2]]}
  - {id: CO2, asset: A2, attacker: ATK1, mitigated_by: [[C2]]}
threats:
  - {id: T1, title: Data read, objectives: [CO1], likelihood: 2, impact: 2}
controls:
  - {id: C1, title: Encryption, status: planned}
  - {id: C2, title: Access control, status: planned}
acceptances:
  - {id: ACC1, objective: CO1, owner: cto, justification: later, review_by: "2026-12-31"}
"""


def test_removing_an_asset_drops_its_objectives_and_reports_orphans(
        project: Path, write_model, run_cli) -> None:
    path = write_model(ASSET_MODEL)
    result = run_cli("remove", "asset", "A1", cwd=project)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [
        "threatmodels/model.yaml:13: threat T1 objectives (names CO1, which goes with A1)",
        "threatmodels/model.yaml:18: acceptance ACC1 objective (names CO1, which goes "
        "with A1)"]
    result = run_cli("remove", "asset", "A2", "--format", "json", cwd=project)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["removed"] == [{"kind": "objective", "id": "CO2",
                                  "reason": "built on asset A2, which is removed"}]
    assert record["orphaned_controls"] == []
    result = run_cli("remove", "asset", "A1", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "threatmodels/model.yaml: removed asset A1",
        "  also removed objective CO1: built on asset A1, which is removed",
        "  also removed acceptance ACC1: its objective (objective CO1) is removed",
        "  threat T1 objectives: CO1 taken out",
        "  orphaned controls (no longer serving any objective or threat): C1, C2",
    ]
    assert path.read_text() == """\
threatgate: 1
id: shop
title: Web shop
assets: []
attackers:
  - {id: ATK1, name: External, capability: Sends requests., position: external}
objectives: []
threats:
  - {id: T1, title: Data read, likelihood: 2, impact: 2}
controls:
  - {id: C1, title: Encryption, status: planned}
  - {id: C2, title: Access control, status: planned}
acceptances: []
"""


def test_removing_a_component_takes_its_dataflows(project: Path, write_model,
                                                  run_cli) -> None:
    path = write_model(VALID_MODEL.replace("    components: [api]\n",
                                           "    components: [api]\n    dataflows: [DF1]\n"))
    result = run_cli("remove", "component", "web", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "threatmodels/model.yaml: removed component web",
        "  also removed data flow DF1: its from (component web) is removed",
        "  threat T1 dataflows: DF1 taken out",
    ]
    data = data_of(path)
    assert data["dataflows"] == [] and "dataflows" not in data["threats"][0]
    result = run_cli("remove", "trust-boundary", "internal", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert "  component api: boundary internal removed" in result.stdout
    assert "boundary" not in data_of(path)["components"][0]


GENERATED = """\
threatgate: 1
id: gen
title: Generated   # by hand
generation:
  packs: [web]   # the pack
  emitted: [T1, C1]
components:
  - {id: api, name: API, type: rest_api}
threats:
  - id: T1
    title: Injection
    mitigations: [C1]
  - id: T2
    title: Spoofing
    origin: generated
controls:
  - {id: C1, title: Input validation, status: planned, origin: generated}
"""


def test_removing_generated_entities_records_them(project: Path, write_model,
                                                  run_cli) -> None:
    path = write_model(GENERATED)
    result = run_cli("remove", "threat", "T2", cwd=project)
    assert result.exit_code == 0, result.output
    assert "generation.removed: T2 recorded" in result.stdout
    result = run_cli("remove", "control", "C1", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.startswith("threatgate: 1\nid: gen\ntitle: Generated   # by hand\n"
                           "generation:\n  packs: [web]   # the pack\n  emitted: [T1, C1]\n"
                           "  removed: [T2, C1]\ncomponents:\n")
    assert data_of(path)["generation"]["removed"] == ["T2", "C1"]
    # Hand-written entities are not recorded.
    result = run_cli("remove", "component", "api", cwd=project)
    assert "generation" not in result.stdout
    assert data_of(path)["generation"]["removed"] == ["T2", "C1"]


def test_a_generation_record_is_created_where_the_schema_puts_it(project: Path,
                                                                 write_model) -> None:
    text = VALID_MODEL.replace("    status: planned\n",
                               "    status: planned\n    origin: generated\n")
    path = write_model(text.replace("  - {id: F1, control: C2", "  - {id: F1, control: C1"))
    outcome = edit_file(path, lambda e: remove_entity(e, KINDS["control"], "C2", force=True),
                        today=TODAY)
    assert outcome.value.generation_removed == ["C2"]
    # bookkeeping goes at the end of the file
    assert path.read_text().endswith("\ngeneration:\n  removed: [C2]\n")


@pytest.mark.parametrize("verb", ["remove", "edit"])
def test_a_collection_written_as_one_flow_list_is_edited_one_entry_per_line(
        verb: str, project: Path, write_model, run_cli) -> None:
    """`add` already rewrites `key: [{...}, {...}]` as one `- {...}` line per entry; edit
    and remove do the same instead of refusing, and nothing else in the file moves."""
    flow_line = ("trust_boundaries: [{id: internet, name: Internet}, "
                 "{id: internal, name: Internal}, {id: spare, name: Spare}]   # all three\n")
    text = VALID_MODEL.replace(
        "trust_boundaries:\n  - {id: internet, name: Internet}\n  - {id: internal, name: "
        "Internal}\n", flow_line)
    path = write_model(text)
    args = (["remove", "trust-boundary", "spare"] if verb == "remove"
            else ["edit", "trust-boundary", "spare", "--name", "Spare room"])
    result = run_cli(*args, cwd=project)
    assert result.exit_code == 0, result.output
    block = ("trust_boundaries:   # all three\n"
             "  - {id: internet, name: Internet}\n  - {id: internal, name: Internal}\n"
             + ("" if verb == "remove" else "  - {id: spare, name: Spare room}\n"))
    assert path.read_text() == text.replace(flow_line, block)
    assert not errors_of(path.read_bytes())
    # The only entry of a flow list: the list stays, empty.
    text = VALID_MODEL.replace("assumptions:\n  - {", "assumptions: [{").replace(
        'expires: "2027-06-30"}\n', 'expires: "2027-06-30"}]\n')
    path = write_model(text)
    result = run_cli("remove", "assumption", "AS1", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert "assumptions: []\n" in path.read_text()
    assert not errors_of(path.read_bytes())


MESSY = """\
# Top comment: keep me exactly
threatgate: 1
id:   shop          # odd spacing on purpose
title: "Web shop"
assets:
-   id: A1
    name: 'Customer data'
    properties: [ confidentiality ]
attackers:
  - {id: ATK1, name: External, capability: "Sends requests.", position: external}
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1], [C2]]}
threats:
  # T1 comes first
  - id: T1   # the first
    title: Data read    # eol
    mitigations:
      - C1    # primary
      - C3
    likelihood: 2
    impact: 3

  # between T1 and T2
  - id: T2
    title: 'Quoted'
    description: |
      Two lines
      of text.

  - id: T3
    title: Third
controls:
  - id: C1
    title: Parameterised queries   # claimed
    status: implemented
  - id: C2
    title: "WAF"
    status: planned
  - id: C3
    title: Logging
    status: planned

# trailing comment
x-notes: |
  free text   # not a comment
"""


@pytest.mark.parametrize("args, touched", [
    (["edit", "threat", "T2", "--likelihood", "3"], ["T2"]),
    (["edit", "threat", "T1", "--remove-from", "mitigations=C3"], ["T1"]),
    (["set-status", "C2", "implemented", "--note", "done"], ["C2"]),
    (["remove", "threat", "T2"], ["T2"]),
    (["remove", "threat", "T3"], ["T3"]),
    (["remove", "threat", "T1"], ["T1"]),
    (["remove", "control", "C3", "--force"], ["C3", "T1"]),
])
@pytest.mark.parametrize("crlf", [False, True])
def test_bytes_outside_the_touched_entries_are_kept(args: list[str], touched: list[str],
                                                    crlf: bool, project: Path, write_model,
                                                    run_cli) -> None:
    raw = MESSY.replace("\n", "\r\n").encode() if crlf else MESSY.encode()
    assert not errors_of(raw)
    path = write_model(raw)
    result = run_cli(*args, str(path), cwd=project)
    assert result.exit_code == 0, result.output
    after = path.read_bytes().decode().replace("\r\n", "\n")
    if crlf:
        assert path.read_bytes().count(b"\n") == path.read_bytes().count(b"\r\n")
    assert _outside(after, touched) == _outside(MESSY, touched)
    comments = {c for c in _comments(MESSY)
                if not (args[0] == "remove" and _in_entry(MESSY, args[2], c))}
    comments.discard("# primary") if "C3" in touched and "T1" in touched else None
    assert comments <= _comments(after)
    assert not errors_of(path.read_bytes())


def _entry_lines(text: str, entity_id: str) -> range:
    """Lines of the entry with id ``entity_id``: from its dash to its last content line."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines)
                 if line.lstrip(" -").startswith(f"id: {entity_id}")
                 or f"{{id: {entity_id}," in line)
    dash = len(lines[start]) - len(lines[start].lstrip(" "))
    end = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(line) - len(line.lstrip(" ")) <= dash:
            break
        end = i
    return range(start, end + 1)


def _outside(text: str, touched: list[str]) -> list[str]:
    """The non-blank lines outside the touched entries ('key: []' read as 'key:')."""
    drop: set[int] = set()
    for entity_id in touched:
        if f"id: {entity_id}" in text or f"{{id: {entity_id}," in text:
            drop.update(_entry_lines(text, entity_id))
    return [line.removesuffix(" []") for i, line in enumerate(text.split("\n"))
            if i not in drop and line.strip()]


def _comments(text: str) -> set[str]:
    import re

    return {m.group(0) for m in re.finditer(r"#[^\n'\"]*$", text, re.MULTILINE)
            if "not a comment" not in m.group(0)}


def _in_entry(text: str, entity_id: str, comment: str) -> bool:
    lines = text.split("\n")
    return any(comment in lines[i] for i in _entry_lines(text, entity_id))


# --- set-status -------------------------------------------------------------------------------


def test_set_status_with_a_note(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("set-status", "C2", "implemented", "--note", "rolled out in v2.4",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == ("threatmodels/model.yaml: control C2 moved from planned to "
                             "implemented; note added to its notes\n")
    control = data_of(path)["controls"][1]
    assert control["status"] == "implemented"
    assert control["notes"] == "2026-06-01 planned -> implemented: rolled out in v2.4"
    result = run_cli("set-status", "C2", "in_progress", "--note", "WAF rule reverted",
                     "--today", "2026-06-03", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["controls"][1]["notes"] == (
        "2026-06-01 planned -> implemented: rolled out in v2.4\n"
        "2026-06-03 implemented -> in_progress: WAF rule reverted")
    assert "    notes: |-\n      2026-06-01 planned" in path.read_text()
    assert not errors_of(path.read_bytes())


def test_set_status_keeps_a_block_of_notes_as_written(project: Path, write_model,
                                                      run_cli) -> None:
    text = VALID_MODEL.replace("    status: planned\n",
                               "    status: planned\n    notes: |\n      Vendor chosen.\n")
    path = write_model(text)
    result = run_cli("set-status", "C2", "wont_do", "--note", "budget cut", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(path)["controls"][1]["notes"] == (
        "Vendor chosen.\n2026-06-01 planned -> wont_do: budget cut\n")


def test_set_status_refusals(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("set-status", "C2", "implemnted", cwd=project)
    assert result.exit_code == 2
    assert ("'implemnted' is not a control status; did you mean implemented? (one of: "
            "planned, in_progress, implemented, not_applicable, wont_do)") in result.stderr
    result = run_cli("set-status", "C1", "implemented", "--note", "again", cwd=project)
    assert result.exit_code == 0
    assert result.stdout == ("threatmodels/model.yaml: control C1 is already implemented; "
                             "nothing changed (the note was not added)\n")
    result = run_cli("set-status", "F1", "implemented", cwd=project)
    assert result.exit_code == 2 and "F1 is a finding, not a control" in result.stderr
    result = run_cli("set-status", "C2", "implemented", "--note", " ", cwd=project)
    assert result.exit_code == 2 and "--note must not be empty" in result.stderr
    assert path.read_text() == VALID_MODEL


# --- dry runs, JSON, choosing the model ----------------------------------------------------------


def test_dry_run_prints_the_diff_and_writes_nothing(project: Path, write_model,
                                                    run_cli) -> None:
    path = write_model()
    result = run_cli("set-status", "C2", "implemented", "--dry-run", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("--- a/threatmodels/model.yaml\n"
                                    "+++ b/threatmodels/model.yaml\n@@ ")
    assert "-    status: planned\n+    status: implemented\n" in result.stdout
    assert "would move from planned to implemented" in result.stderr
    assert "(dry run: nothing was written)" in result.stderr
    assert path.read_text() == VALID_MODEL
    assert not lock_path(path).exists()
    result = run_cli("remove", "control", "C2", "--force", "--dry-run", "--format", "json",
                     cwd=project)
    record = json.loads(result.stdout)
    assert record["dry_run"] and record["changed"]
    assert "-  - id: C2\n" in record["diff"]
    assert record["cleaned"] == [{"kind": "objective", "id": "CO1", "field": "mitigated_by",
                                  "removed": ["C2"], "empty_groups": 1, "unset": False}]
    assert path.read_text() == VALID_MODEL
    result = run_cli("add", "threat", "--title", "x", "--mitigation", "C9", "--dry-run",
                     cwd=project)
    assert result.exit_code == 1 and "[dangling-reference]" in result.stderr


def test_json_summaries(project: Path, write_model, run_cli) -> None:
    write_model()
    record = json.loads(run_cli("edit", "threat", "T1", "--impact", "3", "--format", "json",
                                cwd=project).stdout)
    assert record == {"path": "threatmodels/model.yaml", "action": "edit", "kind": "threat",
                      "id": "T1", "fields": ["impact"], "before": record["before"],
                      "after": record["after"], "changed": True, "dry_run": False}
    assert record["before"]["impact"] == 5 and record["after"]["impact"] == 3
    record = json.loads(run_cli("set-status", "C2", "in_progress", "--format", "json",
                                cwd=project).stdout)
    assert record["from"] == "planned" and record["to"] == "in_progress"
    assert record["note"] is None


def test_the_model_is_found_when_unambiguous(project: Path, write_model, run_cli) -> None:
    first = write_model()
    result = run_cli("set-status", "C2", "implemented", cwd=project / "threatmodels")
    assert result.exit_code == 0, result.output
    second = write_model(VALID_MODEL.replace("id: shop", "id: other").replace(
        "id: C2", "id: C7").replace("[C2]", "[C7]").replace("control: C2", "control: C7"),
        name="other.yaml")
    result = run_cli("add", "threat", "--title", "x", cwd=project)
    assert result.exit_code == 2
    assert "the repository has 2 models" in result.stderr and "give the model" in result.stderr
    result = run_cli("set-status", "C7", "implemented", cwd=project)
    assert result.exit_code == 0, result.output
    assert data_of(second)["controls"][1]["status"] == "implemented"
    result = run_cli("set-status", "C1", "planned", cwd=project)
    assert result.exit_code == 2 and "C1 is defined in several models" in result.stderr
    assert data_of(first)["controls"][0]["status"] == "implemented"
    result = run_cli("remove", "threat", "T1", str(project / "nope.yaml"), cwd=project)
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_without_models(tmp_path: Path, run_cli) -> None:
    (tmp_path / ".git").mkdir()
    result = run_cli("add", "threat", "--title", "x", cwd=tmp_path)
    assert result.exit_code == 2 and "no model folder found" in result.stderr


def test_unloadable_model(project: Path, write_model, run_cli) -> None:
    path = write_model("threatgate: 1\nid: x\ntitle: [unclosed\n")
    result = run_cli("add", "threat", "--title", "x", cwd=project)
    assert result.exit_code == 1
    assert "the file cannot be edited until it loads" in result.stderr
    path.write_bytes(b"threatgate: 1\nid: x\ntitle: \xff\n")
    result = run_cli("add", "threat", "--title", "x", cwd=project)
    assert result.exit_code == 1 and "UTF-8" in result.stderr
    assert path.read_bytes() == b"threatgate: 1\nid: x\ntitle: \xff\n"


def test_help_reads_like_documentation(run_cli) -> None:
    for args in (["add"], ["edit"], ["remove"], ["set-status"]):
        result = run_cli(*args, "--help")
        assert result.exit_code == 0
        assert "Exit status" in result.stdout or "Example" in result.stdout
    for kind in KINDS:
        for verb in ("add", "edit", "remove"):
            result = run_cli(verb, kind, "--help")
            assert result.exit_code == 0, (verb, kind)
            assert "Example" in result.stdout and "--dry-run" in result.stdout
            assert "[default: (field" not in result.stdout
    result = run_cli("add", "threat", "--help")
    assert "--likelihood 1-5" in result.stdout and "--mitigation" in result.stdout


def test_every_schema_field_has_an_option() -> None:
    from threatgate.model.schema import MODEL_SCHEMA, schema_documents

    definitions = schema_documents()[MODEL_SCHEMA]["$defs"]
    for kind in KINDS.values():
        names = {spec.name for spec in fields_of(kind.name)}
        assert names == set(definitions[kind.definition]["properties"]) - {"id"}


def test_core_refusals_without_the_command_line() -> None:
    editor = ModelEditor(VALID_MODEL.encode())
    with pytest.raises(EditError, match="referenced 1 time"):
        remove_entity(editor, KINDS["assumption"], "AS1", force=False)
    with pytest.raises(EditError, match="has no field 'colour'"):
        add_entity(editor, KINDS["asset"], {"colour": "red"}, entity_id=None, today=TODAY)
    assert editor.text == VALID_MODEL


# --- concurrency and crashes ----------------------------------------------------------------------


def test_concurrent_adds_all_land(project: Path, write_model) -> None:
    path = write_model()
    processes = [
        subprocess.Popen([sys.executable, "-m", "threatgate", "add", "threat", "--title",
                          f"Concurrent threat {i}", "--mitigation", "C1", str(path)],
                         cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for i in range(4)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
    threats = data_of(path)["threats"]
    assert sorted(t["title"] for t in threats[1:]) == [f"Concurrent threat {i}"
                                                       for i in range(4)]
    assert sorted(t["id"] for t in threats) == ["T1", "T2", "T3", "T4", "T5"]
    assert path.read_text().startswith(VALID_MODEL[:VALID_MODEL.index("controls:")])
    assert not errors_of(path.read_bytes())
    assert not lock_path(path).exists()


KILLED_WRITER = """\
import datetime as dt, sys
from pathlib import Path
from threatgate.document.transaction import edit_file
from threatgate.edits.entities import add_entity
from threatgate.edits.fields import KINDS
from threatgate.edits.removal import remove_entity
path, day = Path(sys.argv[1]), dt.date(2026, 6, 1)
def change(editor):
    if any(t["id"] == "T9" for t in editor.data["threats"]):
        return remove_entity(editor, KINDS["threat"], "T9", force=True)
    return add_entity(editor, KINDS["threat"], {"title": "Flip", "mitigations": ["C1"]},
                      entity_id="T9", today=day)
while True:
    edit_file(path, change, today=day)
"""


def test_a_killed_writer_leaves_the_old_or_the_new_file(project: Path, write_model) -> None:
    padding = "".join(f"# padding line {i} " + "x" * 60 + "\n" for i in range(1000))
    old_text = padding + VALID_MODEL
    path = write_model(old_text)
    editor = ModelEditor(old_text.encode())
    add_entity(editor, KINDS["threat"], {"title": "Flip", "mitigations": ["C1"]},
               entity_id="T9", today=TODAY)
    new = editor.to_bytes()
    remove_entity(editor, KINDS["threat"], "T9", force=True)
    assert editor.to_bytes() == old_text.encode()  # the round trip is exact
    for delay in (0.35, 0.55, 0.8, 1.1):
        process = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)],
                                   cwd=project)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        assert process.returncode == -signal.SIGKILL, "the writer stopped on its own"
        assert path.read_bytes() in (old_text.encode(), new)
    outcome = edit_file(path, lambda e: add_entity(e, KINDS["threat"], {"title": "After"},
                                                   entity_id="T20", today=TODAY),
                        today=TODAY, lock_timeout=5)
    assert outcome.changed


def test_flow_entries_stay_readable_when_they_grow(project: Path, write_model,
                                                   run_cli) -> None:
    text = VALID_MODEL.replace(
        "  - id: C2\n    title: Web application firewall\n    status: planned\n",
        "  - {id: C2, title: WAF, status: planned, notes: vendor chosen}   # the WAF\n")
    path = write_model(text.replace("mitigated_by: [[C1], [C2]]",
                                    "mitigated_by: [[C1, C2]]"))
    result = run_cli("set-status", "C2", "in_progress", "--note", "rules drafted",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert ("  - id: C2   # the WAF\n    title: WAF\n    status: in_progress\n"
            "    notes: |-\n      vendor chosen\n"
            "      2026-06-01 planned -> in_progress: rules drafted\n") in path.read_text()
    result = run_cli("remove", "control", "C1", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert "    mitigated_by: [[C2]]\n" in path.read_text()
    assert not errors_of(path.read_bytes())


# --- data-driven removal cases (tests/cases/edit/remove.yaml) ------------------------------------

CASES = CASES_DIR / "edit" / "remove.yaml"


def _removal_cases() -> list:
    from casefiles import read_yaml

    document = read_yaml(CASES)
    return [pytest.param(case, id=case["name"]) for case in document["cases"]]


@pytest.mark.parametrize("case", _removal_cases())
def test_removal_case(case: dict, project: Path, write_model, run_cli) -> None:
    assert set(case) <= {"name", "model", "args", "exit", "stdout", "stderr", "after"}
    path = write_model(case["model"])
    assert not errors_of(path.read_bytes()), errors_of(path.read_bytes())
    result = run_cli(*case["args"], str(path), cwd=project)
    assert result.exit_code == case["exit"], result.output
    if "stdout" in case:
        assert result.stdout.splitlines() == case["stdout"]
    if "stderr" in case:
        assert result.stderr.splitlines() == case["stderr"]
    assert path.read_text() == case.get("after", case["model"])
    assert not errors_of(path.read_bytes())


def test_a_failed_write_is_a_clear_error(project: Path, write_model, run_cli,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_model()

    def refuse(target: Path, data: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("threatgate.document.transaction.atomic_write", refuse)
    result = run_cli("set-status", "C2", "implemented", cwd=project)
    assert result.exit_code == 2
    assert "cannot write" in result.stderr and "Permission denied" in result.stderr
    assert path.read_text() == VALID_MODEL and not lock_path(path).exists()


def test_a_symlinked_model_stays_a_link(project: Path, write_model, run_cli) -> None:
    target = write_model(name="real.yaml")
    link = project / "threatmodels" / "link.yaml"
    link.symlink_to(target.name)
    result = run_cli("set-status", "C2", "implemented", str(link), cwd=project)
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert data_of(target)["controls"][1]["status"] == "implemented"


def test_comments_written_under_an_entry_belong_to_it(project: Path, write_model,
                                                      run_cli) -> None:
    text = VALID_MODEL.replace("    status: planned\n",
                               "    status: planned\n    # TODO: pick a vendor\n")
    path = write_model(text)
    result = run_cli("add", "control", "--title", "Rate limit", cwd=project)
    assert result.exit_code == 0, result.output
    assert ("    status: planned\n    # TODO: pick a vendor\n  - id: C3\n"
            "    title: Rate limit\n") in path.read_text()
    result = run_cli("remove", "control", "C2", "--force", cwd=project)
    assert result.exit_code == 0, result.output
    assert "TODO" not in path.read_text()
    assert "    status: implemented\n    compliance" in path.read_text()
    assert not errors_of(path.read_bytes())


def test_list_options_take_the_field_name_and_comma_separated_values(
        run_cli, project: Path, write_model) -> None:
    """--mitigations C1,C2 works as well as --mitigation C1 --mitigation C2."""
    write_model(VALID_MODEL)
    result = run_cli("add", "threat", "--id", "T77", "--title", "Another threat",
                     "--likelihood", "2", "--impact", "2", "--objectives", "CO1",
                     "--mitigations", "C1, C1", cwd=project)
    assert result.exit_code == 0, result.output
    text = (project / "threatmodels" / "model.yaml").read_text(encoding="utf-8")
    assert "id: T77" in text
    from threatgate.model.loader import load_text

    threats = {t["id"]: t for t in load_text(text).data["threats"]}
    assert threats["T77"]["mitigations"] == ["C1"]
    assert threats["T77"]["objectives"] == ["CO1"]


def test_choice_lists_take_comma_separated_values(run_cli, project: Path,
                                                  write_model) -> None:
    """--stride spoofing,tampering and --properties a,b work like repeated options;
    a bad value among them is named on its own and nothing is written."""
    path = write_model(VALID_MODEL)
    result = run_cli("add", "threat", "--id", "T8", "--title", "Forged session",
                     "--stride", "spoofing, tampering", "--stride", "spoofing",
                     "--objectives", "CO1", cwd=project)
    assert result.exit_code == 0, result.output
    result = run_cli("add", "asset", "--id", "A8", "--name", "Tokens",
                     "--properties", "confidentiality,integrity", cwd=project)
    assert result.exit_code == 0, result.output
    data = data_of(path)
    assert data["threats"][-1]["stride"] == ["spoofing", "tampering"]
    assert data["assets"][-1]["properties"] == ["confidentiality", "integrity"]
    before = path.read_bytes()
    for value in ("spoofing,bogus", ","):
        result = run_cli("add", "threat", "--id", "T9", "--title", "x", "--stride", value,
                         cwd=project)
        assert result.exit_code == 2, result.output
        assert "--stride" in result.output and "Traceback" not in result.output
    assert "'bogus' is not one of" in run_cli(
        "edit", "threat", "T8", "--stride", "spoofing,bogus", cwd=project).output
    assert path.read_bytes() == before


def test_set_status_says_when_a_mitigation_group_can_never_complete(
        run_cli, project: Path, write_model) -> None:
    """A wont_do control in a mitigation group: the edit is made, and the new warning is
    reported (PRODUCT: "a mitigation group that contains a wont_do control can never
    complete: say so"); warnings the model already had are not repeated."""
    path = write_model(VALID_MODEL)
    result = run_cli("set-status", "C2", "wont_do", cwd=project)
    assert result.exit_code == 0, result.output
    assert "status: wont_do" in path.read_text()
    assert result.stdout == "threatmodels/model.yaml: control C2 moved from planned to wont_do\n"
    assert "warning: objective CO1: mitigation group 2 can never complete because of C2" \
        in result.stderr and "[group-cannot-complete]" in result.stderr
    result = run_cli("edit", "control", "C2", "--title", "WAF rules", "--format", "json",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    assert json.loads(result.stdout)["changed"] is True
    # A new control is unlinked until the next command links it: add stays quiet.
    result = run_cli("add", "control", "--id", "C5", "--title", "MFA", cwd=project)
    assert result.exit_code == 0 and result.output == "threatmodels/model.yaml: added control C5\n"
    result = run_cli("edit", "threat", "T1", "--add-to", "mitigations=C5", cwd=project)
    assert result.exit_code == 0 and "warning" not in result.stderr
    result = run_cli("edit", "threat", "T1", "--remove-from", "mitigations=C5", cwd=project)
    assert "warning: control C5 is not used" in result.stderr


@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_read_only_model_or_folder_is_left_alone(target: str, project: Path, write_model,
                                                    run_cli) -> None:
    """The rename of the atomic write would replace a read-only file (and a superuser may
    write anywhere): a model or folder marked read-only is refused, exit 2."""
    path = write_model()
    marked = path if target == "file" else path.parent
    mode = marked.stat().st_mode
    marked.chmod(mode & ~0o222)
    try:
        result = run_cli("set-status", "C2", "implemented", cwd=project)
        assert result.exit_code == 2, result.output
        assert "cannot write: " in result.stderr and "is read-only" in result.stderr
        assert "Traceback" not in result.output
        # A dry run, or an edit that changes nothing, writes nothing: both still work.
        if target == "file":
            assert run_cli("set-status", "C2", "implemented", "--dry-run",
                           cwd=project).exit_code == 0
            assert run_cli("set-status", "C2", "planned", cwd=project).exit_code == 0
    finally:
        marked.chmod(mode)
    assert path.read_text() == VALID_MODEL and not lock_path(path).exists()


def test_an_item_added_to_a_quoted_list_is_quoted_like_its_neighbours(
        project: Path, write_model, run_cli) -> None:
    path = write_model(VALID_MODEL.replace('    status: planned\n',
                                           "    status: planned\n    tags: ['waf']\n"))
    result = run_cli("edit", "control", "C1", "--add-to", "compliance=asvs-5.0:V1.2.5",
                     cwd=project)
    assert result.exit_code == 0, result.output
    result = run_cli("edit", "control", "C2", "--add-to", "tags=team:web", cwd=project)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert '    compliance: ["asvs-5.0:V1.2.4", "asvs-5.0:V1.2.5"]\n' in text
    assert "    tags: ['waf', 'team:web']\n" in text
    assert data_of(path)["controls"][1]["tags"] == ["waf", "team:web"]


def test_the_model_can_be_named_by_its_id(project: Path, write_model, run_cli) -> None:
    """As render and export take it: `threatgate set-status C2 implemented shop`."""
    path = write_model()
    other = write_model(VALID_MODEL.replace("id: shop\n", "id: books\n"), name="books.yaml")
    result = run_cli("set-status", "C2", "implemented", "books", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("threatmodels/books.yaml: control C2 moved")
    assert path.read_text() == VALID_MODEL and "status: implemented" in other.read_text()
    result = run_cli("set-status", "C2", "implemented", "nosuch", cwd=project)
    assert result.exit_code == 2 and "nosuch does not exist" in result.stderr


def test_remove_from_an_item_not_there_says_what_the_list_holds(
        project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("edit", "objective", "CO1", "--remove-from", "mitigated_by=C1,C2",
                     cwd=project)
    assert result.exit_code == 2
    assert "mitigated_by of objective CO1 does not hold [C1, C2] (it holds [C1], [C2])" \
        in result.stderr and "'" not in result.stderr
    result = run_cli("edit", "threat", "T1", "--remove-from", "cwe=CWE-1", cwd=project)
    assert "cwe of threat T1 does not hold CWE-1 (it holds nothing)" in result.stderr
    assert path.read_text() == VALID_MODEL
