"""Locations are recorded only when a problem needs them: a valid file is loaded with the
places of its top-level keys only, a file with problems is loaded again to locate them.
Either way the summary is the one a load recording every position gives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import CASES_DIR, VALID_MODEL
from threatgate.model import loader
from threatgate.validate import files as validate_module
from threatgate.validate.files import check_bytes

TODAY = dt.date(2026, 6, 1)

VARIANTS = [
    VALID_MODEL,
    VALID_MODEL.replace("mitigations: [C1]", "mitigations: [C9]"),  # a rule's error
    VALID_MODEL.replace("id: shop", "id: Shop Front"),  # a schema error at the id
    VALID_MODEL.replace("id: shop\n", ""),  # no id at all
    "{threatgate: 1, id: flow, title: Flow style}\n",
    "threatgate: 1\ntitle: T\nid: late\n",
    "threatgate: 1\nid: [a, b]\n",
    "- not a mapping\n",
]


def _fully_located(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> dict[str, Any]:
    real = loader.load_bytes

    def every_position(data: bytes, **kwargs: Any) -> loader.LoadedDocument:
        return real(data, **{**kwargs, "locate": True})

    with monkeypatch.context() as patch:
        patch.setattr(validate_module, "load_bytes", every_position)
        return check_bytes(raw, TODAY, 32)


def _case_files() -> list[Path]:
    return sorted(CASES_DIR.rglob("*.yaml"))[:60]


@pytest.mark.parametrize("text", VARIANTS)
def test_the_summary_is_the_fully_located_one(monkeypatch: pytest.MonkeyPatch,
                                              text: str) -> None:
    raw = text.encode()
    assert check_bytes(raw, TODAY, 32) == _fully_located(monkeypatch, raw)


def test_the_case_files_summarise_as_when_fully_located(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for path in _case_files():
        raw = path.read_bytes()
        assert check_bytes(raw, TODAY, 32) == _fully_located(monkeypatch, raw), path


def test_a_valid_file_is_loaded_once_without_every_position(
        monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[object] = []
    real = loader.load_bytes

    def recording(data: bytes, **kwargs: Any) -> loader.LoadedDocument:
        modes.append(kwargs.get("locate"))
        return real(data, **kwargs)

    monkeypatch.setattr(validate_module, "load_bytes", recording)
    summary = check_bytes(VALID_MODEL.encode(), TODAY, 32)
    assert summary["problems"] == [] and modes == ["top"]
    assert summary["id_at"] == [2, 1]
    modes.clear()
    check_bytes(VALID_MODEL.replace("mitigations: [C1]", "mitigations: [C9]").encode(),
                TODAY, 32)
    assert modes == ["top", True]


def test_top_level_locations_are_those_of_a_full_load() -> None:
    full = loader.load_text(VALID_MODEL, locate=True)
    top = loader.load_text(VALID_MODEL, locate="top")
    assert top.data == full.data
    assert top.locations == {path: place for path, place in full.locations.items()
                             if len(path) <= 1}
