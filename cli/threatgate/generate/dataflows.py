"""The data flows of a generated architecture, wired as the catalogue says.

Users reach the entry points (through the CDN where there is one), entry points reach
the data stores, the third parties and each other, and the delivery pipeline reaches
what it deploys. Every technology involved is named by the catalogue's wiring
(:mod:`threatgate.generate.wiring`); flows are numbered DF1, DF2, ... in the order
they are added, and a pair of ends gets at most one flow.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from threatgate.generate.describe import vocabulary
from threatgate.generate.wiring import Wiring, wiring


@dataclass
class Flows:
    """The flows added so far, each pair of ends at most once."""

    kinds: Sequence[str]
    asset_of: Mapping[str, str]
    wiring: Wiring
    entries: list[dict[str, Any]] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, source: str, target: str, protocol: str, carried: Sequence[str], *,
            authenticated: bool | None = None) -> None:
        if (source, target) in self.seen or source == target:
            return
        self.seen.add((source, target))
        entry: dict[str, Any] = {"id": f"DF{len(self.entries) + 1}", "from": source,
                                 "to": target, "protocol": protocol}
        data = [self.asset_of[k] for k in self.kinds if k in carried and k in self.asset_of]
        if data:
            entry["data"] = list(dict.fromkeys(data))
        if protocol in self.wiring.encrypted_protocols:
            entry["encrypted"] = True
        if authenticated is not None:
            entry["authenticated"] = authenticated
        entry["origin"] = "generated"
        self.entries.append(entry)


@dataclass(frozen=True)
class Ends:
    """Where flows start and end: components by tier, the front end, the backend, APIs."""

    components: Mapping[str, Mapping[str, Any]]
    front: str | None
    backend: str | None
    apis: list[str]
    processors: list[str] = field(default_factory=list)

    def of_tier(self, tier: str) -> list[str]:
        return [k for k, c in self.components.items() if c["x-tier"] == tier]


def dataflows(components: Mapping[str, Mapping[str, Any]], kinds: list[str],
              asset_of: Mapping[str, str], *, webhooks: bool = False) -> list[dict[str, Any]]:
    """Every data flow of the architecture, in a deterministic order."""
    wired = wiring()
    role, web = wired.roles, wired.protocols["web"]
    flows = Flows(kinds, asset_of, wired)
    entries = [k for k in wired.groups["entry_order"] if k in components]
    front = entries[0] if entries else None
    apis = [k for k in wired.groups["apis"] if k in components]
    processors = [k for k in wired.groups["processors"] if k in components]
    if not processors and not entries:
        # Programs on people's machines with no server of ours reach stores and
        # services themselves (an Electron app syncing to Dropbox).
        processors = [k for k in wired.groups["standalone_clients"] if k in components]
    ends = Ends(components, front, apis[0] if apis else front, apis, processors)
    client_kinds = [k for k in kinds if vocabulary().data[k].client]
    _client_flows(flows, ends, client_kinds)
    backend = ends.backend
    if front and backend and front != backend:
        flows.add(front, backend, web, client_kinds, authenticated=True)
    rpc = role["rpc_service"]
    if rpc in components and backend and backend != rpc:
        # Services call each other over RPC; whether those calls are authenticated is
        # for the team to say (unknown until then).
        flows.add(backend, rpc, wired.protocols["rpc"], client_kinds)
    _store_flows(flows, ends)
    _third_party_flows(flows, ends, webhooks)
    _pipeline_flows(flows, ends)
    return flows.entries


def _client_flows(flows: Flows, ends: Ends, client_kinds: list[str]) -> None:
    """Users' clients to the entry points they reach (and to the identity provider)."""
    wired = flows.wiring
    role, group, web = wired.roles, wired.groups, wired.protocols["web"]
    components, front, apis = ends.components, ends.front, ends.apis
    users_authenticate = any(k in flows.kinds for k in ("credentials", "session_token",
                                                        "api_keys"))
    for client in [k for k in ends.of_tier("client") if k != role["workstation"]]:
        targets: list[str]
        if client in group["app_clients"] and apis:
            targets = list(apis)
        elif client == role["field_device"] and role["broker"] in components:
            # Devices publish telemetry to the broker themselves (MQTT and the like).
            flows.add(client, role["broker"], wired.protocols["telemetry"], client_kinds,
                      authenticated=users_authenticate)
            targets = ([front] if front and front not in group["not_called_by_devices"]
                       else [])
        elif client == role["program_client"]:
            targets = apis or ([front] if front else [])
        else:
            targets = [front] if front else []
        targets += [k for k in group["side_entries"]
                    if k in components and client != role["program_client"]]
        proxy = role["proxy"] if role["proxy"] in components else None
        if proxy and client not in group["standalone_clients"] and not targets:
            targets = [proxy]
        for target in dict.fromkeys(targets):
            route = [client]
            if proxy and target in group["behind_proxy"]:
                route.append(proxy)  # users reach it through the reverse proxy
            if role["edge"] in components and (route[-1] in group["behind_cdn"]
                                               or target in group["behind_cdn"]):
                # Users reach the site through the CDN, which fetches from the origin.
                route.insert(1, role["edge"])
            route.append(target)
            route = list(dict.fromkeys(route))
            flows.add(route[0], route[1], web, client_kinds, authenticated=users_authenticate)
            for source, hop in itertools.pairwise(route[1:]):
                flows.add(source, hop, web, client_kinds)
        if role["sign_in"] in components:
            flows.add(client, role["sign_in"], web, ["credentials", "session_token"],
                      authenticated=False)


def _store_flows(flows: Flows, ends: Ends) -> None:
    """The backend (and the stores' own writers, and workers) to each data store."""
    wired = flows.wiring
    backend = ends.backend
    for store in ends.of_tier("data"):
        carried = [k for k in flows.kinds if store in vocabulary().data[k].stored_in]
        sources: list[str] = [backend] if backend else []
        writer = wired.store_writers.get(store)
        if writer is not None and writer.writer in ends.components:
            if writer.mode == "replace":
                sources = [writer.writer]
            elif writer.mode == "add":
                sources.append(writer.writer)
            elif not sources:
                sources = [writer.writer]
        protocol = wired.store_protocol(store)
        for origin in sources:
            flows.add(origin, store, protocol, carried)
        for processor in ends.processors:
            if backend != processor:
                flows.add(processor, store, protocol, carried)


def _third_party_flows(flows: Flows, ends: Ends, webhooks: bool) -> None:
    """Calls to third parties, their answers, and their callbacks (webhooks)."""
    wired = flows.wiring
    group, web = wired.groups, wired.protocols["web"]
    for third in [k for k in ends.of_tier("third_party") if k not in group["not_called"]]:
        carried = [k for k in flows.kinds if third in vocabulary().data[k].sent_to]
        caller = wired.callers.get(third)
        source = caller if caller is not None and caller in ends.components else (
            ends.backend or next(iter(ends.processors), None))
        if not carried:
            carried = list(wired.default_data.get(third, ()))
        if not source:
            continue
        flows.add(source, third, wired.store_protocols.get(third, web), carried,
                  authenticated=True)
        if third in wired.replies:
            # The answer comes back and is shown or acted on: its own hazard.
            flows.add(third, source, web, wired.replies[third])
        if third in group["call_back"] or (webhooks and third in group["call_back_with_webhooks"]):
            # Webhooks: the provider calls back; whether they are verified is the question.
            flows.add(third, source, web, carried)


def _pipeline_flows(flows: Flows, ends: Ends) -> None:
    """Code into the pipeline, the pipeline to what it deploys, developers pushing code."""
    wired = flows.wiring
    role, web, components = wired.roles, wired.protocols["web"], ends.components
    pipeline, registry, repository = role["pipeline"], role["dependencies"], role["repository"]
    if pipeline in components:
        if repository in components:
            flows.add(repository, pipeline, web, ["source_code"], authenticated=True)
        if registry in components:
            flows.add(registry, pipeline, web, ["source_code"])
        for deployed in wired.groups["deploy_targets"]:
            if deployed in components:
                flows.add(pipeline, deployed, web, ["source_code", "secrets"],
                          authenticated=True)
        if role["runtime"] not in components and ends.backend:
            flows.add(pipeline, ends.backend, web, ["source_code"], authenticated=True)
    elif registry in components and ends.backend:
        flows.add(registry, ends.backend, web, ["source_code"])
    if registry in components:
        # People install the program from the registry: its update channel.
        for client in wired.groups["standalone_clients"]:
            if client in components:
                flows.add(registry, client, web, ["source_code"])
    if role["workstation"] in components:
        pushed = repository if repository in components else pipeline
        if pushed in components:
            flows.add(role["workstation"], pushed, web, ["source_code"], authenticated=True)
