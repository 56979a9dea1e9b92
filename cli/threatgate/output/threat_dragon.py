"""One model as an OWASP Threat Dragon version 2 JSON model, to edit its diagram there.

Components become actors, processes or stores (by the category of their type in the
technology catalogue), data flows flows between them, trust boundaries boundary boxes
that hold their components (laid out in columns), and each threat a threat of the first
component or data flow it applies to. Cell ids are the model's ids, so that
``threatgate import`` gives the same ids back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from threatgate.output.registry import register_format

if TYPE_CHECKING:
    from threatgate.output.model_export import ModelDocument

VERSION = "2.2.0"
SHAPES = {"external": ("actor", "tm.Actor"), "process": ("process", "tm.Process"),
          "datastore": ("store", "tm.Store")}
STRIDE_NAMES = {"spoofing": "Spoofing", "tampering": "Tampering",
                "repudiation": "Repudiation", "information_disclosure": "Information disclosure",
                "denial_of_service": "Denial of service",
                "elevation_of_privilege": "Elevation of privilege"}
COLUMN, ROW, BOX_PAD = 260, 140, 30


@register_format("export", "threat-dragon", 40, suffix=".json")
def export_threat_dragon(document: ModelDocument) -> bytes:
    return (json.dumps(threat_dragon_model(document.data), indent=2, ensure_ascii=False)
            + "\n").encode("utf-8")


def threat_dragon_model(data: Mapping[str, Any]) -> dict[str, Any]:
    """The Threat Dragon v2 document of a model (plain data)."""
    cells = _layout(data)
    threats = _threats_by_element(data)
    for cell in cells:
        if cell["id"] in threats:
            cell["data"]["threats"] = threats[cell["id"]]
            cell["data"]["hasOpenThreats"] = any(t["status"] == "Open"
                                                 for t in threats[cell["id"]])
    summary = {"title": data.get("title", ""), "owner": data.get("owner", ""),
               "description": data.get("description", ""), "id": 0}
    diagram = {"id": 0, "title": data.get("title", ""), "diagramType": "STRIDE",
               "placeholder": "", "thumbnail": "./public/content/images/thumbnail.stride.jpg",
               "version": VERSION, "cells": cells}
    return {"version": VERSION, "summary": summary,
            "detail": {"contributors": [], "diagrams": [diagram], "diagramTop": 1,
                       "reviewer": "", "threatTop": len(data.get("threats") or [])}}


def _entries(data: Mapping[str, Any], collection: str) -> list[Mapping[str, Any]]:
    value = data.get(collection)
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _layout(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Boundary boxes in columns, their components stacked inside; then the flows."""
    from threatgate.generate.catalogue import builtin_catalogue

    catalogue = builtin_catalogue()
    boundaries = [b.get("id") for b in _entries(data, "trust_boundaries")]
    columns: dict[Any, list[Mapping[str, Any]]] = {b: [] for b in [*boundaries, None]}
    for component in _entries(data, "components"):
        where = component.get("boundary")
        columns[where if where in columns else None].append(component)
    cells: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    names = {b.get("id"): b for b in _entries(data, "trust_boundaries")}
    for index, (boundary, members) in enumerate(columns.items()):
        x = 40 + index * (COLUMN + BOX_PAD)
        for row, component in enumerate(members):
            category = catalogue.category(component.get("type")) or "process"
            shape, kind = SHAPES.get(category, SHAPES["process"])
            nodes.append({
                "id": component["id"], "shape": shape, "zIndex": 10 + len(nodes),
                "position": {"x": x + BOX_PAD, "y": 60 + row * ROW},
                "size": {"width": 160, "height": 80},
                "attrs": {"text": {"text": component.get("name", component["id"])}},
                "data": {"type": kind, "name": component.get("name", component["id"]),
                         "description": component.get("description", ""),
                         "outOfScope": "out-of-scope" in (component.get("tags") or []),
                         "reasonOutOfScope": "", "threats": [], "hasOpenThreats": False}})
        if boundary is not None:
            entry = names[boundary]
            cells.append({
                "id": boundary, "shape": "trust-boundary-box", "zIndex": -1,
                "position": {"x": x, "y": 20},
                "size": {"width": 160 + 2 * BOX_PAD, "height": max(1, len(members)) * ROW + 40},
                "attrs": {"label": {"text": entry.get("name", boundary)}},
                "data": {"type": "tm.BoundaryBox", "name": entry.get("name", boundary),
                         "description": entry.get("description", ""),
                         "isTrustBoundary": True, "hasOpenThreats": False}})
    return cells + nodes + [_flow(flow, len(nodes) + i) for i, flow in
                            enumerate(_entries(data, "dataflows"))]


def _flow(flow: Mapping[str, Any], z: int) -> dict[str, Any]:
    name = flow.get("name", flow.get("id", ""))
    return {"id": flow["id"], "shape": "flow", "zIndex": 10 + z,
            "source": {"cell": flow.get("from")}, "target": {"cell": flow.get("to")},
            "labels": [name],
            "data": {"type": "tm.Flow", "name": name, "description": flow.get("description", ""),
                     "protocol": flow.get("protocol", ""),
                     "isEncrypted": bool(flow.get("encrypted", False)),
                     "isPublicNetwork": "public-network" in (flow.get("tags") or []),
                     "outOfScope": False, "reasonOutOfScope": "", "threats": [],
                     "hasOpenThreats": False}}


def _threats_by_element(data: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each threat on the first component or data flow it applies to."""
    controls = {c.get("id"): c for c in _entries(data, "controls")}
    found: dict[str, list[dict[str, Any]]] = {}
    for threat in _entries(data, "threats"):
        element = next(iter([*(threat.get("components") or []),
                             *(threat.get("dataflows") or [])]), None)
        if element is None:
            continue
        mitigations = [controls[m] for m in threat.get("mitigations") or [] if m in controls]
        done = any(c.get("status") == "implemented" for c in mitigations)
        stride = (threat.get("stride") or [None])[0]
        found.setdefault(element, []).append({
            "id": threat["id"], "title": threat.get("title", threat["id"]),
            "status": "Mitigated" if done else "Open",
            "severity": str(threat.get("severity", "medium")).capitalize(),
            "type": STRIDE_NAMES.get(stride or "", ""), "modelType": "STRIDE",
            "description": threat.get("description", ""),
            "mitigation": "\n".join(str(c.get("title", "")) for c in mitigations),
            "new": False, "score": ""})
    return found
