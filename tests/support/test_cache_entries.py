"""A malformed cache entry is a miss: the result is computed again, never a crash."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from conftest import CASES_DIR
from threatgate.support.cache import CACHE_ENV, ResultCache

CASES = CASES_DIR / "cache" / "entries.yaml"
COMMANDS = (("validate",), ("assess",), ("gaps",))


def load_entries() -> list[dict[str, Any]]:
    entries = YAML(typ="safe", pure=True).load(CASES.read_text(encoding="utf-8"))["entries"]
    assert isinstance(entries, list) and entries
    return entries


def content(entry: dict[str, Any]) -> bytes:
    if "deep" in entry:
        return b"[" * entry["deep"] + b"]" * entry["deep"]
    if "hex" in entry:
        return bytes.fromhex(entry["hex"])
    return str(entry["text"]).encode("utf-8")


@pytest.mark.parametrize("entry", load_entries(), ids=lambda entry: entry["name"])
def test_malformed_entry_is_a_miss(entry: dict[str, Any], project: Path,
                                   write_model: Callable[..., Path],
                                   run_cli: Callable[..., Result]) -> None:
    write_model()
    first = {args: run_cli(*args, cwd=project) for args in COMMANDS}
    cache_dir = Path(os.environ[CACHE_ENV])
    entries = list(cache_dir.rglob("*.json"))
    assert entries, "the first run cached nothing"
    for path in entries:
        path.write_bytes(content(entry))
    for args, before in first.items():
        again = run_cli(*args, cwd=project)
        assert again.exit_code == before.exit_code, again.output
        assert again.output == before.output


def test_get_refuses_what_put_never_writes(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, "salt", b"k" * 32)
    key = cache.key(b"model")
    good = {"id": "shop", "id_at": [2, 5], "problems": [["warning", "r", 3, 1, "m"]]}
    cache.put(key, good)
    assert cache.get(key) == good
    for entry in load_entries():
        path = next(tmp_path.rglob("*.json"))
        path.write_bytes(content(entry))
        assert cache.get(key) is None, entry["name"]
