"""Reading the YAML data files of generation: rule packs and the technology catalogue.

Both are read by threatgate's strict loader and checked against their JSON schema; every
problem is reported as ``path:line:col: message``.

Every ``generate`` reads the same two dozen shipped files, and parsing them is a good
part of its time. A file that loads and passes its schema is therefore kept, as JSON, in
threatgate's result cache (:mod:`threatgate.support.cache`: outside the repository,
every entry tagged with the user's secret key), keyed by the file's bytes, the schema's,
the loader's code and threatgate's version; later runs read that entry instead of the
YAML. Only data JSON gives back exactly (text keys, strings, numbers, booleans, null,
lists and mappings) is kept, so a cached file reads as the same data as a parsed one. A
file that fails is never cached: its error is reported from the file itself.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatgate.errors import InputError

if TYPE_CHECKING:
    from threatgate.model.loader import JsonPath, LoadedDocument
    from threatgate.support.cache import ResultCache

RULEPACK_SCHEMA = "rulepack.schema.json"
#: Changes whenever the shape of a cache entry changes.
ENTRY_FORMAT = "datafile-1"
#: Positions kept in a cache entry: the top-level keys and the items right below them
#: (a pack's rules); deeper ones are found by parsing the file again, for an error.
KEPT_DEPTH = 2


class PackError(InputError):
    """A rule pack or the catalogue cannot be loaded (exit 2)."""


def about_this_file(message: str, schema_name: str) -> str:
    """The strict loader speaks of model files; say what this file is instead."""
    if schema_name == RULEPACK_SCHEMA:
        kind, start = "rule pack", "rulepack: 1"
    else:
        kind, start = "catalogue", "catalogue: 1"
    return (message.replace("a model is a YAML mapping starting with 'threatgate: 1'",
                            f"a {kind} is a YAML mapping starting with '{start}'")
            .replace("a model must be a mapping of keys such as 'threatgate', 'id' and 'title'",
                     f"a {kind} must be a mapping starting with '{start}'")
            .replace("in model files", f"in {kind} files")
            .replace("model files use", f"{kind} files use"))


class DataFile:
    """A data file that loaded and passed its schema: its data and the places of its
    top-level keys and their items; any other place is found by parsing the file again
    (only an error needs one)."""

    def __init__(self, path: Path, raw: bytes, data: dict[str, Any],
                 locations: Mapping[JsonPath, tuple[int, int]]) -> None:
        self.path = path
        self.data = data
        self._raw = raw
        self._locations = locations
        self._parsed: LoadedDocument | None = None

    def locate(self, path: JsonPath) -> tuple[int, int]:
        """The 1-based (line, column) of ``path``, or of its nearest located parent."""
        found = self._locations.get(path) if len(path) <= KEPT_DEPTH else None
        if found is not None:
            return found
        if self._parsed is None:
            from threatgate.model.loader import load_bytes

            self._parsed = load_bytes(self._raw, locate=True)
        return self._parsed.locate(path)


def read_document(path: Path, schema_name: str) -> DataFile:
    """Load ``path`` with the strict loader and check it against ``schema_name`` (from
    the cache when this very file passed before)."""
    from threatgate.model.loader import LoadError, read_bytes

    try:
        raw = read_bytes(path)
    except LoadError as exc:
        raise PackError(f"{path}:{exc.line}:{exc.column}: "
                        f"{about_this_file(exc.message, schema_name)}") from None
    except OSError as exc:
        raise PackError(f"{path}: cannot read: {exc.strerror or exc}") from None
    store = _data_cache(schema_name)
    key = store.key(raw) if store is not None else ""
    entry = store.get(key, accept=_is_entry) if store is not None else None
    if entry is not None:
        return DataFile(path, raw, entry["data"],
                        {tuple(at[:-2]): (at[-2], at[-1]) for at in entry["at"]})
    document = _parse_checked(path, raw, schema_name)
    kept = {at: place for at, place in document.locations.items() if len(at) <= KEPT_DEPTH}
    if store is not None and is_plain_json(document.data):
        store.put(key, {"data": document.data,
                        "at": [[*at, line, column] for at, (line, column) in kept.items()]})
    return DataFile(path, raw, document.data, kept)


def _parse_checked(path: Path, raw: bytes, schema_name: str) -> LoadedDocument:
    from threatgate.model import schema
    from threatgate.model.loader import LoadError, load_bytes

    try:
        document = load_bytes(raw, locate=True)
    except LoadError as exc:
        raise PackError(f"{path}:{exc.line}:{exc.column}: "
                        f"{about_this_file(exc.message, schema_name)}") from None
    problems = schema.check(document.data, schema_name)
    if problems:
        first = problems[0]
        line, column = document.locate(first.path)
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise PackError(f"{path}:{line}:{column}: {first.message}{more}")
    return document


def load_checked(path: Path, schema_name: str) -> dict[str, Any]:
    """The data of a YAML file that passed the strict loader and the schema."""
    return read_document(path, schema_name).data


def is_plain_json(value: Any) -> bool:
    """Whether JSON gives ``value`` back exactly: text keys; strings, integers, finite
    floats, booleans, null, lists and mappings only."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(is_plain_json(item) for item in value)
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, int, bool))


def _is_entry(value: Any) -> bool:
    """Whether a cache entry has the shape :func:`read_document` writes."""
    return (isinstance(value.get("data"), dict) and isinstance(value.get("at"), list)
            and all(isinstance(at, list) and 2 <= len(at) <= KEPT_DEPTH + 2
                    and all(isinstance(p, (str, int)) for p in at[:-2])
                    and all(type(n) is int for n in at[-2:]) for at in value["at"]))


def _data_cache(schema_name: str) -> ResultCache | None:
    """The cache of checked data files of one schema (``None`` when it cannot be
    trusted: the files are then parsed every time)."""
    from threatgate.support.cache import default_cache_dir, default_key_file

    salt = _salt(schema_name)
    return None if salt is None else _open_cache(salt, default_cache_dir(), default_key_file())


@cache
def _open_cache(salt: str, directory: Path, key_file: Path) -> ResultCache | None:
    from threatgate.support.cache import open_cache

    return open_cache(salt, directory, key_file)


@cache
def _salt(schema_name: str) -> str | None:
    """What a checked file's data depend on besides its bytes: the schema, the loader's
    code and its YAML parser, this module, threatgate's version and Python's."""
    import sys

    from ruamel.yaml import __version__ as parser_version

    from threatgate import __version__
    from threatgate.model import loader
    from threatgate.support.resources import schema_dir

    digest = hashlib.sha256(f"{ENTRY_FORMAT}|{__version__}|{schema_name}|{parser_version}|"
                            f"{sys.version}".encode())
    for source in (schema_dir() / schema_name, Path(loader.__file__), Path(__file__)):
        try:
            digest.update(source.read_bytes())
        except OSError:
            return None
    return digest.hexdigest()
