"""The rule engine: rule packs in, generated threats and controls out.

This module fixes the contract between the rule library and the generator; the
functions below are the only entry points the rest of threatgate uses.

Packs are YAML read by threatgate's strict loader and checked against
``schemas/rulepack.schema.json``; their expressions are compiled once by
:mod:`threatgate.generate.expressions` (never evaluated as code). Every problem in a pack
is reported as ``path:line:col: message``. Running the rules is deterministic: packs in
load order, rules in file order, elements in model order; ids derive from the rule id
and the element id, so re-running on a changed architecture changes only what changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatgate.errors import InputError
from threatgate.generate.catalogue import Catalogue, builtin_catalogue
from threatgate.generate.expressions import (
    AssetView,
    ComponentView,
    ExpressionError,
    FlowView,
    Predicate,
    Vocabulary,
    compile_expression,
    describe,
    infer_encrypted,
)

if TYPE_CHECKING:
    from threatgate.model.config import Config

RULEPACK_SCHEMA = "rulepack.schema.json"
BUILTIN_PACK_DIR = Path(__file__).resolve().parent / "packs"
MAX_ID = 64
MAX_TITLE = 200

#: Security properties at stake by STRIDE category, when a rule does not name them.
STRIDE_PROPERTIES = {
    "spoofing": "integrity",
    "tampering": "integrity",
    "repudiation": "integrity",
    "information_disclosure": "confidentiality",
    "denial_of_service": "availability",
    "elevation_of_privilege": "integrity",
}
PROPERTY_ORDER = ("confidentiality", "integrity", "availability", "usage")

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_COMPONENT_PLACEHOLDERS = frozenset({"component", "component.id"})
_FLOW_PLACEHOLDERS = frozenset({"source", "source.id", "target", "target.id", "dataflow",
                                "dataflow.id", "protocol"})
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class PackError(InputError):
    """A rule pack or the catalogue cannot be loaded (exit 2)."""


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
class CompiledRule:
    """A rule with its expressions compiled, and where it came from."""

    spec: Mapping[str, Any]
    pack: str
    when: Predicate
    unless: Predicate | None
    location: str = ""          # "path:line:col" of the rule, for messages

    @property
    def id(self) -> str:
        return str(self.spec["id"])


@dataclass(frozen=True)
class RulePack:
    """A loaded, validated rule pack."""

    name: str
    path: Path
    rules: tuple[Mapping[str, Any], ...]
    title: str = ""
    description: str = ""
    flags: Mapping[str, str] = field(default_factory=dict)
    types: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    compiled: tuple[CompiledRule, ...] = ()
    builtin: bool = False


# --- loading -------------------------------------------------------------------------------


def _about_this_file(message: str, schema_name: str) -> str:
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


def _read_document(path: Path, schema_name: str) -> Any:
    """Load ``path`` with the strict loader and check it against ``schema_name``."""
    from threatgate.model import schema
    from threatgate.model.loader import LoadError, load_bytes, read_bytes

    try:
        document = load_bytes(read_bytes(path), locate=True)
    except LoadError as exc:
        raise PackError(f"{path}:{exc.line}:{exc.column}: "
                        f"{_about_this_file(exc.message, schema_name)}") from None
    except OSError as exc:
        raise PackError(f"{path}: cannot read: {exc.strerror or exc}") from None
    problems = schema.check(document.data, schema_name)
    if problems:
        first = problems[0]
        line, column = document.locate(first.path)
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise PackError(f"{path}:{line}:{column}: {first.message}{more}")
    return document


def load_checked(path: Path, schema_name: str) -> dict[str, Any]:
    """The data of a YAML file that passed the strict loader and the schema."""
    data: dict[str, Any] = _read_document(path, schema_name).data
    return data


def pack_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their ``*.yaml`` / ``*.yml`` files (sorted); keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir()
                                if p.suffix in (".yaml", ".yml") and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise PackError(f"{path}: rule pack not found")
    return files


def builtin_pack_files() -> list[Path]:
    return sorted(BUILTIN_PACK_DIR.glob("*.yaml"))


def load_packs(extra: Sequence[Path] = (), *, builtin: bool = True,
               override: Sequence[Path] = ()) -> list[RulePack]:
    """Load the packs shipped with threatgate (unless ``builtin`` is false) and ``extra``.

    ``extra`` holds pack files or folders of packs. ``override`` holds pack files that
    replace any other loaded pack of the same name (``rules test PATH`` tests an edited
    copy of a built-in or configured pack on its own). Raises :class:`PackError` for a
    pack that cannot be read, fails its schema, uses an unknown flag or type, repeats a
    rule id or pack name, or groups a control the rule does not define.
    """
    sources = [(p, True) for p in builtin_pack_files()] if builtin else []
    sources += [(p, False) for p in pack_files(extra)]
    overriding = {p.resolve() for p in pack_files(override)}
    sources += [(p, False) for p in pack_files(override)]
    unique: dict[Path, tuple[Path, bool]] = {}
    for path, is_builtin in sources:  # the same file named twice is loaded once
        key = path.resolve()
        if key in overriding:
            is_builtin = False
        unique.setdefault(key, (path, is_builtin))
    documents = [(path, is_builtin, _read_document(path, RULEPACK_SCHEMA))
                 for path, is_builtin in unique.values()]
    replaced = {document.data["name"] for path, _, document in documents
                if path.resolve() in overriding}
    documents = [entry for entry in documents
                 if entry[0].resolve() in overriding or entry[2].data["name"] not in replaced]

    catalogue = builtin_catalogue()
    names: dict[str, Path] = {}
    for path, _, document in documents:
        data = document.data
        if data["name"] in names:
            line, column = document.locate(("name",))
            raise PackError(f"{path}:{line}:{column}: pack name {data['name']!r} is already "
                            f"used by {names[data['name']]}")
        names[data["name"]] = path
        catalogue = catalogue.extended(data.get("flags", {}), data.get("types", {}),
                                       data["name"])
    vocabulary = Vocabulary(frozenset(catalogue.flags), frozenset(catalogue.types))

    packs: list[RulePack] = []
    seen_rules: dict[str, str] = {}
    for path, is_builtin, document in documents:
        data = document.data
        compiled = []
        for index, rule in enumerate(data["rules"]):
            here = ("rules", index)
            line, column = document.locate(here)
            location = f"{path}:{line}:{column}"
            if rule["id"] in seen_rules:
                raise PackError(f"{location}: rule id {rule['id']!r} is already defined at "
                                f"{seen_rules[rule['id']]}")
            seen_rules[rule["id"]] = location
            try:
                compiled.append(_compile_rule(rule, data["name"], here, vocabulary, location))
            except ExpressionError as exc:
                line, column = document.locate(exc.path)
                raise PackError(f"{path}:{line}:{column}: rule {rule['id']}: "
                                f"{exc.message}") from None
        packs.append(RulePack(
            name=data["name"], path=path, rules=tuple(data["rules"]), title=data["title"],
            description=data.get("description", ""), flags=dict(data.get("flags", {})),
            types=dict(data.get("types", {})), compiled=tuple(compiled), builtin=is_builtin,
        ))
    return packs


def configured_packs(config: Config, extra: Sequence[Path] = (), *,
                     builtin: bool = True, override: Sequence[Path] = ()) -> list[RulePack]:
    """The packs a repository runs: built-in ones (unless ``builtin`` is false or
    ``[generate] builtin_packs = false``), ``[generate] packs``, then ``extra``; a pack
    file in ``override`` replaces the loaded pack of the same name."""
    return load_packs([*config.pack_paths, *extra], builtin=builtin and config.builtin_packs,
                      override=override)


def _compile_rule(rule: Mapping[str, Any], pack: str, path: tuple[str | int, ...],
                  vocabulary: Vocabulary, location: str) -> CompiledRule:
    scope = rule["scope"]
    allowed = _COMPONENT_PLACEHOLDERS if scope == "component" else _FLOW_PLACEHOLDERS
    for key in ("title", "description"):
        for name in _PLACEHOLDER.findall(rule[key]):
            if name not in allowed:
                raise ExpressionError((*path, key), f"unknown placeholder {{{name}}} in a "
                                      f"rule of scope {scope}; use "
                                      f"{', '.join('{' + a + '}' for a in sorted(allowed))}")
    defined = [control["id"] for control in rule["controls"]]
    duplicates = sorted({c for c in defined if defined.count(c) > 1})
    if duplicates:
        raise ExpressionError((*path, "controls"),
                              f"control {', '.join(duplicates)} is defined twice")
    for g, group in enumerate(rule["groups"]):
        for i, member in enumerate(group):
            if member not in defined:
                raise ExpressionError((*path, "groups", g, i),
                                      f"group names control {member!r}, which the rule does "
                                      f"not define (defined: {', '.join(defined)})")
    grouped = {member for group in rule["groups"] for member in group}
    orphans = [c for c in defined if c not in grouped]
    if orphans:
        raise ExpressionError((*path, "controls"),
                              f"control {', '.join(orphans)} is in no mitigation group")
    when = compile_expression(rule["when"], scope, (*path, "when"), vocabulary)
    unless = (compile_expression(rule["unless"], scope, (*path, "unless"), vocabulary)
              if "unless" in rule else None)
    return CompiledRule(rule, pack, when, unless, location)


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
            id=raw["id"], name=_one_line(_text(raw.get("name")) or raw["id"]),
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


def _render(template: str, element: ComponentView | FlowView) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if isinstance(element, ComponentView):
            return element.id if name == "component.id" else element.name
        if name == "protocol":
            return element.protocol or "an unspecified protocol"
        base, _, attr = name.partition(".")
        target: ComponentView | FlowView = {
            "source": element.source, "target": element.target}.get(base, element)
        return target.id if attr == "id" else target.name

    return _PLACEHOLDER.sub(value, template)


def _reason(rule: CompiledRule, element: ComponentView | FlowView) -> str:
    if isinstance(element, ComponentView):
        what = f"component {element.id} ({element.type or 'untyped'}"
        flags = ", ".join(sorted(element.flags))
        what += f"; flags {flags})" if flags else ")"
    else:
        what = (f"dataflow {element.id} {element.source.id} -> {element.target.id} "
                f"({element.protocol or 'no protocol'})")
    text = f"{what} matches: {describe(rule.spec['when'])}"
    if "unless" in rule.spec:
        text += f"; and not: {describe(rule.spec['unless'])}"
    return text


def _compiled(packs: Sequence[RulePack]) -> tuple[list[CompiledRule], Catalogue]:
    catalogue = builtin_catalogue()
    for pack in packs:
        catalogue = catalogue.extended(pack.flags, pack.types, pack.name)
    rules: list[CompiledRule] = []
    vocabulary = Vocabulary(frozenset(catalogue.flags), frozenset(catalogue.types))
    for pack in packs:
        if pack.compiled or not pack.rules:
            rules.extend(pack.compiled)
            continue
        for index, rule in enumerate(pack.rules):  # a pack built by hand, not loaded
            try:
                rules.append(_compile_rule(rule, pack.name, ("rules", index), vocabulary,
                                           str(pack.path)))
            except ExpressionError as exc:
                raise PackError(f"{pack.path}: rule {rule.get('id')}: {exc.message}") from None
    return rules, catalogue


def compiled_rules(packs: Sequence[RulePack]) -> tuple[list[CompiledRule], Catalogue]:
    """Every rule of ``packs`` compiled, and the catalogue extended by the packs."""
    return _compiled(packs)


def rule_record(rule: CompiledRule, *, detail: bool = False) -> dict[str, Any]:
    """A rule as plain data for listings (``detail`` adds description, expressions, tests)."""
    spec = rule.spec
    record: dict[str, Any] = {
        "id": rule.id, "pack": rule.pack, "title": spec["title"], "scope": spec["scope"],
        "stride": list(spec["stride"]), "cwe": list(spec.get("cwe", [])),
        "likelihood": spec["likelihood"], "impact": spec["impact"],
        "controls": [f"C-{c['id']}" for c in spec["controls"]],
    }
    if not detail:
        return record
    wanted = set(spec.get("properties") or (STRIDE_PROPERTIES[s] for s in spec["stride"]))
    tests = spec.get("tests", {})
    record.update({
        "description": " ".join(spec["description"].split()),
        "properties": [p for p in PROPERTY_ORDER if p in wanted],
        "attackers": list(spec.get("attackers") or ["external"]),
        "when": spec["when"], "when_text": describe(spec["when"]),
        "unless": spec.get("unless"),
        "unless_text": describe(spec["unless"]) if "unless" in spec else None,
        "controls": [{"id": f"C-{c['id']}" + ("-<element>" if c.get("per_element") else ""),
                      "title": c["title"], "description": " ".join(c["description"].split()),
                      "compliance": list(c.get("compliance", []))}
                     for c in spec["controls"]],
        "groups": [[f"C-{m}" for m in group] for group in spec["groups"]],
        "not_applicable_when": spec["not_applicable_when"],
        "references": list(spec.get("references", [])),
        "tests": {"fires": len(tests.get("fires", [])), "silent": len(tests.get("silent", []))},
        "location": rule.location,
    })
    return record


def run_rules(model: Mapping[str, Any], packs: Sequence[RulePack]) -> Generated:
    """Run ``packs`` over the architecture of ``model`` (components, dataflows,
    trust_boundaries, assets); the rest of the model is not read."""
    rules, catalogue = _compiled(packs)
    return run_compiled(model, rules, catalogue)


def run_compiled(model: Mapping[str, Any], rules: Sequence[CompiledRule],
                 catalogue: Catalogue) -> Generated:
    """:func:`run_rules` for rules already compiled against ``catalogue``."""
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
        for element in elements:
            if not rule.when(element) or (rule.unless is not None and rule.unless(element)):
                continue
            threat = _threat(rule, element, controls)
            if threat.entry["id"] in threat_ids:
                continue
            threat_ids.add(threat.entry["id"])
            hits += 1
            threats.append(threat)
            fired.append(Firing(rule.id, (element.id,), _reason(rule, element)))
        if not hits:
            not_applicable.append(NotApplicable(rule.id, rule.spec["not_applicable_when"]))
    return Generated(threats, list(controls.values()), fired, not_applicable)


def _threat(rule: CompiledRule, element: ComponentView | FlowView,
            controls: dict[str, dict[str, Any]]) -> GeneratedThreat:
    spec = rule.spec
    ids: dict[str, str] = {}
    for control in spec["controls"]:
        suffix = control["id"]
        cid = bounded_id(f"C-{suffix}-{element.id}" if control.get("per_element")
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
    if isinstance(element, ComponentView):
        components, dataflows = [element.id], []
    else:
        components = list(dict.fromkeys((element.source.id, element.target.id)))
        dataflows = [element.id]
    title = _one_line(_render(spec["title"], element))
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE - 3].rstrip() + "..."
    entry = {
        "id": bounded_id(f"T-{rule.id}-{element.id}"),
        "title": title,
        "description": _render(spec["description"], element).strip(),
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
        assets=[asset.id for asset in element.assets],
        properties=[p for p in PROPERTY_ORDER if p in wanted],
        attacker_positions=list(spec.get("attackers") or ["external"]),
        rule=rule.id,
    )


# --- inline tests of packs -----------------------------------------------------------------


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one inline test case of a rule."""

    rule: str
    kind: str          # "fires", "silent" or "missing"
    index: int
    name: str
    ok: bool
    message: str = ""
    location: str = ""  # "path:line:col" of the rule, so a failure can be found


def _case_model(case: Mapping[str, Any]) -> dict[str, Any]:
    return {key: case.get(key, []) for key in
            ("components", "dataflows", "assets", "trust_boundaries")}


def test_packs(packs: Sequence[RulePack], selected: Sequence[str] = ()) -> list[CaseResult]:
    """Run the inline ``tests`` of every rule of ``packs`` (or of the packs named in
    ``selected``), each case against its rule alone. A rule without a fires case or
    without a silent case fails as untested."""
    rules, catalogue = _compiled(packs)
    names = set(selected)
    results: list[CaseResult] = []
    for rule in rules:
        if names and rule.pack not in names:
            continue
        tests = rule.spec.get("tests", {})
        for kind in ("fires", "silent"):
            if not tests.get(kind):
                results.append(CaseResult(rule.id, "missing", 0, kind, False,
                                          f"no {kind} case: every rule needs one",
                                          rule.location))
            for index, case in enumerate(tests.get(kind, [])):
                results.append(_run_case(rule, catalogue, kind, index, case))
    return results


def _run_case(rule: CompiledRule, catalogue: Catalogue, kind: str, index: int,
              case: Mapping[str, Any]) -> CaseResult:
    name = str(case.get("name") or f"{kind}[{index}]")
    found = [f.elements[0] for f in run_compiled(_case_model(case), [rule], catalogue).fired]
    if kind == "silent":
        ok = not found
        message = "" if ok else f"fired on {', '.join(found)}"
    elif "elements" in case:
        ok = sorted(found) == sorted(case["elements"])
        message = "" if ok else (f"fired on [{', '.join(found)}], expected "
                                 f"[{', '.join(case['elements'])}]")
    else:
        ok = bool(found)
        message = "" if ok else "did not fire"
    return CaseResult(rule.id, kind, index, name, ok, message, rule.location)


test_packs.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
