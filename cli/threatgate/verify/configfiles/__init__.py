"""Configuration file formats read by the config assertion types, one module per format.

Each module registers a :class:`~.base.ConfigFormat` (its file extensions or names, its
parser, and how the line of a key is found); ``READERS`` gives the order in which the
formats are listed to the user. Files are parsed, never executed or expanded.
"""

from __future__ import annotations

import importlib

from threatgate.verify.configfiles.base import (
    FORMATS,
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
    format_of,
    line_of_key,
    parse,
)

#: The format modules, in the order the formats are listed to the user.
READERS = ("jsonfile", "yamlfile", "tomlfile", "inifile", "dotenv", "pyfile")
for _reader in READERS:
    importlib.import_module(f"{__name__}.{_reader}")

__all__ = ["FORMATS", "ConfigFileError", "ConfigFormat", "KeyPath", "Parsed", "config_format",
           "format_of", "line_of_key", "parse"]
