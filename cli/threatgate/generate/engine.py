"""The rule engine: rule packs in, generated threats and controls out.

Packs are loaded and compiled by :mod:`threatgate.generate.rulepacks`; this module runs
them. Running the rules is deterministic: packs in load order, rules in file order,
elements in model order; ids derive from the rule id and the element id, so re-running
on a changed architecture changes only what changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.generate.catalogue import Catalogue
from threatgate.generate.expressions import (
    AssetView,
    ComponentView,
    FlowView,
    describe,
    infer_encrypted,
)
from threatgate.generate.rulepacks import (
    PLACEHOLDER,
    PROPERTY_ORDER,
    STRIDE_PROPERTIES,
    CompiledRule,
    RulePack,
    compiled_rules,
)

MAX_ID = 64
MAX_TITLE = 200

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


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



# --- running -------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass
class Architecture:
    """The views of one model's architecture the rules run over."""

    components: list[ComponentView]
    flows: list[FlowView]


def build_architecture(model: Mapping[str, Any], catalogue: Catalogue) -> Architecture:
    """Resolve flags, boundaries and data of the model's components and flows.

    Entries without a usable id, and flows whose ends are not components, are skipped:
    validation reports them; generation works on what is well formed.
    """
    assets: dict[str, AssetView] = {}
    for raw in _list(model.get("assets")):
        if isinstance(raw, Mapping) and _text(raw.get("id")) and raw["id"] not in assets:
            assets[raw["id"]] = AssetView(
                raw["id"], _text(raw.get("kind")), _text(raw.get("classification")),
                frozenset(p for p in _list(raw.get("properties")) if isinstance(p, str)))
    components: dict[str, ComponentView] = {}
    for raw in _list(model.get("components")):
        if not isinstance(raw, Mapping) or not _text(raw.get("id")) or raw["id"] in components:
            continue
        type_id = _text(raw.get("type"))
        flags = [f for f in _list(raw.get("flags")) if isinstance(f, str)]
        components[raw["id"]] = ComponentView(
            id=raw["id"], name=_one_line(_text(raw.get("name")) or raw["id"]), type=type_id,
            category=catalogue.category(type_id),
            flags=catalogue.effective_flags(type_id, flags),
            boundary=_text(raw.get("boundary")))
    flows: list[FlowView] = []
    flow_ids: set[str] = set()
    for raw in _list(model.get("dataflows")):
        if not isinstance(raw, Mapping) or not _text(raw.get("id")) or raw["id"] in flow_ids:
            continue
        source = components.get(raw.get("from"))  # type: ignore[arg-type]
        target = components.get(raw.get("to"))  # type: ignore[arg-type]
        if source is None or target is None:
            continue
        flow_ids.add(raw["id"])
        protocol = _text(raw.get("protocol"))
        encrypted = raw.get("encrypted")
        authenticated = raw.get("authenticated")
        flow = FlowView(
            id=raw["id"],
            name=_one_line(_text(raw.get("name")) or f"{source.name} to {target.name}"),
            protocol=protocol,
            encrypted=infer_encrypted(protocol, encrypted if isinstance(encrypted, bool)
                                      else None),
            authenticated=authenticated if isinstance(authenticated, bool) else None,
            source=source, target=target,
            assets=tuple(assets[a] for a in dict.fromkeys(_list(raw.get("data")))
                         if isinstance(a, str) and a in assets))
        source.outbound.append(flow)
        target.inbound.append(flow)
        flows.append(flow)
    return Architecture(list(components.values()), flows)


def bounded_id(text: str) -> str:
    """A valid entity id for ``text``: unsafe characters replaced, and at most 64 characters
    (a longer id keeps its start and gains a short hash of the whole, so it stays unique
    and stable)."""
    safe = _ID_UNSAFE.sub("_", text)
    if not safe[:1].isalpha():
        safe = "X" + safe
    if safe == text and len(safe) <= MAX_ID:
        return safe
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{safe[:MAX_ID - 9]}-{digest}"


def names(values: Sequence[str], *, most: int = 3) -> str:
    """Names joined for a sentence: "A", "A and B", "A, B and C", "A, B, C and 2 more"."""
    unique = list(dict.fromkeys(values))
    if len(unique) > most:
        return f"{', '.join(unique[:most])} and {len(unique) - most} more"
    return unique[0] if len(unique) == 1 else f"{', '.join(unique[:-1])} and {unique[-1]}"


def _render(template: str, elements: Sequence[ComponentView | FlowView]) -> str:
    """The template for one component, or for the flows of one threat (their other ends,
    flows and protocols named together)."""
    first = elements[0]

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if isinstance(first, ComponentView):
            return first.id if name == "component.id" else first.name
        flows = [e for e in elements if isinstance(e, FlowView)]
        if name == "protocol":
            return names([f.protocol or "an unspecified protocol" for f in flows])
        base, _, attr = name.partition(".")
        if base in ("source", "target"):
            ends = [f.source if base == "source" else f.target for f in flows]
            return names([end.id if attr == "id" else end.name for end in ends])
        return names([f.id if attr == "id" else f.name for f in flows])

    return PLACEHOLDER.sub(value, template)


def _condition(rule: CompiledRule) -> str:
    """What the rule asks of an element, in words (once per rule, not per element)."""
    text = f"matches: {describe(rule.spec['when'])}"
    if "unless" in rule.spec:
        text += f"; and not: {describe(rule.spec['unless'])}"
    return text


def _reason(condition: str, element: ComponentView | FlowView) -> str:
    if isinstance(element, ComponentView):
        what = f"component {element.id} ({element.type or 'untyped'}"
        flags = ", ".join(sorted(element.flags))
        what += f"; flags {flags})" if flags else ")"
    else:
        what = (f"dataflow {element.id} {element.source.id} -> {element.target.id} "
                f"({element.protocol or 'no protocol'})")
    return f"{what} {condition}"


def apply_packs(model: Mapping[str, Any], packs: Sequence[RulePack]) -> Generated:
    """Run ``packs`` over the architecture of ``model`` (components, dataflows,
    trust_boundaries, assets); the rest of the model is not read."""
    rules, catalogue = compiled_rules(packs)
    return run_compiled(model, rules, catalogue)


def run_compiled(model: Mapping[str, Any], rules: Sequence[CompiledRule],
                 catalogue: Catalogue) -> Generated:
    """:func:`apply_packs` for rules already compiled against ``catalogue``."""
    architecture = build_architecture(model, catalogue)
    threats: list[GeneratedThreat] = []
    controls: dict[str, dict[str, Any]] = {}
    fired: list[Firing] = []
    not_applicable: list[NotApplicable] = []
    threat_ids: set[str] = set()
    for rule in rules:
        elements: Sequence[ComponentView | FlowView] = (
            architecture.components if rule.spec["scope"] == "component"
            else architecture.flows)
        hits = 0
        condition = ""
        for subject, matched in _by_subject(rule, elements).items():
            threat = _threat(rule, subject, matched, controls)
            if threat.entry["id"] in threat_ids:
                continue
            threat_ids.add(threat.entry["id"])
            hits += 1
            threats.append(threat)
            condition = condition or _condition(rule)
            fired.append(Firing(rule.id, tuple(e.id for e in matched),
                                "; ".join(_reason(condition, e) for e in matched)))
        if not hits:
            not_applicable.append(NotApplicable(rule.id, rule.spec["not_applicable_when"]))
    return Generated(threats, list(controls.values()), fired, not_applicable)


def _by_subject(rule: CompiledRule, elements: Sequence[ComponentView | FlowView]
                ) -> dict[ComponentView, list[ComponentView | FlowView]]:
    """The elements the rule matches, by the component each threat is about: one threat
    per weakness per component, with the flows of that component listed in it."""
    per = rule.spec.get("per", "source")
    found: dict[ComponentView, list[ComponentView | FlowView]] = {}
    for element in elements:
        if not rule.when(element) or (rule.unless is not None and rule.unless(element)):
            continue
        if isinstance(element, ComponentView):
            subject = element
        else:
            subject = element.target if per == "target" else element.source
        found.setdefault(subject, []).append(element)
    return found


def _threat(rule: CompiledRule, subject: ComponentView,
            matched: Sequence[ComponentView | FlowView],
            controls: dict[str, dict[str, Any]]) -> GeneratedThreat:
    spec = rule.spec
    ids: dict[str, str] = {}
    for control in spec["controls"]:
        suffix = control["id"]
        cid = bounded_id(f"C-{suffix}-{subject.id}" if control.get("per_element")
                         else f"C-{suffix}")
        ids[suffix] = cid
        if cid not in controls:
            entry: dict[str, Any] = {
                "id": cid, "title": _one_line(control["title"])[:MAX_TITLE],
                "description": control["description"].strip(), "status": "planned",
            }
            if control.get("compliance"):
                entry["compliance"] = list(control["compliance"])
            entry["origin"] = "generated"
            controls[cid] = entry
    groups = [[ids[member] for member in group] for group in spec["groups"]]
    mitigations = list(dict.fromkeys(cid for group in groups for cid in group))
    flows = [e for e in matched if isinstance(e, FlowView)]
    components = (list(dict.fromkeys(end.id for f in flows for end in (f.source, f.target)))
                  if flows else [subject.id])
    dataflows = [f.id for f in flows]
    title = _one_line(_render(spec["title"], matched))
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE - 3].rstrip() + "..."
    entry = {
        "id": bounded_id(f"T-{rule.id}-{subject.id}"),
        "title": title,
        "description": _render(spec["description"], matched).strip(),
        "stride": list(spec["stride"]),
    }
    if spec.get("cwe"):
        entry["cwe"] = list(spec["cwe"])
    entry.update({"likelihood": spec["likelihood"], "impact": spec["impact"],
                  "components": components})
    if dataflows:
        entry["dataflows"] = dataflows
    entry["mitigations"] = mitigations
    entry["origin"] = "generated"
    wanted = set(spec.get("properties") or (STRIDE_PROPERTIES[s] for s in spec["stride"]))
    return GeneratedThreat(
        entry=entry, groups=groups,
        assets=list(dict.fromkeys(asset.id for e in matched for asset in e.assets)),
        properties=[p for p in PROPERTY_ORDER if p in wanted],
        attacker_positions=list(spec.get("attackers") or ["external"]),
        rule=rule.id,
    )


# --- inline tests of packs -----------------------------------------------------------------
