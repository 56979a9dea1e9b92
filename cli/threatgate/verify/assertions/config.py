"""Configuration evidence: a key is set, or set to an expected value.

``config_key_exists`` passes when the file sets the key, whatever its value (``null``
included). A pass shows that the setting is written in this file; it does not show which
value it has, nor that the deployed environment reads this file.

``config_value_matches`` passes when the key holds the expected ``value`` and/or its text
matches ``pattern`` (both must hold when both are given). A pass shows that this file sets
the value; it does not show that the deployed environment uses this file, nor that
another file or an environment variable does not override it.

Formats come from ``format`` or the file name: ``.json``; ``.yaml``/``.yml``; ``.toml``;
``.ini``/``.cfg``/``.conf``; ``.env``, ``*.env``, ``.env.*`` or ``.flaskenv`` for dotenv
files; ``.py`` for Python settings modules (``Class.NAME`` for a class-based config).
Files are parsed, never executed or expanded; each format's module in
:mod:`threatgate.verify.configfiles` says how it is read.
**Keys.** Segments are separated by dots: ``server.tls.enabled``. A segment of digits
indexes a list (``servers.0.host``; ``servers[0].host`` is the same); on a mapping it is
an ordinary key. A segment in double quotes is one literal key that may hold dots or
brackets (``headers."X.Y"``). A key whose name holds dots is also found without quotes:
when a segment is not a key of the mapping, it is joined with the following segments
(``spring.datasource.url`` finds a flat ``"spring.datasource.url"`` key, and
``options.extras_require.dev`` finds option ``dev`` of INI section
``[options.extras_require]``); the first complete reading, shortest joins first, wins.
INI keys are ``section.option``; ``DEFAULT.option`` names the default section.

**Values.** JSON, YAML and TOML values keep their types: ``value: true`` matches only a
boolean, ``value: "true"`` only text, numbers compare numerically (``1`` equals ``1.0``,
never ``true``), ``null`` matches only null, and TOML dates compare as ISO 8601 text.
INI and dotenv values are always text: a boolean ``value`` matches the text ``true`` or
``false`` in any case, a number matches text that reads as that number, ``null`` matches a
key without a value or with an empty one, and text compares exactly. ``pattern`` is
searched (not anchored; use ``^``/``$``) with a time limit in the value's text form: text
as is, ``true``/``false``, ``null``, numbers as written by Python, dates in ISO 8601.
A key holding a list or a mapping never matches a value or a pattern.

A malformed file is an ``error`` naming the parse problem; a missing key is a ``fail``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from threatgate.verify.base import Tree, Verdict, assertion_type
from threatgate.verify.configfiles import (
    ConfigFileError,
    KeyPath,
    Parsed,
    format_of,
    line_of_key,
    parse,
)
from threatgate.verify.regexes import search, shown

MAX_SEGMENTS = 200


# --- keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One step of a key: a mapping key, a list index, or either."""

    text: str
    is_key: bool
    index: int | None
    bare: bool  # may be joined with its bare neighbours into one dotted key


def parse_key(key: str) -> list[Segment]:
    """Split a dot-notation key; :class:`ConfigFileError` explains a malformed one."""
    segments: list[Segment] = []
    pos, size = 0, len(key)
    while True:
        if pos >= size:
            raise ConfigFileError(f"key {key!r} ends with an empty segment")
        char = key[pos]
        if char == '"':
            end = key.find('"', pos + 1)
            if end < 0:
                raise ConfigFileError(f"key {key!r} has an unterminated quote")
            segments.append(Segment(key[pos + 1:end], True, None, False))
            pos = end + 1
        elif char == "[":
            end = key.find("]", pos)
            inner = key[pos + 1:end] if end > 0 else ""
            if not inner.isdigit() or not inner.isascii():
                raise ConfigFileError(f"key {key!r}: brackets hold a list index such as [0]")
            segments.append(Segment(inner, False, int(inner), False))
            pos = end + 1
        else:
            end = pos
            while end < size and key[end] not in '.[]"':
                end += 1
            text = key[pos:end]
            if not text:
                raise ConfigFileError(f"key {key!r} has an empty segment")
            index = int(text) if text.isdigit() and text.isascii() else None
            segments.append(Segment(text, True, index, True))
            pos = end
        if len(segments) > MAX_SEGMENTS:
            raise ConfigFileError(f"key has more than {MAX_SEGMENTS} segments")
        if pos >= size:
            return segments
        if key[pos] == "[":
            continue
        if key[pos] != ".":
            raise ConfigFileError(f"key {key!r}: unexpected {key[pos]!r} after a segment")
        pos += 1


def format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = f'"{part}"' if re.search(r'[.\[\]"]', part) else part
            out += f".{text}" if out else text
    return out


@dataclass
class _Walk:
    segments: list[Segment]
    deepest: KeyPath = ()
    deepest_node: Any = None

    def resolve(self, node: Any) -> KeyPath | None:
        failed: set[tuple[int, int]] = set()
        return self._resolve(node, 0, (), failed)

    def _resolve(self, node: Any, i: int, path: KeyPath,
                 failed: set[tuple[int, int]]) -> KeyPath | None:
        if i == len(self.segments):
            return path
        if (id(node), i) in failed:
            return None
        if len(path) >= len(self.deepest) and i > 0:
            self.deepest, self.deepest_node = path, node
        segment = self.segments[i]
        if isinstance(node, dict) and segment.is_key:
            name = segment.text
            for j in range(i, len(self.segments)):
                if j > i:
                    following = self.segments[j]
                    if not (segment.bare and following.bare):
                        break
                    name = f"{name}.{following.text}"
                if name in node:
                    found = self._resolve(node[name], j + 1, (*path, name), failed)
                    if found is not None:
                        return found
        elif isinstance(node, list) and segment.index is not None and segment.index < len(node):
            found = self._resolve(node[segment.index], i + 1, (*path, segment.index), failed)
            if found is not None:
                return found
        failed.add((id(node), i))
        return None


def _get(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


# --- values ------------------------------------------------------------------------------


def text_form(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _number_of(text: str) -> int | float | None:
    text = text.strip()
    if len(text) > 100:
        return None
    if _INT_TEXT.fullmatch(text):
        return int(text)
    if _FLOAT_TEXT.fullmatch(text):
        return float(text)
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {text_form(value)}"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.date | dt.time):
        return f"the date/time {value.isoformat()}"
    if isinstance(value, str):
        return f"the text {value[:80]!r}" + ("..." if len(value) > 80 else "")
    return type(value).__name__


def values_equal(expected: Any, actual: Any, typed: bool) -> bool:
    """Whether ``actual`` (from the file) is the ``expected`` value (see the module doc)."""
    if typed:
        if isinstance(expected, bool) or expected is None:
            return actual is expected
        if isinstance(expected, int | float):
            return (isinstance(actual, int | float) and not isinstance(actual, bool)
                    and actual == expected)
        if isinstance(expected, str):
            if isinstance(actual, dt.date | dt.time):
                return actual.isoformat() == expected
            return isinstance(actual, str) and actual == expected
        return False
    if expected is None:
        return actual is None or actual == ""
    if actual is None:
        return False
    if isinstance(expected, bool):
        return bool(str(actual).strip().lower() == text_form(expected))
    if isinstance(expected, int | float):
        number = _number_of(str(actual))
        return number is not None and number == expected
    return isinstance(expected, str) and actual == expected


# --- the checks ----------------------------------------------------------------------------


@dataclass
class Found:
    file: str
    key: str
    path: KeyPath | None
    value: Any
    line: int | None
    parsed: Parsed
    missing_reason: str = ""


def _look_up(assertion: dict[str, Any], tree: Tree) -> Found:
    file, key = str(assertion["file"]), str(assertion["key"])
    fmt = format_of(file, assertion.get("format"))
    segments = parse_key(key)
    text = tree.read_text(file)
    parsed = parse(text, fmt, file)
    walk = _Walk(segments)
    path = walk.resolve(parsed.data)
    if path is None:
        reason = f"{key} is not set in {file}"
        if walk.deepest:
            node = walk.deepest_node
            kind = ("a mapping" if isinstance(node, dict) else
                    f"a list of {len(node)}" if isinstance(node, list) else _describe(node))
            reason += f" (found {format_path(walk.deepest)}, {kind}, but not the rest)"
        return Found(file, key, None, None, None, parsed, reason)
    line = line_of_key(text.removeprefix("\ufeff"), fmt, parsed, path)
    return Found(file, key, path, _get(parsed.data, path), line, parsed)


def _checked(assertion: dict[str, Any], tree: Tree) -> Found | Verdict:
    if not isinstance(assertion.get("key"), str) or not assertion["key"]:
        return Verdict.error(f"{assertion['type']} needs a key, such as server.tls.enabled",
                             str(assertion["file"]))
    try:
        return _look_up(assertion, tree)
    except ConfigFileError as exc:
        return Verdict.error(str(exc), str(assertion["file"]))


@assertion_type("config_key_exists")
def config_key_exists(assertion: dict[str, Any], tree: Tree) -> Verdict:
    """Passes when the file sets the key (any value, null included)."""
    found = _checked(assertion, tree)
    if isinstance(found, Verdict):
        return found
    if found.path is None:
        return Verdict.failed(found.missing_reason, found.file)
    return Verdict.passed(f"{found.key} is set in {found.file}", found.file, found.line)


@assertion_type("config_value_matches")
def config_value_matches(assertion: dict[str, Any], tree: Tree) -> Verdict:
    """Passes when the key holds ``value`` and/or its text matches ``pattern``."""
    if "value" not in assertion and not assertion.get("pattern"):
        return Verdict.error("config_value_matches needs a value or a pattern",
                             str(assertion["file"]))
    found = _checked(assertion, tree)
    if isinstance(found, Verdict):
        return found
    if found.path is None:
        return Verdict.failed(found.missing_reason, found.file)
    actual, typed = found.value, found.parsed.typed
    where = f"{found.key} in {found.file}"
    if isinstance(actual, dict | list):
        kind = "a mapping" if isinstance(actual, dict) else "a list"
        return Verdict.failed(f"{where} holds {kind}, not a single value", found.file,
                              found.line)
    if "value" in assertion:
        expected = assertion["value"]
        if not values_equal(expected, actual, typed):
            hint = ""
            if typed and text_form(actual) == text_form(expected):
                hint = " (same text, different type)"
            return Verdict.failed(f"{where} is {_describe(actual)}, not "
                                  f"{_describe(expected)}{hint}", found.file, found.line)
    pattern = assertion.get("pattern")
    if pattern:
        text = "" if actual is None and not typed else text_form(actual)
        if search(str(pattern), text) is None:
            return Verdict.failed(f"{where} is {_describe(actual)}, which does not match "
                                  f"{shown(str(pattern))}", found.file, found.line)
    return Verdict.passed(f"{where} is {_describe(actual)}", found.file, found.line)
