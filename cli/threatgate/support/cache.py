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

CACHE_ENV = "THREATGATE_CACHE_DIR"


def default_cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "threatgate"


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
        try:
            value = json.loads(self._entry(key).read_bytes())
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

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
