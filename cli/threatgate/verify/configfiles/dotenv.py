"""dotenv files (``.env``, ``*.env``, ``.env.*``, Flask's ``.flaskenv``).

``KEY=VALUE`` and ``export KEY=VALUE`` lines, ``#`` comment lines, a ``#`` after
whitespace ends an unquoted value; ``'single'`` quotes are literal, ``"double"`` quotes
understand ``\\n \\t \\r \\" \\\\ \\$`` and may span lines; ``${VAR}`` is not expanded; a
later assignment wins; a ``KEY`` line without ``=`` has no value. Values are text.
"""

from __future__ import annotations

import re

from threatgate.verify.configfiles.base import (
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
)

_ENV_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.\-]*)[ \t]*")
_ENV_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_env(text: str, path: str = ".env") -> tuple[dict[str, str | None], dict[str, int]]:
    """Values and lines of a dotenv file; :class:`ConfigFileError` for a malformed line."""
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
            raise ConfigFileError(f"{path} line {line}: {stripped[:60]!r} is not a KEY=VALUE line")
        key, start = match.group(1), pos + match.end()
        rest = text[start:eol].rstrip()
        if not rest or rest.startswith("#"):
            values[key], lines[key] = None, line
            pos, line = eol + 1, line + 1
            continue
        if rest[0] != "=":
            raise ConfigFileError(f"{path} line {line}: {stripped[:60]!r} is not a KEY=VALUE line")
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
                raise ConfigFileError(f"{path} line {line}: unexpected text {tail[:40]!r} after "
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
            raise ConfigFileError(f"{path} line {line}: unterminated ' quote")
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
    raise ConfigFileError(f'{path} line {line}: unterminated " quote')


def _parse_dotenv(text: str, path: str) -> Parsed:
    values, lines = parse_env(text, path)
    return Parsed(values, False, env_lines=lines)


def _env_line(_text: str, parsed: Parsed, path: KeyPath) -> int | None:
    return (parsed.env_lines or {}).get(str(path[0])) if path else None


#: Files in the dotenv format under names of their own (Flask's ``.flaskenv``).
DOTENV_NAMES = frozenset({".env", ".flaskenv"})


def _is_dotenv_name(name: str) -> bool:
    return (name in DOTENV_NAMES or name.endswith(".env") or name.startswith(".env.")
            or name.startswith(".flaskenv."))


FORMAT = config_format(ConfigFormat("env", _parse_dotenv, _env_line, named=_is_dotenv_name))
