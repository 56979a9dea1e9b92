"""The data-flow diagram of a model: components, flows and trust boundaries as plain data.

``build_diagram`` reads the architecture sections of a loaded model (``components``,
``dataflows``, ``trust_boundaries``) and returns a frozen :class:`Diagram` that the
renderers (Mermaid text, an offline SVG) draw without looking at the model again.

It is defensive like the rest of the core: a model that failed validation may still
reach it, so malformed entries are skipped rather than trusted. Order is the file's order
everywhere, so the same model always gives the same diagram.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

#: How a component is drawn: a process (rectangle), a data store (cylinder) or an
#: external entity (a parallelogram), the three element kinds of a classic DFD.
NodeKind = Literal["process", "datastore", "external"]

_DATASTORE_TYPES = frozenset({
    "datastore", "data_store", "database", "db", "object_storage", "cache", "storage",
    "file_storage", "blob_storage", "secrets_store", "key_value_store", "data_warehouse",
    "data_lake", "bucket", "filesystem", "file_system",
})
_DATASTORE_SUFFIXES = ("_store", "_storage", "_database", "_db", "_cache", "_bucket")
_EXTERNAL_TYPES = frozenset({
    "external", "external_entity", "external_service", "external_system", "client",
    "browser", "mobile_app", "desktop_app", "saas", "user", "actor", "person",
    "third_party", "payment_provider", "partner",
})


def node_kind(component_type: str) -> NodeKind:
    """The DFD element kind of a component type (unknown types are processes)."""
    if component_type in _DATASTORE_TYPES or component_type.endswith(_DATASTORE_SUFFIXES):
        return "datastore"
    if component_type in _EXTERNAL_TYPES or component_type.startswith("external_"):
        return "external"
    return "process"


@dataclass(frozen=True, slots=True)
class DiagramNode:
    """A component. ``type`` is the component's type, ``""`` when the model gives none."""

    id: str
    name: str
    type: str
    boundary: str | None

    @property
    def kind(self) -> NodeKind:
        return node_kind(self.type)


@dataclass(frozen=True, slots=True)
class DiagramEdge:
    """A data flow between two known components.

    ``label`` names the flow (its ``name`` when given), its protocol and the names of the
    assets it carries; ``crosses_boundary`` is true when the two ends sit in different
    trust boundaries (a component outside every boundary counts as its own zone).
    """

    id: str
    source: str
    target: str
    label: str
    protocol: str | None
    encrypted: bool | None
    authenticated: bool | None
    crosses_boundary: bool


@dataclass(frozen=True, slots=True)
class DiagramBoundary:
    """A trust boundary; ``declared`` is false when components name it but
    ``trust_boundaries`` does not (its name is then its id)."""

    id: str
    name: str
    declared: bool


@dataclass(frozen=True, slots=True)
class Diagram:
    """Everything a renderer needs to draw a model's data-flow diagram."""

    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    boundaries: tuple[DiagramBoundary, ...]
    title: str

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw (no component)."""
        return not self.nodes

    def members(self, boundary_id: str) -> tuple[DiagramNode, ...]:
        """The components inside one trust boundary, in file order."""
        return tuple(node for node in self.nodes if node.boundary == boundary_id)


def _entries(model: Mapping[str, Any], collection: str) -> list[Mapping[str, Any]]:
    value = model.get(collection)
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, Mapping)]


def _string(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) and value else None


def _flag(entry: Mapping[str, Any], key: str) -> bool | None:
    value = entry.get(key)
    return value if isinstance(value, bool) else None


def edge_label(name: str | None, protocol: str | None, assets: list[str]) -> str:
    """``Checkout (https): Cardholder data, Session`` and its shorter forms."""
    head = name or protocol or ""
    if name and protocol:
        head = f"{name} ({protocol})"
    carried = ", ".join(assets)
    if head and carried:
        return f"{head}: {carried}"
    return head or carried


def build_diagram(model: Mapping[str, Any]) -> Diagram:
    """The data-flow diagram of a loaded model (a plain mapping, as the loader returns it)."""
    asset_names: dict[str, str] = {}
    for asset in _entries(model, "assets"):
        asset_id = _string(asset, "id")
        if asset_id is not None and asset_id not in asset_names:
            asset_names[asset_id] = _string(asset, "name") or asset_id

    nodes: dict[str, DiagramNode] = {}
    for component in _entries(model, "components"):
        component_id = _string(component, "id")
        if component_id is None or component_id in nodes:
            continue
        nodes[component_id] = DiagramNode(
            id=component_id,
            name=_string(component, "name") or component_id,
            type=_string(component, "type") or "",
            boundary=_string(component, "boundary"),
        )

    boundaries: dict[str, DiagramBoundary] = {}
    for boundary in _entries(model, "trust_boundaries"):
        boundary_id = _string(boundary, "id")
        if boundary_id is not None and boundary_id not in boundaries:
            boundaries[boundary_id] = DiagramBoundary(
                boundary_id, _string(boundary, "name") or boundary_id, declared=True)
    for node in nodes.values():
        if node.boundary is not None and node.boundary not in boundaries:
            boundaries[node.boundary] = DiagramBoundary(node.boundary, node.boundary,
                                                        declared=False)

    edges: list[DiagramEdge] = []
    for index, flow in enumerate(_entries(model, "dataflows")):
        source = nodes.get(_string(flow, "from") or "")
        target = nodes.get(_string(flow, "to") or "")
        if source is None or target is None:
            continue
        data = flow.get("data")
        carried = list(dict.fromkeys(asset_names.get(item, item) for item in data
                                     if isinstance(item, str))) if isinstance(data, list) else []
        protocol = _string(flow, "protocol")
        edges.append(DiagramEdge(
            id=_string(flow, "id") or f"dataflows[{index}]",
            source=source.id,
            target=target.id,
            label=edge_label(_string(flow, "name"), protocol, carried),
            protocol=protocol,
            encrypted=_flag(flow, "encrypted"),
            authenticated=_flag(flow, "authenticated"),
            crosses_boundary=source.boundary != target.boundary,
        ))

    title = _string(model, "title") or _string(model, "id") or ""
    return Diagram(tuple(nodes.values()), tuple(edges), tuple(boundaries.values()), title)
