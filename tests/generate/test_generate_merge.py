"""threatgate generate --model FILE: merge new generated items, never touch the user's."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from threatgate.model.loader import load_text

RunCli = Callable[..., Result]

ARCHITECTURE = """\
threatgate: 1
id: shop
title: Shop   # the web shop
frameworks: [asvs-5.0]

# Architecture written by hand.
components:
  - {id: web, name: Browser, type: browser, boundary: internet}
  - {id: app, name: Shop, type: web_app, boundary: dmz}
  - {id: db, name: Orders DB, type: database, boundary: internal}
dataflows:
  - {id: DF1, from: web, to: app, protocol: https, data: [A1]}
  - {id: DF2, from: app, to: db, protocol: sql, data: [A1]}
trust_boundaries:
  - {id: internet, name: Internet}
  - {id: dmz, name: DMZ}
  - {id: internal, name: Internal}
assets:
  - {id: A1, name: Orders, properties: [confidentiality, integrity], kind: business_data}
attackers:
  - id: ATK1
    name: Outsider
    capability: Sends requests from the internet.
    position: external
  - id: ATK2
    name: Admin gone rogue
    capability: Holds admin rights.
    position: insider
objectives:
  - {id: CO1, asset: A1, attacker: ATK1}
  - {id: CO2, asset: A1, attacker: ATK2}
  - {id: CO3, asset: A1, attacker: ATK1, properties: [integrity], status: removed, removed_reason: merged into CO1}
threats:
  - id: T1
    title: Orders read by SQL injection   # our own
    likelihood: 4
    impact: 5
    objectives: [CO1]
    mitigations: [C1]
controls:
  - {id: C1, title: Parameterised queries, status: implemented}
"""


def _only_insertions(before: str, after: str) -> list[str]:
    """The lines added; fails if any line of ``before`` was changed or removed, but for
    the lines of the ``generation`` record (bookkeeping, one line per field)."""
    added = []
    matcher = difflib.SequenceMatcher(a=before.splitlines(True), b=after.splitlines(True),
                                      autojunk=False)
    record = [line.startswith(("generation:", "  packs:", "  emitted:", "  digests:",
                               "  removed:")) for line in before.splitlines()]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        assert tag in ("equal", "insert") or all(record[i1:i2]), (
            tag, before.splitlines()[i1:i2])
        if tag == "insert":
            added.extend(after.splitlines(True)[j1:j2])
    return added


@pytest.fixture
def shop(write_model: Callable[..., Path]) -> Path:
    return write_model(ARCHITECTURE, "shop.yaml")


def test_first_merge_appends_generated_items_only(run_cli: RunCli, shop: Path,
                                                  project: Path) -> None:
    done = run_cli("generate", "--model", str(shop), cwd=project)
    assert done.exit_code == 0, done.output
    assert "threatmodels/shop.yaml: added" in done.output
    after = shop.read_text(encoding="utf-8")
    added = _only_insertions(ARCHITECTURE, after)
    assert added and any("origin: generated" in line for line in added)
    data = load_text(after).data
    mine = [t for t in data["threats"] if "origin" not in t]
    assert [t["id"] for t in mine] == ["T1"]
    generated = [t for t in data["threats"] if t.get("origin") == "generated"]
    assert any("web.sqli" in t["id"] for t in generated)
    assert all(c["status"] == "planned" for c in data["controls"] if c.get("origin"))
    record = data["generation"]
    assert record["packs"] and set(record["emitted"]) == {
        e["id"] for key in ("threats", "controls") for e in data[key] if e.get("origin")}
    # New threats are linked to the existing active objectives, never to the removed one.
    linked = {o for t in generated for o in t.get("objectives", [])}
    assert "CO1" in linked and "CO3" not in linked
    assert run_cli("validate", "--strict", str(shop)).exit_code == 0
    assert run_cli("fmt", "--check", str(shop)).exit_code == 0


def test_rerun_is_a_no_op(run_cli: RunCli, shop: Path, project: Path) -> None:
    assert run_cli("generate", "--model", str(shop), cwd=project).exit_code == 0
    once = shop.read_bytes()
    done = run_cli("generate", "--model", str(shop))
    assert done.exit_code == 0 and "added nothing new" in done.output
    assert shop.read_bytes() == once


def test_user_edits_win(run_cli: RunCli, shop: Path, project: Path) -> None:
    assert run_cli("generate", "--model", str(shop), cwd=project).exit_code == 0
    data = load_text(shop.read_text(encoding="utf-8")).data
    control = next(c for c in data["controls"] if c.get("origin") == "generated")
    text = shop.read_text(encoding="utf-8")
    edited = text.replace(f"title: {control['title']}", "title: Our own wording", 1)
    edited = edited.replace("status: planned", "status: in_progress", 1)
    shop.write_text(edited, encoding="utf-8")
    done = run_cli("generate", "--model", str(shop))
    assert done.exit_code == 0, done.output
    assert shop.read_text(encoding="utf-8") == edited


def test_items_removed_by_hand_stay_removed(run_cli: RunCli, shop: Path,
                                            project: Path) -> None:
    assert run_cli("generate", "--model", str(shop), cwd=project).exit_code == 0
    data = load_text(shop.read_text(encoding="utf-8")).data
    victim = next(t for t in data["threats"] if "web.sqli" in t["id"])
    lines = shop.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if f"id: {victim['id']}" in line)
    end = start + 1
    while end < len(lines) and lines[end].startswith("    "):
        end += 1
    del lines[start:end]
    shop.write_text("".join(lines), encoding="utf-8")
    done = run_cli("generate", "--model", str(shop), "--explain", "--format", "json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["newly_removed"] == [victim["id"]]
    assert victim["id"] in summary["not_restored"]
    assert summary["rules"]
    data = load_text(shop.read_text(encoding="utf-8")).data
    assert victim["id"] not in {t["id"] for t in data["threats"]}
    assert data["generation"]["removed"] == [victim["id"]]
    assert victim["id"] not in data["generation"]["emitted"]
    # and once more: still not restored, nothing changes
    before = shop.read_bytes()
    assert run_cli("generate", "--model", str(shop)).exit_code == 0
    assert shop.read_bytes() == before


def test_a_new_component_brings_only_its_threats(run_cli: RunCli, shop: Path,
                                                 project: Path) -> None:
    assert run_cli("generate", "--model", str(shop), cwd=project).exit_code == 0
    before = shop.read_text(encoding="utf-8")
    after = before.replace(
        "  - {id: db, name: Orders DB, type: database, boundary: internal}\n",
        "  - {id: db, name: Orders DB, type: database, boundary: internal}\n"
        "  - {id: files, name: Invoices, type: object_storage, boundary: internal}\n").replace(
        "  - {id: DF2, from: app, to: db, protocol: sql, data: [A1]}\n",
        "  - {id: DF2, from: app, to: db, protocol: sql, data: [A1]}\n"
        "  - {id: DF3, from: app, to: files, protocol: https, data: [A1]}\n")
    shop.write_text(after, encoding="utf-8")
    done = run_cli("generate", "--model", str(shop), "--explain")
    assert done.exit_code == 0, done.output
    added = _only_insertions(after, shop.read_text(encoding="utf-8"))
    ids = [line.split("id: ", 1)[1].strip() for line in added if "- id: " in line]
    # one threat per weakness per component: a new flow of app's may bring a threat on app
    threats = {t["id"]: t for t in load_text(shop.read_text(encoding="utf-8")).data["threats"]}
    assert ids and all(i.startswith("C-") or "files" in threats[i]["components"]
                       for i in ids), ids


def test_merge_refuses_a_file_that_does_not_load(run_cli: RunCli,
                                                 write_model: Callable[..., Path],
                                                 project: Path) -> None:
    path = write_model("threatgate: 1\nid: [unclosed\n", "bad.yaml")
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output
    assert path.read_text(encoding="utf-8") == "threatgate: 1\nid: [unclosed\n"


def test_merge_on_a_missing_file(run_cli: RunCli, project: Path) -> None:
    done = run_cli("generate", "--model", str(project / "nope.yaml"), cwd=project)
    assert done.exit_code == 2 and "does not exist" in done.output


def test_merge_on_an_empty_model(run_cli: RunCli, write_model: Callable[..., Path],
                                 project: Path) -> None:
    path = write_model("threatgate: 1\nid: empty\ntitle: Empty\n", "empty.yaml")
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert done.exit_code == 0, done.output
    assert "added nothing new" in done.output
    data = load_text(path.read_text(encoding="utf-8")).data
    assert data["generation"]["packs"]


def test_options_for_new_models_are_refused_with_model(run_cli: RunCli, shop: Path,
                                                       project: Path) -> None:
    done = run_cli("generate", "--model", str(shop), "--out", "x.yaml", cwd=project)
    assert done.exit_code == 2 and "--out" in done.output


def test_crlf_and_comments_survive(run_cli: RunCli, write_model: Callable[..., Path],
                                   project: Path) -> None:
    raw = ARCHITECTURE.replace("\n", "\r\n").encode("utf-8")
    path = write_model(raw, "crlf.yaml")
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert done.exit_code == 0, done.output
    after = path.read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert b"# Architecture written by hand.\r\n" in after
    assert b"title: Orders read by SQL injection   # our own\r\n" in after


def test_flow_lists_and_unlisted_frameworks(run_cli: RunCli, write_model: Callable[..., Path],
                                            project: Path) -> None:
    path = write_model(
        "threatgate: 1\nid: flow\ntitle: Flow\n"
        "components: [{id: app, name: App, type: web_app, boundary: dmz},"
        " {id: web, name: B, type: browser}]\n"
        "dataflows: [{id: DF1, from: web, to: app, protocol: https}]\n"
        "threats: []   # none yet\n", "flow.yaml")
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert done.exit_code == 0, done.output
    assert "add them to the model's `frameworks`" not in done.stderr
    text = path.read_text(encoding="utf-8")
    assert "threats:   # none yet\n" in text or "threats: # none yet" in text
    data = load_text(text).data
    assert data["threats"] and "asvs-5.0" in data["frameworks"]  # the new controls map it
    assert run_cli("fmt", "--check", str(path)).exit_code == 0
    assert "unknown-framework" not in run_cli("validate", str(path)).output


@pytest.mark.parametrize("written, added", [
    ("frameworks: [pci-dss-4.0]   # audited yearly\n", True),
    ("frameworks:\n  - pci-dss-4.0   # audited yearly\n", True),
    ("frameworks:\n    -   pci-dss-4.0   # audited yearly\n    # under the item\n", True),
    ("frameworks:\n- pci-dss-4.0   # audited yearly\n# the next key's\n", True),
    ("frameworks: [pci-dss-4.0,   # audited yearly\n  ]\n", True),
    ("frameworks: [\n  pci-dss-4.0   # audited yearly\n]\n", True),
])
def test_frameworks_of_new_controls_join_the_list(
        run_cli: RunCli, write_model: Callable[..., Path], project: Path, written: str,
        added: bool) -> None:
    path = write_model(
        "threatgate: 1\nid: fw\ntitle: Fw\n" + written +
        "components: [{id: app, name: App, type: web_app, boundary: dmz},"
        " {id: web, name: B, type: browser}]\n"
        "dataflows: [{id: DF1, from: web, to: app, protocol: https}]\n", "fw.yaml")
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert done.exit_code == 0, done.output
    text = path.read_text(encoding="utf-8")
    assert "# audited yearly" in text
    frameworks = load_text(text).data["frameworks"]
    assert frameworks[0] == "pci-dss-4.0"
    assert ("asvs-5.0" in frameworks) is added
    assert ("add them to the model's `frameworks`" in done.stderr) is not added
    assert run_cli("fmt", "--check", str(path)).exit_code in (0, 1)
    assert "unknown-framework" not in run_cli("validate", str(path)).output
    if "\n  - pci" in written:  # the new item in the list's own layout
        assert "  - pci-dss-4.0   # audited yearly\n  - asvs-5.0\n" in text
    if "under the item" in written:
        assert "    # under the item\n    -   asvs-5.0\n" in text


def test_malformed_architecture_never_crashes(run_cli: RunCli, write_model: Callable[..., Path],
                                             project: Path) -> None:
    path = write_model(
        "threatgate: 1\nid: weird\ntitle: Weird\ncomponents:\n"
        "  - {name: no id, type: web_app}\n  - {id: x, name: X, type: 12}\n"
        "  - just a string\ndataflows:\n  - {id: DF1, from: x, to: ghost, data: [A9]}\n"
        "assets: {not: a list}\n", "weird.yaml")
    before = path.read_bytes()
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert done.exit_code in (0, 1), done.output
    assert "internal error" not in done.output
    if done.exit_code == 1:
        assert path.read_bytes() == before


def test_a_first_merge_writes_new_sections_in_fmt_layout(
        run_cli: RunCli, write_model: Callable[..., Path], project: Path) -> None:
    before = ARCHITECTURE.split("threats:")[0].split("objectives:")[0]
    path = write_model(before + "# what is left to do\nassumptions: []\n", "arch.yaml")
    assert run_cli("generate", "--model", str(path), cwd=project).exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)  # nothing written by hand moved
    assert after.index("threats:") < after.index("# what is left to do") < after.index(
        "assumptions: []") < after.index("generation:")
    done = run_cli("fmt", "--check", str(path), cwd=project)
    assert done.exit_code == 0, done.output
