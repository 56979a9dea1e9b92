"""Threagile YAML models (``threagile_version``, ``technical_assets``, ...).

Technical assets become components, their communication links data flows, data assets
assets (the confidentiality / integrity / availability ratings give the properties and
the classification), trust boundaries boundaries (nesting, which the model has no place
for, is kept), individual risks threats, abuse cases threats, security requirements
planned controls, and ``risk_tracking`` entries acceptances, controls or notes. Shared
runtimes, diagram tweaks and every other field are kept in ``x-threagile``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from threatgate.importers.mapping import (
    Draft,
    Fields,
    Source,
    component_flags,
    copy_tags,
    describe,
    one_line,
    stride_of,
    tags_of,
)
from threatgate.importers.registry import ImportFormat, register
from threatgate.model.vocabulary import SEVERITIES

NAME = "threagile"

#: Threagile technologies -> component types of the catalogue (technology, then type).
TECHNOLOGY_TYPES = dict(line.split() for line in """
    browser browser
    desktop desktop_app
    mobile-app mobile_app
    client-system client
    devops-client client
    cli client
    tool client
    web-server web_app
    web-application web_app
    cms web_app
    web-service-rest rest_api
    web-service-soap service
    database database
    identity-store-database database
    file-server file_storage
    local-file-system file_storage
    block-storage file_storage
    data-lake object_storage
    search-index search_index
    search-engine search_index
    reverse-proxy load_balancer
    load-balancer load_balancer
    waf load_balancer
    gateway api_gateway
    build-pipeline ci_cd
    sourcecode-repository source_repository
    artifact-registry artifact_registry
    monitoring logging_service
    identity-provider identity_provider
    container-platform container_platform
    event-listener worker
    message-queue message_queue
    function serverless_function
    iot-device iot_device
    ai llm_service
    mail-server email_service
    vault secrets_store
    hsm secrets_store
""".strip().splitlines())
#: Threagile asset types -> generic component types, when the technology says nothing.
KIND_TYPES = {"external-entity": "external", "process": "service", "datastore": "datastore"}
#: Confidentiality ratings -> classifications (Threagile's five levels onto four).
CLASSIFICATIONS = {"public": "public", "internal": "internal", "restricted": "confidential",
                   "confidential": "restricted", "strictly-confidential": "restricted"}
LOWEST_RATING = {"confidentiality": "public", "integrity": "archive", "availability": "archive"}
ENCRYPTED_PROTOCOLS = {"https", "wss", "ssh", "ssh-tunnel", "ftps", "sftp", "scp", "ldaps"}
LIKELIHOODS = {"unlikely": 2, "likely": 3, "very-likely": 4, "frequent": 5}
IMPACTS = {"low": 2, "medium": 3, "high": 4, "very-high": 5}
#: How long an acceptance taken over from risk tracking holds before it must be reviewed.
ACCEPTANCE_DAYS = 365


def detect(data: Mapping[str, Any]) -> bool:
    return "threagile_version" in data or (
        "technical_assets" in data and isinstance(data.get("technical_assets"), dict))


def convert(source: Source, draft: Draft) -> None:
    root = source.root()
    draft.model["title"] = root.text("title")
    author = root.obj("author")
    if author is not None:
        draft.model["owner"] = one_line(author.text("name"), "unknown")
        draft.keep(author, under="author")
    draft.model["description"] = _description(root, draft)
    assets = _data_assets(root, draft)
    boundaries = _boundaries(root, draft)
    components = _technical_assets(root, draft, boundaries)
    links = _links(root, draft, components, assets)
    refs = {"components": components, "links": links, "assets": assets}
    threats = _individual_risks(root, draft, refs)
    _abuse_cases(root, draft)
    _security_requirements(root, draft)
    _risk_tracking(root, draft, threats)
    for key in ("threagile_version", "date", "business_criticality", "shared_runtimes",
                "questions", "contributors", "tags_available"):
        root.raw(key, mark=False)
    draft.keep(root)


def _description(root: Fields, draft: Draft) -> str | None:
    parts = []
    summary = root.text("management_summary_comment")
    if summary:
        parts.append(summary)
    for key, heading in (("business_overview", "Business overview"),
                         ("technical_overview", "Technical overview")):
        overview = root.obj(key)
        if overview is None:
            continue
        text = overview.text("description")
        if text:
            parts.append(f"## {heading}\n\n{text}")
        draft.keep(overview, under=key)
    return "\n\n".join(parts) or None


def _data_assets(root: Fields, draft: Draft) -> dict[str, str]:
    ids: dict[str, str] = {}
    for name, fields in root.named("data_assets"):
        source_id = fields.text("id") or name
        entry = _named(draft, source_id, name, "A")
        ids[source_id] = entry["id"]
        describe(entry, fields)
        properties = [p for p, lowest in LOWEST_RATING.items()
                      if (fields.text(p, mark=False) or lowest) != lowest]
        if not properties:
            properties = list(LOWEST_RATING)
            draft.note(fields.path, "every rating is the lowest; all three properties kept")
        entry["properties"] = properties
        rating = fields.text("confidentiality", mark=False)
        if rating in CLASSIFICATIONS:
            entry["classification"] = CLASSIFICATIONS[rating]
        copy_tags(entry, fields)
        draft.add("assets", entry, fields.path)
        draft.keep(fields, entry, "assets")
    return ids


def _named(draft: Draft, source_id: str, name: str, prefix: str) -> dict[str, Any]:
    """A new entry with its id (from the source id) and its name."""
    return {"id": draft.new_id(source_id, prefix), "name": one_line(name, source_id)}


def _boundaries(root: Fields, draft: Draft) -> dict[str, tuple[str, list[str]]]:
    """Boundary source id -> (model id, source ids of the assets inside)."""
    found: dict[str, tuple[str, list[str]]] = {}
    for name, fields in root.named("trust_boundaries"):
        source_id = fields.text("id") or name
        entry = _named(draft, source_id, name, "TB")
        describe(entry, fields)
        copy_tags(entry, fields)
        found[source_id] = (entry["id"], fields.texts("technical_assets_inside"))
        if fields.seq("trust_boundaries_nested", mark=False):
            draft.note(fields.at("trust_boundaries_nested"),
                       "boundaries do not nest in the model: nesting kept in x-threagile")
        draft.add("trust_boundaries", entry, fields.path)
        draft.keep(fields, entry, "trust_boundaries")
    return found


def _technical_assets(root: Fields, draft: Draft,
                      boundaries: dict[str, tuple[str, list[str]]]) -> dict[str, str]:
    inside: dict[str, str] = {}
    for boundary_id, members in boundaries.values():
        for member in members:
            inside.setdefault(member, boundary_id)
    ids: dict[str, str] = {}
    for name, fields in root.named("technical_assets"):
        source_id = fields.text("id") or name
        entry = _named(draft, source_id, name, "C")
        ids[source_id] = entry["id"]
        describe(entry, fields)
        technology = fields.text("technology", mark=False) or ""
        kind = fields.text("type", mark=False) or ""
        entry["type"] = TECHNOLOGY_TYPES.get(technology) or KIND_TYPES.get(kind, "service")
        encryption = fields.text("encryption", mark=False)
        flags = component_flags(entry["type"], {
            "internet_facing": fields.flag("internet", mark=False),
            "multi_tenant": fields.flag("multi_tenant", mark=False),
            "stores_data": True if fields.seq("data_assets_stored", mark=False) else None,
        })
        if flags:
            entry["flags"] = flags
        if source_id in inside:
            entry["boundary"] = inside[source_id]
        tags = tags_of(fields.texts("tags"))
        if fields.flag("out_of_scope", mark=False):
            tags.append("out-of-scope")
        if encryption and encryption != "none":
            tags.append("encrypted-at-rest")
        if tags:
            entry["tags"] = tags
        draft.add("components", entry, fields.path)
        fields.raw("communication_links", mark=True)
        draft.keep(fields, entry, "components")
    return ids


def _links(root: Fields, draft: Draft, components: dict[str, str],
           assets: dict[str, str]) -> dict[str, str]:
    """Communication links -> data flows; returns Threagile link id -> flow id."""
    flows: dict[str, str] = {}
    for _, asset in root.named("technical_assets"):
        source_id = asset.text("id", mark=False) or asset.path[-1]
        for name, fields in asset.named("communication_links"):
            target = fields.text("target")
            if target not in components:
                fields.fail("target", f"communication link target {target!r} is not the id "
                            "of a technical asset")
            link_id = f"{source_id}>{name.lower().replace(' ', '-')}"
            entry: dict[str, Any] = {"id": draft.new_id(f"{source_id}-{name}".lower(), "DF"),
                                     "name": one_line(name, link_id),
                                     "from": components[str(source_id)], "to": components[target]}
            flows[link_id] = entry["id"]
            describe(entry, fields)
            protocol = fields.text("protocol")
            if protocol:
                entry["protocol"] = protocol[:64]
                entry["encrypted"] = bool(protocol in ENCRYPTED_PROTOCOLS
                                          or protocol.endswith("-encrypted")
                                          or fields.flag("vpn", mark=False))
            authentication = fields.text("authentication", mark=False)
            if authentication:
                entry["authenticated"] = authentication != "none"
            data = [*fields.texts("data_assets_sent"), *fields.texts("data_assets_received")]
            fields.used -= {"data_assets_sent", "data_assets_received"}
            _check_refs(fields, data, assets, "data asset")
            if data:
                entry["data"] = list(dict.fromkeys(assets[d] for d in data))
            copy_tags(entry, fields)
            draft.add("dataflows", entry, fields.path)
            draft.keep(fields, entry, "dataflows")
    return flows


def _check_refs(fields: Fields, refs: list[str], known: Mapping[str, str], what: str) -> None:
    for ref in refs:
        if ref not in known:
            fields.source.fail(fields.path, f"{ref!r} is not the id of a {what}")


def _individual_risks(root: Fields, draft: Draft,
                      refs: dict[str, dict[str, str]]) -> dict[str, str]:
    """Individual risk categories -> one control (their mitigation) and their risks as
    threats. Returns risk tracking id -> threat id."""
    threats: dict[str, str] = {}
    for name, category in root.named("individual_risk_categories"):
        category_id = category.text("id") or name
        control: dict[str, Any] = {"id": draft.new_id(f"{category_id}-mitigation", "C"),
                                   "title": one_line(category.text("mitigation", mark=False),
                                                     f"Mitigation of {name}"),
                                   "status": "planned"}
        mitigation = category.text("mitigation")
        if mitigation:
            control["description"] = mitigation
        stride = stride_of(category.text("stride") or "")
        cwe = _cwe(category)
        base = {"stride": [stride] if stride else None,
                "cwe": [cwe] if cwe else None,
                "description": "\n\n".join(t for t in (category.text("description"),
                                                         category.text("impact")) if t) or None,
                "mitigations": [control["id"]]}
        for title, risk in category.named("risks_identified"):
            entry = _risk(title, risk, category_id, base, draft, refs)
            threats[_tracking_id(category_id, risk)] = entry["id"]
        draft.add("controls", control, category.path)
        draft.keep(category, control, "controls")
    return threats


def _cwe(category: Fields) -> str | None:
    """``cwe: 522`` (or ``CWE-522``) as ``CWE-522``; anything else stays in x-threagile."""
    value = category.raw("cwe", mark=False)
    digits = str(value).upper().removeprefix("CWE-") if isinstance(value, (int, str)) else ""
    if not digits.isdecimal() or isinstance(value, bool):
        return None
    category.used.add("cwe")
    return f"CWE-{int(digits)}"


def _risk(title: str, risk: Fields, category_id: str, base: dict[str, Any], draft: Draft,
          refs: dict[str, dict[str, str]]) -> dict[str, Any]:
    plain_title = re.sub(r"<[^>]+>", "", title)
    entry: dict[str, Any] = {"id": draft.new_id(_tracking_id(category_id, risk), "T"),
                             "title": one_line(plain_title, category_id)}
    entry.update({k: v for k, v in base.items() if v})
    likelihood = risk.text("exploitation_likelihood", mark=False) or ""
    impact = risk.text("exploitation_impact", mark=False) or ""
    severity = risk.text("severity", mark=False) or ""
    if likelihood in LIKELIHOODS and impact in IMPACTS:
        entry["likelihood"], entry["impact"] = LIKELIHOODS[likelihood], IMPACTS[impact]
        risk.used |= {"exploitation_likelihood", "exploitation_impact"}
    elif {"elevated": "high"}.get(severity, severity) in SEVERITIES:
        entry["severity"] = {"elevated": "high"}.get(severity, severity)
    components = [*risk.texts("data_breach_technical_assets")]
    relevant = risk.text("most_relevant_technical_asset", mark=False)
    if relevant:
        components.insert(0, relevant)
    _check_refs(risk, components, refs["components"], "technical asset")
    if components:
        entry["components"] = list(dict.fromkeys(refs["components"][c] for c in components))
    link = risk.text("most_relevant_communication_link", mark=False)
    if link in refs["links"]:
        entry["dataflows"] = [refs["links"][link]]
        risk.raw("most_relevant_communication_link")
    draft.add("threats", entry, risk.path)
    draft.keep(risk, entry, "threats")
    return entry


def _tracking_id(category_id: str, risk: Fields) -> str:
    """The synthetic id Threagile gives an individual risk: category@elements."""
    parts = [risk.text(key, mark=False) for key in (
        "most_relevant_data_asset", "most_relevant_technical_asset",
        "most_relevant_communication_link", "most_relevant_trust_boundary",
        "most_relevant_shared_runtime")]
    return "@".join([category_id, *[p for p in parts if p]])


def _abuse_cases(root: Fields, draft: Draft) -> None:
    for name, text in _text_map(root, "abuse_cases"):
        entry: dict[str, Any] = {"id": draft.new_id(f"abuse-{name}".lower(), "T"),
                                 "title": one_line(name, "Abuse case"), "tags": ["abuse-case"]}
        if text:
            entry["description"] = text
        draft.add("threats", entry, ("abuse_cases", name))


def _security_requirements(root: Fields, draft: Draft) -> None:
    for name, text in _text_map(root, "security_requirements"):
        entry: dict[str, Any] = {"id": draft.new_id(f"req-{name}".lower(), "C"),
                                 "title": one_line(name, "Security requirement"),
                                 "status": "planned", "tags": ["security-requirement"]}
        if text:
            entry["description"] = text
        draft.add("controls", entry, ("security_requirements", name))


def _text_map(root: Fields, key: str) -> list[tuple[str, str | None]]:
    value = root.raw(key)
    if value is None:
        return []
    if not isinstance(value, dict):
        root.fail(key, "expected a map of names to texts")
    holder = Fields(root.source, root.path, value)
    return [(str(name), holder.text(str(name))) for name in value]


def _risk_tracking(root: Fields, draft: Draft, threats: dict[str, str]) -> None:
    owner = draft.model.get("owner")
    assert owner is None or isinstance(owner, str)
    for risk_id, fields in root.named("risk_tracking"):
        status = fields.text("status") or "unchecked"
        if "*" in risk_id:
            draft.keep_value(fields.path, f"risk_tracking/{risk_id}", fields.data, None, None,
                             "a wildcard applies to risks Threagile computes: no one threat")
            continue
        threat_id = threats.get(risk_id)
        if threat_id is None:
            threat_id = draft.new_id(risk_id, "T")
            draft.add("threats", {"id": threat_id, "title": one_line(risk_id, "Risk"),
                                  "tags": ["threagile-risk"]}, fields.path)
        _tracked(fields, status, threat_id, owner, draft)


def _tracked(fields: Fields, status: str, threat_id: str, owner: str | None,
             draft: Draft) -> None:
    justification = fields.text("justification")
    day = fields.text("date")
    checked_by = fields.text("checked_by")
    ticket = fields.text("ticket")
    accepted_on = _date(day)
    if status == "accepted" and accepted_on is not None:
        review = accepted_on + dt.timedelta(days=ACCEPTANCE_DAYS)
        entry: dict[str, Any] = {
            "id": draft.new_id(f"{threat_id}-acceptance", "AC"), "threat": threat_id,
            "owner": one_line(checked_by or owner, "unknown"),
            "justification": justification or "Accepted in Threagile risk tracking",
            "accepted_on": accepted_on.isoformat(), "review_by": review.isoformat()}
        draft.add("acceptances", entry, fields.path)
        draft.note(fields.path, f"review_by set {ACCEPTANCE_DAYS} days after the tracking date")
    elif status in ("mitigated", "in-progress"):
        control: dict[str, Any] = {
            "id": draft.new_id(f"{threat_id}-tracking", "C"),
            "title": one_line(f"Mitigation tracked for {threat_id}", threat_id),
            "status": "implemented" if status == "mitigated" else "in_progress"}
        if checked_by:
            control["owner"] = one_line(checked_by, "unknown")
        notes = [t for t in (justification, f"Ticket: {ticket}" if ticket else None,
                             f"Checked on {day}" if day else None) if t]
        if notes:
            control["notes"] = "\n".join(notes)
        draft.add("controls", control, fields.path)
        draft.link_mitigation(threat_id, control["id"])
    else:
        reason = ("accepted without a valid date, and an acceptance needs a review date"
                  if status == "accepted" else f"status {status!r} has no equivalent")
        draft.note(fields.path, f"risk tracking {reason}: kept in x-threagile.risk_tracking "
                   f"of {threat_id}")
        fields.used.clear()
    draft.keep(fields, draft.find("threats", threat_id), "threats", under="risk_tracking")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


register(ImportFormat(NAME, "a Threagile YAML model", detect, convert, order=10))
