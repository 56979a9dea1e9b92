"""From detections to an architecture: components, data flows, boundaries, assets, attackers.

The steps, all deterministic, all following the catalogue's wiring
(:mod:`threatgate.generate.wiring`), which names every technology involved:

1. components: one per detected technology (its vocabulary key is its id), placed in
   the trust boundary of its tier; what the description implies but does not name is
   added and explained (a browser in front of a web application, a service behind a
   bare data store, a user store behind a password login, ...);
2. data flows: users to the entry points, entry points to the data stores, third
   parties and the delivery pipeline, each with protocol, encryption and the assets
   it carries;
3. assets from the data kinds (kind, classification, security properties), and the
   attackers that fit the architecture, each with a capability statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.generate.catalogue import builtin_catalogue
from threatgate.generate.dataflows import dataflows
from threatgate.generate.describe import Description, vocabulary
from threatgate.generate.wiring import Wiring, wiring

#: Which asset kinds give a component which behaviour flag.
KIND_FLAGS = {"personal_data": "handles_personal_data", "payment_card": "handles_payment_data"}
#: Files make an entry point accept uploads only when an upload is named: images
#: fetched from a service ("avatars come from Gravatar") are no uploads.
UPLOAD_KIND, UPLOAD_FLAG = "files", "accepts_uploads"
#: Data kinds whose negation ("without login") means nobody signs in.
SIGN_IN_KINDS = ("credentials", "session_token")
#: Data kinds that come with people using the system.
PEOPLE_KINDS = {"credentials", "session_token", "personal_data", "payment_card", "files",
                "api_keys"}
#: Data kinds the system keeps, so that it needs somewhere to keep them.
KEPT_KINDS = {"personal_data", "business_data", "files", "audit_log", "credentials",
              "api_keys"}
#: Data kinds that mean users authenticate.
USER_SECRETS = ("credentials", "session_token", "api_keys")
COMPONENT_ORDER = ["id", "name", "type", "boundary", "flags", "origin", "x-tier"]


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
    #: What the description leaves open, asked in ``generate --explain``.
    questions: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """The architecture being drafted: components by key, data kinds, explanation notes."""

    wiring: Wiring
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    kinds: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    def tiers(self) -> set[str]:
        return {c["x-tier"] for c in self.components.values()}

    def add(self, key: str, type_: str, name: str, tier: str,
            flags: Sequence[str] = ()) -> None:
        """Add a component (a key already present is left as it is)."""
        if key in self.components:
            return
        if tier == "third_party":
            known = builtin_catalogue().types.get(type_)
            if known is None or "third_party" not in known.flags:
                flags = [*flags, "third_party"]  # operated by others, whatever the type
        entry: dict[str, Any] = {"id": key, "name": name, "type": type_,
                                 "boundary": self.wiring.boundary_of(tier).id}
        if flags:
            entry["flags"] = list(dict.fromkeys(flags))
        entry["origin"] = "generated"
        entry["x-tier"] = tier
        self.components[key] = entry

    def add_technology(self, key: str) -> None:
        extra = self.wiring.components.get(key)
        if extra is not None:
            self.add(key, extra.type, extra.name, extra.tier)
            return
        tech = vocabulary().technologies[key]
        self.add(tech.key, tech.type, tech.name, tech.tier, tech.flags)

    def assume(self, key: str, reason: str) -> None:
        """Add a component the description does not name, and say why."""
        if key not in self.components:
            self.add_technology(key)
            self.notes.append(Note("assumed", key, [], reason))

    def assume_kind(self, kind: str, reason: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
            self.notes.append(Note("assumed", kind, [], reason))


def architecture(description: Description) -> Architecture:
    """Components, flows, boundaries, assets and attackers for a description."""
    wired = wiring()
    draft = Draft(wired, notes=[Note(d.section, d.key, d.words) for d in
                                [*description.technologies, *description.data,
                                 *description.flags]])
    for detection in description.technologies:
        draft.add_technology(detection.key)
    draft.kinds = list(description.data_kinds())
    has_entry = _assume_components(draft)
    _assume_kinds(draft, has_entry)
    assets, asset_of = _assets(draft)
    components, kinds = draft.components, draft.kinds
    flows = dataflows(components, kinds, asset_of,
                      webhooks="handles_webhooks" in {d.key for d in description.flags})
    _apply_flags(components, description, flows, asset_of)
    used = {c["boundary"] for c in components.values()}
    boundaries = [{"id": b.id, "name": b.name, "description": b.description,
                   "origin": "generated"} for b in wired.boundaries if b.id in used]
    order = [b.id for b in wired.boundaries]
    ordered = sorted(components.values(),
                     key=lambda c: (order.index(c["boundary"]), list(components).index(c["id"])))
    attackers = _attackers(components, kinds)
    for component in ordered:
        del component["x-tier"]
    return Architecture(ordered, flows, boundaries, assets, attackers, draft.notes,
                        draft.questions)


def _assume_components(draft: Draft) -> bool:
    """Add the components the named ones imply; whether the system has an entry point."""
    role, group, components = draft.wiring.roles, draft.wiring.groups, draft.components
    if not components:
        draft.assume(role["unknown_system"], "no technology recognised")
        draft.questions.append(
            "What kind of system is it? Name it (a web application, an API, a command-line "
            "tool, a batch job, a desktop app, firmware, ...) to get the threats of its kind.")
    standalone = [k for k in group["standalone_clients"] if k in components]
    runs_itself = bool(standalone) or any(k in components for k in group["processors"])
    tiers = draft.tiers()
    if "client" in tiers and "entry" not in tiers:
        clients = [k for k in components if components[k]["x-tier"] == "client"]
        app_clients = set(group["app_clients"]) & set(components)
        signs_in = bool(set(USER_SECRETS) & set(draft.kinds))  # accounts live on a server
        if set(clients) <= set(standalone) and not signs_in:
            draft.questions.extend(
                f"Does {components[k]['name']} talk to a server of yours? Name it to model "
                "that connection." for k in standalone)
        else:
            draft.assume(role["api_entry"] if app_clients and role["web_client"] not in
                         components else role["web_entry"],
                         "users need a server-side entry point")
    tiers = draft.tiers()
    people = PEOPLE_KINDS & set(draft.kinds)
    if ("entry" not in tiers and people and role["pipeline"] not in components
            and not runs_itself):
        signing_in = bool(set(USER_SECRETS) & people)
        # People who sign in need a place to do it: a web application unless said
        # otherwise; people merely named could use anything.
        draft.assume(role["web_entry"] if signing_in else role["unknown_system"],
                     "users (" + ", ".join(sorted(people)) + ") need an entry point")
        draft.questions.append(
            "How do people reach the system: a web application, an API, an app? Name it "
            "to get the threats of its kind." if not signing_in else
            "Do people sign in to a web application? Name the application (or the app or "
            "API they use) if not.")
    tiers = draft.tiers()
    if ("entry" not in tiers and tiers & {"data", "third_party"}
            and role["pipeline"] not in components and not runs_itself):
        draft.assume(role["fallback_entry"],
                     "something must use the data stores and services named")
    if role["proxy"] in components and not [
            k for k, c in components.items() if c["x-tier"] == "entry" and k != role["proxy"]]:
        draft.assume(role["fallback_entry"], "a reverse proxy forwards to an application")
    has_entry = "entry" in draft.tiers()
    if has_entry and "client" not in draft.tiers():
        if any(k in components for k in group["web_interfaces"]):
            draft.assume(role["web_client"], "a web interface is used from a browser")
        elif any(k in components for k in group["api_entries"]):
            draft.assume(role["program_client"], "an API is called by clients")
        elif role["proxy"] in components:
            draft.assume(role["proxy_client"], "a reverse proxy is reached by clients")
    if role["pipeline"] in components:
        draft.assume(role["repository"], "a pipeline builds code from a repository")
    if ((role["pipeline"] in components or role["repository"] in components)
            and "client" not in draft.tiers()):
        draft.assume(role["workstation"], "developers push code")
    return has_entry


def _assume_kinds(draft: Draft, has_entry: bool) -> None:
    """Add the data kinds the components imply, and a store for data kept nowhere."""
    role, components, kinds = draft.wiring.roles, draft.components, draft.kinds
    for key, implied_kinds in draft.wiring.implied_data.items():
        if key in components:
            for kind in implied_kinds:
                draft.assume_kind(kind, f"{components[key]['name']} handles it")
    if "credentials" in kinds and "session_token" not in kinds and has_entry:
        draft.assume_kind("session_token", "a login yields a session")
    if ("credentials" in kinds and role["sign_in"] not in components
            and role["user_store"] not in components and has_entry):
        draft.assume(role["user_store"], "passwords need a user store")
    if not kinds:
        draft.assume_kind("business_data", "no data kind recognised: assumed business data")
    kept = KEPT_KINDS & set(kinds)
    only_static = [c["x-tier"] == "entry" and k != role["static_pages"]
                   for k, c in components.items()].count(True) == 0
    if (has_entry and "data" not in draft.tiers() and kept
            and role["pipeline"] not in components
            and role["unknown_system"] not in components
            and not (only_static and set(kinds) <= {"business_data"})):
        draft.assume(role["user_store"], "the system keeps " + ", ".join(sorted(kept))
                     + " somewhere")


def _asset(kind: str, asset_id: str) -> dict[str, Any]:
    spec = vocabulary().data[kind]
    return {"id": asset_id, "name": spec.name, "properties": list(spec.properties),
            "kind": kind, "classification": spec.classification, "origin": "generated"}


def _assets(draft: Draft) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One asset per data kind (ids A1, A2, ...), and the asset id of each kind."""
    vocab = vocabulary()
    kinds = draft.kinds
    assets = [_asset(kind, f"A{number}") for number, kind in enumerate(kinds, 1)]
    asset_of = {kind: f"A{number}" for number, kind in enumerate(kinds, 1)}
    # stores with nothing in them keep business data
    for key, component in draft.components.items():
        if component["x-tier"] == "data" and not any(
                key in vocab.data[k].stored_in for k in kinds) and "business_data" not in kinds:
            kinds.append("business_data")
            asset_of["business_data"] = f"A{len(assets) + 1}"
            assets.append(_asset("business_data", asset_of["business_data"]))
            draft.notes.append(Note("assumed", "business_data", [],
                                    f"{component['name']} holds data"))
    return assets, asset_of


def _apply_flags(components: dict[str, dict[str, Any]], description: Description,
                 flows: list[dict[str, Any]], asset_of: dict[str, str]) -> None:
    """Behaviour flags the description and the data kinds imply, on the components."""
    vocab, wired = vocabulary(), wiring()
    role = wired.roles
    for detection in description.flags:
        spec = vocab.flags[detection.key]
        for key, component in components.items():
            if key in spec.on or component["x-tier"] in spec.on:
                _add_flags(component, [spec.flag, *spec.also])
    entries = [k for k in wired.groups["entry_order"] if k in components]
    detected = {d.key for d in description.data}
    web = [k for k in wired.groups["web_interfaces"] if k in components]
    if role["sign_in"] in components and "credentials" not in detected:
        # Single sign-on only (no password named): the identity provider signs users in,
        # so the web interfaces have no password, brute-force or recovery flow of their own.
        for key in web:
            _add_flags(components[key], ["no_authenticates_users"])
    if not set(USER_SECRETS) & (detected | set(asset_of)) and role["sign_in"] not in components:
        # Nobody is said to sign in: a web interface gets no password flow of its own
        # (an administrative one always signs its operators in).
        catalogue = builtin_catalogue()
        for key in web:
            flags = catalogue.effective_flags(components[key]["type"],
                                              components[key].get("flags", []))
            if "has_admin_interface" not in flags:
                _add_flags(components[key], ["no_authenticates_users"])
    negated_kinds = {key for trigger in description.negated
                     for key in vocab.phrases("data").get(trigger.phrase, [])}
    if set(SIGN_IN_KINDS) & negated_kinds and not set(SIGN_IN_KINDS) & detected:
        # "without login": nobody signs in, so there is no session either.
        for key in entries:
            _add_flags(components[key], ["no_authenticates_users", "no_holds_sessions"])
    if entries and role["sign_in"] not in components:
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
    kind_flags = dict(KIND_FLAGS)
    named = set(description.technology_keys())
    if role["uploads"] in components or named & set(vocab.data[UPLOAD_KIND].stored_in):
        # files the system receives and keeps; fetched from a service they are no upload
        kind_flags[UPLOAD_KIND] = UPLOAD_FLAG
    for flow_entry in flows:
        for asset in flow_entry.get("data", []):
            flag = kind_flags.get(kind_of.get(asset, ""))
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
            reordered = {k: component[k] for k in COMPONENT_ORDER if k in component}
            component.clear()
            component.update(reordered)


def _add_flags(component: dict[str, Any], flags: Sequence[str]) -> None:
    """Add flags to a component; ``no_<flag>`` and ``<flag>`` cancel each other out."""
    current = component.setdefault("flags", [])
    for flag in flags:
        opposite = flag[3:] if flag.startswith("no_") else f"no_{flag}"
        current[:] = [f for f in current if f != opposite]
        if flag not in current:
            current.append(flag)


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
    """The attackers that fit the architecture (ATK1, ATK2, ...), each with a position."""
    wired = wiring()
    tiers = {c["x-tier"] for c in components.values()}
    types = set(components)

    def brought(attacker: str) -> bool:
        return bool(types & set(wired.attackers[attacker]))

    chosen: list[tuple[str, str]] = []
    exposed_at = {wired.boundary_of("client").id, wired.boundary_of("entry").id}
    exposed = any(c["boundary"] in exposed_at for c in components.values())
    if exposed or brought("external") or not components:
        chosen.append(("external", "external"))
    if set(USER_SECRETS) & set(kinds) or ("personal_data" in kinds and brought("user")):
        chosen.append(("user", "external"))
    if brought("internal"):
        chosen.append(("internal", "internal"))
    staff = any("serves_staff" in c.get("flags", []) for c in components.values())
    if brought("insider") or staff:
        chosen.append(("insider", "insider"))
    if brought("physical"):  # devices in the field, phones lost or stolen
        chosen.append(("physical", "physical"))
    if brought("supply_chain") or "third_party" in tiers:
        chosen.append(("supply_chain", "supply_chain"))
    attackers = []
    for number, (key, position) in enumerate(chosen, 1):
        name, capability = ATTACKERS[key]
        attackers.append({"id": f"ATK{number}", "name": name, "capability": capability,
                          "position": position, "origin": "generated"})
    return attackers
