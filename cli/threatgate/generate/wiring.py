"""The wiring of generated models, read from the ``wiring`` section of the catalogue.

Which technologies are assumed, which data flows connect them and over which protocol,
which trust boundary holds each tier and which attackers each technology brings in are
data (``generate/data/catalogue.yaml``), so that :mod:`threatgate.generate.architecture`
names no technology itself. The section is schema-checked with the catalogue; every
technology key and data kind it names is checked here against the vocabulary
(``generate/data/keywords.yaml``), so a misspelt name fails loudly instead of quietly
wiring nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from threatgate.generate.catalogue import CATALOGUE_FILE, builtin_catalogue, builtin_catalogue_data
from threatgate.generate.datafiles import PackError
from threatgate.generate.describe import TIERS, Vocabulary, vocabulary


@dataclass(frozen=True)
class Boundary:
    """A trust boundary and the tiers whose components it holds."""

    id: str
    name: str
    description: str
    tiers: tuple[str, ...]


@dataclass(frozen=True)
class AssumedComponent:
    """A component generate may add that no phrase of a description names."""

    key: str
    type: str
    name: str
    tier: str


@dataclass(frozen=True)
class StoreWriter:
    """A technology that writes to a data store: besides the backend, instead, or only
    without one (``add``, ``replace``, ``fallback``)."""

    writer: str
    mode: str


@dataclass(frozen=True)
class Wiring:
    """The ``wiring`` section of the catalogue (see ``schemas/catalogue.schema.json``)."""

    boundaries: tuple[Boundary, ...]
    components: Mapping[str, AssumedComponent]
    roles: Mapping[str, str]
    groups: Mapping[str, tuple[str, ...]]
    callers: Mapping[str, str]
    default_data: Mapping[str, tuple[str, ...]]
    replies: Mapping[str, tuple[str, ...]]
    store_writers: Mapping[str, StoreWriter]
    implied_data: Mapping[str, tuple[str, ...]]
    protocols: Mapping[str, str]
    encrypted_protocols: frozenset[str]
    store_protocols: Mapping[str, str]
    attackers: Mapping[str, tuple[str, ...]]

    def boundary_of(self, tier: str) -> Boundary:
        return next(b for b in self.boundaries if tier in b.tiers)

    def store_protocol(self, store: str) -> str:
        return self.store_protocols.get(store, self.protocols["store"])


def _lists(data: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(value) for key, value in data.items()}


def wiring_from_data(data: Mapping[str, Any]) -> Wiring:
    """Build the wiring from a ``wiring`` section already checked against the schema."""
    return Wiring(
        boundaries=tuple(Boundary(b["id"], b["name"], b["description"], tuple(b["tiers"]))
                         for b in data["boundaries"]),
        components={key: AssumedComponent(key, spec["type"], spec["name"], spec["tier"])
                    for key, spec in data["components"].items()},
        roles=dict(data["roles"]), groups=_lists(data["groups"]),
        callers=dict(data["callers"]), default_data=_lists(data["default_data"]),
        replies=_lists(data["replies"]),
        store_writers={key: StoreWriter(spec["writer"], spec["mode"])
                       for key, spec in data["store_writers"].items()},
        implied_data=_lists(data["implied_data"]), protocols=dict(data["protocols"]),
        encrypted_protocols=frozenset(data["encrypted_protocols"]),
        store_protocols=dict(data["store_protocols"]), attackers=_lists(data["attackers"]),
    )


def technologies_named(wiring: Wiring) -> Iterator[tuple[str, str]]:
    """Every technology key the wiring names, with where: (place, key)."""
    for role, key in wiring.roles.items():
        yield f"roles.{role}", key
    for name, keys in [*wiring.groups.items(), *wiring.attackers.items()]:
        for key in keys:
            yield name, key
    for place, table in (("callers", wiring.callers), ("default_data", wiring.default_data),
                         ("replies", wiring.replies), ("store_writers", wiring.store_writers),
                         ("implied_data", wiring.implied_data),
                         ("store_protocols", wiring.store_protocols)):
        for key in table:
            yield place, key
    for key, caller in wiring.callers.items():
        yield f"callers.{key}", caller
    for key, writer in wiring.store_writers.items():
        yield f"store_writers.{key}", writer.writer


def wiring_problems(wiring: Wiring, vocab: Vocabulary, types: Mapping[str, Any]) -> list[str]:
    """What in ``wiring`` names no technology, data kind or catalogue type."""
    problems = [f"{place}: unknown technology {key!r}" for place, key in
                technologies_named(wiring)
                if key not in vocab.technologies and key not in wiring.components]
    for place, table in (("default_data", wiring.default_data), ("replies", wiring.replies),
                         ("implied_data", wiring.implied_data)):
        problems += [f"{place}.{key}: unknown data kind {kind!r}"
                     for key, kinds in table.items() for kind in kinds if kind not in vocab.data]
    problems += [f"components.{c.key}: unknown type {c.type!r}"
                 for c in wiring.components.values() if c.type not in types]
    placed = [tier for b in wiring.boundaries for tier in b.tiers]
    problems += [f"boundaries: tier {tier!r} is in {placed.count(tier)} boundaries, not one"
                 for tier in TIERS if placed.count(tier) != 1]
    return problems


@cache
def wiring() -> Wiring:
    """The shipped wiring (loaded once, checked against the vocabulary and the catalogue)."""
    loaded = wiring_from_data(builtin_catalogue_data()["wiring"])
    problems = wiring_problems(loaded, vocabulary(), builtin_catalogue().types)
    if problems:
        raise PackError(f"{CATALOGUE_FILE}: wiring: {'; '.join(problems)}")
    return loaded
