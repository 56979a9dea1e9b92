"""Where the components and trust boundaries of a data-flow diagram go.

A small layered, left-to-right drawing in the spirit of Sugiyama:

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
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from threatgate.views.diagram import Diagram

NODE_WIDTH = 168
NODE_HEIGHT = 56
COLUMN_GAP = 156
ROW_GAP = 30
BOX_PADDING = 16
BOX_HEADER = 20
SHELF_GAP = 26
MARGIN = 16
#: Deeper graphs have neighbouring columns merged, so the drawing stays about as wide as
#: it is tall instead of tens of thousands of pixels wide.
MAX_COLUMNS = 16


@dataclass
class Group:
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


def _groups(diagram: Diagram, index: dict[str, int], layer: list[int]) -> list[Group]:
    groups: list[Group] = []
    for boundary in diagram.boundaries:
        members = [index[node.id] for node in diagram.members(boundary.id)]
        if members:
            label = boundary.name if boundary.declared else f"{boundary.name} (undeclared)"
            groups.append(Group(boundary.id, label, boundary.declared, members))
    loose = [i for i, node in enumerate(diagram.nodes) if node.boundary is None]
    if loose:
        groups.append(Group(None, "", True, loose))
    for group in groups:
        group.first = min(layer[m] for m in group.members)
        group.last = max(layer[m] for m in group.members)
        for member in group.members:
            group.columns.setdefault(layer[member], []).append(member)
    return groups


def _column_x(column: int) -> float:
    return MARGIN + BOX_PADDING + column * (NODE_WIDTH + COLUMN_GAP)


def _place(groups: list[Group], neighbours: list[list[int]],
           count: int) -> list[tuple[float, float]]:
    """Top-left corner of every node: groups packed on shelves, columns ordered and centred."""
    shelves: list[list[Group]] = []
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


@dataclass
class Layout:
    """Where everything goes: each component's column and top-left corner, and the
    trust-boundary boxes (``Group``) with their position and size."""

    layer: list[int]
    groups: list[Group]
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
