"""OWASP Threat Dragon JSON models, version 2 (``cells`` with ``shape`` and ``data``) and
version 1 (``diagramJson.cells`` with ``type``).

Actors, processes and stores become components, flows data flows (their source and
target cells), trust boundary boxes and curves trust boundaries (a component sits in the
smallest box that holds its centre), and each element's threats threats (title, STRIDE
type, severity, status, description) with their mitigation text as a control. Elements
out of scope are tagged ``out-of-scope`` and keep their reason; positions, sizes, styles
and every other field are kept in ``x-threat-dragon``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from threatgate.importers.mapping import (
    Draft,
    Fields,
    Source,
    component_flags,
    describe,
    one_line,
    severity_of,
    short_id,
    stride_of,
)
from threatgate.importers.registry import ImportFormat, register

NAME = "threat-dragon"

#: Element kinds by ``data.type`` (v2) or ``type`` (v1), and by v2 ``shape``.
KINDS = {"tm.Actor": "actor", "tm.Process": "process", "tm.Store": "store",
         "tm.Flow": "flow", "tm.Boundary": "boundary", "tm.BoundaryBox": "box",
         "tm.Text": "text"}
SHAPES = {"actor": "actor", "process": "process", "store": "store", "flow": "flow",
          "trust-boundary-curve": "boundary", "trust-boundary-box": "box",
          "trust-broundary-curve": "boundary", "td-text-block": "text"}
CONTROL_STATUS = {"open": "planned", "mitigated": "implemented",
                  "notapplicable": "not_applicable"}


def detect(data: Mapping[str, Any]) -> bool:
    detail = data.get("detail")
    return isinstance(detail, dict) and "diagrams" in detail and "summary" in data


@dataclass
class Cell:
    """One diagram cell: its geometry object and the object holding its properties
    (the same object in version 1)."""

    cell: Fields
    data: Fields
    kind: str
    diagram: int


def convert(source: Source, draft: Draft) -> None:
    root = source.root()
    summary = root.obj("summary")
    if summary is not None:
        draft.model["title"] = summary.text("title")
        owner = summary.text("owner")
        if owner:
            draft.model["owner"] = one_line(owner, "unknown")
        description = summary.text("description")
        if description:
            draft.model["description"] = description
        draft.keep(summary, under="summary")
    detail = root.obj("detail")
    assert detail is not None  # detect() saw it
    cells = _cells(detail, draft)
    ids = _elements(cells, draft)
    _flows(cells, draft, ids)
    _membership(cells, draft, ids)
    for cell in cells:
        if cell.kind in ("text", "unknown"):
            draft.keep_value(cell.cell.path, f"cells/{cell.cell.data.get('id', '?')}",
                             cell.cell.data, None, None, "a text block or an unknown shape "
                             "has no equivalent")
    draft.keep(detail, under="detail")
    draft.keep(root)


def _cells(detail: Fields, draft: Draft) -> list[Cell]:
    """Every cell of every diagram, in order; diagram fields other than cells are kept."""
    found: list[Cell] = []
    for index, diagram in enumerate(detail.objects("diagrams")):
        holder = diagram.obj("diagramJson") or diagram
        for cell in holder.objects("cells"):
            kind_name = cell.data.get("type")
            data = cell
            if isinstance(cell.data.get("data"), dict):
                data = cell.obj("data") or cell
                kind_name = data.data.get("type") or kind_name
            kind = KINDS.get(str(kind_name)) or SHAPES.get(str(cell.data.get("shape")), "unknown")
            found.append(Cell(cell, data, kind, index))
        if holder is not diagram:
            draft.keep(holder, under=f"diagrams/{index}/diagramJson")
        draft.keep(diagram, under=f"diagrams/{index}")
    return found


def _cell_id(cell: Cell) -> str:
    value = cell.cell.data.get("id")
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
        cell.cell.fail("id", "a diagram cell needs an id")
    return str(value)


def _elements(cells: list[Cell], draft: Draft) -> dict[str, str]:
    """Actors, processes, stores and boundaries; returns cell id -> model id."""
    ids: dict[str, str] = {}
    for cell in cells:
        if cell.kind not in ("actor", "process", "store", "boundary", "box"):
            continue
        cell_id = _cell_id(cell)
        cell.cell.used.add("id")
        name = cell.data.text("name") or _label(cell)
        if cell.kind in ("boundary", "box"):
            entry = {"id": draft.new_id(short_id(cell_id, "TB"), "TB"),
                     "name": one_line(name, "Trust boundary")}
            describe(entry, cell.data)
            draft.add("trust_boundaries", entry, cell.cell.path)
            collection = "trust_boundaries"
        else:
            entry = _component(cell, cell_id, name, draft)
            collection = "components"
        ids[cell_id] = entry["id"]
        _threats(cell, entry["id"], collection, draft)
        _finish(cell, entry, collection, draft)
    return ids


def _label(cell: Cell) -> str | None:
    attrs = cell.cell.data.get("attrs")
    text = attrs.get("text") if isinstance(attrs, dict) else None
    label = text.get("text") if isinstance(text, dict) else None
    return label if isinstance(label, str) else None


def _component(cell: Cell, cell_id: str, name: str | None, draft: Draft) -> dict[str, Any]:
    data = cell.data
    entry: dict[str, Any] = {"id": draft.new_id(short_id(cell_id, "C"), "C"),
                             "name": one_line(name, cell.kind.capitalize())}
    describe(entry, data)
    if cell.kind == "actor":
        entry["type"] = "external"
        wanted = {"authenticates_users": data.flag("providesAuthentication", mark=False)}
    elif cell.kind == "process":
        entry["type"] = "web_app" if data.flag("isWebApplication", mark=False) else "service"
        wanted = {"handles_payment_data": data.flag("handlesCardPayment", mark=False)}
    else:
        entry["type"] = "logging_service" if data.flag("isALog", mark=False) else "datastore"
        wanted = {"stores_secrets": data.flag("storesCredentials", mark=False)}
    flags = component_flags(entry["type"], wanted)
    if flags:
        entry["flags"] = flags
    draft.add("components", entry, cell.cell.path)
    return entry


def _finish(cell: Cell, entry: dict[str, Any], collection: str, draft: Draft) -> None:
    """Out of scope as a tag (the reason stays in the extension field); keep the rest."""
    if cell.data.flag("outOfScope", mark=False):
        entry.setdefault("tags", []).append("out-of-scope")
    if cell.data is not cell.cell:
        cell.cell.used.add("data")
        draft.keep(cell.data, entry, collection, under="data")
    draft.keep(cell.cell, entry, collection)


def _flows(cells: list[Cell], draft: Draft, ids: dict[str, str]) -> None:
    for cell in cells:
        if cell.kind != "flow":
            continue
        cell_id = _cell_id(cell)
        cell.cell.used.add("id")
        ends = [_end(cell, side, ids) for side in ("source", "target")]
        name = cell.data.text("name") or _flow_label(cell)
        if ends[0] is None or ends[1] is None:
            draft.keep_value(cell.cell.path, f"flows/{cell_id}", cell.cell.data, None, None,
                             "a flow not attached to two elements has no equivalent")
            continue
        entry: dict[str, Any] = {"id": draft.new_id(short_id(cell_id, "DF"), "DF"),
                                 "name": one_line(name, "Data flow"),
                                 "from": ends[0], "to": ends[1]}
        describe(entry, cell.data)
        protocol = cell.data.text("protocol")
        if protocol:
            entry["protocol"] = protocol[:64]
        encrypted = cell.data.flag("isEncrypted")
        if encrypted is not None:
            entry["encrypted"] = encrypted
        if cell.data.flag("isPublicNetwork", mark=False):
            entry["tags"] = ["public-network"]
        if cell.data.flag("isBidirectional", mark=False):
            draft.note(cell.cell.path, "a bidirectional flow is one data flow from source to "
                       "target; isBidirectional kept in x-threat-dragon")
        draft.add("dataflows", entry, cell.cell.path)
        _threats(cell, entry["id"], "dataflows", draft)
        _finish(cell, entry, "dataflows", draft)


def _end(cell: Cell, side: str, ids: dict[str, str]) -> str | None:
    """The model id of the element at one end of a flow (``None`` for a loose end)."""
    end = cell.cell.data.get(side)
    if not isinstance(end, dict):
        return None
    ref = end.get("cell", end.get("id"))
    if ref is None:
        return None
    if str(ref) not in ids:
        key = "cell" if "cell" in end else "id"
        cell.cell.source.fail((*cell.cell.at(side), key),
                              f"flow {side} {ref!r} is not an element of the diagram")
    return ids[str(ref)]


def _flow_label(cell: Cell) -> str | None:
    labels = cell.cell.data.get("labels")
    if isinstance(labels, list) and labels:
        first = labels[0]
        if isinstance(first, str):
            return first
        if isinstance(first, dict):
            text = first.get("attrs", {}).get("label", {}).get("text") if isinstance(
                first.get("attrs"), dict) and isinstance(first["attrs"].get("label"),
                                                        dict) else None
            return text if isinstance(text, str) else None
    return None


def _threats(cell: Cell, element_id: str, collection: str, draft: Draft) -> None:
    for threat in cell.data.objects("threats"):
        source_id = threat.text("id")
        number = threat.whole("number", mark=False)
        if number is not None and number >= 0:
            candidate = f"T{number}"
        elif source_id:
            candidate = short_id(source_id, "T")
        else:
            candidate = f"{element_id}-T{int(threat.path[-1]) + 1}"
        if number is not None:
            threat.used.add("number")
        entry: dict[str, Any] = {"id": draft.new_id(candidate, "T"),
                                 "title": one_line(threat.text("title"), "Threat"),
                                 collection: [element_id]}
        describe(entry, threat)
        kind = threat.text("type", mark=False)
        stride = stride_of(kind or "")
        if stride:
            entry["stride"] = [stride]
            threat.used.add("type")
        severity = severity_of(threat.text("severity", mark=False) or "")
        if severity:
            entry["severity"] = severity
            threat.used.add("severity")
        status = (threat.text("status", mark=False) or "open").lower().replace(" ", "")
        if status == "notapplicable":
            entry["tags"] = ["not-applicable"]
        draft.add("threats", entry, threat.path)
        _mitigation(threat, entry, status, draft)
        draft.keep(threat, entry, "threats")


def _mitigation(threat: Fields, entry: dict[str, Any], status: str, draft: Draft) -> None:
    """The mitigation text as a control whose status follows the threat's."""
    text = threat.text("mitigation")
    if not text and status != "mitigated":
        return
    if status in CONTROL_STATUS:
        threat.used.add("status")
    control = {"id": draft.new_id(f"{entry['id']}-mitigation", "C"),
               "title": one_line(text, "Mitigated in Threat Dragon (no mitigation text)"),
               "status": CONTROL_STATUS.get(status, "planned")}
    if text and ("\n" in text or len(text) > 200):
        control["description"] = text
    draft.add("controls", control, threat.at("mitigation"))
    entry["mitigations"] = [control["id"]]


def _box(cell: Cell) -> tuple[float, float, float, float] | None:
    """x, y, width, height of a cell, when it has numbers for them."""
    data = cell.cell.data
    position, size = data.get("position"), data.get("size")
    if not isinstance(position, dict) or not isinstance(size, dict):
        return None
    values = (position.get("x"), position.get("y"), size.get("width"), size.get("height"))
    numbers = [float(v) for v in values
               if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) != 4:
        return None
    return numbers[0], numbers[1], numbers[2], numbers[3]


def _membership(cells: list[Cell], draft: Draft, ids: dict[str, str]) -> None:
    """Put each component in the smallest boundary box holding its centre."""
    boxes = [(geometry, ids[_cell_id(c)], c.diagram) for c in cells
             if c.kind == "box" and (geometry := _box(c)) is not None]
    for cell in cells:
        if cell.kind not in ("actor", "process", "store") or not boxes:
            continue
        geometry = _box(cell)
        if geometry is None:
            continue
        cx, cy = geometry[0] + geometry[2] / 2, geometry[1] + geometry[3] / 2
        holding = [(w * h, boundary) for (x, y, w, h), boundary, diagram in boxes
                   if diagram == cell.diagram and x <= cx <= x + w and y <= cy <= y + h]
        if holding:
            component = draft.find("components", ids[_cell_id(cell)])
            component["boundary"] = min(holding)[1]
            draft.note(cell.cell.path, f"in boundary {component['boundary']}: the smallest "
                       "boundary box that holds the element's centre")


register(ImportFormat(NAME, "an OWASP Threat Dragon JSON model", detect, convert, order=20))
