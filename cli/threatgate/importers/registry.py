"""What an import format is, and the registry of formats.

Each format is one module of this package that calls :func:`register` with an
:class:`ImportFormat`: a name (the ``--from`` choice), a detector that recognises the
format from the parsed content, and a converter from the source document to a draft
model (:class:`threatgate.importers.mapping.Draft`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from threatgate.importers.mapping import Draft, Source
from threatgate.support.registry import Registry


@dataclass(frozen=True)
class ImportFormat:
    """One format ``threatgate import`` reads."""

    #: The ``--from`` name, e.g. ``threat-dragon``.
    name: str
    #: Said in reports, e.g. "OWASP Threat Dragon JSON".
    title: str
    #: Whether parsed content is in this format (a cheap look at its top-level keys).
    detect: Callable[[Mapping[str, Any]], bool]
    #: Maps the source into the draft; raises :class:`ImportRefused` for malformed input.
    convert: Callable[[Source, Draft], None]
    #: Detection order: the most specific formats are asked first.
    order: int = 100


REGISTRY: Registry[str, ImportFormat] = Registry("import format")


def register(import_format: ImportFormat) -> ImportFormat:
    """Register a format; importing its module is what makes it available."""
    return REGISTRY.add(import_format.name, import_format)


