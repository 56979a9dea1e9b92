"""Configuration evidence: a key is set, or set to an expected value.

``config_key_exists`` passes when the file sets the key, whatever its value (``null``
included). A pass shows that the setting is written in this file; it does not show which
value it has, nor that the deployed environment reads this file.

``config_value_matches`` passes when the key holds the expected ``value`` and/or its text
matches ``pattern`` (both must hold when both are given). A pass shows that this file sets
the value; it does not show that the deployed environment uses this file, nor that
another file or an environment variable does not override it.

Formats come from ``format`` or the file name: ``.json``; ``.yaml``/``.yml``; ``.toml``;
``.ini``/``.cfg``/``.conf``; and ``.env``, ``*.env`` or ``.env.*`` for dotenv files. Files
are parsed, never executed or expanded:

* YAML is read by the model loader, so anchors, aliases, tags and duplicate keys are
  refused (an ``error``, never expanded); values follow YAML 1.2 (``yes``/``on`` are text);
  the top level must be a mapping and the file must hold one document.
* INI is read by :mod:`configparser` without interpolation; keys are case-sensitive;
  values of the ``DEFAULT`` section are inherited by every section, as configparser does;
  a key written without ``=`` has no value (``null``). ``;``/``#`` start comments only at
  the start of a line.
* dotenv: ``KEY=VALUE`` and ``export KEY=VALUE`` lines, ``#`` comment lines, a ``#``
  after whitespace ends an unquoted value; ``'single'`` quotes are literal, ``"double"``
  quotes understand ``\\n \\t \\r \\" \\\\ \\$`` and may span lines; ``${VAR}`` is not
  expanded; a later assignment wins; a ``KEY`` line without ``=`` has no value.

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

import configparser
import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from threatgate.model.loader import LoadError, load_text
from threatgate.verify.base import Tree, Verdict, assertion_type
from threatgate.verify.regexes import search

FORMATS = ("json", "yaml", "toml", "ini", "env")
_EXTENSIONS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml",
               ".ini": "ini", ".cfg": "ini", ".conf": "ini"}
MAX_SEGMENTS = 200
YAML_MAX_DEPTH = 64

Path = tuple[str | int, ...]


class ConfigError(Exception):
    """The file or the key cannot be read: the verdict is ``error`` with this reason."""


# --- keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One step of a key: a mapping key, a list index, or either."""

    text: str
    is_key: bool
    index: int | None
    bare: bool  # may be joined with its bare neighbours into one dotted key


def parse_key(key: str) -> list[Segment]:
    """Split a dot-notation key; :class:`ConfigError` explains a malformed one."""
    segments: list[Segment] = []
    pos, size = 0, len(key)
    while True:
        if pos >= size:
            raise ConfigError(f"key {key!r} ends with an empty segment")
        char = key[pos]
        if char == '"':
            end = key.find('"', pos + 1)
            if end < 0:
                raise ConfigError(f"key {key!r} has an unterminated quote")
            segments.append(Segment(key[pos + 1:end], True, None, False))
            pos = end + 1
        elif char == "[":
            end = key.find("]", pos)
            inner = key[pos + 1:end] if end > 0 else ""
            if not inner.isdigit() or not inner.isascii():
                raise ConfigError(f"key {key!r}: brackets hold a list index such as [0]")
            segments.append(Segment(inner, False, int(inner), False))
            pos = end + 1
        else:
            end = pos
            while end < size and key[end] not in '.[]"':
                end += 1
            text = key[pos:end]
            if not text:
                raise ConfigError(f"key {key!r} has an empty segment")
            index = int(text) if text.isdigit() and text.isascii() else None
            segments.append(Segment(text, True, index, True))
            pos = end
        if len(segments) > MAX_SEGMENTS:
            raise ConfigError(f"key has more than {MAX_SEGMENTS} segments")
        if pos >= size:
            return segments
        if key[pos] == "[":
            continue
        if key[pos] != ".":
            raise ConfigError(f"key {key!r}: unexpected {key[pos]!r} after a segment")
        pos += 1


def format_path(path: Path) -> str:
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
    deepest: Path = ()
    deepest_node: Any = None

    def resolve(self, node: Any) -> Path | None:
        failed: set[tuple[int, int]] = set()
        return self._resolve(node, 0, (), failed)

    def _resolve(self, node: Any, i: int, path: Path, failed: set[tuple[int, int]]) -> Path | None:
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


def _get(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


# --- parsing -------------------------------------------------------------------------------


@dataclass
class Parsed:
    """A parsed configuration file and how to find the line of a key in it."""

    data: Any
    typed: bool
    yaml_locations: dict[tuple[str | int, ...], tuple[int, int]] | None = None
    env_lines: dict[str, int] | None = None


def format_of(path: str, declared: Any) -> str:
    if declared is not None:
        if declared not in FORMATS:
            raise ConfigError(f"format {declared!r} is not one of {', '.join(FORMATS)}")
        return str(declared)
    name = PurePosixPath(path).name.lower()
    suffix = PurePosixPath(name).suffix
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if name == ".env" or name.endswith(".env") or name.startswith(".env."):
        return "env"
    raise ConfigError(f"cannot tell the format of {path} from its name; set format to one "
                      f"of {', '.join(FORMATS)}")


def parse(text: str, fmt: str, path: str) -> Parsed:
    """Parse configuration text; :class:`ConfigError` names the problem of a malformed file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if fmt == "json":
        try:
            return Parsed(json.loads(text), True)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                              f"column {exc.colno})") from None
        except (ValueError, RecursionError) as exc:
            raise ConfigError(f"{path} cannot be read as JSON: {exc}") from None
    if fmt == "yaml":
        return _parse_yaml(text, path)
    if fmt == "toml":
        try:
            return Parsed(tomllib.loads(text), True)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        except (ValueError, RecursionError) as exc:
            raise ConfigError(f"{path} cannot be read as TOML: {exc}") from None
    if fmt == "ini":
        return _parse_ini(text, path)
    values, lines = parse_env(text, path)
    return Parsed(values, False, env_lines=lines)


def _parse_yaml(text: str, path: str) -> Parsed:
    try:
        document = load_text(text, max_depth=YAML_MAX_DEPTH, locate=True)
    except LoadError as exc:
        if exc.rule in ("not-a-mapping", "file-empty"):
            message = "its top level is not a mapping of keys"
        else:
            message = (exc.message.replace("in model files", "in evidence files")
                       .replace("model files use", "evidence files use")
                       .replace("to be a value of a model", "to be a value")
                       .replace("keep one model per file", "only single-document files "
                                "are read"))
        raise ConfigError(f"{path} cannot be read as YAML: {message} (line {exc.line}, "
                          f"column {exc.column})") from None
    return Parsed(document.data, True, yaml_locations=document.locations)


def _parse_ini(text: str, path: str) -> Parsed:
    parser = configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"{path} is not valid INI: {detail}") from None
    except (AttributeError, TypeError):
        # configparser itself fails on an indented line after an option without a value.
        raise ConfigError(f"{path} is not valid INI: an indented line continues an option "
                          "that has no value") from None
    data: dict[str, dict[str, str | None]] = {parser.default_section: dict(parser.defaults())}
    for section in parser.sections():
        data[section] = dict(parser.items(section, raw=True))
    return Parsed(data, False)


_ENV_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*")
_ENV_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_env(text: str, path: str = ".env") -> tuple[dict[str, str | None], dict[str, int]]:
    """Values and lines of a dotenv file; :class:`ConfigError` for a malformed line."""
    values: dict[str, str | None] = {}
    lines: dict[str, int] = {}
    pos, line, size = 0, 1, len(text)
    while pos < size:
        eol = text.find("\n", pos)
        eol = size if eol < 0 else eol
        raw = text[pos:eol]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            pos, line = eol + 1, line + 1
            continue
        match = _ENV_LINE.match(raw)
        if match is None:
            raise ConfigError(f"{path} line {line}: {stripped[:60]!r} is not a KEY=VALUE line")
        key, start = match.group(1), pos + match.end()
        rest = text[start:eol].rstrip()
        if not rest or rest.startswith("#"):
            values[key], lines[key] = None, line
            pos, line = eol + 1, line + 1
            continue
        if rest[0] != "=":
            raise ConfigError(f"{path} line {line}: {stripped[:60]!r} is not a KEY=VALUE line")
        start += 1
        while start < eol and text[start] in " \t":
            start += 1
        quote = text[start] if start < eol else ""
        if quote in ("'", '"'):
            value, end = _env_quoted(text, start, path, line)
            close_eol = text.find("\n", end)
            close_eol = size if close_eol < 0 else close_eol
            tail = text[end:close_eol].strip()
            if tail and not tail.startswith("#"):
                raise ConfigError(f"{path} line {line}: unexpected text {tail[:40]!r} after "
                                  "the closing quote")
            values[key], lines[key] = value, line
            line += text.count("\n", pos, close_eol) + 1
            pos = close_eol + 1
            continue
        value = re.split(r"[ \t]#", text[start:eol], maxsplit=1)[0].rstrip()
        values[key], lines[key] = value, line
        pos, line = eol + 1, line + 1
    return values, lines


def _env_quoted(text: str, start: int, path: str, line: int) -> tuple[str, int]:
    """The value of the quoted string opening at ``start`` and the index after it."""
    quote = text[start]
    if quote == "'":
        end = text.find("'", start + 1)
        if end < 0:
            raise ConfigError(f"{path} line {line}: unterminated ' quote")
        return text[start + 1:end], end + 1
    out: list[str] = []
    pos = start + 1
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\" and pos + 1 < len(text):
            following = text[pos + 1]
            out.append(_ENV_ESCAPES.get(following, "\\" + following))
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise ConfigError(f'{path} line {line}: unterminated " quote')


# --- lines -------------------------------------------------------------------------------


def line_of_key(text: str, fmt: str, parsed: Parsed, path: Path) -> int | None:
    """Line of the key: exact for YAML, JSON and dotenv, searched for in TOML and INI.

    In TOML the keys are searched for in order up to the first list index, so a key
    under an array of tables gives the line of the array's first table, never the line
    of a neighbouring element's key.
    """
    if parsed.yaml_locations is not None:
        found = parsed.yaml_locations.get(path)
        return found[0] if found else None
    if parsed.env_lines is not None:
        return parsed.env_lines.get(str(path[0])) if path else None
    if fmt == "ini":
        return _ini_line(text, parsed.data, path)
    if fmt == "json":
        return _json_line(text, path)
    keys: list[str] = []
    for part in path:
        if isinstance(part, int):
            break
        keys.append(part)
    return _ordered_line(text, keys)


_JSON_TOKEN = re.compile(r'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|([{}\[\]:,])|([^ \t\r\n{}\[\]:,"]+))')


def _json_line(text: str, wanted: Path) -> int | None:
    """The line where the value at ``wanted`` is named (its key, or its list element).

    ``text`` is known to be valid JSON; like :func:`json.loads`, a repeated key's last
    occurrence counts.
    """
    if not wanted:
        return None
    # One frame per open container: [its path, is an object, current key or index].
    frames: list[list[Any]] = []
    expecting_key = False
    found: int | None = None
    pos, line, counted = 0, 1, 0
    size = len(text)
    while pos < size:
        match = _JSON_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        start = match.start(1) if match[1] else match.start(2) if match[2] else match.start(3)
        if start < 0:
            break
        line += text.count("\n", counted, start)
        counted = start
        string, punct = match[1], match[2]
        top = frames[-1] if frames else None
        if punct in (":", "}", "]", ","):
            if punct == "," and top is not None:
                if top[1]:
                    expecting_key = True
                else:
                    top[2] += 1
            elif punct in ("}", "]"):
                frames.pop()
                expecting_key = False
            continue
        if top is not None and top[1] and expecting_key and string is not None:
            top[2] = json.loads(string)
            expecting_key = False
            if (*top[0], top[2]) == wanted:
                found = line
            continue
        # A value: a scalar, or a container opening.
        here: Path = () if top is None else (*top[0], top[2])
        if top is not None and not top[1] and here == wanted:
            found = line
        if punct in ("{", "["):
            frames.append([here, punct == "{", "" if punct == "{" else 0])
            expecting_key = punct == "{"
    return found


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


_INI_SECTION = re.compile(r"[ \t]*\[(?P<name>[^\]]+)\][ \t]*(?:[#;].*)?$")


def _ini_line(text: str, data: Any, path: Path) -> int | None:
    if len(path) < 1:
        return None
    section = str(path[0])
    option = str(path[1]) if len(path) > 1 else None
    sections = [section]
    if option is not None and section != "DEFAULT":
        sections.append("DEFAULT")  # an inherited value is written in the default section
    for wanted in sections:
        current = None
        for number, raw in enumerate(text.splitlines(), 1):
            header = _INI_SECTION.match(raw)
            if header:
                current = header.group("name").strip()
                if current == wanted and option is None:
                    return number
                continue
            if current == wanted and option is not None and re.match(
                    rf"[ \t]*{re.escape(option)}[ \t]*(?:[=:]|$)", raw):
                return number
    return None


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
    path: Path | None
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
    except ConfigError as exc:
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
                                  f"{pattern!r}", found.file, found.line)
    return Verdict.passed(f"{where} is {_describe(actual)}", found.file, found.line)
