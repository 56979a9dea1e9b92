"""``threatgate findings``: the lifecycle, ids, and edits that keep the rest of the file."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.document.editor import ModelEditor
from threatgate.document.errors import EditError
from threatgate.document.transaction import edit_file, exclusive_lock, lock_path
from threatgate.edits.findings import (
    STATUSES,
    TRANSITIONS,
    FindingUpdate,
    NewFinding,
    next_finding_id,
    parse_assertion,
    promoted_status,
    update_finding,
    verification_of,
)
from threatgate.model.loader import load_text
from threatgate.validate.files import check_bytes

TODAY = dt.date(2026, 6, 1)
BASE = VALID_MODEL.split("findings:\n")[0]

#: The lifecycle decided for findings, written out independently of the code.
LEGAL = {
    ("discovered", "acknowledged"),
    ("discovered", "dismissed"),
    ("acknowledged", "remediated"),
    ("acknowledged", "dismissed"),
    ("remediated", "verified"),
    ("remediated", "acknowledged"),  # reopen: the fix is incomplete
    ("remediated", "dismissed"),
    ("verified", "acknowledged"),  # reopen: the gap came back
    ("dismissed", "acknowledged"),  # reopen: the dismissal was wrong
}


def finding(status: str, *, fid: str = "F1", assertions: bool = True) -> str:
    lines = [f"  - id: {fid}", "    control: C2", "    title: No WAF rule for /search",
             "    severity: medium", f"    status: {status}"]
    if status == "dismissed":
        lines.append("    reason: the platform WAF covers it")
    if assertions:
        lines += ["    assertions:", "      - {type: file_exists, file: src/app.py}"]
    return "\n".join(lines) + "\n"


def model_with(*entries: str) -> str:
    return BASE + "findings:\n" + "".join(entries)


def data_of(path: Path) -> dict:
    return load_text(path.read_text(encoding="utf-8")).data


def errors_of(raw: bytes) -> list:
    return [p for p in check_bytes(raw, TODAY, 32)["problems"] if p[0] == "error"]


def registered(kind: str) -> bool:
    from threatgate.verify import REGISTRY

    return kind in REGISTRY


# --- the lifecycle -------------------------------------------------------------------------


def test_transition_table_is_the_documented_one() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(("current", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_every_transition(current: str, target: str, project: Path, write_model,
                          run_cli) -> None:
    if target == "verified" and not registered("file_exists"):
        pytest.skip("the file_exists assertion type is not registered in threatgate.verify")
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text("app = 1\n", encoding="utf-8")
    path = write_model(model_with(finding(current)))
    before = path.read_bytes()
    args = ["findings", "update", str(path), "F1", "--status", target]
    if target == "dismissed":
        args += ["--reason", "not exploitable: the endpoint is internal"]
    result = run_cli(*args, cwd=project)
    after = data_of(path)["findings"][0]
    if (current, target) in LEGAL:
        assert result.exit_code == 0, result.output
        assert after["status"] == target
        assert f"F1 {current} -> {target}" in result.stdout
        assert not errors_of(path.read_bytes())
        if current == "dismissed":
            assert "reason" not in after  # reopening removes the dismissal reason
        if target == "dismissed":
            assert after["reason"] == "not exploitable: the endpoint is internal"
    else:
        assert result.exit_code == 1, result.output
        assert path.read_bytes() == before
        expected = "already" if current == target else f"cannot go from {current} to {target}"
        assert expected in result.stderr


def test_dismissing_without_a_reason_is_refused(project: Path, write_model, run_cli) -> None:
    path = write_model(model_with(finding("discovered")))
    before = path.read_bytes()
    for extra in ([], ["--reason", "   "]):
        result = run_cli("findings", "update", str(path), "F1", "--status", "dismissed",
                         *extra, cwd=project)
        assert result.exit_code == 1
        assert "needs a reason" in result.stderr
        assert path.read_bytes() == before


def test_reason_only_goes_with_a_dismissal(project: Path, write_model, run_cli) -> None:
    path = write_model(model_with(finding("discovered")))
    result = run_cli("findings", "update", str(path), "F1", "--status", "acknowledged",
                     "--reason", "because", cwd=project)
    assert result.exit_code == 2
    assert "--reason records why a finding is dismissed" in result.stderr


def test_remediated_needs_an_assertion(project: Path, write_model, run_cli) -> None:
    path = write_model(model_with(finding("acknowledged", assertions=False)))
    before = path.read_bytes()
    result = run_cli("findings", "update", str(path), "F1", "--status", "remediated",
                     cwd=project)
    assert result.exit_code == 1
    assert "at least one" in result.stderr and "--assertion" in result.stderr
    assert path.read_bytes() == before

    result = run_cli("findings", "update", str(path), "F1", "--status", "remediated",
                     "--assertion", '{type: pattern_absent, file: src/db.py, pattern: "execute\\\\(f"}',
                     cwd=project)
    assert result.exit_code == 0, result.output
    entry = data_of(path)["findings"][0]
    assert entry["status"] == "remediated"
    assert entry["assertions"] == [
        {"type": "pattern_absent", "file": "src/db.py", "pattern": 'execute\\(f'}]


def test_verified_only_when_the_assertions_pass(project: Path, write_model, run_cli) -> None:
    if not registered("file_exists"):
        pytest.skip("the file_exists assertion type is not registered in threatgate.verify")
    path = write_model(model_with(finding("remediated")))
    before = path.read_bytes()
    result = run_cli("findings", "update", str(path), "F1", "--status", "verified",
                     cwd=project)
    assert result.exit_code == 1
    assert "stays remediated" in result.stderr
    assert "#1 file_exists: fail" in result.stderr
    assert path.read_bytes() == before

    # The assertions are checked against the repository root, not the current folder.
    (project / "src").mkdir()
    (project / "src" / "app.py").write_text("app = 1\n", encoding="utf-8")
    result = run_cli("findings", "update", "model.yaml", "F1", "--status", "verified",
                     cwd=project / "threatmodels")
    assert result.exit_code == 0, result.output
    assert "#1 pass" in result.stdout
    assert data_of(path)["findings"][0]["status"] == "verified"


def test_verifying_refuses_an_unregistered_assertion_type(
        project: Path, write_model, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from threatgate.verify import REGISTRY

    monkeypatch.delitem(REGISTRY, "file_exists", raising=False)
    path = write_model(model_with(finding("remediated")))
    before = path.read_bytes()
    result = run_cli("findings", "update", str(path), "F1", "--status", "verified",
                     cwd=project)
    assert result.exit_code == 1
    assert "file_exists, which this version of the verifier cannot check yet" in result.stderr
    assert path.read_bytes() == before


def test_verifying_never_runs_commands(project: Path, write_model, run_cli,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from threatgate.verify import REGISTRY, AssertionType, Verdict

    ran: list[object] = []

    def run_command(assertion, tree):
        ran.append(assertion)
        return Verdict.passed("ran")

    monkeypatch.setitem(REGISTRY, "command_succeeds", AssertionType(
        "command_succeeds", run_command, runs_commands=True))
    entry = finding("remediated", assertions=False) + (
        "    assertions:\n      - {type: command_succeeds, command: [make, check]}\n")
    path = write_model(model_with(entry))
    result = run_cli("findings", "update", str(path), "F1", "--status", "verified",
                     cwd=project)
    assert result.exit_code == 1
    assert "runs a command" in result.stderr
    assert ran == []


def test_verification_from_verdicts() -> None:
    assertions = [{"type": "file_exists", "file": "a"}, {"type": "file_exists", "file": "b"}]
    assert verification_of(assertions, {0: "pass", 1: "pass"}).passed
    failing = verification_of(assertions, {0: "pass", 1: "fail"})
    assert not failing.passed and failing.failing == (1,)
    missing = verification_of(assertions, {0: "pass"})
    assert not missing.passed and missing.missing == (1,)
    assert "not checked: #2" in missing.explain()
    assert not verification_of(assertions, {0: "pass", 1: "error"}).passed
    assert not verification_of([], {}).passed
    remediated = {"status": "remediated", "assertions": assertions}
    assert promoted_status(remediated, {0: "pass", 1: "pass"}) == "verified"
    assert promoted_status(remediated, {0: "pass", 1: "skipped"}) is None
    assert promoted_status({**remediated, "status": "acknowledged"}, {0: "pass", 1: "pass"}) is None


def test_adding_assertions_without_a_status_change(project: Path, write_model,
                                                    run_cli) -> None:
    path = write_model(model_with(finding("acknowledged")))
    assertion = '{"type": "function_exists", "file": "src/db.py", "name": "run_query"}'
    result = run_cli("findings", "update", str(path), "F1", "--assertion", assertion,
                     "--assertion", assertion, cwd=project)  # JSON works; duplicates once
    assert result.exit_code == 0, result.output
    assert "still acknowledged (1 assertion(s) added)" in result.stdout
    assert data_of(path)["findings"][0]["assertions"] == [
        {"type": "file_exists", "file": "src/app.py"},
        {"type": "function_exists", "file": "src/db.py", "name": "run_query"}]
    assert "      - {type: file_exists, file: src/app.py}\n" in path.read_text()


@pytest.mark.parametrize(("text", "message"), [
    ("{type: bogus}", "is not one of"),
    ("{type: file_exists}", "'file' is a required property"),
    ("[file_exists]", "expected a mapping"),
    ("{type: file_exists, file: &a x.py}", "anchor"),
    ("{type: file_exists, file: x.py", "while parsing"),
])
def test_malformed_assertions_are_usage_errors(text: str, message: str, project: Path,
                                               write_model, run_cli) -> None:
    path = write_model(model_with(finding("acknowledged")))
    result = run_cli("findings", "update", str(path), "F1", "--assertion", text, cwd=project)
    assert result.exit_code == 2
    assert message in result.output
    with pytest.raises(EditError):
        parse_assertion(text)


def test_unknown_finding_and_nothing_to_change(project: Path, write_model, run_cli) -> None:
    path = write_model(model_with(finding("acknowledged")))
    result = run_cli("findings", "update", str(path), "F11", "--status", "dismissed",
                     "--reason", "x", cwd=project)
    assert result.exit_code == 2
    assert "no finding F11 in this model; did you mean F1?" in result.stderr
    result = run_cli("findings", "update", str(path), "F1", cwd=project)
    assert result.exit_code == 2
    assert "nothing to change" in result.stderr


# --- adding and ids --------------------------------------------------------------------------


def test_add_appends_a_discovered_finding(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title",
                     "Raw SQL in the report export", "--severity", "high",
                     "--location", "src/report.py:40", "--location", "src/export.py",
                     "--expected-evidence", "queries built with placeholders",
                     "--tag", "sql", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == ("threatmodels/model.yaml: added F2 (control C1, high, "
                             "discovered)\n")
    entry = data_of(path)["findings"][1]
    assert entry == {"id": "F2", "control": "C1", "title": "Raw SQL in the report export",
                     "severity": "high", "status": "discovered",
                     "discovered_on": "2026-06-01",
                     "locations": ["src/report.py:40", "src/export.py"],
                     "expected_evidence": "queries built with placeholders",
                     "tags": ["sql"]}
    text = path.read_text()
    assert text.startswith(VALID_MODEL)  # appended; nothing before it moved
    assert not errors_of(path.read_bytes())
    assert run_cli("validate", str(path), cwd=project).exit_code == 0


def test_add_json_output(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("findings", "add", str(path), "--control", "C2", "--title", "t",
                     "--severity", "low", "--format", "json", cwd=project)
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["finding"]["id"] == "F2" and out["path"] == "threatmodels/model.yaml"


def test_short_entries_follow_the_flow_style_of_the_list(project: Path, write_model,
                                                         run_cli) -> None:
    path = write_model()
    run_cli("findings", "add", str(path), "--control", "C2", "--title", "Short",
            "--severity", "low", "--today", "2026-06-02", cwd=project)
    assert path.read_text().endswith(
        "  - {id: F2, control: C2, title: Short, severity: low, status: discovered, "
        "discovered_on: '2026-06-02'}\n")


def test_blank_lines_between_entries_are_followed(project: Path, write_model,
                                                   run_cli) -> None:
    path = write_model(model_with(finding("acknowledged"), "\n", finding("discovered", fid="F2")))
    result = run_cli("findings", "add", str(path), "--control", "C2", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 0, result.output
    assert "      - {type: file_exists, file: src/app.py}\n\n  - id: F3\n" in path.read_text()


def test_unknown_control_is_refused(project: Path, write_model, run_cli) -> None:
    path = write_model()
    result = run_cli("findings", "add", str(path), "--control", "C11", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 1
    assert ("control 'C11' is not defined in this model; did you mean C1? "
            "(defined: C1, C2)") in result.stderr
    assert path.read_text() == VALID_MODEL


def test_ids_are_never_reused(project: Path, write_model, run_cli) -> None:
    # F2 was deleted; F7 is only mentioned in a comment; a threat uses the id F8.
    text = (BASE.replace("  - id: T1\n", "  # F7 was merged into T1\n  - id: T1\n")
            .replace("threats:\n", "threats:\n  - {id: F8, title: An oddly named threat}\n")
            + "findings:\n" + finding("acknowledged") + finding("discovered", fid="F3"))
    path = write_model(text)
    assert next_finding_id(load_text(text).data, text) == "F9"
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 0, result.output
    assert "added F9" in result.stdout
    for taken in ("F1", "F8", "C1"):
        before = path.read_bytes()
        result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "t",
                         "--severity", "low", "--id", taken, cwd=project)
        assert result.exit_code == 1
        assert f"id {taken} is already used" in result.stderr
        assert "next free: F10" in result.stderr
        assert path.read_bytes() == before
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "t",
                     "--severity", "low", "--id", "9lives", cwd=project)
    assert result.exit_code == 2
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "t",
                     "--severity", "low", "--id", "GAP-1", cwd=project)
    assert result.exit_code == 0
    assert next_finding_id(data_of(path), path.read_text()) == "F10"


def test_next_id_of_a_model_without_findings() -> None:
    assert next_finding_id(load_text(BASE).data, BASE) == "F1"


def test_findings_list_is_created_at_the_end(project: Path, write_model, run_cli) -> None:
    path = write_model(BASE + "# closing comment\n")
    result = run_cli("findings", "add", str(path), "--control", "C2", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.startswith(BASE + "# closing comment\nfindings:\n  - id: F1\n")
    assert data_of(path)["findings"][0]["id"] == "F1"


@pytest.mark.parametrize("value", ["[]", "[]  # none yet", "~", ""])
def test_an_empty_findings_list_becomes_a_block_list(value: str, project: Path, write_model,
                                                     run_cli) -> None:
    path = write_model(BASE + f"findings: {value}".rstrip() + "\nx-after: kept\n")
    result = run_cli("findings", "add", str(path), "--control", "C2", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 0, result.output
    text = path.read_text()
    assert text.startswith(BASE + "findings:")
    assert text.endswith("\nx-after: kept\n")
    assert ("# none yet" in text) == ("#" in value)
    assert [f["id"] for f in data_of(path)["findings"]] == ["F1"]


def test_a_flow_list_takes_a_new_entry_and_its_entries_are_edited(
        project: Path, write_model, run_cli) -> None:
    """A findings list written as one flow list is laid out one entry per line first."""
    path = write_model(BASE + "findings: [{id: F1, control: C2, title: t, severity: low, "
                              "status: discovered}]\n")
    result = run_cli("findings", "update", str(path), "F1", "--status", "acknowledged",
                     cwd=project)
    assert result.exit_code == 0, result.output
    assert path.read_text().startswith(BASE + "findings:\n  - {id: F1, control: C2, ")
    assert data_of(path)["findings"][0]["status"] == "acknowledged"
    result = run_cli("findings", "add", str(path), "--control", "C2", "--title", "u",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 0, result.output
    assert [f["id"] for f in data_of(path)["findings"]] == ["F1", "F2"]


# --- what an edit may touch ------------------------------------------------------------------

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
controls:
  - id: C1
    title: Parameterised queries   # claimed
    status: implemented
  - id: C2
    title: "WAF"
    status: planned
findings:
  # F1 is the old one, in flow style
  - {id: F1, control: C2, title: No WAF rule, severity: medium, status: acknowledged}   # legacy
  # between F1 and F2

  - id: F2   # the block one
    control: C1
    # a comment inside F2
    title: Raw SQL
    description: |
      Two lines
      of text.

    severity: high
    status: discovered    # eol comment
    locations:
      - src/report.py:40
  # between F2 and F3
  - id: F3
    control: C1
    title: 'Quoted title'
    severity: low
    status: discovered

# trailing comment
x-notes: |
  free text   # not a comment
"""

#: (finding, where its entry starts, the end of its last line)
ENTRIES = {
    "F1": (r"- \{id: F1", r"\}"),
    "F2": (r"- id: F2", r"- src/report\.py:40"),
    "F3": (r"- id: F3", r"status: discovered(?=\n\n# trailing)"),
}


def _span(text: str, finding_id: str) -> tuple[int, int]:
    """From the start of the entry's first line to the end of its content."""
    import re

    first, last = ENTRIES[finding_id]
    start = re.search(first, text).start()
    end = re.compile(last).search(text, start).end()
    return text.rfind("\n", 0, start) + 1, end


def _unindented(text: str) -> bytes:
    """The lists of controls and findings written with their dashes in column 0."""
    start, end = text.index("controls:\n"), text.index("\n# trailing comment")
    middle = "\n".join(line[2:] if line.startswith("  ") else line
                       for line in text[start:end].split("\n"))
    return (text[:start] + middle + text[end:]).encode()


def _variants() -> dict[str, Callable[[str], bytes]]:
    return {
        "lf": lambda text: text.encode(),
        "crlf-bom": lambda text: b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
        "unindented-lists": _unindented,
    }


@pytest.mark.parametrize("variant", list(_variants()))
@pytest.mark.parametrize("finding_id", ["F1", "F2", "F3"])
def test_bytes_outside_the_edited_entry_are_kept(variant: str, finding_id: str,
                                                 project: Path, write_model, run_cli) -> None:
    raw = _variants()[variant](MESSY)
    assert not errors_of(raw), errors_of(raw)
    path = write_model(raw)
    result = run_cli("findings", "update", str(path), finding_id, "--status", "dismissed",
                     "--reason", "out of scope: handled by the platform", cwd=project)
    assert result.exit_code == 0, result.output
    after = path.read_bytes()
    text_before = raw.decode("utf-8-sig").replace("\r\n", "\n")
    text_after = after.decode("utf-8-sig").replace("\r\n", "\n")
    start, end = _span(text_before, finding_id)
    head, tail = text_before[:start], text_before[end:]
    assert text_after.startswith(head)
    assert text_after.endswith(tail)
    assert after.startswith(b"\xef\xbb\xbf") == raw.startswith(b"\xef\xbb\xbf")
    if variant == "crlf-bom":
        assert after.count(b"\n") == after.count(b"\r\n")
    edited = text_after[len(head): len(text_after) - len(tail)]
    assert "dismissed" in edited and "out of scope: handled by the platform" in edited
    if finding_id == "F2":
        assert "# the block one" in edited and "# a comment inside F2" in edited
        assert "# eol comment" in edited and "Two lines\n" in edited
    data = load_text(text_after).data
    expected = load_text(text_before).data
    index = int(finding_id[1:]) - 1
    expected["findings"][index].update(status="dismissed",
                                       reason="out of scope: handled by the platform")
    assert data == expected
    assert not errors_of(after)


def test_adding_keeps_every_byte_before_and_after(project: Path, write_model,
                                                  run_cli) -> None:
    path = write_model(MESSY)
    result = run_cli("findings", "add", str(path), "--control", "C2", "--title", "New gap",
                     "--severity", "critical", cwd=project)
    assert result.exit_code == 0, result.output
    after = path.read_text()
    insert_at = MESSY.index("    status: discovered\n\n# trailing") + len(
        "    status: discovered\n")
    assert after.startswith(MESSY[:insert_at])
    assert after.endswith(MESSY[insert_at:])
    added = after[insert_at: len(after) - len(MESSY[insert_at:])]
    assert added.startswith("  - id: F4\n")


def test_files_with_anchors_are_refused(project: Path, write_model, run_cli) -> None:
    text = VALID_MODEL + "x-defaults: &defaults {severity: low}\nx-copy: *defaults\n"
    path = write_model(text)
    for args in (["add", str(path), "--control", "C1", "--title", "t", "--severity", "low"],
                 ["update", str(path), "F1", "--status", "dismissed", "--reason", "r"]):
        result = run_cli("findings", *args, cwd=project)
        assert result.exit_code == 1
        assert "YAML anchor 'defaults' is not allowed" in result.stderr
        assert "threatmodels/model.yaml:55:13:" in result.stderr
        assert path.read_text() == text
        assert not lock_path(path).exists()


def test_an_edit_that_would_invalidate_the_model_is_refused(project: Path, write_model,
                                                             run_cli) -> None:
    path = write_model()
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "x" * 300,
                     "--severity", "low", cwd=project)
    assert result.exit_code == 1
    assert "the edit would make the model invalid; file left unchanged" in result.stderr
    assert "[schema-max-length]" in result.stderr
    assert path.read_text() == VALID_MODEL


def test_errors_the_file_already_had_do_not_block_an_edit(project: Path, write_model,
                                                          run_cli) -> None:
    broken = VALID_MODEL.replace("mitigations: [C1]", "mitigations: [C1, C9]")
    assert errors_of(broken.encode())
    path = write_model(broken)
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 0, result.output


def test_unreadable_or_missing_files(project: Path, write_model, run_cli) -> None:
    result = run_cli("findings", "add", str(project / "nope.yaml"), "--control", "C1",
                     "--title", "t", "--severity", "low", cwd=project)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    path = write_model("threatgate: 1\nid: x\ntitle: [unclosed\n")
    result = run_cli("findings", "add", str(path), "--control", "C1", "--title", "t",
                     "--severity", "low", cwd=project)
    assert result.exit_code == 1
    assert "the file cannot be edited until it loads" in result.stderr


def test_an_unusual_item_layout_is_refused_not_mangled(project: Path, write_model,
                                                       run_cli) -> None:
    text = BASE + "findings:\n  -\n    id: F1\n    control: C2\n    title: t\n" \
                  "    severity: low\n    status: discovered\n"
    path = write_model(text)
    result = run_cli("findings", "update", str(path), "F1", "--status", "acknowledged",
                     cwd=project)
    assert result.exit_code == 1
    assert "threatgate fmt" in result.stderr
    assert path.read_text() == text


def test_editor_changes_are_checked_against_the_intended_data() -> None:
    editor = ModelEditor(model_with(finding("discovered")).encode())
    update_finding(editor, "F1", FindingUpdate(status="acknowledged"))
    assert editor.data["findings"][0]["status"] == "acknowledged"
    assert load_text(editor.text).data == editor.data


# --- concurrency and crashes -------------------------------------------------------------------


def test_the_lock_serialises_edits(project: Path, write_model) -> None:
    path = write_model()
    with exclusive_lock(path), pytest.raises(EditError, match="another edit"):
        edit_file(path, lambda editor: None, today=TODAY, lock_timeout=0.1)
    assert not lock_path(path).exists()
    lock_path(path).write_text("")  # left behind by a killed process: not a lock
    outcome = edit_file(path, lambda editor: editor.data["id"], today=TODAY, lock_timeout=1)
    assert outcome.value == "shop" and not outcome.changed
    assert not lock_path(path).exists()


def test_concurrent_adds_all_land(project: Path, write_model) -> None:
    path = write_model()
    processes = [
        subprocess.Popen([sys.executable, "-m", "threatgate", "findings", "add", str(path),
                          "--control", "C1", "--title", f"Concurrent gap {i}",
                          "--severity", "low"],
                         cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for i in range(4)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
    entries = data_of(path)["findings"]
    assert sorted(e["title"] for e in entries[1:]) == [f"Concurrent gap {i}" for i in range(4)]
    assert sorted(e["id"] for e in entries) == ["F1", "F2", "F3", "F4", "F5"]
    assert path.read_text().startswith(VALID_MODEL)
    assert not errors_of(path.read_bytes())
    assert not lock_path(path).exists()


KILLED_WRITER = """\
import datetime as dt, sys
from pathlib import Path
from threatgate.document.transaction import edit_file
from threatgate.edits.findings import FindingUpdate, update_finding
path, day = Path(sys.argv[1]), dt.date(2026, 6, 1)
flip = {"acknowledged": "remediated", "remediated": "acknowledged"}
def change(editor):
    current = editor.data["findings"][0]["status"]
    return update_finding(editor, "F1", FindingUpdate(status=flip[current]))
while True:
    edit_file(path, change, today=day)
"""


def test_a_killed_writer_leaves_the_old_or_the_new_file(project: Path, write_model) -> None:
    padding = "".join(f"# padding line {i} " + "x" * 60 + "\n" for i in range(1000))
    old_text = padding + model_with(finding("acknowledged"))
    path = write_model(old_text)
    editor = ModelEditor(old_text.encode())
    update_finding(editor, "F1", FindingUpdate(status="remediated"))
    new = editor.to_bytes()
    update_finding(editor, "F1", FindingUpdate(status="acknowledged"))
    old = editor.to_bytes()
    assert old == old_text.encode()  # the round trip is exact
    for delay in (0.35, 0.55, 0.8, 1.1):
        process = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(path)],
                                   cwd=project)
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        assert process.returncode == -signal.SIGKILL, "the writer stopped on its own"
        assert path.read_bytes() in (old, new)
    # A lock file left by the killed writer does not block the next edit.
    outcome = edit_file(path, lambda e: update_finding(
        e, "F1", FindingUpdate(status="dismissed", reason="r")), today=TODAY, lock_timeout=5)
    assert outcome.changed


# --- listing -------------------------------------------------------------------------------


@pytest.fixture
def listed(project: Path, write_model, run_cli):
    write_model(model_with(finding("acknowledged"), finding("discovered", fid="F2"),
                           finding("dismissed", fid="F3")))
    other = VALID_MODEL.replace("id: shop", "id: other")
    write_model(other.replace("severity: medium", "severity: critical"), name="other.yaml")

    def run(*args: str):
        return run_cli("findings", "list", *args, cwd=project)

    return run


def test_list_filters_and_pages(listed) -> None:
    result = listed()
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["MODEL", "ID", "SEVERITY", "STATUS",
                                                     "CONTROL", "TITLE"]
    assert "(1-4 of 4 findings)" in result.stdout
    page = json.loads(listed("--status", "acknowledged", "--format", "json").stdout)
    assert [(r["model"], r["id"]) for r in page["items"]] == [("shop", "F1"), ("other", "F1")] \
        or [(r["model"], r["id"]) for r in page["items"]] == [("other", "F1"), ("shop", "F1")]
    page = json.loads(listed("--severity", "critical", "--format", "json").stdout)
    assert [(r["model"], r["id"]) for r in page["items"]] == [("other", "F1")]
    page = json.loads(listed("--control", "C2", "--offset", "1", "--limit", "2",
                             "--format", "json").stdout)
    assert page["total"] == 4 and page["offset"] == 1 and len(page["items"]) == 2
    markdown = listed("--status", "dismissed", "--format", "markdown").stdout
    assert "| shop | F3 | medium | dismissed | C2 |" in markdown
    assert listed("--status", "bogus").exit_code == 2


def test_list_reports_invalid_models(project: Path, write_model, run_cli) -> None:
    write_model()
    write_model("threatgate: 1\nid: broken\n", name="broken.yaml")
    result = run_cli("findings", "list", cwd=project)
    assert result.exit_code == 1
    assert "threatmodels/broken.yaml:" in result.stderr


def test_help_reads_like_documentation(run_cli) -> None:
    result = run_cli("findings", "--help")
    assert result.exit_code == 0
    assert "remediated   -> verified | acknowledged (reopen) | dismissed" in result.stdout
    for command in ("add", "update", "list"):
        assert run_cli("findings", command, "--help").exit_code == 0


def test_new_finding_dataclass_defaults() -> None:
    request = NewFinding(control="C1", title="t", severity="low", today=TODAY)
    assert request.locations == () and request.finding_id is None
