"""A content-addressed cache of per-file results, kept outside the repository.

Entries are keyed by a hash of the file's bytes and of everything else the result
depends on (threatgate's version, the schemas, the loader limits and the date used for
expiry checks), so a stale entry can never be served. Each entry is written to a
temporary file and renamed into place, which keeps concurrent runs (parallel pre-commit
hooks) from ever reading a half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from threatgate.diagnostics import Severity

CACHE_ENV = "THREATGATE_CACHE_DIR"
SEVERITIES = frozenset(severity.value for severity in Severity)


def default_cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "threatgate"


#: An entry larger than this is not one the cache wrote (results are a few kilobytes).
MAX_ENTRY_BYTES = 64 * 1024 * 1024


def is_file_result(value: Any) -> bool:
    """Whether ``value`` has the shape of a per-file result: ``id`` (text or null),
    optional ``id_at`` (line, column) and ``problems``, each [severity, rule, line,
    column, message]."""
    if not isinstance(value, dict) or not isinstance(value.get("problems"), list):
        return False
    if value.get("id") is not None and not isinstance(value.get("id"), str):
        return False
    id_at = value.get("id_at")
    if id_at is not None and not (isinstance(id_at, list) and len(id_at) == 2
                                  and all(_is_position(item) for item in id_at)):
        return False
    return all(
        isinstance(problem, list) and len(problem) == 5
        and problem[0] in SEVERITIES and all(isinstance(problem[i], str) for i in (1, 4))
        and _is_position(problem[2]) and _is_position(problem[3])
        for problem in value["problems"]
    )


def _is_position(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


class ResultCache:
    """Results by content hash. Every failure to read or write simply misses."""

    def __init__(self, directory: Path, salt: str) -> None:
        self.directory = directory
        self._salt = salt.encode()

    def key(self, raw: bytes) -> str:
        return hashlib.sha256(self._salt + b"\0" + raw).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry of ``key``; ``None`` when there is none or it is not a well-formed
        result (truncated, garbage, too large, nested too deeply, of another shape)."""
        try:
            with self._entry(key).open("rb") as handle:
                data = handle.read(MAX_ENTRY_BYTES + 1)
            if len(data) > MAX_ENTRY_BYTES:
                return None
            value = json.loads(data)
        except (OSError, ValueError, RecursionError):
            return None
        return value if is_file_result(value) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(value, handle, separators=(",", ":"))
            os.replace(temporary, entry)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(temporary)
