"""AWS Threat Composer JSON exports (``schema``, ``threats``, ``mitigations``, ...).

Threat statements become threats: the title is the rendered statement, the description
keeps the statement and its parts (source, prerequisites, action, impact, impacted goals
and assets); ``STRIDE`` and ``Priority`` metadata give the STRIDE categories and the
severity. Mitigations become controls with their status, mitigation links the threats'
mitigations, assumptions assumptions (their links are kept on the linked threat or
control, which have no place for them), and the application, architecture and data-flow
descriptions the model's description.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threatgate.importers.mapping import (
    Draft,
    Fields,
    Source,
    copy_tags,
    one_line,
    severity_of,
    short_id,
    stride_of,
    tags_of,
)
from threatgate.importers.registry import ImportFormat, register

NAME = "threat-composer"

CONTROL_STATUS = {
    "mitigationIdentified": "planned",
    "mitigationInProgress": "in_progress",
    "mitigationResolved": "implemented",
    "mitigationResolvedWillNotAction": "wont_do",
    "mitigationWillNotAction": "wont_do",
}
THREAT_TAGS = {"threatResolved": "resolved", "threatResolvedNotUseful": "not-applicable"}
STATEMENT_PARTS = (("threatSource", "Threat source"), ("prerequisites", "Prerequisites"),
                   ("threatAction", "Threat action"), ("threatImpact", "Threat impact"))


def detect(data: Mapping[str, Any]) -> bool:
    return "schema" in data and any(
        key in data for key in ("threats", "mitigations", "assumptions", "applicationInfo",
                                "mitigationLinks", "assumptionLinks", "architecture",
                                "dataflow", "workspace"))


def convert(source: Source, draft: Draft) -> None:
    root = source.root()
    _application(root, draft)
    threats = _collection(root, "threats", draft, _threat)
    controls = _collection(root, "mitigations", draft, _mitigation)
    assumptions = _collection(root, "assumptions", draft, _assumption)
    _mitigation_links(root, draft, threats, controls)
    _assumption_links(root, draft, {"Threat": threats, "Mitigation": controls}, assumptions)
    root.raw("schema", mark=False)
    draft.keep(root)


def _application(root: Fields, draft: Draft) -> None:
    parts = []
    for key, heading in (("applicationInfo", None), ("architecture", "Architecture"),
                         ("dataflow", "Data flow")):
        info = root.obj(key)
        if info is None:
            continue
        if key == "applicationInfo":
            draft.model["title"] = info.text("name")
        text = info.text("description")
        if text:
            parts.append(f"## {heading}\n\n{text}" if heading else text)
        draft.keep(info, under=key)
    if parts:
        draft.model["description"] = "\n\n".join(parts)


def _collection(root: Fields, key: str, draft: Draft, build: Any) -> dict[str, dict[str, Any]]:
    """Source id -> entry, for the entities of one list."""
    found: dict[str, dict[str, Any]] = {}
    for fields in root.objects(key):
        source_id = fields.text("id") or str(fields.path[-1])
        entry = build(fields, draft)
        found[source_id] = entry
    return found


def _entity_id(fields: Fields, draft: Draft, prefix: str) -> str:
    numeric = fields.whole("numericId", mark=False)
    source_id = fields.text("id", mark=False)
    fields.used.add("id")
    if numeric is not None and numeric >= 0:
        fields.used.add("numericId")
        return draft.new_id(f"{prefix}{numeric}", prefix)
    return draft.new_id(short_id(source_id or f"{prefix}{fields.path[-1]}", prefix), prefix)


def _metadata(fields: Fields) -> dict[str, Any]:
    """The ``metadata`` list as key -> value (the items it cannot read are refused)."""
    values: dict[str, Any] = {}
    for item in fields.objects("metadata"):
        key = item.text("key")
        if key is None:
            item.fail("key", "a metadata entry needs a key")
        values[key] = item.raw("value")
    return values


def _threat(fields: Fields, draft: Draft) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": _entity_id(fields, draft, "T")}
    statement = fields.text("statement") or _composed(fields)
    entry["title"] = one_line(statement, f"Threat {entry['id']}")
    lines = [statement] if statement else []
    for key, label in STATEMENT_PARTS:
        value = fields.text(key)
        if value:
            lines.append(f"- {label}: {value}")
    for key, label in (("impactedGoal", "Impacted goals"), ("impactedAssets", "Impacted assets")):
        values = fields.texts(key)
        if values:
            lines.append(f"- {label}: {', '.join(values)}")
    metadata = _metadata(fields)
    comments = _comments(metadata)
    if comments:
        lines.append(f"\nComments: {comments}")
    entry["description"] = "\n".join(lines) or None
    letters = _listed(metadata.get("STRIDE", []))
    stride = [s for s in (stride_of(str(v)) for v in letters) if s]
    if stride:
        entry["stride"] = list(dict.fromkeys(stride))
    if len(stride) == len(letters):
        metadata.pop("STRIDE", None)
    priority = metadata.get("Priority")
    if isinstance(priority, str) and severity_of(priority):
        entry["severity"] = severity_of(priority)
        del metadata["Priority"]
    tags = tags_of(fields.texts("tags"))
    status = fields.text("status", mark=False)
    if status in THREAT_TAGS:
        tags.append(THREAT_TAGS[status])
    if tags:
        entry["tags"] = tags
    if not entry["description"]:
        del entry["description"]
    if fields.raw("displayedStatement", mark=False) is not None:
        fields.used.add("displayedStatement")
        draft.note(fields.at("displayedStatement"), "the displayed statement is the statement "
                   "rendered for display: not kept")
    draft.add("threats", entry, fields.path)
    _keep_metadata(fields, metadata, entry, "threats", draft)
    return entry


def _composed(fields: Fields) -> str | None:
    """A statement from its parts, for a threat saved without ``statement``."""
    parts = [fields.text(k, mark=False) for k, _ in STATEMENT_PARTS]
    if not any(parts):
        return None
    source, prerequisites, action, impact = (p or "" for p in parts)
    text = f"A {source} {prerequisites} can {action}".strip()
    return f"{text}, which leads to {impact}" if impact else text


def _comments(metadata: dict[str, Any]) -> str | None:
    """The ``Comments`` metadata, taken out of ``metadata`` when it is text."""
    value = metadata.get("Comments")
    if isinstance(value, str):
        del metadata["Comments"]
        return value.strip() or None
    return None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _keep_metadata(fields: Fields, metadata: dict[str, Any], entry: dict[str, Any],
                   collection: str, draft: Draft) -> None:
    """Keep the metadata entries that were not mapped, then every other field."""
    for key, value in metadata.items():
        draft.keep_value(fields.at("metadata"), f"metadata.{key}", value, entry, collection,
                         "metadata without an equivalent")
    draft.keep(fields, entry, collection)


def _mitigation(fields: Fields, draft: Draft) -> dict[str, Any]:
    content = fields.text("content")
    entry: dict[str, Any] = {"id": _entity_id(fields, draft, "M")}
    entry["title"] = one_line(content, f"Mitigation {entry['id']}")
    if content and (len(content) > 200 or "\n" in content):
        entry["description"] = content
    status = fields.text("status", mark=False)
    entry["status"] = CONTROL_STATUS.get(status or "mitigationIdentified", "planned")
    if status is None or status in CONTROL_STATUS:
        fields.used.add("status")
    metadata = _metadata(fields)
    comments = _comments(metadata)
    if comments:
        entry["notes"] = comments
    copy_tags(entry, fields)
    draft.add("controls", entry, fields.path)
    _keep_metadata(fields, metadata, entry, "controls", draft)
    return entry


def _assumption(fields: Fields, draft: Draft) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": _entity_id(fields, draft, "A")}
    content = fields.text("content")
    metadata = _metadata(fields)
    comments = _comments(metadata)
    parts = [content or f"Assumption {entry['id']}"]
    if comments:
        parts.append(f"Comments: {comments}")
    entry["description"] = "\n\n".join(parts)
    copy_tags(entry, fields)
    draft.add("assumptions", entry, fields.path)
    _keep_metadata(fields, metadata, entry, "assumptions", draft)
    return entry


def _mitigation_links(root: Fields, draft: Draft, threats: dict[str, dict[str, Any]],
                      controls: dict[str, dict[str, Any]]) -> None:
    for link in root.objects("mitigationLinks"):
        threat = threats.get(link.text("linkedId") or "")
        control = controls.get(link.text("mitigationId") or "")
        if threat is None or control is None:
            draft.keep_value(link.path, f"mitigationLinks/{link.path[-1]}", link.data, None,
                             None, "the link names a threat or mitigation the file lacks")
            continue
        draft.link_mitigation(threat["id"], control["id"])
        draft.keep(link, threat, "threats", under=f"mitigationLinks/{link.path[-1]}")


def _assumption_links(root: Fields, draft: Draft,
                      linked: dict[str, dict[str, dict[str, Any]]],
                      assumptions: dict[str, dict[str, Any]]) -> None:
    """Assumption links: kept on the threat or control (the model links assumptions only
    to objectives), as ``x-threat-composer.assumptions``."""
    for link in root.objects("assumptionLinks"):
        kind = link.text("type") or ""
        collection = "threats" if kind == "Threat" else "controls"
        entry = linked.get(kind, {}).get(link.text("linkedId") or "")
        assumption = assumptions.get(link.text("assumptionId") or "")
        if entry is None or assumption is None:
            draft.keep_value(link.path, f"assumptionLinks/{link.path[-1]}", link.data, None,
                             None, "the link names an entity the file lacks")
            continue
        ids = entry.setdefault(draft.extension, {}).setdefault("assumptions", [])
        ids.append(assumption["id"])
        draft.report.kept.append({
            "from": f"/assumptionLinks/{link.path[-1]}",
            "to": f"{collection}/{entry['id']}: {draft.extension}.assumptions",
            "why": "the model links assumptions to objectives only"})
        draft.keep(link, entry, collection, under=f"assumptionLinks/{link.path[-1]}")


register(ImportFormat(NAME, "an AWS Threat Composer JSON export", detect, convert, order=30))
