"""Rule packs: finding, loading, checking and compiling them, and listing their rules.

Packs are YAML read by threatgate's strict loader and checked against
``schemas/rulepack.schema.json``; their expressions are compiled once by
:mod:`threatgate.generate.expressions` (never evaluated as code). Every problem in a pack
is reported as ``path:line:col: message``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatgate.generate.catalogue import Catalogue, builtin_catalogue
from threatgate.generate.datafiles import RULEPACK_SCHEMA, PackError, read_document
from threatgate.generate.expressions import (
    ExpressionError,
    Predicate,
    Vocabulary,
    compile_expression,
    describe,
)

if TYPE_CHECKING:
    from threatgate.model.config import Config

BUILTIN_PACK_DIR = Path(__file__).resolve().parent / "packs"

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

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
COMPONENT_PLACEHOLDERS = frozenset({"component", "component.id"})
FLOW_PLACEHOLDERS = frozenset({"source", "source.id", "target", "target.id", "dataflow",
                               "dataflow.id", "protocol"})


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
    documents = [(path, is_builtin, read_document(path, RULEPACK_SCHEMA))
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
                compiled.append(compile_rule(rule, data["name"], here, vocabulary, location))
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


def compile_rule(rule: Mapping[str, Any], pack: str, path: tuple[str | int, ...],
                 vocabulary: Vocabulary, location: str) -> CompiledRule:
    scope = rule["scope"]
    allowed = COMPONENT_PLACEHOLDERS if scope == "component" else FLOW_PLACEHOLDERS
    for key in ("title", "description"):
        for name in PLACEHOLDER.findall(rule[key]):
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


# --- compiling and listing --------------------------------------------------------------


def compiled_rules(packs: Sequence[RulePack]) -> tuple[list[CompiledRule], Catalogue]:
    """Every rule of ``packs`` compiled, and the catalogue extended by the packs."""
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
                rules.append(compile_rule(rule, pack.name, ("rules", index), vocabulary,
                                          str(pack.path)))
            except ExpressionError as exc:
                raise PackError(f"{pack.path}: rule {rule.get('id')}: {exc.message}") from None
    return rules, catalogue


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

