"""The editing engine's operations on a model's text."""

from __future__ import annotations

from conftest import VALID_MODEL
from threatgate.document.editor import ModelEditor


def test_appending_many_writes_what_appending_one_by_one_writes() -> None:
    entries = [{"id": f"AS{n}", "description": f"assumption {n}", "attested_by": "team"}
               for n in (7, 8, 9)]
    one_by_one, at_once = ModelEditor(VALID_MODEL.encode()), ModelEditor(VALID_MODEL.encode())
    for entry in entries:
        one_by_one.append("assumptions", entry)
    at_once.append_many("assumptions", entries)
    assert at_once.text == one_by_one.text != VALID_MODEL
