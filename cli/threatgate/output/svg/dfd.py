"""A data-flow diagram as a standalone SVG, laid out in pure Python.

The output needs nothing at view time: no script, no font download, no external
reference, no ``foreignObject``, no ``<style>`` sheet that could leak into a page that
inlines it. The same diagram always gives the same bytes.

Layout (a small layered, left-to-right drawing in the spirit of Sugiyama):

1. Cycles are broken deterministically: a depth-first search in file order reverses the
   flows that close a cycle (self-loops are drawn, but never layered).
2. Each component's column is the longest path reaching it over the remaining flows; a
   component nothing flows into then moves right, next to the first one it feeds, and one
   without any flow joins the first column of its trust boundary. Graphs deeper than
   ``MAX_COLUMNS`` have neighbouring columns merged.
3. The components of one trust boundary are kept together in a dashed, labelled box that
   spans the columns they occupy. Boxes are packed into horizontal shelves: boxes whose
   column ranges do not overlap share a shelf (internet | dmz | internal side by side),
   the others go below, so boxes never overlap.
4. Inside a box, each column is ordered by the mean position of its neighbours (two
   sweeps, ties broken by file order) to reduce crossings, and centred vertically.
5. Flows are cubic curves from the right side of the source to the left side of the
   target (leftwards for reversed flows); flows between the same two components are fanned
   out so that a request and its response never overlap. A flow that skips columns runs
   along a free horizontal lane between the components it passes. Labels sit on the
   flow's middle and step aside from components and earlier labels when there is room.
6. A legend names the shapes (process, data store, external entity) and line styles used.

Text widths are estimated (no font metrics are available offline), so long names are
wrapped and cut with an ellipsis; the full text is always in the element's ``<title>``.
"""

from __future__ import annotations

import bisect
import heapq
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from threatgate.output.escape.text import one_line_collapsed
from threatgate.output.escape.xml import xml_line
from threatgate.views.diagram import Diagram, DiagramEdge, DiagramNode

NODE_WIDTH = 168
NODE_HEIGHT = 56
COLUMN_GAP = 156
ROW_GAP = 30
BOX_PADDING = 16
BOX_HEADER = 20
SHELF_GAP = 26
MARGIN = 16
FAN_STEP = 22.0
FONT_FAMILY = "system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
NAME_SIZE = 12
SMALL_SIZE = 10
MAX_DESC_FLOWS = 100
#: Deeper graphs have neighbouring columns merged, so the drawing stays about as wide as
#: it is tall instead of tens of thousands of pixels wide.
MAX_COLUMNS = 16

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


# --- text -----------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """Estimated advance width of ``text`` in a sans-serif font of ``size`` pixels."""
    width = 0.0
    for char in text:
        if unicodedata.combining(char):
            continue
        if unicodedata.east_asian_width(char) in "WF":
            width += 1.0
        elif char in "il.,:;'|!jI ":
            width += 0.3
        elif char.isupper() or char in "mwMW@%&":
            width += 0.72
        else:
            width += 0.56
    return width * size


def _cut(text: str, width: float, size: float) -> str:
    """The longest prefix of ``text`` that fits ``width`` with an ellipsis appended."""
    for end in range(len(text), 0, -1):
        candidate = text[:end].rstrip() + "\u2026"
        if text_width(candidate, size) <= width:
            return candidate
    return "\u2026"


def wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines`` lines; overlong words are broken and
    the last line is cut with an ellipsis when text remains. Only the start of a very
    long text is looked at (more than can ever fit), so the work stays bounded."""
    words = one_line_collapsed(text)[: 80 * max_lines].split(" ")
    lines: list[str] = []
    current = ""
    pending = [w for w in words if w]
    while pending:
        word = pending.pop(0)
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
            current = ""
            pending.insert(0, word)
        else:  # a single word wider than the line: break it
            end = max(1, len(word) - 1)
            while end > 1 and text_width(word[:end], size) > width:
                end -= 1
            lines.append(word[:end])
            pending.insert(0, word[end:])
        if len(lines) == max_lines:
            rest = " ".join(([current] if current else []) + pending)
            if rest:
                lines[-1] = _cut(f"{lines[-1]} {rest}", width, size)
            return lines
    if current:
        lines.append(current)
    return lines


def _pt(x: float, y: float) -> str:
    return f"{_num(x)} {_num(y)}"


def _num(value: float) -> str:
    """Coordinates with one decimal, no trailing ``.0``: short and deterministic."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


# --- layout ---------------------------------------------------------------------------


@dataclass
class _Group:
    """The components of one trust boundary (or of none: ``boundary`` is None)."""

    boundary: str | None
    label: str
    declared: bool
    members: list[int]
    first: int = 0
    last: int = 0
    columns: dict[int, list[int]] = field(default_factory=dict)
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


def _break_cycles(count: int, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The flows as an acyclic graph: those closing a cycle (found by a depth-first search
    in file order) are reversed."""
    successors: list[list[int]] = [[] for _ in range(count)]
    for source, target in pairs:
        successors[source].append(target)
    state = [0] * count  # 0 new, 1 on the stack, 2 done
    back: set[tuple[int, int]] = set()
    for root in range(count):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, 0)]
        while stack:
            node, position = stack[-1]
            if position < len(successors[node]):
                stack[-1] = (node, position + 1)
                target = successors[node][position]
                if state[target] == 1:
                    back.add((node, target))
                elif state[target] == 0:
                    state[target] = 1
                    stack.append((target, 0))
            else:
                state[node] = 2
                stack.pop()
    return [(t, s) if (s, t) in back else (s, t) for s, t in pairs]


def _layers(count: int, dag: list[tuple[int, int]]) -> list[int]:
    """Longest-path layering: a component's column is the longest chain of flows to it
    (sources are then moved right, next to what they feed)."""
    successors: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for source, target in sorted(set(dag)):
        successors[source].append(target)
        indegree[target] += 1
    layer = [0] * count
    fed = {node for node in range(count) if indegree[node]}
    ready = [node for node in range(count) if indegree[node] == 0]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)
        for target in successors[node]:
            layer[target] = max(layer[target], layer[node] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, target)
    # A component nothing flows into sits just before the first one it feeds, not in the
    # leftmost column: an admin console that only talks to a deep service stays near it.
    for node in range(count):
        if successors[node] and node not in fed:
            layer[node] = min(layer[target] for target in successors[node]) - 1
    return layer


def _groups(diagram: Diagram, index: dict[str, int], layer: list[int]) -> list[_Group]:
    groups: list[_Group] = []
    for boundary in diagram.boundaries:
        members = [index[node.id] for node in diagram.members(boundary.id)]
        if members:
            label = boundary.name if boundary.declared else f"{boundary.name} (undeclared)"
            groups.append(_Group(boundary.id, label, boundary.declared, members))
    loose = [i for i, node in enumerate(diagram.nodes) if node.boundary is None]
    if loose:
        groups.append(_Group(None, "", True, loose))
    for group in groups:
        group.first = min(layer[m] for m in group.members)
        group.last = max(layer[m] for m in group.members)
        for member in group.members:
            group.columns.setdefault(layer[member], []).append(member)
    return groups


def _column_x(column: int) -> float:
    return MARGIN + BOX_PADDING + column * (NODE_WIDTH + COLUMN_GAP)


def _place(groups: list[_Group], neighbours: list[list[int]],
           count: int) -> list[tuple[float, float]]:
    """Top-left corner of every node: groups packed on shelves, columns ordered and centred."""
    shelves: list[list[_Group]] = []
    for group in groups:
        for shelf in shelves:
            if all(group.last < other.first or other.last < group.first for other in shelf):
                shelf.append(group)
                break
        else:
            shelves.append([group])
    for group in groups:
        tallest = max(len(column) for column in group.columns.values())
        inner = tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP
        header = BOX_HEADER if group.boundary is not None else 0
        group.height = header + 2 * BOX_PADDING + inner
        group.x = _column_x(group.first) - BOX_PADDING
        group.width = (group.last - group.first) * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH \
            + 2 * BOX_PADDING
    top = float(MARGIN)
    for shelf in shelves:
        for group in shelf:
            group.y = top
        top += max(group.height for group in shelf) + SHELF_GAP

    position = [(0.0, 0.0)] * count

    def assign() -> None:
        for group in groups:
            header = BOX_HEADER if group.boundary is not None else 0
            inner = group.height - header - 2 * BOX_PADDING
            for column, members in group.columns.items():
                used = len(members) * NODE_HEIGHT + (len(members) - 1) * ROW_GAP
                y = group.y + header + BOX_PADDING + (inner - used) / 2
                for member in members:
                    position[member] = (_column_x(column), y)
                    y += NODE_HEIGHT + ROW_GAP

    assign()
    for _ in range(2):
        for group in groups:
            for members in group.columns.values():
                def centre(node: int) -> tuple[float, int]:
                    around = neighbours[node]
                    if not around:
                        return (position[node][1], node)
                    return (sum(position[n][1] for n in around) / len(around), node)
                members.sort(key=centre)
        assign()
    return position


class _Router:
    """Finds free horizontal lanes for flows that skip columns, so that they pass between
    the components in the columns they cross instead of through them.

    Per column it keeps the components' vertical extents (disjoint, sorted) and the lanes
    already taken (sorted), so checking a height costs a binary search per column."""

    CLEARANCE = 8.0
    LANE_STEP = 7.0
    #: Heights tried near the wanted one before giving up and going below everything.
    TRIES = 48

    def __init__(self, layer: list[int], position: list[tuple[float, float]]) -> None:
        spans: dict[int, list[float]] = {}
        for node, column in enumerate(layer):
            spans.setdefault(column, []).append(position[node][1])
        self.tops = {column: sorted(tops) for column, tops in spans.items()}
        self.taken: dict[int, list[float]] = {}

    def _clear_of_nodes(self, column: int, y: float) -> bool:
        tops = self.tops.get(column, [])
        # The only component that can come too close is the last one starting above.
        index = bisect.bisect_left(tops, y + self.CLEARANCE) - 1
        return index < 0 or tops[index] + NODE_HEIGHT + self.CLEARANCE <= y

    def _clear_of_lanes(self, column: int, y: float) -> bool:
        lanes = self.taken.get(column, [])
        index = bisect.bisect_left(lanes, y)
        near = lanes[max(0, index - 1): index + 1]
        return all(abs(lane - y) >= self.LANE_STEP - 0.5 for lane in near)

    def _free(self, first: int, last: int, y: float) -> bool:
        return all(self._clear_of_nodes(c, y) and self._clear_of_lanes(c, y)
                   for c in range(first, last + 1))

    def _take(self, first: int, last: int, y: float) -> float:
        for column in range(first, last + 1):
            bisect.insort(self.taken.setdefault(column, []), y)
        return y

    def lane(self, source_layer: int, target_layer: int, wanted: float) -> float:
        """The free height nearest to ``wanted`` across the columns strictly between."""
        first, last = sorted((source_layer, target_layer))
        first, last = first + 1, last - 1
        seeds = {wanted}
        for column in range(first, last + 1):  # the gaps around the nearest components
            tops = self.tops.get(column, [])
            index = bisect.bisect_left(tops, wanted)
            for top in tops[max(0, index - 3): index + 3]:
                seeds.update((top - ROW_GAP / 2, top + NODE_HEIGHT + ROW_GAP / 2))
        steps = (0.0, self.LANE_STEP, -self.LANE_STEP, 2 * self.LANE_STEP,
                 -2 * self.LANE_STEP)
        candidates = sorted((abs(seed + shift - wanted), seed + shift)
                            for seed in seeds for shift in steps)
        for _, y in candidates[: self.TRIES]:
            if self._free(first, last, y):
                return self._take(first, last, y)
        # Crowded: below every component and lane in between (always free).
        columns = range(first, last + 1)
        below_nodes = max(max(self.tops.get(c, [0.0])) for c in columns) + NODE_HEIGHT
        below_lanes = max(max(self.taken.get(c, [0.0])) for c in columns)
        y = max(below_nodes + ROW_GAP / 2, below_lanes + self.LANE_STEP)
        return self._take(first, last, y)


# --- drawing --------------------------------------------------------------------------


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
        f'<tspan x="{_num(x)}" y="{_num(first + i * line_height)}">{xml_line(line)}</tspan>'
        for i, line in enumerate(lines))
    return (f'<text text-anchor="middle" font-size="{_num(size)}" fill="{fill}"{extra}>'
            f"{spans}</text>")


def _shape(node: DiagramNode, x: float, y: float) -> str:
    fill, stroke = _FILLS[node.kind]
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="1.4"'
    w, h = NODE_WIDTH, NODE_HEIGHT
    if node.kind == "datastore":
        e = 7
        body = (f"M{_num(x)} {_num(y + e)}A{_num(w / 2)} {e} 0 0 1 {_num(x + w)} {_num(y + e)}"
                f"V{_num(y + h - e)}A{_num(w / 2)} {e} 0 0 1 {_num(x)} {_num(y + h - e)}Z")
        rim = f"M{_num(x)} {_num(y + e)}A{_num(w / 2)} {e} 0 0 0 {_num(x + w)} {_num(y + e)}"
        return f'<path d="{body}" {paint}/><path d="{rim}" fill="none" stroke="{stroke}"/>'
    if node.kind == "external":
        s = 12
        points = " ".join(f"{_num(px)},{_num(py)}" for px, py in (
            (x + s, y), (x + w, y), (x + w - s, y + h), (x, y + h)))
        return f'<polygon points="{points}" {paint}/>'
    return f'<rect x="{_num(x)}" y="{_num(y)}" width="{w}" height="{h}" rx="6" {paint}/>'


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
    frame = (f'<rect x="{_num(box[0])}" y="{_num(box[1])}" width="{_num(width)}" '
             f'height="{_num(height)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>')
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
            f'width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="{_num(view[0])} {_num(view[1])} {_num(width)} {_num(height)}" '
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


@dataclass
class Layout:
    """Where everything goes: each component's column and top-left corner, and the
    trust-boundary boxes (``_Group``) with their position and size."""

    layer: list[int]
    groups: list[_Group]
    position: list[tuple[float, float]]
    links: list[tuple[int, int]]


def layout(diagram: Diagram) -> Layout:
    """Lay out a non-empty diagram (see the module's description)."""
    index = {node.id: i for i, node in enumerate(diagram.nodes)}
    count = len(diagram.nodes)
    links = [(index[e.source], index[e.target]) for e in diagram.edges]
    pairs = [(s, t) for s, t in links if s != t]
    layer = _layers(count, _break_cycles(count, pairs))
    columns = max(layer) + 1
    if columns > MAX_COLUMNS:  # a very deep graph: merge columns to keep it legible
        layer = [column * MAX_COLUMNS // columns for column in layer]
    neighbours: list[list[int]] = [[] for _ in range(count)]
    for source, target in pairs:
        neighbours[source].append(target)
        neighbours[target].append(source)
    # A component without flows joins the first column its trust boundary already
    # uses, instead of stretching the boundary's box to the left edge.
    first_column: dict[str | None, int] = {}
    for node, column in enumerate(layer):
        if neighbours[node]:
            boundary = diagram.nodes[node].boundary
            first_column[boundary] = min(column, first_column.get(boundary, column))
    for node in range(count):
        if not neighbours[node]:
            layer[node] = first_column.get(diagram.nodes[node].boundary, 0)
    groups = _groups(diagram, index, layer)
    return Layout(layer, groups, _place(groups, neighbours, count), links)


@dataclass
class _Route:
    """One flow's path: its SVG path data, the points that bound it, where its label goes."""

    d: str
    points: list[tuple[float, float]]
    middle: tuple[float, float]


def _curve(p0: tuple[float, float], c1: tuple[float, float], c2: tuple[float, float],
           p3: tuple[float, float], middle: tuple[float, float] | None = None) -> _Route:
    if middle is None:  # the curve's own middle, B(1/2)
        middle = ((p0[0] + 3 * c1[0] + 3 * c2[0] + p3[0]) / 8,
                  (p0[1] + 3 * c1[1] + 3 * c2[1] + p3[1]) / 8)
    return _Route(f"M{_pt(*p0)}C{_pt(*c1)} {_pt(*c2)} {_pt(*p3)}", [p0, c1, c2, p3], middle)


def _route(plan: Layout, router: _Router, source: int, target: int, k: int,
           fanned: int) -> _Route:
    """The path of one flow; ``k`` of ``fanned`` is its rank among the flows between the
    same two components, which spreads them apart."""
    offset = (k - (fanned - 1) / 2) * min(FAN_STEP, 180.0 / fanned)
    layer, position = plan.layer, plan.position
    sx, sy = position[source]
    tx, ty = position[target]
    if source == target:  # a loop on the right side of the component
        reach = 34.0 + 14 * k
        x0, y0 = sx + NODE_WIDTH, sy + NODE_HEIGHT / 2 - 10
        return _curve((x0, y0), (x0 + reach, y0 - 22), (x0 + reach, y0 + 42), (x0, y0 + 20),
                      (x0 + reach * 0.75, y0 + 10))
    if layer[source] == layer[target]:
        # Same column (only after columns were merged): an arc on the right side.
        y0 = sy + NODE_HEIGHT / 2 + offset * 0.3
        y3 = ty + NODE_HEIGHT / 2 + offset * 0.3
        reach = min(COLUMN_GAP * 0.6, 30 + abs(y3 - y0) * 0.2 + abs(offset))
        x0 = sx + NODE_WIDTH
        return _curve((x0, y0), (x0 + reach, y0), (x0 + reach, y3), (x0, y3),
                      (x0 + reach * 0.75, (y0 + y3) / 2))
    shift = max(-NODE_HEIGHT / 2 + 8, min(NODE_HEIGHT / 2 - 8, offset * 0.6))
    low, high = sorted((source, target))
    normal = 1.0 if position[high][0] >= position[low][0] else -1.0
    if layer[target] > layer[source]:
        x0, x3, step = sx + NODE_WIDTH, tx, 1.0
    else:  # a flow reversed to break a cycle: from the left side back to the right side
        x0, x3, step = sx, tx + NODE_WIDTH, -1.0
    y0 = sy + NODE_HEIGHT / 2 + shift * normal
    y3 = ty + NODE_HEIGHT / 2 + shift * normal
    if abs(layer[target] - layer[source]) == 1:
        pull = max(abs(x3 - x0) * 0.45, 40.0) * step
        bend = offset * 1.6 * normal
        return _curve((x0, y0), (x0 + pull, y0 + bend), (x3 - pull, y3 + bend), (x3, y3))
    # Around the components in between: into the next gap, along a free lane, and out of
    # the gap before the target.
    lane = router.lane(layer[source], layer[target], (y0 + y3) / 2)
    q1 = (x0 + step * COLUMN_GAP * 0.7, lane)
    q2 = (x3 - step * COLUMN_GAP * 0.7, lane)
    a1 = (x0 + step * COLUMN_GAP * 0.4, y0)
    a2 = (q1[0] - step * COLUMN_GAP * 0.3, lane)
    b1 = (q2[0] + step * COLUMN_GAP * 0.3, lane)
    b2 = (x3 - step * COLUMN_GAP * 0.4, y3)
    d = (f"M{_pt(x0, y0)}C{_pt(*a1)} {_pt(*a2)} {_pt(*q1)}L{_pt(*q2)}"
         f"C{_pt(*b1)} {_pt(*b2)} {_pt(x3, y3)}")
    return _Route(d, [(x0, y0), a1, a2, q1, q2, b1, b2, (x3, y3)],
                  ((q1[0] + q2[0]) / 2, lane))


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
            f'<rect x="{_num(group.x)}" y="{_num(group.y)}" width="{_num(group.width)}" '
            f'height="{_num(group.height)}" rx="8" fill="#fbfcfd" stroke="{stroke}" '
            'stroke-width="1.2" stroke-dasharray="7 5"/>'
            f'<text x="{_num(group.x + 8)}" y="{_num(group.y + 14)}" font-size="11" '
            f'font-weight="600" fill="{_MUTED}">{heading}</text></g>')
    return drawn


def _draw_flows(diagram: Diagram, plan: Layout, bounds: _Bounds) -> tuple[list[str], list[str]]:
    """The flows' paths and, separately, their labels (drawn last, above everything)."""
    fan: dict[tuple[int, int], list[int]] = {}
    for number, (source, target) in enumerate(plan.links):
        fan.setdefault((min(source, target), max(source, target)), []).append(number)
    slot = {number: (k, len(members)) for members in fan.values()
            for k, number in enumerate(members)}
    router = _Router(plan.layer, plan.position)
    occupied = _Occupied()
    for x, y in plan.position:
        occupied.add((x, y, x + NODE_WIDTH, y + NODE_HEIGHT))
    paths: list[str] = []
    labels: list[str] = []
    for number, edge in enumerate(diagram.edges):
        source, target = plan.links[number]
        route = _route(plan, router, source, target, *slot[number])
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
                shape = (f'<path d="M{_pt(x, y + 3)}A14 3 0 0 1 {_pt(x + 28, y + 3)}'
                         f'V{_num(y + 13)}A14 3 0 0 1 {_pt(x, y + 13)}Z" fill="{fill}" '
                         f'stroke="{stroke}"/>')
            elif sample == "external":
                shape = (f'<polygon points="{_num(x + 5)},{_num(y)} {_num(x + 28)},{_num(y)} '
                         f'{_num(x + 23)},{_num(y + 16)} {_num(x)},{_num(y + 16)}" '
                         f'fill="{fill}" stroke="{stroke}"/>')
            else:
                shape = (f'<rect x="{_num(x)}" y="{_num(y)}" width="28" height="16" rx="3" '
                         f'fill="{fill}" stroke="{stroke}"/>')
        elif sample == "unencrypted":
            shape = (f'<path d="M{_pt(x, y + 8)}H{_num(x + 28)}" stroke="{_WARN}" '
                     'stroke-width="1.8" stroke-dasharray="6 4"/>')
        else:
            shape = (f'<rect x="{_num(x)}" y="{_num(y)}" width="28" height="16" rx="3" '
                     f'fill="none" stroke="{_WARN}" stroke-dasharray="7 5"/>')
        label = (f'<text x="{_num(x + 34)}" y="{_num(y + 12)}" font-size="{SMALL_SIZE}" '
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
    background = (f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(width)}" '
                  f'height="{_num(height)}" fill="#ffffff"/>')
    body.insert(1, background)
    title = f"Data-flow diagram: {diagram.title}" if diagram.title else "Data-flow diagram"
    names = {node.id: node.name for node in diagram.nodes}
    return _document(width, height, (left, top), title, _describe(diagram, names), body)
