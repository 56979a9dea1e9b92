"""Update tools, in-process: each writes through the edit machinery (comments kept, only
the touched entry changes) and is refused, with the located problem, when the model
would become invalid."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp_session import call, call_all, ok, refused

from conftest import FIXED_TODAY, VALID_MODEL

COMMENTED = (VALID_MODEL
             .replace("controls:\n", "# The controls: keep this comment.\ncontrols:\n")
             .replace("    status: planned\n", "    status: planned # waiting on the WAF\n"))


@pytest.fixture
def repo(project: Path, write_model, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_model(COMMENTED)
    monkeypatch.chdir(project)
    return project


def model_text(repo: Path) -> str:
    return (repo / "threatmodels" / "model.yaml").read_text(encoding="utf-8")


def test_update_control_status_keeps_comments_and_dates_the_note(repo: Path) -> None:
    done = ok(call(repo, "update_control_status",
                   {"control_id": "C2", "status": "in_progress", "notes": "rules drafted"}))
    assert done["path"] == "threatmodels/model.yaml" and done["changed"]
    assert done["result"]["before"] == "planned" and done["result"]["after"] == "in_progress"
    text = model_text(repo)
    assert "# The controls: keep this comment.\n" in text
    assert "status: in_progress # waiting on the WAF" in text
    assert f"{FIXED_TODAY} planned -> in_progress: rules drafted" in text
    again = ok(call(repo, "update_control_status", {"control_id": "C2",
                                                    "status": "in_progress"}))
    assert not again["changed"]


def test_refine_control_keeps_the_justification_in_the_notes(repo: Path) -> None:
    ok(call(repo, "refine_control", {"control_id": "C1", "description": "Only bound "
            "parameters reach the driver.", "justification": "the ORM is gone"}))
    text = model_text(repo)
    assert "description: Only bound parameters reach the driver." in text
    assert f"{FIXED_TODAY} description refined: the ORM is gone" in text
    assert "# The controls: keep this comment." in text


def test_evidence_links_are_added_once_and_removed(repo: Path) -> None:
    first, twice, removed, missing = call_all(
        repo, ("add_evidence", {"control_id": "C1", "links": ["https://ci/run/1", "d.md"]}),
        ("add_evidence", {"control_id": "C1", "links": ["d.md"]}),
        ("remove_evidence", {"control_id": "C1", "links": ["https://ci/run/1"]}),
        ("remove_evidence", {"control_id": "C1", "links": ["nope"]}))
    assert ok(first)["result"]["after"]["x-evidence"] == ["https://ci/run/1", "d.md"]
    assert not ok(twice)["changed"]
    assert ok(removed)["result"]["after"]["x-evidence"] == ["d.md"]
    assert "no evidence link nope" in refused(missing)


def test_assets_and_attackers_are_added_edited_and_removed(repo: Path) -> None:
    results = [ok(r) for r in call_all(
        repo, ("add_asset", {"name": "API keys", "properties": ["confidentiality"]}),
        ("edit_asset", {"asset_id": "A2", "fields": {"description": "Partner keys"}}),
        ("add_attacker", {"name": "Insider", "capability": "Reads the database.",
                          "position": "internal", "attacker_id": "ATK9"}),
        ("edit_attacker", {"attacker_id": "ATK9", "fields": {"x-note": "n"},
                           "unset": []}),
        ("remove_asset", {"asset_id": "A2"}),
        ("remove_attacker", {"attacker_id": "ATK9"}))]
    assert results[0]["result"]["id"] == "A2"
    assert results[1]["result"]["fields"] == ["description"]
    assert results[2]["result"]["id"] == "ATK9"
    assert model_text(repo) == COMMENTED


def test_remove_refuses_while_referenced_unless_forced(repo: Path) -> None:
    blocked = call(repo, "remove_asset", {"asset_id": "A1"})
    assert "A1" in refused(blocked)
    assert model_text(repo) == COMMENTED


def test_add_threat_and_control(repo: Path) -> None:
    threat, control = (ok(r) for r in call_all(
        repo, ("add_threat", {"title": "Session fixation", "stride": ["spoofing"],
                              "likelihood": 2, "impact": 4, "mitigations": ["C2"]}),
        ("add_control", {"title": "Rotate session ids", "status": "planned",
                         "assertions": [{"type": "file_exists", "file": "src/s.py"}]})))
    assert threat["result"]["id"] == "T2" and control["result"]["id"] == "C3"
    text = model_text(repo)
    lines = text.splitlines()
    assert lines[threat["lines"]["T2"] - 1] == "  - id: T2"
    assert lines[control["lines"]["C3"] - 1] == "  - id: C3"
    assert "title: Session fixation" in text and "title: Rotate session ids" in text


def test_an_edit_making_the_model_invalid_is_refused_with_its_location(repo: Path) -> None:
    bad_link = call(repo, "add_threat", {"title": "x", "mitigations": ["C99"]})
    message = refused(bad_link)
    assert "would make the model invalid" in message
    assert "threatmodels/model.yaml:" in message and "C99" in message
    assert "(in the edited text, not written)" in message
    bad_field = call(repo, "edit_asset", {"asset_id": "A1", "fields": {"name": 5}})
    assert "threatmodels/model.yaml:" in refused(bad_field)
    bad_assertion = call(repo, "add_control", {"title": "t", "assertions": [{"type": "x"}]})
    assert "assertion 1" in refused(bad_assertion)
    assert model_text(repo) == COMMENTED


def test_unknown_ids_are_tool_errors_naming_what_exists(repo: Path) -> None:
    message = refused(call(repo, "update_control_status", {"control_id": "C7",
                                                           "status": "implemented"}))
    assert "C7" in message and "C1" in message
    assert model_text(repo) == COMMENTED
