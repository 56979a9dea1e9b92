"""Edits of one control (threatgate.edits.controls): a refined description with its
justification in the notes, evidence links, assertions added and deleted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.document.errors import EditError
from threatgate.document.transaction import edit_file
from threatgate.edits import controls
from threatgate.edits.entities import Edited

DAY = dt.date(2026, 6, 1)
COMMENTED = VALID_MODEL.replace("    title: Web application firewall\n",
                                "    title: Web application firewall # the edge\n")


@pytest.fixture
def model(write_model) -> Path:
    return write_model(COMMENTED)


def edit(model: Path, change) -> Edited:
    return edit_file(model, change, today=DAY).value


def test_refine_control_replaces_the_description_and_notes_why(model: Path) -> None:
    done = edit(model, lambda e: controls.refine_control(e, "C2", "Managed WAF rules.",
                                                         "the team moved to a CDN", today=DAY))
    assert done.fields == ["description", "notes"]
    text = model.read_text(encoding="utf-8")
    assert "description: Managed WAF rules." in text
    assert "2026-06-01 description refined: the team moved to a CDN" in text
    assert "# the edge" in text
    again = edit(model, lambda e: controls.refine_control(e, "C2", "Managed WAF rules.",
                                                          "again", today=DAY))
    assert not again.changed and text == model.read_text(encoding="utf-8")


def test_a_second_refinement_appends_to_the_notes(model: Path) -> None:
    for text in ("First.", "Second."):
        edit(model, lambda e, t=text: controls.refine_control(e, "C2", t, f"why {t}",
                                                              today=DAY))
    after = edit(model, lambda e: controls.add_evidence_links(e, "C2", ["x"])).after
    assert after["notes"].splitlines() == ["2026-06-01 description refined: why First.",
                                           "2026-06-01 description refined: why Second."]


@pytest.mark.parametrize("description, justification", [("", "why"), ("text", "  ")])
def test_refine_needs_text_and_a_justification(model: Path, description: str,
                                               justification: str) -> None:
    with pytest.raises(EditError, match="must not be empty"):
        edit(model, lambda e: controls.refine_control(e, "C2", description, justification,
                                                      today=DAY))


def test_evidence_links_are_a_set_and_the_field_goes_when_empty(model: Path) -> None:
    added = edit(model, lambda e: controls.add_evidence_links(e, "C1", ["a", "b", "a"]))
    assert added.after[controls.EVIDENCE_FIELD] == ["a", "b"]
    edit(model, lambda e: controls.remove_evidence_links(e, "C1", ["a"]))
    with pytest.raises(EditError, match="no evidence link a"):
        edit(model, lambda e: controls.remove_evidence_links(e, "C1", ["a"]))
    gone = edit(model, lambda e: controls.remove_evidence_links(e, "C1", ["b"]))
    assert controls.EVIDENCE_FIELD not in gone.after
    assert model.read_text(encoding="utf-8") == COMMENTED


def test_assertions_are_checked_added_once_and_deleted(model: Path) -> None:
    new = {"type": "file_exists", "file": "src/waf.tf"}
    with pytest.raises(EditError, match="assertion 1"):
        edit(model, lambda e: controls.add_assertions(e, "C2", [{"type": "file_exists"}]))
    edit(model, lambda e: controls.add_assertions(e, "C2", [new, new]))
    assert edit(model, lambda e: controls.add_assertions(e, "C2", [new])).changed is False
    with pytest.raises(EditError, match="no assertion at index 1"):
        edit(model, lambda e: controls.delete_assertion(e, "C2", 1))
    deleted = edit(model, lambda e: controls.delete_assertion(e, "C2", 0))
    assert deleted.before["assertions"] == [new] and "assertions" not in deleted.after
    assert model.read_text(encoding="utf-8") == COMMENTED


def test_an_unknown_control_is_refused(model: Path) -> None:
    with pytest.raises(EditError, match="C9"):
        edit(model, lambda e: controls.add_evidence_links(e, "C9", ["x"]))


def test_an_assertion_is_deleted_by_its_id(model: Path) -> None:
    named = [{"id": "waf-on", "type": "file_exists", "file": "a"},
             {"id": "waf-rules", "type": "file_exists", "file": "b"}]
    edit(model, lambda e: controls.add_assertions(e, "C2", named))
    with pytest.raises(EditError, match="no assertion with id nope"):
        edit(model, lambda e: controls.delete_assertion(e, "C2", assertion_id="nope"))
    with pytest.raises(EditError, match="one of them"):
        edit(model, lambda e: controls.delete_assertion(e, "C2", 0, assertion_id="waf-on"))
    done = edit(model, lambda e: controls.delete_assertion(e, "C2", assertion_id="waf-rules"))
    assert done.after["assertions"] == named[:1]


def test_an_edit_is_refused_when_the_file_would_outgrow_the_size_limit(model: Path) -> None:
    before = model.read_bytes()
    with pytest.raises(EditError, match="over the limit of"):
        edit_file(model, lambda e: controls.refine_control(e, "C2", "x" * 5000, "why",
                                                           today=DAY),
                  today=DAY, max_bytes=len(before) + 1000)
    assert model.read_bytes() == before
