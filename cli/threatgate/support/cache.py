"""A content-addressed cache of per-file results, kept outside the repository.

Entries are keyed by a hash of the file's bytes and of everything else the result
depends on (threatgate's version, the schemas, the loader limits and the date used for
expiry checks), so a stale entry can never be served. Each entry is written to a
temporary file and renamed into place, which keeps concurrent runs (parallel pre-commit
hooks) from ever reading a half-written entry.

Integrity. A cached result decides whether a model passes, so an entry is only believed
when its tag checks out: an HMAC-SHA256, under a secret key, of the entry's cache key
(which fixes the bytes of the file it describes and every setting) and of its payload.
The key is 32 random bytes in a file of its own, outside the cache folder
(``$XDG_STATE_HOME/threatgate/cache-key``, default ``~/.local/state/...``), created on
first use, readable by its owner only. This stops whoever can write the cache folder but
cannot read that file (a cache folder restored from CI storage that a pull request could
write, a shared or misconfigured folder): they can delete or spoil entries, which only
costs a fresh check, and put back entries this user's own runs wrote, which only land
under their own key and so say what a fresh check would say; they cannot make a model
pass. A plain hash would not do: anyone can recompute it. It does not stop whoever can
read the key file or run code as the user: they could change threatgate itself.

Trust. The cache is not used at all (silently, as with ``--no-cache``: results are
computed afresh, never an error) when its folder, or the key file, belongs to another
user or can be written by group or others, or the key cannot be read or created.
An entry whose tag does not match is a miss: the file is checked again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from threatgate.diagnostics import Severity
from threatgate.support import signed

CACHE_ENV = signed.CACHE_ENV
SEVERITIES = frozenset(severity.value for severity in Severity)


def code_digest(package: Path, parts: tuple[str, ...]) -> str:
    """Digest of the code ``parts`` of ``package`` (modules or folders of modules; each
    module's path, size and modification time, no file read), so that cached results
    never outlive a change of the code they come from, at the cost of a few ``stat``
    calls per run."""
    digest = hashlib.sha256()
    for name in parts:
        found = package / name
        for path in sorted(found.rglob("*.py")) if found.is_dir() else [found]:
            info = path.stat()
            digest.update(f"{path.relative_to(package).as_posix()}|{info.st_size}|"
                          f"{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    return Path(signed.cache_dir())


def default_key_file() -> Path:
    """Where the cache's secret key lives: in the state folder, never the cache folder."""
    return Path(signed.key_file())


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


def open_cache(salt: str, directory: Path | None = None,
               key_file: Path | None = None) -> ResultCache | None:
    """The result cache, or ``None`` when it cannot be trusted (see the module's
    docstring): the caller then checks every file afresh."""
    directory = directory or default_cache_dir()
    with contextlib.suppress(OSError):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not directory.is_dir() or not signed.is_private(directory):
        return None
    secret = signed.load_secret(key_file or default_key_file())
    return None if secret is None else ResultCache(directory, salt, secret)


class ResultCache:
    """Results by content hash, each entry tagged. Every failure to read or write, and
    every entry whose tag does not match, simply misses."""

    def __init__(self, directory: Path, salt: str, secret: bytes) -> None:
        self.directory = directory
        self._salt = salt.encode()
        self._secret = secret

    def key(self, raw: bytes) -> str:
        return hashlib.sha256(self._salt + b"\0" + raw).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.json"

    def get(self, key: str, accept: Callable[[Any], bool] = is_file_result
            ) -> dict[str, Any] | None:
        """The entry of ``key``; ``None`` when there is none, its tag does not match, or
        it is not a well-formed result (truncated, garbage, too large, nested too
        deeply, of another shape than ``accept`` takes: by default a per-file result)."""
        payload = signed.read_entry(self._entry(key), key, self._secret)
        if payload is None:
            return None
        try:
            value = json.loads(payload)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) and accept(value) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        payload = json.dumps(value, separators=(",", ":")).encode()
        signed.write_entry(self._entry(key), key, payload, self._secret)
