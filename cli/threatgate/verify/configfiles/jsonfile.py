"""JSON configuration files: values keep their types; a key's line is found exactly."""

from __future__ import annotations

import json
import re
from typing import Any

from threatgate.verify.configfiles.base import (
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
)
from threatgate.verify.textdata import load_json


def parse_json(text: str, path: str) -> Parsed:
    return Parsed(load_json(text, path, ConfigFileError), True)


_JSON_TOKEN = re.compile(r'[ \t\r\n]*(?:("(?:[^"\\]|\\.)*")|([{}\[\]:,])|([^ \t\r\n{}\[\]:,"]+))')


def _json_line(text: str, wanted: KeyPath) -> int | None:
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
        here: KeyPath = () if top is None else (*top[0], top[2])
        if top is not None and not top[1] and here == wanted:
            found = line
        if punct in ("{", "["):
            frames.append([here, punct == "{", "" if punct == "{" else 0])
            expecting_key = punct == "{"
    return found


def _json_key_line(text: str, _parsed: Parsed, path: KeyPath) -> int | None:
    return _json_line(text, path)


FORMAT = config_format(ConfigFormat("json", parse_json, _json_key_line, extensions=(".json",)))
