"""Settings the schema has accepted, remembered in the result cache.

Every command checks the repository's settings against ``config.schema.json`` before it
does anything, and that check alone would load the schema validator (a native library
that itself imports a good part of the standard library). When a run's models all come
from the cache, nothing else needs it; so a valid set of settings is recorded as a
signed cache entry keyed by the exact settings (their ``repr``, which tells a date from
the same text), the schema's bytes and the rules' code (which rule ids exist), and found
there the next time. Only "valid" is
ever recorded: invalid settings are checked, and explained, on every run. Settings with
``cache = false`` are never recorded, and a run with ``--no-cache`` neither reads nor
records them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from threatgate import __version__
from threatgate.support.cache import code_digest, open_cache
from threatgate.support.resources import PACKAGE_DIR, schema_dir

SCHEMA_FILE = "config.schema.json"
#: Where in the package the semantic rules live (their ids are what ``[rules]`` may name).
RULES_CODE = ("validate/rules",)
VALID = {"settings": "valid"}


def nothing() -> None:
    """What recording is when nothing is to be recorded."""
    return None


def _is_verdict(value: Any) -> bool:
    return bool(value == VALID)


def lookup(settings: dict[str, Any]) -> tuple[bool, Callable[[], None]]:
    """Whether ``settings`` are known to be valid, and what records them as valid (to be
    called once the schema has accepted them)."""
    if settings.get("cache", True) is not True:
        return False, nothing
    try:
        schema_bytes = (schema_dir() / SCHEMA_FILE).read_bytes()
    except OSError:
        return False, nothing
    salt = (f"settings|{__version__}|{hashlib.sha256(schema_bytes).hexdigest()}|"
            f"{code_digest(PACKAGE_DIR, RULES_CODE)}")
    cache = open_cache(salt)
    if cache is None:
        return False, nothing
    key = cache.key(repr(settings).encode("utf-8", "surrogatepass"))
    if cache.get(key, _is_verdict) is not None:
        return True, nothing
    return False, lambda: cache.put(key, dict(VALID))
