"""The rule engine: rule packs in, generated threats and controls out.

This module fixes the contract between the rule library and the generator; the
functions below are the only entry points the rest of threatgate uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Firing:
    """One rule that matched one set of elements, and why (shown by ``generate --explain``)."""

    rule: str                      # rule id, e.g. "web.sqli"
    elements: tuple[str, ...]      # component / dataflow ids the match was made on
    reason: str                    # human sentence: which flags/types/properties matched


@dataclass(frozen=True)
class NotApplicable:
    """A rule that did not fire, with the pack's "not applicable when" explanation."""

    rule: str
    explanation: str


@dataclass
class GeneratedThreat:
    """A threat entry ready for the model file, plus what the generator needs to place it.

    ``entry`` is model-shaped (id, title, description, stride, cwe, likelihood, impact,
    components, dataflows, mitigations, origin: generated). ``groups`` are the mitigation
    groups (AND inside, OR across) of control ids; every id in them is in
    ``Generated.controls``. ``assets`` are the asset ids the threat endangers (from the
    data on the dataflows and the components involved), ``properties`` the security
    properties at stake, ``attacker_positions`` the attacker positions that can carry it out.
    """

    entry: dict[str, Any]
    groups: list[list[str]]
    assets: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    attacker_positions: list[str] = field(default_factory=list)
    rule: str = ""


@dataclass
class Generated:
    """Everything one run of the rules yields, in a deterministic order."""

    threats: list[GeneratedThreat]
    controls: list[dict[str, Any]]   # model-shaped control entries, status: planned
    fired: list[Firing]
    not_applicable: list[NotApplicable]


@dataclass(frozen=True)
class RulePack:
    """A loaded, validated rule pack."""

    name: str
    path: Path
    rules: tuple[Mapping[str, Any], ...]


def load_packs(extra: Sequence[Path] = (), *, builtin: bool = True) -> list[RulePack]:
    """Load the packs shipped with threatgate (unless ``builtin`` is false) and ``extra``."""
    raise NotImplementedError


def run_rules(model: Mapping[str, Any], packs: Sequence[RulePack]) -> Generated:
    """Run ``packs`` over the architecture of ``model`` (components, dataflows,
    trust_boundaries, assets); the rest of the model is not read."""
    raise NotImplementedError
