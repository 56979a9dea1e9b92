"""From detections to a complete model: architecture, assets, attackers, rules, objectives.

The steps, all deterministic:

1. components: one per detected technology (its vocabulary key is its id), placed in
   a trust boundary by its tier (client -> internet, entry -> dmz, data and platform ->
   internal, third_party -> third_party); what the description implies but does not
   name is added and explained (a browser in front of a web application, a service
   behind a bare data store, a user store behind a password login, ...);
2. data flows: users to the entry points, entry points to the data stores, third
   parties and the delivery pipeline, each with protocol, encryption and the assets
   it carries;
3. assets from the data kinds (kind, classification, security properties), and the
   attackers that fit the architecture, each with a capability statement;
4. the rule packs run over that architecture (``engine.apply_packs``);
5. each threat is linked to the objectives (asset x attacker) it endangers, and each
   objective gets the mitigation groups that would mitigate all its threats.

Everything written carries ``origin: generated`` and is listed in ``generation.emitted``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.generate.describe import Description, vocabulary
from threatgate.generate.engine import Generated
from threatgate.generate.objectives import combine_groups, objective_id
from threatgate.generate.rulepacks import RulePack

BOUNDARIES = {
    "client": ("internet", "Internet", "Users' devices and everything outside the system."),
    "entry": ("dmz", "Application tier", "Internet-facing services of the system."),
    "data": ("internal", "Internal network", "Data stores and services reachable only "
             "from inside the system."),
    "platform": ("internal", "Internal network", "Data stores and services reachable only "
                 "from inside the system."),
    "third_party": ("third_party", "Third parties", "Services operated by others."),
}
BOUNDARY_ORDER = ("internet", "dmz", "internal", "third_party")

#: Protocol of a flow from a service to a component of this technology.
STORE_PROTOCOLS = {"database": "sql", "cache": "redis", "message_queue": "amqp",
                   "vector_store": "https", "object_storage": "https",
                   "secrets_store": "https", "logging_service": "https"}
#: Entry points, most "front" first.
FRONT_ORDER = ("web_app", "rest_api", "graphql_api", "ai_agent", "file_upload",
               "admin_console", "service", "grpc_service", "worker", "static_site")
#: Which asset kinds give a component which behaviour flag.
KIND_FLAGS = {"personal_data": "handles_personal_data", "payment_card": "handles_payment_data",
              "files": "accepts_uploads"}

ApplyPacks = Callable[[Mapping[str, Any]], Generated]


@dataclass
class Note:
    """One line of the explanation: what was detected or assumed, and why."""

    kind: str       # technology | data | flag | assumed
    key: str
    words: list[str]
    reason: str = ""


@dataclass
class Architecture:
    components: list[dict[str, Any]]
    dataflows: list[dict[str, Any]]
    trust_boundaries: list[dict[str, Any]]
    assets: list[dict[str, Any]]
    attackers: list[dict[str, Any]]
    notes: list[Note] = field(default_factory=list)


@dataclass
class Assembled:
    """The generated model and what produced it."""

    model: dict[str, Any]
    architecture: Architecture
    generated: Generated


# --- names and ids ----------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """The description as YAML can carry it: no control characters, no lone surrogates.

    U+2028 and U+2029 become plain newlines: YAML readers treat them as line breaks, so
    left inside a block scalar they would end it early and break the file.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n")).strip()


def title_from(description: str) -> str:
    """A one-line title: the first sentence, at most 80 characters, capitalised.

    Invisible format characters (zero-width spaces, byte-order marks, direction
    overrides) are left out, and a title without a single letter or digit becomes the
    default, so that no model is titled with something nobody can see or read.
    """
    first = re.split(r"(?<=[.!?])\s|\n", clean_text(description), maxsplit=1)[0]
    first = "".join(c for c in first if unicodedata.category(c) != "Cf")
    first = " ".join(first.split()).rstrip(".!?;:, ")
    if not any(c.isalnum() for c in first):
        return "Generated threat model"
    if len(first) > 80:
        first = first[:80].rsplit(" ", 1)[0].rstrip(".,;:") or first[:80]
    return (first[:1].upper() + first[1:]) or "Generated threat model"


def model_id_from(title: str) -> str:
    """A model id from a title: ASCII lower case, hyphens, at most 64 characters."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:64].rstrip("-")
    return slug or "generated-model"


# --- the architecture ---------------------------------------------------------------------


def _add(components: dict[str, dict[str, Any]], key: str, type_: str, name: str,
         tier: str, flags: Sequence[str] = ()) -> None:
    if key in components:
        return
    if tier == "third_party":
        from threatgate.generate.catalogue import builtin_catalogue

        known = builtin_catalogue().types.get(type_)
        if known is None or "third_party" not in known.flags:
            flags = [*flags, "third_party"]  # operated by others, whatever the type
    entry: dict[str, Any] = {"id": key, "name": name, "type": type_,
                             "boundary": BOUNDARIES[tier][0]}
    if flags:
        entry["flags"] = list(dict.fromkeys(flags))
    entry["origin"] = "generated"
    entry["x-tier"] = tier
    components[key] = entry


def architecture(description: Description) -> Architecture:
    """Components, flows, boundaries, assets and attackers for a description."""
    vocab = vocabulary()
    notes = [Note(d.section, d.key, d.words) for d in
             [*description.technologies, *description.data, *description.flags]]
    components: dict[str, dict[str, Any]] = {}
    for detection in description.technologies:
        tech = vocab.technologies[detection.key]
        _add(components, tech.key, tech.type, tech.name, tech.tier, tech.flags)
    kinds = list(description.data_kinds())

    def assume(key: str, reason: str) -> None:
        tech = vocab.technologies[key]
        if key not in components:
            _add(components, key, tech.type, tech.name, tech.tier, tech.flags)
            notes.append(Note("assumed", key, [], reason))

    def assume_kind(kind: str, reason: str) -> None:
        if kind not in kinds:
            kinds.append(kind)
            notes.append(Note("assumed", kind, [], reason))

    tiers = {c["x-tier"] for c in components.values()}
    if not components:
        assume("browser", "no technology recognised: assumed a web application")
        assume("web_app", "no technology recognised: assumed a web application")
    tiers = {c["x-tier"] for c in components.values()}
    if "client" in tiers and "entry" not in tiers:
        app_clients = {"mobile_app", "browser_extension", "iot_device"}
        assume("rest_api" if app_clients & set(components) and "browser" not in components
               else "web_app", "users need a server-side entry point")
    tiers = {c["x-tier"] for c in components.values()}
    people = {"credentials", "session_token", "personal_data", "payment_card", "files",
              "api_keys"}
    if "entry" not in tiers and people & set(kinds) and "ci_cd" not in components:
        assume("web_app", "users (" + ", ".join(sorted(people & set(kinds)))
               + ") need an entry point")
    tiers = {c["x-tier"] for c in components.values()}
    if ("entry" not in tiers and tiers & {"data", "third_party"} and "ci_cd" not in components
            and "worker" not in components):
        _add(components, "service", "service", "Application service", "entry")
        notes.append(Note("assumed", "service", [], "something must use the data stores "
                          "and services named"))
    has_entry = any(c["x-tier"] == "entry" for c in components.values())
    if has_entry and not any(c["x-tier"] == "client" for c in components.values()):
        if any(k in components for k in ("web_app", "admin_console", "static_site")):
            assume("browser", "a web interface is used from a browser")
        elif any(k in components for k in ("rest_api", "graphql_api", "file_upload",
                                           "ai_agent")):
            _add(components, "api_client", "client", "API client", "client")
            notes.append(Note("assumed", "api_client", [], "an API is called by clients"))
    if "ci_cd" in components and "source_repository" not in components:
        assume("source_repository", "a pipeline builds code from a repository")
    if ("ci_cd" in components or "source_repository" in components) and not any(
            c["x-tier"] == "client" for c in components.values()):
        _add(components, "developer", "client", "Developer workstation", "client")
        notes.append(Note("assumed", "developer", [], "developers push code"))

    # data kinds implied by technologies
    implied = {"identity_provider": ("credentials", "session_token"),
               "payment_provider": ("payment_card",), "file_upload": ("files",),
               "ci_cd": ("source_code", "secrets"), "source_repository": ("source_code",),
               "secrets_store": ("secrets",), "admin_console": ("audit_log",),
               "logging_service": ("audit_log",), "llm_service": ("business_data",),
               "ai_agent": ("business_data",)}
    for key, implied_kinds in implied.items():
        if key in components:
            for kind in implied_kinds:
                assume_kind(kind, f"{components[key]['name']} handles it")
    if "credentials" in kinds and "session_token" not in kinds and has_entry:
        assume_kind("session_token", "a login yields a session")
    if ("credentials" in kinds and "identity_provider" not in components
            and "database" not in components and has_entry):
        assume("database", "passwords need a user store")
    if not kinds:
        assume_kind("business_data", "no data kind recognised: assumed business data")
    kept = {"personal_data", "business_data", "files", "audit_log", "credentials", "api_keys"}
    only_static = [c["x-tier"] == "entry" and k != "static_site"
                   for k, c in components.items()].count(True) == 0
    if (has_entry and not any(c["x-tier"] == "data" for c in components.values())
            and kept & set(kinds) and "ci_cd" not in components
            and not (only_static and set(kinds) <= {"business_data"})):
        assume("database", "the system keeps " + ", ".join(sorted(kept & set(kinds)))
               + " somewhere")

    # assets
    assets: list[dict[str, Any]] = []
    asset_of: dict[str, str] = {}
    for number, kind in enumerate(kinds, 1):
        spec = vocab.data[kind]
        asset_of[kind] = f"A{number}"
        assets.append({"id": f"A{number}", "name": spec.name,
                       "properties": list(spec.properties), "kind": kind,
                       "classification": spec.classification, "origin": "generated"})
    # stores with nothing in them keep business data
    for key, component in components.items():
        if component["x-tier"] == "data" and not any(
                key in vocab.data[k].stored_in for k in kinds) and "business_data" not in kinds:
            kinds.append("business_data")
            spec = vocab.data["business_data"]
            asset_id = f"A{len(assets) + 1}"
            asset_of["business_data"] = asset_id
            assets.append({"id": asset_id, "name": spec.name,
                           "properties": list(spec.properties), "kind": "business_data",
                           "classification": spec.classification, "origin": "generated"})
            notes.append(Note("assumed", "business_data", [], f"{component['name']} holds data"))

    flows = _dataflows(components, kinds, asset_of,
                       webhooks="handles_webhooks" in {d.key for d in description.flags})
    _apply_flags(components, description, flows, asset_of)
    used = {c["boundary"] for c in components.values()}
    boundaries = []
    for tier_id in BOUNDARY_ORDER:
        if tier_id in used:
            spec3 = next(b for b in BOUNDARIES.values() if b[0] == tier_id)
            boundaries.append({"id": spec3[0], "name": spec3[1], "description": spec3[2],
                               "origin": "generated"})
    ordered = sorted(components.values(),
                     key=lambda c: (BOUNDARY_ORDER.index(c["boundary"]),
                                    list(components).index(c["id"])))
    attackers = _attackers(components, kinds)
    for component in ordered:
        del component["x-tier"]
    return Architecture(ordered, flows, boundaries, assets, attackers, notes)


def _dataflows(components: dict[str, dict[str, Any]], kinds: list[str],
               asset_of: dict[str, str], *, webhooks: bool = False) -> list[dict[str, Any]]:
    vocab = vocabulary()
    tier = {key: c["x-tier"] for key, c in components.items()}
    flows: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    authenticated_users = any(k in kinds for k in ("credentials", "session_token", "api_keys"))

    def flow(source: str, target: str, protocol: str, carried: Sequence[str], *,
             authenticated: bool | None = None) -> None:
        if (source, target) in seen or source == target:
            return
        seen.add((source, target))
        entry: dict[str, Any] = {"id": f"DF{len(flows) + 1}", "from": source, "to": target,
                                 "protocol": protocol}
        data = [asset_of[k] for k in kinds if k in carried and k in asset_of]
        if data:
            entry["data"] = list(dict.fromkeys(data))
        if protocol == "https":
            entry["encrypted"] = True
        if authenticated is not None:
            entry["authenticated"] = authenticated
        entry["origin"] = "generated"
        flows.append(entry)

    client_kinds = [k for k in kinds if vocab.data[k].client]
    entries = [k for k in FRONT_ORDER if k in components]
    front = entries[0] if entries else None
    apis: list[str] = [k for k in ("rest_api", "graphql_api") if k in components]
    backend = apis[0] if apis else front
    clients = [k for k, t in tier.items() if t == "client" and k != "developer"]
    for client in clients:
        targets: list[str]
        if client in ("mobile_app", "browser_extension", "iot_device") and apis:
            targets = list(apis)
        elif client == "iot_device" and "message_queue" in components:
            # Devices publish telemetry to the broker themselves (MQTT and the like).
            flow(client, "message_queue", "mqtt", client_kinds,
                 authenticated=authenticated_users)
            targets = [front] if front and front not in ("web_app", "service") else []
        elif client == "api_client":
            targets = apis or ([front] if front else [])
        else:
            targets = [front] if front else []
        targets += [k for k in ("admin_console", "file_upload", "ai_agent")
                    if k in components and client != "api_client"]
        for target in dict.fromkeys(targets):
            if "cdn" in components and target in ("web_app", "static_site"):
                # Users reach the site through the CDN, which fetches from the origin.
                flow(client, "cdn", "https", client_kinds, authenticated=authenticated_users)
                flow("cdn", target, "https", client_kinds)
                continue
            flow(client, target, "https", client_kinds, authenticated=authenticated_users)
        if "identity_provider" in components:
            flow(client, "identity_provider", "https", ["credentials", "session_token"],
                 authenticated=False)
    if front and backend and front != backend:
        flow(front, backend, "https", client_kinds, authenticated=True)
    if "grpc_service" in components and backend and backend != "grpc_service":
        # Services call each other over gRPC; whether those calls are authenticated is
        # for the team to say (unknown until then).
        flow(backend, "grpc_service", "grpc", client_kinds)
    stores = [k for k, t in tier.items() if t == "data"]
    for store in stores:
        carried = [k for k in kinds if store in vocab.data[k].stored_in]
        sources: list[str] = [backend] if backend else []
        if store == "object_storage" and "file_upload" in components:
            sources = ["file_upload"]
        if store == "database" and "admin_console" in components:
            sources.append("admin_console")
        if store == "vector_store" and "ai_agent" in components:
            sources.append("ai_agent")
        if store == "message_queue" and "worker" in components:
            sources.append("worker")
        if store == "secrets_store" and "ci_cd" in components and not sources:
            sources = ["ci_cd"]
        for origin in sources:
            flow(origin, store, STORE_PROTOCOLS.get(store, "tcp"), carried)
        if "worker" in components and store != "message_queue" and backend != "worker":
            flow("worker", store, STORE_PROTOCOLS.get(store, "tcp"), carried)
    thirds = [k for k, t in tier.items() if t == "third_party" and k not in (
        "package_registry", "cdn")]
    for third in thirds:
        carried = [k for k in kinds if third in vocab.data[k].sent_to]
        source: str | None = ("ai_agent" if third == "llm_service" and "ai_agent" in components
                              else backend)
        if third == "llm_service" and not carried:
            carried = ["business_data"]
        if source:
            flow(source, third, "https", carried, authenticated=True)
            if third == "llm_service":
                # The model's output comes back and is shown or acted on: its own hazard.
                flow(third, source, "https", ["business_data"])
            if third == "payment_provider" or (third == "saas" and webhooks):
                # Webhooks: the provider calls back; whether they are verified is the question.
                flow(third, source, "https", carried)
    if "ci_cd" in components:
        pipeline_kinds = ["source_code", "secrets"]
        if "source_repository" in components:
            flow("source_repository", "ci_cd", "https", ["source_code"], authenticated=True)
        if "package_registry" in components:
            flow("package_registry", "ci_cd", "https", ["source_code"])
        for deployed in ("container_platform", "secrets_store", "cloud_account"):
            if deployed in components:
                flow("ci_cd", deployed, "https", pipeline_kinds, authenticated=True)
        if "container_platform" not in components and backend:
            flow("ci_cd", backend, "https", ["source_code"], authenticated=True)
    elif "package_registry" in components and backend:
        flow("package_registry", backend, "https", ["source_code"])
    if "developer" in components:
        pushed = "source_repository" if "source_repository" in components else "ci_cd"
        if pushed in components:
            flow("developer", pushed, "https", ["source_code"], authenticated=True)
    return flows


def _apply_flags(components: dict[str, dict[str, Any]], description: Description,
                 flows: list[dict[str, Any]], asset_of: dict[str, str]) -> None:
    vocab = vocabulary()
    for detection in description.flags:
        spec = vocab.flags[detection.key]
        for key, component in components.items():
            if key in spec.on or component["x-tier"] in spec.on:
                component.setdefault("flags", [])
                if spec.flag not in component["flags"]:
                    component["flags"].append(spec.flag)
    entries = [k for k in FRONT_ORDER if k in components]
    detected = {d.key for d in description.data}
    if ("identity_provider" in components and "credentials" not in detected
            and "web_app" in components):
        # Single sign-on only (no password named): the identity provider signs users in,
        # so the web application has no password, brute-force or recovery flow of its own.
        flags = components["web_app"].setdefault("flags", [])
        if "no_authenticates_users" not in flags:
            flags.append("no_authenticates_users")
    if entries and "identity_provider" not in components:
        # The system itself signs users in and keeps their sessions.
        implied = {"credentials": ("authenticates_users",),
                   "session_token": ("holds_sessions", "issues_tokens")}
        for kind, implied_flags in implied.items():
            if kind in asset_of:
                flags = components[entries[0]].setdefault("flags", [])
                flags.extend(implied_flags)
                # a static site that turns out to sign users in does have sessions
                flags[:] = [f for f in flags
                            if not (f.startswith("no_") and f[3:] in implied_flags)]
    kind_of = {asset: kind for kind, asset in asset_of.items()}
    for flow_entry in flows:
        for asset in flow_entry.get("data", []):
            flag = KIND_FLAGS.get(kind_of.get(asset, ""))
            if not flag:
                continue
            for end in (flow_entry["from"], flow_entry["to"]):
                component = components[end]
                if component["x-tier"] in ("entry",) and flag not in component.get(
                        "flags", []):
                    component.setdefault("flags", []).append(flag)
    for component in components.values():
        if "flags" in component:
            component["flags"] = list(dict.fromkeys(component["flags"]))
            order = ["id", "name", "type", "boundary", "flags", "origin", "x-tier"]
            reordered = {k: component[k] for k in order if k in component}
            component.clear()
            component.update(reordered)


ATTACKERS = {
    "external": ("External attacker",
                 "From the internet, holding no credentials, can send arbitrary requests to "
                 "every internet-facing component, and replay, modify or automate them."),
    "user": ("Malicious authenticated user",
             "Holds a valid account of their own, obtained by ordinary sign-up or purchase, "
             "and calls every function that account can reach with tampered identifiers, "
             "parameters and files."),
    "internal": ("Attacker on the internal network",
                 "From a foothold inside the network (a compromised workload), holding no "
                 "credentials, can reach internal services and read unencrypted traffic."),
    "insider": ("Malicious or compromised insider",
                "Holds legitimate staff access to administration tools, production data or "
                "the delivery pipeline, and can misuse it or have it stolen."),
    "physical": ("Attacker with physical access",
                 "Holds or can reach a device in the field (bought, stolen or installed in "
                 "a public place), can open it, read and rewrite its storage and firmware, "
                 "and extract the keys it holds."),
    "supply_chain": ("Compromised supplier",
                     "Controls a dependency, a build step or a third-party service the "
                     "system consumes, and can make it return or run whatever they choose."),
}


def _attackers(components: dict[str, dict[str, Any]], kinds: list[str]) -> list[dict[str, Any]]:
    tiers = {c["x-tier"] for c in components.values()}
    types = set(components)
    chosen: list[tuple[str, str]] = []
    exposed = any(c["boundary"] in ("internet", "dmz") for c in components.values())
    if exposed or "source_repository" in types or not components:
        chosen.append(("external", "external"))
    if {"credentials", "session_token", "api_keys"} & set(kinds) or ("personal_data" in kinds and (
            "web_app" in types or "mobile_app" in types)):
        chosen.append(("user", "external"))
    if types & {"message_queue", "cache", "worker"}:
        chosen.append(("internal", "internal"))
    if types & {"admin_console", "ci_cd", "database", "object_storage", "secrets_store",
                "cloud_account",
                "source_repository", "logging_service"}:
        chosen.append(("insider", "insider"))
    if types & {"iot_device", "mobile_app"}:  # devices in the field, phones lost or stolen
        chosen.append(("physical", "physical"))
    if types & {"ci_cd", "package_registry", "source_repository", "llm_service", "saas",
                "payment_provider", "email_service", "sms_service", "identity_provider",
                "container_platform", "iot_device", "browser_extension"} or "third_party" in tiers:
        chosen.append(("supply_chain", "supply_chain"))
    attackers = []
    for number, (key, position) in enumerate(chosen, 1):
        name, capability = ATTACKERS[key]
        attackers.append({"id": f"ATK{number}", "name": name, "capability": capability,
                          "position": position, "origin": "generated"})
    return attackers


# --- the whole model ----------------------------------------------------------------------


@dataclass
class Links:
    """Threat -> objectives, and objective -> mitigation groups."""

    threat_objectives: dict[str, list[str]]
    objectives: list[dict[str, Any]]


def link_objectives(assets: Sequence[Mapping[str, Any]], attackers: Sequence[Mapping[str, Any]],
                    generated: Generated) -> Links:
    """The asset x attacker matrix, each threat linked to the objectives it endangers."""
    asset_ids = [str(a["id"]) for a in assets]
    properties = {str(a["id"]): list(a.get("properties") or []) for a in assets}
    attacker_ids = [str(a["id"]) for a in attackers]
    by_position: dict[str, list[str]] = {}
    for person in attackers:
        by_position.setdefault(str(person.get("position")), []).append(str(person["id"]))
    threat_objectives: dict[str, list[str]] = {}
    groups_of: dict[str, list[list[list[str]]]] = {}
    for threat in generated.threats:
        threat_id = str(threat.entry.get("id"))
        at_stake = set(threat.properties)
        endangered = [a for a in threat.assets if a in properties] or [
            a for a in asset_ids if not at_stake or at_stake & set(properties[a])]
        endangered = [a for a in endangered if not at_stake or at_stake & set(properties[a])]
        who = ([x for p in threat.attacker_positions for x in by_position.get(p, [])]
               if threat.attacker_positions else list(attacker_ids))
        linked = []
        for asset in asset_ids:
            if asset not in endangered:
                continue
            for attacker in attacker_ids:
                if attacker in who:
                    objective = objective_id(asset, attacker)
                    linked.append(objective)
                    groups_of.setdefault(objective, []).append(
                        [list(g) for g in threat.groups])
        threat_objectives[threat_id] = linked
    objectives = []
    for asset in asset_ids:
        for attacker in attacker_ids:
            objective = objective_id(asset, attacker)
            entry: dict[str, Any] = {"id": objective, "asset": asset, "attacker": attacker,
                                     "properties": properties[asset]}
            groups = combine_groups(groups_of.get(objective, []))
            if groups:
                entry["mitigated_by"] = groups
            entry["origin"] = "generated"
            objectives.append(entry)
    return Links(threat_objectives, objectives)


def _threat_entry(entry: Mapping[str, Any], objectives: list[str]) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k != "objectives"}
    if objectives:
        out["objectives"] = objectives
    out["origin"] = "generated"
    return out


def assemble(description: Description, *, packs: Sequence[RulePack], run: ApplyPacks,
             model_id: str | None = None, title: str | None = None) -> Assembled:
    """The complete model for a description (``run`` is ``engine.apply_packs`` bound to packs)."""
    arch = architecture(description)
    architecture_model: dict[str, Any] = {
        "components": arch.components, "dataflows": arch.dataflows,
        "trust_boundaries": arch.trust_boundaries, "assets": arch.assets}
    generated = run(architecture_model)
    links = link_objectives(arch.assets, arch.attackers, generated)
    heading = title or title_from(description.text)
    threats = [_threat_entry(t.entry, links.threat_objectives.get(str(t.entry.get("id")), []))
               for t in generated.threats]
    controls = [{**c, "origin": "generated"} for c in generated.controls]
    frameworks = sorted({ref.split(":", 1)[0] for c in controls
                         for ref in c.get("compliance") or [] if ":" in ref})
    model: dict[str, Any] = {"threatgate": 1, "id": model_id or model_id_from(heading),
                             "title": heading, "description": clean_text(description.text)}
    if frameworks:
        model["frameworks"] = frameworks
    sections = {"components": arch.components, "dataflows": arch.dataflows,
                "trust_boundaries": arch.trust_boundaries, "assets": arch.assets,
                "attackers": arch.attackers, "objectives": links.objectives,
                "threats": threats, "controls": controls}
    emitted = [str(e["id"]) for entries in sections.values() for e in entries]
    model["generation"] = {"packs": [p.name for p in packs], "emitted": emitted}
    for key, entries in sections.items():
        if entries:
            model[key] = entries
    return Assembled(model, arch, generated)


# --- writing ----------------------------------------------------------------------------------


#: Plain scalars that ruamel.yaml writes unquoted inside ``[...]`` or ``{...}`` but that
#: libyaml (which reads model files) parses differently, e.g. ``asvs-5.0:V1.2.4``.
_FLOW_RISKY = re.compile(r"[:#\[\]{},]|\A[-?!&*|>'\"%@`\s]|\s\Z")


def dump_model(model: Mapping[str, Any]) -> str:
    """The model as YAML in threatgate's canonical layout (``fmt --check`` passes)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    from threatgate.document.canonical import _round_trip_yaml, format_text

    def convert(value: Any, *, inline: bool = False) -> Any:
        if isinstance(value, Mapping):
            out = CommentedMap()
            for key, item in value.items():
                out[key] = convert(item, inline=inline)
            if inline:
                out.fa.set_flow_style()
            return out
        if isinstance(value, list):
            scalars = all(not isinstance(v, (Mapping, list)) for v in value)
            groups = all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                         for v in value)
            flow = inline or (scalars and sum(len(str(v)) + 2 for v in value) <= 80) or (
                groups and bool(value) and sum(len(str(v)) for v in value) <= 80)
            seq = CommentedSeq([convert(v, inline=flow) for v in value])
            if flow:
                seq.fa.set_flow_style()
            else:
                seq.fa.set_block_style()
            return seq
        if isinstance(value, str) and "\n" in value:
            return LiteralScalarString(value.rstrip("\n") + "\n")
        if isinstance(value, str) and inline and _FLOW_RISKY.search(value):
            return SingleQuotedScalarString(value)
        return value

    yaml = _round_trip_yaml()
    out = io.StringIO()
    yaml.dump(convert(dict(model)), out)
    return format_text(out.getvalue())


# --- explanation ------------------------------------------------------------------------------


def explanation(assembled: Assembled, description: Description) -> dict[str, Any]:
    """Which words triggered which technology, data kind and flag; which rules fired."""
    vocab = vocabulary()
    arch = assembled.architecture
    by_key = {c["id"]: c for c in arch.components}
    asset_of = {a["kind"]: a["id"] for a in arch.assets}
    offsets = {(d.section, d.key): [[t.start, t.end] for t in d.triggers]
               for d in [*description.technologies, *description.data, *description.flags]}
    technologies, data, flags, assumed = [], [], [], []
    for note in arch.notes:
        if note.kind == "technology" and note.key in by_key:
            technologies.append({"technology": note.key, "type": by_key[note.key]["type"],
                                 "component": note.key, "words": note.words,
                                 "offsets": offsets.get(("technology", note.key), [])})
        elif note.kind == "data":
            data.append({"kind": note.key, "asset": asset_of.get(note.key),
                         "words": note.words, "offsets": offsets.get(("data", note.key), [])})
        elif note.kind == "flag":
            spec = vocab.flags[note.key]
            flags.append({"flag": spec.flag, "words": note.words,
                          "components": [c["id"] for c in arch.components
                                         if spec.flag in c.get("flags", [])]})
        elif note.kind == "assumed":
            assumed.append({"what": note.key, "reason": note.reason})
    ignored = [{"words": t.text, "offsets": [t.start, t.end]} for t in description.negated]
    return {
        "technologies": technologies, "data": data, "flags": flags, "assumed": assumed,
        "negated": ignored,
        "rules": [{"rule": f.rule, "elements": list(f.elements), "reason": f.reason}
                  for f in assembled.generated.fired],
        "not_applicable": [{"rule": n.rule, "explanation": n.explanation}
                           for n in assembled.generated.not_applicable],
    }


def explanation_text(explained: Mapping[str, Any]) -> str:
    """The explanation for a person to read."""
    lines = ["Technologies:"]
    for item in explained["technologies"]:
        words = ", ".join(f'"{w}"' for w in item["words"])
        lines.append(f"  {item['component']} ({item['type']}) <- {words}")
    lines.append("Data:")
    for item in explained["data"]:
        words = ", ".join(f'"{w}"' for w in item["words"])
        lines.append(f"  {item['asset']} {item['kind']} <- {words}")
    if explained["flags"]:
        lines.append("Behaviour flags:")
        for item in explained["flags"]:
            words = ", ".join(f'"{w}"' for w in item["words"])
            where = ", ".join(item["components"]) or "no component"
            lines.append(f"  {item['flag']} on {where} <- {words}")
    if explained["assumed"]:
        lines.append("Assumed (not named in the description):")
        lines.extend(f"  {item['what']}: {item['reason']}" for item in explained["assumed"])
    if explained.get("negated"):
        words = ", ".join(f'"{item["words"]}"' for item in explained["negated"])
        lines.append(f"Ignored (negated): {words}")
    lines.append(f"Rules fired ({len(explained['rules'])}):")
    for item in explained["rules"]:
        lines.append(f"  {item['rule']} on {', '.join(item['elements'])}: {item['reason']}")
    return "\n".join(lines) + "\n"


def dump_plain(data: Any) -> str:
    """Plain data (an explanation) as block-style YAML."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
