"""The technology catalogue: component types, their default flags, and the flag vocabulary.

The catalogue ships as ``generate/data/catalogue.yaml`` and is checked against
``schemas/catalogue.schema.json`` when loaded; its ``wiring`` section is read by
:mod:`threatgate.generate.wiring`. Rule packs may extend it with flags and
types of their own (:meth:`Catalogue.extended`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from threatgate.generate.datafiles import PackError, load_checked

CATALOGUE_SCHEMA = "catalogue.schema.json"
CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "catalogue.yaml"


@dataclass(frozen=True)
class TechType:
    """One technology type of the catalogue."""

    id: str
    name: str
    category: str
    description: str
    flags: frozenset[str]
    source: str = "catalogue"


@dataclass(frozen=True)
class Catalogue:
    """Types by id and flag descriptions by flag name."""

    types: Mapping[str, TechType]
    flags: Mapping[str, str]

    def effective_flags(self, type_id: str | None, flags: Iterable[str]) -> frozenset[str]:
        """A component's flags: its type's defaults, plus ``flags``, minus ``no_<flag>``."""
        tech = self.types.get(type_id) if type_id else None
        result = set(tech.flags) if tech else set()
        removed = set()
        for flag in flags:
            if flag.startswith("no_"):
                removed.add(flag[3:])
            else:
                result.add(flag)
        return frozenset(result - removed)

    def category(self, type_id: str | None) -> str | None:
        tech = self.types.get(type_id) if type_id else None
        return tech.category if tech else None

    def extended(self, flags: Mapping[str, str], types: Mapping[str, Mapping[str, Any]],
                 source: str) -> Catalogue:
        """This catalogue plus the flags and types a pack adds (existing names win)."""
        merged_flags = {**flags, **self.flags}
        merged_types = {**{key: _tech(key, spec, source) for key, spec in types.items()},
                        **self.types}
        return Catalogue(merged_types, merged_flags)


def _tech(type_id: str, spec: Mapping[str, Any], source: str) -> TechType:
    return TechType(type_id, spec["name"], spec["category"], spec["description"],
                    frozenset(spec.get("flags", ())), source)


def catalogue_from_data(data: Mapping[str, Any]) -> Catalogue:
    """Build a catalogue from data already checked against the catalogue schema."""
    return Catalogue(
        {key: _tech(key, spec, "catalogue") for key, spec in data["types"].items()},
        dict(data["flags"]),
    )


@cache
def builtin_catalogue_data() -> dict[str, Any]:
    """The data of the shipped catalogue file (read once, schema-checked)."""
    return load_checked(CATALOGUE_FILE, CATALOGUE_SCHEMA)


@cache
def builtin_catalogue() -> Catalogue:
    """The catalogue shipped with threatgate (loaded once, schema-checked)."""
    catalogue = catalogue_from_data(builtin_catalogue_data())
    for tech in catalogue.types.values():
        unknown = sorted(tech.flags - set(catalogue.flags))
        if unknown:
            raise PackError(f"{CATALOGUE_FILE}: type {tech.id}: unknown flag(s) "
                            f"{', '.join(unknown)}")
    return catalogue
