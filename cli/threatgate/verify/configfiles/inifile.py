"""INI configuration files, read by :mod:`configparser` without interpolation.

Keys are case-sensitive; values of the ``DEFAULT`` section are inherited by every
section, as configparser does; a key written without ``=`` has no value (``null``).
``;``/``#`` start comments only at the start of a line. Values are text.
"""

from __future__ import annotations

import configparser
import re
from typing import Any

from threatgate.verify.configfiles.base import (
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
)


def _parse_ini(text: str, path: str) -> Parsed:
    parser = configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        detail = " ".join(str(exc).split())
        raise ConfigFileError(f"{path} is not valid INI: {detail}") from None
    except (AttributeError, TypeError):
        # configparser itself fails on an indented line after an option without a value.
        raise ConfigFileError(f"{path} is not valid INI: an indented line continues an option "
                          "that has no value") from None
    data: dict[str, dict[str, str | None]] = {parser.default_section: dict(parser.defaults())}
    for section in parser.sections():
        data[section] = dict(parser.items(section, raw=True))
    return Parsed(data, False)


_INI_SECTION = re.compile(r"[ \t]*\[(?P<name>[^\]]+)\][ \t]*(?:[#;].*)?$")


def _ini_line(text: str, data: Any, path: KeyPath) -> int | None:
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


def _ini_key_line(text: str, parsed: Parsed, path: KeyPath) -> int | None:
    return _ini_line(text, parsed.data, path)


FORMAT = config_format(ConfigFormat("ini", _parse_ini, _ini_key_line,
                                    extensions=(".ini", ".cfg", ".conf")))
