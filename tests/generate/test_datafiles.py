"""Generation's data files are parsed once: later runs read the checked data from the cache."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest

from threatgate.generate import datafiles
from threatgate.generate.datafiles import RULEPACK_SCHEMA, is_plain_json, read_document
from threatgate.generate.rulepacks import builtin_pack_files, load_packs
from threatgate.model import loader

PACK = """\
rulepack: 1
name: mine
title: Mine
rules:
  - id: mine.one
    title: Something on {component}
    description: D
    scope: component
    stride: [tampering]
    likelihood: 3
    impact: 3
    when: {component: {type: [database]}}
    controls: [{id: c, title: C, description: D}]
    groups: [[c]]
    not_applicable_when: never
"""


def _refuse_parsing(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Make every parse of a data file fail the test; return the bytes it was asked for."""
    asked: list[bytes] = []

    def refuse(raw: bytes, **_: Any) -> Any:
        asked.append(raw)
        raise AssertionError("parsed although the cache holds this file")

    monkeypatch.setattr(loader, "load_bytes", refuse)
    return asked


def test_a_checked_file_is_read_from_the_cache_the_second_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(PACK, encoding="utf-8")
    first = read_document(pack, RULEPACK_SCHEMA)
    parsed = loader.load_bytes(pack.read_bytes(), locate=True)
    asked = _refuse_parsing(monkeypatch)
    second = read_document(pack, RULEPACK_SCHEMA)
    assert asked == []
    assert second.data == first.data == parsed.data
    for path in [("name",), ("rules",), ("rules", 0)]:
        assert second.locate(path) == parsed.locate(path)


def test_the_builtin_packs_load_alike_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = load_packs()
    _refuse_parsing(monkeypatch)
    cached = load_packs()
    assert [(p.name, p.rules, [r.location for r in p.compiled]) for p in cached] == [
        (p.name, p.rules, [r.location for r in p.compiled]) for p in parsed]
    assert len(cached) == len(builtin_pack_files())


def test_an_edited_file_is_parsed_again(tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(PACK, encoding="utf-8")
    read_document(pack, RULEPACK_SCHEMA)
    pack.write_text(PACK.replace("title: Mine", "title: Edited"), encoding="utf-8")
    assert read_document(pack, RULEPACK_SCHEMA).data["title"] == "Edited"


def test_a_spoiled_entry_is_not_believed(tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(PACK, encoding="utf-8")
    expected = read_document(pack, RULEPACK_SCHEMA).data
    entries = list(Path(os.environ["THREATGATE_CACHE_DIR"]).rglob("*.json"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes().replace(b"Something", b"Nothing!!"))
    assert read_document(pack, RULEPACK_SCHEMA).data == expected


def test_a_deep_place_is_found_by_parsing_the_file_again(tmp_path: Path) -> None:
    pack = tmp_path / "mine.yaml"
    pack.write_text(PACK, encoding="utf-8")
    read_document(pack, RULEPACK_SCHEMA)
    cached = read_document(pack, RULEPACK_SCHEMA)
    assert cached.locate(("rules", 0, "when", "component")) == (12, 12)


def test_nothing_is_cached_when_the_cache_cannot_be_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("THREATGATE_CACHE_DIR", str(shared))
    pack = tmp_path / "mine.yaml"
    pack.write_text(PACK, encoding="utf-8")
    assert read_document(pack, RULEPACK_SCHEMA).data["name"] == "mine"
    assert not any(shared.iterdir())


@pytest.mark.parametrize(("value", "plain"), [
    ({"a": [1, 2.5, True, None, "x", {"b": []}]}, True),
    ({1: "a"}, False),
    ({"a": math.nan}, False),
    ({"a": math.inf}, False),
    ({"a": (1, 2)}, False),
    ({"a": {"b", "c"}}, False),
    ({"a": b"bytes"}, False),
])
def test_only_data_json_gives_back_exactly_is_kept(value: Any, plain: bool) -> None:
    assert is_plain_json(value) is plain


def test_data_json_would_change_is_not_cached(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datafiles, "is_plain_json", lambda value: False)
    pack = tmp_path / "mine.yaml"
    pack.write_text(PACK, encoding="utf-8")
    read_document(pack, RULEPACK_SCHEMA)
    asked = []
    original = loader.load_bytes

    def counted(raw: bytes, **options: Any) -> Any:
        asked.append(raw)
        return original(raw, **options)

    monkeypatch.setattr(loader, "load_bytes", counted)
    read_document(pack, RULEPACK_SCHEMA)
    assert asked
