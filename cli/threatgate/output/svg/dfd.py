"""A data-flow diagram as a standalone SVG, laid out in pure Python.

The output needs nothing at view time: no script, no font download, no external
reference, no ``foreignObject``, no ``<style>`` sheet that could leak into a page that
inlines it. The same diagram always gives the same bytes.

The drawing is made in steps, one module each: :mod:`~threatgate.output.svg.layout`
places the components and trust-boundary boxes, :mod:`~threatgate.output.svg.routes`
draws the flows' paths, :mod:`~threatgate.output.svg.text` estimates text widths and
wraps names. This module draws: boxes, flows, components, then the flows' labels, which
sit on the flow's middle and step aside from components and earlier labels when there is
room, and a legend naming the shapes (process, data store, external entity) and line
styles used.
"""

from __future__ import annotations

from collections.abc import Iterable

from threatgate.output.escape.xml import xml_line
from threatgate.output.svg.layout import (
    COLUMN_GAP,
    MARGIN,
    NODE_HEIGHT,
    NODE_WIDTH,
    Layout,
    layout,
)
from threatgate.output.svg.numbers import num, xy
from threatgate.output.svg.routes import Router, flow_route
from threatgate.output.svg.text import text_width, wrap
from threatgate.views.diagram import Diagram, DiagramEdge, DiagramNode

FONT_FAMILY = "system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
NAME_SIZE = 12
SMALL_SIZE = 10
MAX_DESC_FLOWS = 100

_INK = "#1f2933"
_MUTED = "#52606d"
_EDGE = "#4a5568"
_WARN = "#c0392b"
_FILLS = {
    "process": ("#eef4fb", "#2f5d8a"),
    "datastore": ("#fdf6e3", "#8a6d1f"),
    "external": ("#f3f3f3", "#555555"),
}
_KIND_NAMES = {"process": "process", "datastore": "data store", "external": "external entity"}


class _Bounds:
    def __init__(self) -> None:
        self.left = self.top = float("inf")
        self.right = self.bottom = float("-inf")

    def add(self, x: float, y: float) -> None:
        self.left, self.right = min(self.left, x), max(self.right, x)
        self.top, self.bottom = min(self.top, y), max(self.bottom, y)


def _text_lines(lines: list[str], x: float, centre_y: float, size: float, fill: str,
                line_height: float, extra: str = "") -> str:
    first = centre_y - (len(lines) - 1) * line_height / 2 + size * 0.35
    spans = "".join(
        f'<tspan x="{num(x)}" y="{num(first + i * line_height)}">{xml_line(line)}</tspan>'
        for i, line in enumerate(lines))
    return (f'<text text-anchor="middle" font-size="{num(size)}" fill="{fill}"{extra}>'
            f"{spans}</text>")


def _shape(node: DiagramNode, x: float, y: float) -> str:
    fill, stroke = _FILLS[node.kind]
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"'
    w, h = NODE_WIDTH, NODE_HEIGHT
    if node.kind == "datastore":
        e = 7
        body = (f"M{num(x)} {num(y + e)}A{num(w / 2)} {e} 0 0 1 {num(x + w)} {num(y + e)}"
                f"V{num(y + h - e)}A{num(w / 2)} {e} 0 0 1 {num(x)} {num(y + h - e)}Z")
        rim = f"M{num(x)} {num(y + e)}A{num(w / 2)} {e} 0 0 0 {num(x + w)} {num(y + e)}"
        return f'<path d="{body}" {paint}/><path d="{rim}" fill="none" stroke="{stroke}"/>'
    if node.kind == "external":
        s = 12
        points = " ".join(f"{num(px)},{num(py)}" for px, py in (
            (x + s, y), (x + w, y), (x + w - s, y + h), (x, y + h)))
        return f'<polygon points="{points}" {paint}/>'
    return f'<rect x="{num(x)}" y="{num(y)}" width="{w}" height="{h}" rx="6" {paint}/>'


def _node(node: DiagramNode, x: float, y: float, boundary_label: str | None) -> str:
    detail = [_KIND_NAMES[node.kind] if not node.type else node.type]
    if boundary_label:
        detail.append(f"in {boundary_label}")
    tooltip = f"{node.name} ({', '.join(detail)})"
    name_lines = wrap(node.name, NODE_WIDTH - 30, NAME_SIZE, 2)
    cx, cy = x + NODE_WIDTH / 2, y + NODE_HEIGHT / 2
    parts = [f"<g><title>{xml_line(tooltip)}</title>", _shape(node, x, y)]
    if node.type:
        parts.append(_text_lines(name_lines, cx, cy - 6, NAME_SIZE, _INK, 14))
        type_line = wrap(node.type, NODE_WIDTH - 30, SMALL_SIZE, 1)
        parts.append(_text_lines(type_line, cx, cy + 6 + 7 * len(name_lines), SMALL_SIZE,
                                 _MUTED, 12))
    else:
        parts.append(_text_lines(name_lines, cx, cy, NAME_SIZE, _INK, 14))
    parts.append("</g>")
    return "".join(parts)


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _edge_title(edge: DiagramEdge, source: DiagramNode, target: DiagramNode) -> str:
    facts = [f"{edge.id}: {source.name} \u2192 {target.name}"]
    if edge.label:
        facts.append(edge.label)
    facts.append(f"encrypted: {_yes_no(edge.encrypted)}")
    facts.append(f"authenticated: {_yes_no(edge.authenticated)}")
    if edge.crosses_boundary:
        facts.append("crosses a trust boundary")
    return "; ".join(facts)


class _Occupied:
    """Rectangles already drawn (components, labels), hashed into a coarse grid so that a
    new label can look for a free spot near its flow in constant time per try."""

    CELL = 120.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _keys(self, box: tuple[float, float, float, float]) -> Iterable[tuple[int, int]]:
        for column in range(int(box[0] // self.CELL), int(box[2] // self.CELL) + 1):
            for row in range(int(box[1] // self.CELL), int(box[3] // self.CELL) + 1):
                yield column, row

    def free(self, box: tuple[float, float, float, float]) -> bool:
        return not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3]
                       for key in self._keys(box) for o in self.cells.get(key, ()))

    def add(self, box: tuple[float, float, float, float]) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)


def _label(text: str, x: float, y: float, bounds: _Bounds, occupied: _Occupied) -> str:
    """A flow's label near ``(x, y)``: moved up or down a little when it would cover a
    component or another label, left in place when no nearby spot is free."""
    lines = wrap(text, COLUMN_GAP - 20, SMALL_SIZE, 2)
    if not lines:
        return ""
    width = max(text_width(line, SMALL_SIZE) for line in lines) + 8
    height = len(lines) * 12 + 4
    for shift in (0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0):
        centre = y + shift * (height / 2 + 3)
        box = (x - width / 2, centre - height / 2, x + width / 2, centre + height / 2)
        if occupied.free(box):
            y = centre
            break
    box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
    occupied.add(box)
    bounds.add(box[0], box[1])
    bounds.add(box[2], box[3])
    frame = (f'<rect x="{num(box[0])}" y="{num(box[1])}" width="{num(width)}" '
             f'height="{num(height)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>')
    return frame + _text_lines(lines, x, y, SMALL_SIZE, _INK, 12)


def _defs() -> str:
    def marker(name: str, colour: str) -> str:
        return (f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                f'markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
                f'fill="{colour}"/></marker>')
    return f"<defs>{marker('tg-dfd-arrow', _EDGE)}{marker('tg-dfd-arrow-warn', _WARN)}</defs>"


def _describe(diagram: Diagram, names: dict[str, str]) -> str:
    crossing = sum(edge.crosses_boundary for edge in diagram.edges)
    unencrypted = sum(edge.encrypted is False for edge in diagram.edges)
    boxes = sum(1 for b in diagram.boundaries if diagram.members(b.id))
    summary = (f"{len(diagram.nodes)} components in {boxes} trust boundaries, "
               f"{len(diagram.edges)} data flows ({crossing} crossing a trust boundary, "
               f"{unencrypted} unencrypted).")
    flows = [f"{names[e.source]} to {names[e.target]}" + (f" ({e.label})" if e.label else "")
             for e in diagram.edges[:MAX_DESC_FLOWS]]
    if len(diagram.edges) > MAX_DESC_FLOWS:
        flows.append(f"and {len(diagram.edges) - MAX_DESC_FLOWS} more")
    return summary + (" Flows: " + "; ".join(flows) + "." if flows else "")


def _document(width: float, height: float, view: tuple[float, float], title: str,
              description: str, body: Iterable[str]) -> str:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
            f'width="{num(width)}" height="{num(height)}" '
            f'viewBox="{num(view[0])} {num(view[1])} {num(width)} {num(height)}" '
            f'font-family="{FONT_FAMILY}">')
    return "\n".join([head, f"<title>{xml_line(title)}</title>",
                      f"<desc>{xml_line(description)}</desc>", *body, "</svg>"]) + "\n"


def _empty() -> str:
    text = (f'<text x="120" y="28" text-anchor="middle" font-size="{NAME_SIZE}" '
            f'fill="{_MUTED}">No components declared</text>')
    frame = '<rect x="0.5" y="0.5" width="239" height="47" rx="4" fill="#ffffff" ' \
            'stroke="#cbd2d9"/>'
    return _document(240, 48, (0, 0), "Data-flow diagram: no components declared",
                     "The model declares no components, so there is no data flow to draw.",
                     [frame, text])


def _draw_boundaries(plan: Layout, bounds: _Bounds) -> list[str]:
    drawn: list[str] = []
    for group in plan.groups:
        bounds.add(group.x, group.y)
        bounds.add(group.x + group.width, group.y + group.height)
        if group.boundary is None:
            continue
        stroke = "#7b8794" if group.declared else _WARN
        first_line = wrap(group.label, group.width - 16, 11, 1)
        heading = xml_line(first_line[0] if first_line else "")
        drawn.append(
            f"<g><title>Trust boundary: {xml_line(group.label)}</title>"
            f'<rect x="{num(group.x)}" y="{num(group.y)}" width="{num(group.width)}" '
            f'height="{num(group.height)}" rx="8" fill="#fbfcfd" stroke="{stroke}" '
            'stroke-width="1.2" stroke-dasharray="7 5"/>'
            f'<text x="{num(group.x + 8)}" y="{num(group.y + 14)}" font-size="11" '
            f'font-weight="600" fill="{_MUTED}">{heading}</text></g>')
    return drawn


def _draw_flows(diagram: Diagram, plan: Layout, bounds: _Bounds) -> tuple[list[str], list[str]]:
    """The flows' paths and, separately, their labels (drawn last, above everything)."""
    fan: dict[tuple[int, int], list[int]] = {}
    for number, (source, target) in enumerate(plan.links):
        fan.setdefault((min(source, target), max(source, target)), []).append(number)
    slot = {number: (k, len(members)) for members in fan.values()
            for k, number in enumerate(members)}
    router = Router(plan.layer, plan.position)
    occupied = _Occupied()
    for x, y in plan.position:
        occupied.add((x, y, x + NODE_WIDTH, y + NODE_HEIGHT))
    paths: list[str] = []
    labels: list[str] = []
    for number, edge in enumerate(diagram.edges):
        source, target = plan.links[number]
        route = flow_route(plan, router, source, target, *slot[number])
        for point in route.points:
            bounds.add(*point)
        warn = edge.encrypted is False
        dash = ' stroke-dasharray="6 4"' if warn else ""
        title = xml_line(_edge_title(edge, diagram.nodes[source], diagram.nodes[target]))
        paths.append(
            f'<g><title>{title}</title><path d="{route.d}" fill="none" '
            f'stroke="{_WARN if warn else _EDGE}" '
            f'stroke-width="{"1.8" if edge.crosses_boundary else "1.2"}"{dash} '
            f'marker-end="url(#{"tg-dfd-arrow-warn" if warn else "tg-dfd-arrow"})"/></g>')
        text = edge.label if not warn else (f"{edge.label} (unencrypted)" if edge.label
                                            else "unencrypted")
        label = _label(text, route.middle[0], route.middle[1], bounds, occupied)
        if label:
            labels.append(f"<g><title>{title}</title>{label}</g>")
    return paths, labels


def _legend(diagram: Diagram, x: float, y: float, bounds: _Bounds) -> list[str]:
    """A one-line key to the shapes and line styles the drawing uses."""
    kinds = [kind for kind in ("process", "datastore", "external")
             if any(node.kind == kind for node in diagram.nodes)]
    items = [(_KIND_NAMES[kind], kind) for kind in kinds]
    if any(edge.encrypted is False for edge in diagram.edges):
        items.append(("unencrypted flow", "unencrypted"))
    if any(not boundary.declared and diagram.members(boundary.id)
           for boundary in diagram.boundaries):
        items.append(("undeclared trust boundary", "undeclared"))
    drawn: list[str] = []
    for text, sample in items:
        if sample in _FILLS:
            fill, stroke = _FILLS[sample]
            if sample == "datastore":
                shape = (f'<path d="M{xy(x, y + 3)}A14 3 0 0 1 {xy(x + 28, y + 3)}'
                         f'V{num(y + 13)}A14 3 0 0 1 {xy(x, y + 13)}Z" fill="{fill}" '
                         f'stroke="{stroke}"/>')
            elif sample == "external":
                shape = (f'<polygon points="{num(x + 5)},{num(y)} {num(x + 28)},{num(y)} '
                         f'{num(x + 23)},{num(y + 16)} {num(x)},{num(y + 16)}" '
                         f'fill="{fill}" stroke="{stroke}"/>')
            else:
                shape = (f'<rect x="{num(x)}" y="{num(y)}" width="28" height="16" rx="3" '
                         f'fill="{fill}" stroke="{stroke}"/>')
        elif sample == "unencrypted":
            shape = (f'<path d="M{xy(x, y + 8)}H{num(x + 28)}" stroke="{_WARN}" '
                     'stroke-width="1.8" stroke-dasharray="6 4"/>')
        else:
            shape = (f'<rect x="{num(x)}" y="{num(y)}" width="28" height="16" rx="3" '
                     f'fill="none" stroke="{_WARN}" stroke-dasharray="7 5"/>')
        label = (f'<text x="{num(x + 34)}" y="{num(y + 12)}" font-size="{SMALL_SIZE}" '
                 f'fill="{_MUTED}">{xml_line(text)}</text>')
        drawn.append(shape + label)
        x += 34 + text_width(text, SMALL_SIZE) + 18
    if drawn:
        bounds.add(x, y + 16)
    return drawn


def render_dfd_svg(diagram: Diagram) -> str:
    """The diagram as a standalone SVG document (a small notice when it has no component)."""
    if diagram.empty:
        return _empty()
    plan = layout(diagram)
    bounds = _Bounds()
    body: list[str] = [_defs(), *_draw_boundaries(plan, bounds)]
    boundary_label = {member: group.label for group in plan.groups
                      if group.boundary is not None for member in group.members}
    paths, labels = _draw_flows(diagram, plan, bounds)
    body.extend(paths)
    for i, node in enumerate(diagram.nodes):
        x, y = plan.position[i]
        bounds.add(x, y)
        bounds.add(x + NODE_WIDTH, y + NODE_HEIGHT)
        body.append(_node(node, x, y, boundary_label.get(i)))
    body.extend(labels)
    body.extend(_legend(diagram, bounds.left, bounds.bottom + 14, bounds))

    left, top = bounds.left - MARGIN, bounds.top - MARGIN
    width, height = bounds.right - left + MARGIN, bounds.bottom - top + MARGIN
    background = (f'<rect x="{num(left)}" y="{num(top)}" width="{num(width)}" '
                  f'height="{num(height)}" fill="#ffffff"/>')
    body.insert(1, background)
    title = f"Data-flow diagram: {diagram.title}" if diagram.title else "Data-flow diagram"
    names = {node.id: node.name for node in diagram.nodes}
    return _document(width, height, (left, top), title, _describe(diagram, names), body)
