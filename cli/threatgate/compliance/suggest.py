"""Rule-pack controls that would cover a framework's uncovered requirements.

A rule-pack control covers the requirements its ``compliance`` names, and the CWE ids
of its rule (``cwe:CWE-639``). For the requirements of a framework not covered in a model
(unmapped, planned or partial; never excluded ones), the candidates are the pack controls
covering at least one of them that the model does not have yet (by title), best first:
the most uncovered requirements covered, then the pack order. Each says what the rule
needs to apply (its scope, its conditions, its attackers), so that a reader can tell
whether it fits the system.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatgate.compliance.coverage import ModelCoverage
from threatgate.model.vocabulary import id_list

UNCOVERED = frozenset({"unmapped", "planned", "partial"})


@dataclass(frozen=True)
class PackControl:
    """A control of a rule-pack rule, with the requirements it covers."""

    pack: str
    rule: str
    slug: str
    title: str
    description: str
    covers: tuple[str, ...]
    needs: str


@dataclass(frozen=True)
class Suggestion:
    control: PackControl
    #: Requirement ids (of the framework) it would cover, in catalogue order.
    requirements: tuple[str, ...]


def describe_condition(value: Any) -> str:
    """A rule's ``when`` in words: ``component flags all serves_api, none third_party``."""
    if isinstance(value, Mapping):
        return "; ".join(f"{key} {describe_condition(inner)}".strip()
                         for key, inner in value.items())
    if isinstance(value, list):
        return ", ".join(describe_condition(v) for v in value)
    return str(value)


def needs_of(rule: Mapping[str, Any]) -> str:
    parts = [f"scope {rule.get('scope', 'model')}"]
    if rule.get("when"):
        parts.append(f"when {describe_condition(rule['when'])}")
    if rule.get("attackers"):
        parts.append(f"attackers {', '.join(id_list(rule['attackers']))}")
    if rule.get("properties"):
        parts.append(f"assets with {', '.join(id_list(rule['properties']))}")
    return "; ".join(parts)


def pack_controls(pack: str, rules: Iterable[Mapping[str, Any]]) -> list[PackControl]:
    """The controls of a pack's rules (raw rule mappings, as the pack file has them)."""
    out = []
    for rule in rules:
        cwe = tuple(f"cwe:{c}" for c in id_list(rule.get("cwe")))
        for control in rule.get("controls") or []:
            if not isinstance(control, Mapping):
                continue
            covers = tuple(dict.fromkeys([*id_list(control.get("compliance")), *cwe]))
            out.append(PackControl(pack, str(rule.get("id")), str(control.get("id")),
                                   str(control.get("title", "")),
                                   str(control.get("description", "")), covers,
                                   needs_of(rule)))
    return out


def suggest(coverage: ModelCoverage, framework: str, candidates: Sequence[PackControl],
            existing_titles: Iterable[str] = ()) -> list[Suggestion]:
    """The pack controls that would cover requirements ``coverage`` leaves uncovered."""
    uncovered = [row.requirement.id for row in coverage.rows if row.status in UNCOVERED]
    wanted = set(uncovered)
    order = {requirement: i for i, requirement in enumerate(uncovered)}
    have = set(existing_titles)
    prefix = framework + ":"
    seen: set[str] = set()
    found: list[tuple[int, int, Suggestion]] = []
    for position, control in enumerate(candidates):
        if control.title in have or control.title in seen:
            continue
        covered = sorted({ref[len(prefix):] for ref in control.covers
                          if ref.startswith(prefix) and ref[len(prefix):] in wanted},
                         key=order.__getitem__)
        if covered:
            seen.add(control.title)
            found.append((-len(covered), position, Suggestion(control, tuple(covered))))
    found.sort(key=lambda item: (item[0], item[1]))
    return [suggestion for *_, suggestion in found]
