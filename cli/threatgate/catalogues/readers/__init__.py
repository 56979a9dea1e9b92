"""Source formats a catalogue is read from, each refusing a bad file with its place.

``read_source`` picks the reader by the file's suffix and, for JSON, by its top-level
keys: an OSCAL catalog (``{"catalog": ...}``), the ASVS flat JSON (``{"requirements":
[{"req_id": ...}]}``) or a threatgate catalogue; ``.csv`` and ``.yaml`` are the simple
tables (id, title, level, parent). A problem is an :class:`InputError` naming the line
(CSV, YAML) or the JSON pointer (JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from threatgate.catalogues.model import Catalogue, catalogue_from_json, check_document
from threatgate.catalogues.readers.asvs import catalogue_from_asvs
from threatgate.catalogues.readers.common import SourceError
from threatgate.catalogues.readers.oscal import catalogue_from_oscal
from threatgate.catalogues.readers.tabular import catalogue_from_csv, catalogue_from_yaml

#: The largest source file read (the full OSCAL 800-53 catalog is about 10 MB).
MAX_SOURCE_BYTES = 64 * 1024 * 1024
KINDS = ("oscal", "asvs", "catalogue", "csv", "yaml")

__all__ = ["KINDS", "SourceError", "detect_kind", "read_source"]


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise SourceError(f"larger than {MAX_SOURCE_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise SourceError("invalid JSON: nested too deeply") from None


def detect_kind(path: Path, document: Any) -> str:
    """The source format of a file (``document`` is its parsed JSON, or None)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if isinstance(document, dict):
        if "catalog" in document:
            return "oscal"
        if "catalogue" in document:
            return "catalogue"
        if isinstance(document.get("requirements"), list):
            return "asvs"
    raise SourceError("not a catalogue this command reads: expected an OSCAL catalog "
                      "({\"catalog\": ...}), the ASVS flat JSON ({\"requirements\": [...]}), "
                      "a .csv or a .yaml file", pointer="")


def read_source(path: Path, framework: str) -> Catalogue:
    """The catalogue in ``path`` under the id ``framework``; a SourceError says where not."""
    raw = _read(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return catalogue_from_csv(raw, framework)
    if suffix in (".yaml", ".yml"):
        return catalogue_from_yaml(raw, framework)
    document = _json(raw)
    kind = detect_kind(path, document)
    if kind == "oscal":
        return catalogue_from_oscal(document, framework)
    if kind == "asvs":
        return catalogue_from_asvs(document, framework)
    problem = check_document(document)
    if problem:
        pointer, _, message = problem.partition(": ")
        raise SourceError(message, pointer=pointer)
    found = catalogue_from_json(document)
    return Catalogue(framework, found.title, found.requirements, found.groups, found.levels,
                     found.cumulative, found.version, found.source, found.license)
