"""Warnings: a model that is valid but probably not what its author meant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from threatgate.diagnostics import Severity
from threatgate.model.groups import judge_group
from threatgate.model.vocabulary import id_list, items, objective_removed, text
from threatgate.validate.rules.base import RuleContext, rule


def _objectives(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objectives in force: removed ones are kept for the record only."""
    for index, objective in items(data, "objectives"):
        if not objective_removed(objective):
            yield index, objective


def _groups(objective: dict[str, object]) -> list[list[str]]:
    groups = objective.get("mitigated_by")
    if not isinstance(groups, list):
        return []
    return [id_list(group) for group in groups]


@rule(
    "unused-control",
    Severity.WARNING,
    "A control serves no objective's mitigation group and mitigates no threat.",
)
def unused_controls(context: RuleContext) -> None:
    used: set[str] = set()
    for _, objective in _objectives(context.data):
        for group in _groups(objective):
            used.update(group)
    for _, threat in items(context.data, "threats"):
        used.update(id_list(threat.get("mitigations")))
    for index, control in items(context.data, "controls"):
        control_id = control.get("id")
        if isinstance(control_id, str) and control_id not in used:
            context.report(
                ("controls", index, "id"),
                f"control {control_id} is not used by any objective's mitigated_by "
                "or any threat's mitigations",
            )


@rule("uncovered-asset", Severity.WARNING, "An asset is protected by no control objective.")
def uncovered_assets(context: RuleContext) -> None:
    covered = {text(o, "asset") for _, o in _objectives(context.data)}
    for index, asset in items(context.data, "assets"):
        asset_id = asset.get("id")
        if isinstance(asset_id, str) and asset_id not in covered:
            context.report(
                ("assets", index, "id"),
                f"asset {asset_id} has no control objective; run "
                "'threatgate generate objectives' or add one",
            )


@rule("unused-attacker", Severity.WARNING, "An attacker appears in no control objective.")
def unused_attackers(context: RuleContext) -> None:
    named = {text(o, "attacker") for _, o in _objectives(context.data)}
    for index, attacker in items(context.data, "attackers"):
        attacker_id = attacker.get("id")
        if isinstance(attacker_id, str) and attacker_id not in named:
            context.report(
                ("attackers", index, "id"),
                f"attacker {attacker_id} appears in no control objective",
            )


@rule(
    "group-cannot-complete",
    Severity.WARNING,
    "A mitigation group holds a wont_do control, or only not_applicable controls, so it can "
    "never complete.",
)
def groups_that_cannot_complete(context: RuleContext) -> None:
    statuses = {text(c, "id"): text(c, "status") for _, c in items(context.data, "controls")}
    for index, objective in _objectives(context.data):
        for group_index, group in enumerate(_groups(objective)):
            why = judge_group(group, statuses.get).why_never()
            if why:
                context.report(
                    ("objectives", index, "mitigated_by", group_index),
                    f"objective {objective.get('id', index)}: mitigation group "
                    f"{group_index + 1} can never complete {why}",
                )


@rule(
    "duplicate-objective",
    Severity.WARNING,
    "Two control objectives protect the same property of an asset against the same attacker.",
)
def duplicate_objectives(context: RuleContext) -> None:
    """One objective per asset x attacker is the norm; splitting it by property is fine.

    An objective duplicates the first earlier one of its asset and attacker whose
    properties overlap its own (no properties: any earlier one). Earlier objectives are
    indexed by property, so each objective costs the size of its own properties.
    """
    declared = {
        text(a, "id"): set(id_list(a.get("properties"))) for _, a in items(context.data, "assets")
    }
    seen: dict[tuple[str, str], _EarlierObjectives] = {}
    for index, objective in _objectives(context.data):
        asset, attacker = text(objective, "asset"), text(objective, "attacker")
        if not isinstance(asset, str) or not isinstance(attacker, str):
            continue
        props = set(id_list(objective.get("properties"))) or declared.get(asset, set())
        earlier = seen.setdefault((asset, attacker), _EarlierObjectives())
        other = earlier.first_overlapping(props)
        if other is not None:
            other_id, other_props = other
            shared = ", ".join(sorted(props & other_props)) or "the same properties"
            context.report(
                ("objectives", index),
                f"objective {objective.get('id', index)} protects {shared} of asset {asset} "
                f"against attacker {attacker}, as {other_id} already does",
            )
        earlier.add(objective.get("id", index), props)


Earlier = tuple[int, object, set[str]]  # order, id, properties


class _EarlierObjectives:
    """The objectives of one asset and attacker seen so far, indexed by property."""

    def __init__(self) -> None:
        self.count = 0
        self.first: Earlier | None = None
        self.first_without_properties: Earlier | None = None
        self.first_with: dict[str, Earlier] = {}

    def add(self, objective_id: object, props: set[str]) -> None:
        entry = (self.count, objective_id, props)
        self.count += 1
        if self.first is None:
            self.first = entry
        if not props and self.first_without_properties is None:
            self.first_without_properties = entry
        for prop in props:
            self.first_with.setdefault(prop, entry)

    def first_overlapping(self, props: set[str]) -> tuple[object, set[str]] | None:
        """The first earlier objective sharing a property (any, when either has none)."""
        if not props:
            candidates = [self.first]
        else:
            candidates = [self.first_without_properties,
                          *(self.first_with.get(prop) for prop in props)]
        found = min((c for c in candidates if c is not None), default=None,
                    key=lambda c: c[0])
        return None if found is None else (found[1], found[2])


@rule(
    "property-not-on-asset",
    Severity.WARNING,
    "An objective names a security property its asset does not declare.",
)
def properties_not_on_asset(context: RuleContext) -> None:
    declared = {
        text(a, "id"): set(id_list(a.get("properties"))) for _, a in items(context.data, "assets")
    }
    for index, objective in _objectives(context.data):
        asset = text(objective, "asset")
        if asset not in declared:
            continue
        for p_index, prop in enumerate(id_list(objective.get("properties"))):
            if prop not in declared[asset]:
                context.report(
                    ("objectives", index, "properties", p_index),
                    f"objective {objective.get('id', index)} protects {prop}, which "
                    f"asset {asset} does not list in its properties",
                )


@rule(
    "unknown-framework",
    Severity.WARNING,
    "A control maps to a framework the model does not list in 'frameworks'.",
)
def unknown_frameworks(context: RuleContext) -> None:
    listed = set(id_list(context.data.get("frameworks")))
    for index, control in items(context.data, "controls"):
        for ref_index, ref in enumerate(id_list(control.get("compliance"))):
            framework = ref.split(":", 1)[0]
            # Without a catalogue, an undeclared framework is an error (unknown-requirement).
            if (":" in ref and framework not in listed
                    and context.catalogues.get(framework) is not None):
                context.report(
                    ("controls", index, "compliance", ref_index),
                    f"control {control.get('id', index)} maps to {ref}, but "
                    f"'{framework}' is not in the model's frameworks",
                )
