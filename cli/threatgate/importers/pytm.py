"""OWASP pytm JSON reports (the output of ``tm.py --json``; never the Python model, which
would mean running the user's code).

Elements (actors, servers, processes, data stores, lambdas, external entities, ...)
become components, boundaries trust boundaries (nesting is kept, the model has none),
flows data flows between their source and sink, data assets (classification, PII and
credentials give the classification and kind), assumptions assumptions, and each finding
one threat on its target (severity, likelihood, CWE and CAPEC references) with its
mitigations as a control. Controls flags, ports, levels and every other field are kept
in ``x-pytm``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from threatgate.importers.mapping import (
    Draft,
    Fields,
    Source,
    describe,
    likelihood_of,
    one_line,
    severity_of,
    tags_of,
)
from threatgate.importers.registry import ImportFormat, register

NAME = "pytm"

COMPONENT_TYPES = {"Actor": "user", "Server": "service", "Process": "service",
                   "SetOfProcesses": "service", "Lambda": "serverless_function",
                   "Datastore": "datastore", "ExternalEntity": "external", "LLM": "llm_service",
                   "Asset": "service"}
CLASSIFICATIONS = {"public": "public", "restricted": "internal", "sensitive": "confidential",
                   "secret": "restricted", "topsecret": "restricted"}
RESPONSES = {"mitigated": "implemented"}
CWE = re.compile(r"(?:CWE-|cwe\.mitre\.org/data/definitions/)(\d+)", re.IGNORECASE)
CAPEC = re.compile(r"(?:CAPEC-|capec\.mitre\.org/data/definitions/)(\d+)", re.IGNORECASE)


def detect(data: Mapping[str, Any]) -> bool:
    lists = [k for k in ("elements", "flows", "boundaries", "findings", "actors", "assets")
             if isinstance(data.get(k), list)]
    return "name" in data and len(lists) >= 2


def convert(source: Source, draft: Draft) -> None:
    root = source.root()
    draft.model["title"] = root.text("name")
    description = root.text("description")
    if description:
        draft.model["description"] = description
    boundaries = _boundaries(root, draft)
    assets = _data(root, draft)
    names = _elements(root, draft, boundaries)
    flows = _flows(root, draft, names, assets)
    _assumptions(root, draft)
    _findings(root, draft, {"components": names, "dataflows": flows,
                            "trust_boundaries": boundaries})
    draft.keep(root)


def _name(fields: Fields, what: str) -> str:
    name = fields.text("name")
    if not name:
        fields.fail("name", f"{what} needs a name")
    return name


def _boundaries(root: Fields, draft: Draft) -> dict[str, str]:
    ids: dict[str, str] = {}
    for fields in root.objects("boundaries"):
        name = _name(fields, "a boundary")
        entry: dict[str, Any] = {"id": draft.new_id(name, "TB"), "name": one_line(name, "Boundary")}
        ids.setdefault(name, entry["id"])
        describe(entry, fields)
        if fields.text("inBoundary", mark=False):
            draft.note(fields.at("inBoundary"), "boundaries do not nest in the model: "
                       "inBoundary kept in x-pytm")
        draft.add("trust_boundaries", entry, fields.path)
        _scope(fields, entry)
        draft.keep(fields, entry, "trust_boundaries")
    return ids


def _scope(fields: Fields, entry: dict[str, Any]) -> None:
    """An element pytm leaves out of scope is tagged; ``inScope`` stays in x-pytm."""
    if fields.flag("inScope", mark=False) is False:
        entry.setdefault("tags", []).append("out-of-scope")


def _data(root: Fields, draft: Draft) -> dict[str, str]:
    ids: dict[str, str] = {}
    for fields in root.objects("data"):
        name = _name(fields, "a data item")
        entry: dict[str, Any] = {"id": draft.new_id(name, "D"), "name": one_line(name, "Data")}
        ids.setdefault(name, entry["id"])
        describe(entry, fields)
        level = _classification(fields.text("classification", mark=False))
        entry["properties"] = (["integrity"] if level == "public"
                               else ["confidentiality", "integrity"])
        if level:
            entry["classification"] = level
        if fields.flag("isCredentials", mark=False):
            entry["kind"] = "credentials"
        elif fields.flag("isPII", mark=False):
            entry["kind"] = "personal_data"
        draft.add("assets", entry, fields.path)
        draft.note(fields.path, f"properties {', '.join(entry['properties'])} derived from "
                   "the classification")
        draft.keep(fields, entry, "assets")
    return ids


def _classification(text: str | None) -> str | None:
    """``Classification.SECRET``, ``SECRET`` or ``secret`` -> a model classification."""
    if not text:
        return None
    return CLASSIFICATIONS.get(re.sub(r"[^a-z]", "", text.rsplit(".", 1)[-1].lower()))


def _element_objects(root: Fields) -> list[Fields]:
    """``elements``, then actors and assets that ``elements`` does not already list."""
    found = list(root.objects("elements"))
    seen = {repr(f.data.get("name")) for f in found}
    for key in ("actors", "assets"):
        for fields in root.objects(key):
            if repr(fields.data.get("name")) not in seen:
                seen.add(repr(fields.data.get("name")))
                found.append(fields)
    return found


def _elements(root: Fields, draft: Draft, boundaries: dict[str, str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for fields in _element_objects(root):
        name = _name(fields, "an element")
        klass = fields.text("__class__") or "Asset"
        entry: dict[str, Any] = {"id": draft.new_id(name, "C"), "name": one_line(name, klass),
                                 "type": COMPONENT_TYPES.get(klass, "service")}
        if klass not in COMPONENT_TYPES:
            draft.keep_value(fields.at("__class__"), "__class__", klass, entry, "components",
                             "an element class without an equivalent type")
        ids.setdefault(name, entry["id"])
        describe(entry, fields)
        boundary = fields.text("inBoundary")
        if boundary:
            if boundary not in boundaries:
                fields.fail("inBoundary", f"{boundary!r} is not the name of a boundary")
            entry["boundary"] = boundaries[boundary]
        _scope(fields, entry)
        draft.add("components", entry, fields.path)
        draft.keep(fields, entry, "components")
    return ids


def _flows(root: Fields, draft: Draft, names: dict[str, str],
           assets: dict[str, str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for fields in root.objects("flows"):
        name = _name(fields, "a flow")
        ends = []
        for side in ("source", "sink"):
            end = fields.text(side)
            if end not in names:
                fields.fail(side, f"flow {side} {end!r} is not the name of an element")
            ends.append(names[end])
        entry: dict[str, Any] = {"id": draft.new_id(name, "DF"), "name": one_line(name, "Flow"),
                                 "from": ends[0], "to": ends[1]}
        ids.setdefault(name, entry["id"])
        describe(entry, fields)
        protocol = fields.text("protocol")
        if protocol:
            entry["protocol"] = protocol[:64]
        data = fields.texts("data")
        unknown = [d for d in data if d not in assets]
        if unknown:
            fields.fail("data", f"{unknown[0]!r} is not the name of a data item")
        if data:
            entry["data"] = list(dict.fromkeys(assets[d] for d in data))
        encrypted = _control(fields, "isEncrypted")
        if encrypted is not None:
            entry["encrypted"] = encrypted
        authenticated = _control(fields, "authenticatesSource")
        if authenticated is not None:
            entry["authenticated"] = authenticated
        _scope(fields, entry)
        draft.add("dataflows", entry, fields.path)
        draft.keep(fields, entry, "dataflows")
    return ids


def _control(fields: Fields, key: str) -> bool | None:
    """A boolean control, on the object itself (older pytm) or in ``controls``; the
    value stays in x-pytm with the other controls."""
    value = fields.data.get(key)
    controls = fields.data.get("controls")
    if value is None and isinstance(controls, dict):
        value = controls.get(key)
    return value if isinstance(value, bool) else None


def _assumptions(root: Fields, draft: Draft) -> None:
    for index, item in enumerate(root.seq("assumptions")):
        path = ("assumptions", index)
        if isinstance(item, str):
            text, rest = item, None
        else:
            fields = Fields(root.source, path, item)
            name, detail = fields.text("name"), fields.text("description")
            text, rest = "\n\n".join(t for t in (name, detail) if t), fields
        entry: dict[str, Any] = {"id": draft.new_id(f"A{index + 1}", "A"),
                                 "description": text or f"Assumption {index + 1}"}
        draft.add("assumptions", entry, path)
        if rest is not None:
            draft.keep(rest, entry, "assumptions")


def _findings(root: Fields, draft: Draft, targets: dict[str, dict[str, str]]) -> None:
    for fields in root.objects("findings"):
        threat_id = fields.text("threat_id") or ""
        target = fields.text("target") or ""
        title = fields.text("description")
        entry: dict[str, Any] = {
            "id": draft.new_id(f"{threat_id}-{target}" if threat_id else
                               f"finding-{fields.text('id', mark=False) or fields.path[-1]}", "T"),
            "title": one_line(title, threat_id or "pytm finding")}
        details = fields.text("details")
        if details:
            entry["description"] = details
        _link_target(fields, entry, target, targets, draft)
        severity = severity_of(fields.text("severity", mark=False) or "")
        if severity:
            entry["severity"] = severity
            fields.used.add("severity")
        likelihood = likelihood_of(fields.text("likelihood", mark=False) or "")
        if likelihood:
            entry["likelihood"] = likelihood
            fields.used.add("likelihood")
        tags = tags_of([threat_id] if threat_id else [])
        if tags:
            entry["tags"] = tags
        _references(fields, entry)
        draft.add("threats", entry, fields.path)
        _finding_mitigation(fields, entry, draft)
        draft.keep(fields, entry, "threats")


def _link_target(fields: Fields, entry: dict[str, Any], target: str,
                 targets: dict[str, dict[str, str]], draft: Draft) -> None:
    for collection in ("components", "dataflows"):
        if target in targets[collection]:
            entry[collection] = [targets[collection][target]]
            return
    if target in targets["trust_boundaries"]:
        draft.note(fields.at("target"), f"the target is the boundary {target!r}: threats "
                   "link to components and data flows only; kept in x-pytm")
    elif target:
        fields.fail("target", f"finding target {target!r} is not the name of an element, "
                    "flow or boundary")
    fields.used.discard("target")


def _references(fields: Fields, entry: dict[str, Any]) -> None:
    """CWE ids into ``cwe``, CAPEC ids as tags; the references text stays in x-pytm."""
    text = " ".join([fields.text("references", mark=False) or "",
                     *[str(c) for c in _as_list(fields.raw("cwes", mark=False))]])
    cwes = [f"CWE-{n}" for n in dict.fromkeys(CWE.findall(text))]
    for value in _as_list(fields.raw("cwes", mark=False)):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            cwes.append(f"CWE-{value}")
    if cwes:
        entry["cwe"] = list(dict.fromkeys(cwes))
    capec = [f"CAPEC-{n}" for n in dict.fromkeys(CAPEC.findall(text))]
    if capec:
        entry.setdefault("tags", []).extend(capec)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _finding_mitigation(fields: Fields, entry: dict[str, Any], draft: Draft) -> None:
    text = fields.text("mitigations")
    if not text:
        return
    response = (fields.text("response", mark=False) or "").lower()
    control: dict[str, Any] = {"id": draft.new_id(f"{entry['id']}-mitigation", "C"),
                               "title": one_line(text, "Mitigation"),
                               "status": RESPONSES.get(response, "planned")}
    if response in RESPONSES:
        fields.used.add("response")
    elif response:
        draft.note(fields.at("response"), f"response {response!r} has no equivalent: "
                   f"kept in x-pytm on {entry['id']}")
    if len(text) > 200 or "\n" in text:
        control["description"] = text
    draft.add("controls", control, fields.at("mitigations"))
    entry["mitigations"] = [control["id"]]


register(ImportFormat(NAME, "an OWASP pytm JSON report", detect, convert, order=40))
