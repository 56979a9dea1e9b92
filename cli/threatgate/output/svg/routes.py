"""The paths of the flows of a data-flow diagram.

Flows are cubic curves from the right side of the source to the left side of the target
(leftwards for reversed flows); flows between the same two components are fanned out so
that a request and its response never overlap. A flow that skips columns runs along a
free horizontal lane between the components it passes.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from threatgate.output.svg.layout import COLUMN_GAP, NODE_HEIGHT, NODE_WIDTH, ROW_GAP, Layout
from threatgate.output.svg.numbers import xy

FAN_STEP = 22.0


class Router:
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


@dataclass
class Route:
    """One flow's path: its SVG path data, the points that bound it, where its label goes."""

    d: str
    points: list[tuple[float, float]]
    middle: tuple[float, float]


def _curve(p0: tuple[float, float], c1: tuple[float, float], c2: tuple[float, float],
           p3: tuple[float, float], middle: tuple[float, float] | None = None) -> Route:
    if middle is None:  # the curve's own middle, B(1/2)
        middle = ((p0[0] + 3 * c1[0] + 3 * c2[0] + p3[0]) / 8,
                  (p0[1] + 3 * c1[1] + 3 * c2[1] + p3[1]) / 8)
    return Route(f"M{xy(*p0)}C{xy(*c1)} {xy(*c2)} {xy(*p3)}", [p0, c1, c2, p3], middle)


def flow_route(plan: Layout, router: Router, source: int, target: int, k: int,
           fanned: int) -> Route:
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
    d = (f"M{xy(x0, y0)}C{xy(*a1)} {xy(*a2)} {xy(*q1)}L{xy(*q2)}"
         f"C{xy(*b1)} {xy(*b2)} {xy(x3, y3)}")
    return Route(d, [(x0, y0), a1, a2, q1, q2, b1, b2, (x3, y3)],
                  ((q1[0] + q2[0]) / 2, lane))
