"""What every configuration format shares: the parsed file, errors, the format registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from threatgate.support.registry import Registry

#: Where a value sits in a parsed file: mapping keys and list indexes, outermost first.
KeyPath = tuple[str | int, ...]


class ConfigFileError(Exception):
    """The file or the key cannot be read: the verdict is ``error`` with this reason."""


@dataclass
class Parsed:
    """A parsed configuration file and how to find the line of a key in it."""

    data: Any
    typed: bool
    yaml_locations: dict[tuple[str | int, ...], tuple[int, int]] | None = None
    env_lines: dict[str, int] | None = None


Parse = Callable[[str, str], Parsed]
#: (text, parsed file, key path) -> the line of the key, or None.
LineOf = Callable[[str, Parsed, KeyPath], int | None]


@dataclass(frozen=True)
class ConfigFormat:
    """One configuration format: how it is recognised, parsed, and a key's line found."""

    name: str
    parse: Parse
    line_of: LineOf
    #: File extensions (lower case, with the dot) that mean this format.
    extensions: tuple[str, ...] = ()
    #: For formats named otherwise (``.env.local``): whether a lower-case file name is one.
    named: Callable[[str], bool] | None = None


#: name -> format, in the order the formats are listed to the user.
FORMATS: Registry[str, ConfigFormat] = Registry("configuration format")


def config_format(fmt: ConfigFormat) -> ConfigFormat:
    """Register a configuration format (one module per format)."""
    return FORMATS.add(fmt.name, fmt)


def format_of(path: str, declared: Any) -> str:
    names = ", ".join(FORMATS)
    if declared is not None:
        if declared not in FORMATS:
            raise ConfigFileError(f"format {declared!r} is not one of {names}")
        return str(declared)
    name = PurePosixPath(path).name.lower()
    suffix = PurePosixPath(name).suffix
    for fmt in FORMATS.values():
        if suffix in fmt.extensions:
            return fmt.name
    for fmt in FORMATS.values():
        if fmt.named is not None and fmt.named(name):
            return fmt.name
    raise ConfigFileError(f"cannot tell the format of {path} from its name; set format to one "
                      f"of {names}")


def parse(text: str, fmt: str, path: str) -> Parsed:
    """Parse configuration text; :class:`ConfigFileError` names the problem of a malformed file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return FORMATS[fmt].parse(text, path)


def line_of_key(text: str, fmt: str, parsed: Parsed, path: KeyPath) -> int | None:
    """Line of the key: exact for YAML, JSON and dotenv, searched for in TOML and INI."""
    return FORMATS[fmt].line_of(text, parsed, path)
