"""TOML configuration files: values keep their types (dates compare as ISO 8601 text)."""

from __future__ import annotations

import re

from threatgate.verify.configfiles.base import (
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
)
from threatgate.verify.textdata import load_toml


def parse_toml(text: str, path: str) -> Parsed:
    return Parsed(load_toml(text, path, ConfigFileError), True)


def _toml_line(text: str, _parsed: Parsed, path: KeyPath) -> int | None:
    """The keys are searched for in order up to the first list index, so a key under an
    array of tables gives the line of the array's first table, never the line of a
    neighbouring element's key."""
    keys: list[str] = []
    for part in path:
        if isinstance(part, int):
            break
        keys.append(part)
    return _ordered_line(text, keys)


def _ordered_line(text: str, keys: list[str]) -> int | None:
    """The line of the last of ``keys``, each searched for after the previous one."""
    pos, line = 0, None
    for key in keys:
        quoted = re.escape(key)
        found = re.compile(
            rf"(?m)(?:^|[{{,\[.])[ \t]*[\"']?{quoted}[\"']?[ \t]*(?=[:=.\]])").search(text, pos)
        if found is None:
            return None
        pos = found.end()
        line = text.count("\n", 0, pos) + 1
    return line


FORMAT = config_format(ConfigFormat("toml", parse_toml, _toml_line, extensions=(".toml",)))
