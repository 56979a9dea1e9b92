"""The editing engine's operations on a model's text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import VALID_MODEL
from threatgate.document import transaction
from threatgate.document.editor import ModelEditor
from threatgate.document.errors import EditError
from threatgate.document.transaction import edit_file
from threatgate.document.values import plain_copy

TODAY = dt.date(2026, 6, 1)


def test_appending_many_writes_what_appending_one_by_one_writes() -> None:
    entries = [{"id": f"AS{n}", "description": f"assumption {n}", "attested_by": "team"}
               for n in (7, 8, 9)]
    one_by_one, at_once = ModelEditor(VALID_MODEL.encode()), ModelEditor(VALID_MODEL.encode())
    for entry in entries:
        one_by_one.append("assumptions", entry)
    at_once.append_many("assumptions", entries)
    assert at_once.text == one_by_one.text != VALID_MODEL


def test_the_read_back_is_that_of_the_current_text_only() -> None:
    editor = ModelEditor(VALID_MODEL.encode())
    assert editor.read_back() is None  # nothing checked yet
    editor.append("assumptions", {"id": "AS7", "description": "seven", "attested_by": "t"})
    assert editor.read_back() == editor.data
    assert editor.read_back() is not editor.data  # read from the text, not the intention
    editor.splice(0, 0, "# a comment\n")
    assert editor.read_back() is None


def test_an_edit_is_validated_on_its_read_back_without_parsing_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_again(*_: Any) -> Any:
        raise AssertionError("the edited file was parsed again for validation")

    monkeypatch.setattr(transaction, "_unlocated", parse_again)
    path = tmp_path / "m.yaml"
    path.write_text(VALID_MODEL, encoding="utf-8")
    entry = {"id": "AS7", "description": "seven", "attested_by": "team"}
    edit_file(path, lambda editor: editor.append("assumptions", entry), today=TODAY)
    assert "AS7" in path.read_text(encoding="utf-8")
    # An error the edit brings is still found, and the file left alone.
    before = path.read_bytes()
    threat = {"id": "T9", "title": "Nowhere", "stride": ["tampering"], "likelihood": 9,
              "impact": 3}
    with pytest.raises(EditError) as refused:
        edit_file(path, lambda editor: editor.append("threats", threat), today=TODAY)
    assert refused.value.rule == "edit-invalid"
    assert path.read_bytes() == before


def test_an_edit_not_read_back_is_validated_from_its_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bytes] = []
    unlocated = transaction._unlocated

    def counted(raw: bytes, *rest: Any) -> Any:
        seen.append(raw)
        return unlocated(raw, *rest)

    monkeypatch.setattr(transaction, "_unlocated", counted)
    path = tmp_path / "m.yaml"
    path.write_text(VALID_MODEL, encoding="utf-8")
    edit_file(path, lambda editor: editor.splice(0, 0, "# top\n"), today=TODAY)
    assert seen == [path.read_bytes()]


def test_a_plain_copy_shares_no_container_with_its_original() -> None:
    original: dict[str, Any] = {"id": "T1", "stride": ["tampering"], "n": 3, "x": 1.5,
                                "ok": True, "none": None,
                                "nested": [{"ids": ["C1"]}], "odd": ({"a": [1]},)}
    copied = plain_copy(original)
    assert copied == original
    copied["stride"].append("spoofing")
    copied["nested"][0]["ids"].append("C2")
    copied["odd"][0]["a"].append(2)  # not plain data: copied by copy.deepcopy
    assert original["stride"] == ["tampering"]
    assert original["nested"] == [{"ids": ["C1"]}]
    assert original["odd"] == ({"a": [1]},)
