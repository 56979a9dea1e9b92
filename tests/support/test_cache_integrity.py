"""The cache is believed only where it can be: an entry edited on disk never makes an
invalid model pass, and a folder or key others can write is not used at all."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL
from threatgate.support.cache import CACHE_ENV, default_key_file, open_cache

INVALID_MODEL = VALID_MODEL.replace("likelihood: 4", "likelihood: 9")
#: What a forged entry says: the model is valid, without a problem.
PASSING = json.dumps({"id": "shop", "id_at": [2, 5], "problems": []},
                     separators=(",", ":")).encode()


def forged(kind: str, key: str, original: bytes) -> bytes:
    """An entry saying "valid", made as someone who can write the cache folder could."""
    if kind == "plain-json":
        return PASSING
    if kind == "tag-of-plain-hash":
        return hashlib.sha256(key.encode() + b"\0" + PASSING).hexdigest().encode() + b"\n" + PASSING
    if kind == "tag-under-another-key":
        tag = hmac.new(b"x" * 32, key.encode() + b"\0" + PASSING, hashlib.sha256)
        return tag.hexdigest().encode() + b"\n" + PASSING
    if kind == "original-tag-new-payload":
        return original.split(b"\n", 1)[0] + b"\n" + PASSING
    raise AssertionError(kind)


def entries(cache_dir: Path) -> dict[str, Path]:
    """Each entry by its cache key."""
    return {path.parent.name + path.stem: path for path in cache_dir.rglob("*.json")}


@pytest.mark.parametrize("kind", ["plain-json", "tag-of-plain-hash", "tag-under-another-key",
                                  "original-tag-new-payload"])
@pytest.mark.parametrize("command", ["validate", "assess", "gaps"])
def test_edited_entry_never_makes_an_invalid_model_pass(
        kind: str, command: str, project: Path, write_model: Callable[..., Path],
        run_cli: Callable[..., Result]) -> None:
    write_model(INVALID_MODEL)
    first = run_cli(command, cwd=project)
    assert first.exit_code == 1, first.output
    found = entries(Path(os.environ[CACHE_ENV]))
    assert found, "the first run cached nothing"
    for key, path in found.items():
        path.write_bytes(forged(kind, key, path.read_bytes()))
    again = run_cli(command, cwd=project)
    assert (again.exit_code, again.output) == (1, first.output)


def test_entry_of_another_file_is_a_miss(project: Path, write_model: Callable[..., Path],
                                         run_cli: Callable[..., Result]) -> None:
    """A genuine entry of a valid model, copied under the key of an invalid one."""
    cache_dir = Path(os.environ[CACHE_ENV])
    path = write_model()
    assert run_cli("validate", cwd=project).exit_code == 0
    (valid_entry,) = entries(cache_dir).values()
    path.write_text(INVALID_MODEL, encoding="utf-8")
    first = run_cli("validate", cwd=project)
    assert first.exit_code == 1
    for entry in entries(cache_dir).values():
        if entry != valid_entry:
            shutil.copyfile(valid_entry, entry)
    again = run_cli("validate", cwd=project)
    assert (again.exit_code, again.output) == (1, first.output)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_folder_others_can_write_is_not_used(mode: int, project: Path,
                                             write_model: Callable[..., Path],
                                             run_cli: Callable[..., Result]) -> None:
    cache_dir = Path(os.environ[CACHE_ENV])
    cache_dir.chmod(mode)
    assert open_cache("salt") is None
    write_model(INVALID_MODEL)
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 1, result.output
    assert not entries(cache_dir), "an untrusted folder was written to"
    cache_dir.chmod(0o700)
    assert open_cache("salt") is not None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a folder away needs root")
def test_folder_of_another_user_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    os.chown(folder, 4242, 4242)
    assert open_cache("salt", folder) is None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_key_others_can_read_is_not_used(tmp_path: Path) -> None:
    key_file = tmp_path / "state" / "cache-key"
    assert open_cache("salt", tmp_path / "cache", key_file) is not None
    assert key_file.stat().st_mode & 0o077 == 0
    key_file.chmod(0o644)
    assert open_cache("salt", tmp_path / "cache", key_file) is None


def test_key_lives_outside_the_cache_folder(run_cli: Callable[..., Result], project: Path,
                                            write_model: Callable[..., Path]) -> None:
    write_model()
    assert run_cli("validate", cwd=project).exit_code == 0
    cache_dir = Path(os.environ[CACHE_ENV]).resolve()
    key_file = default_key_file().resolve()
    assert key_file.is_file() and cache_dir not in key_file.parents
    assert not list(cache_dir.rglob("cache-key"))
