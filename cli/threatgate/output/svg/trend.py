"""How a posture moved over the commits, as an SVG step chart drawn at build time.

Three panels share the commits on the horizontal axis: the mitigation ratio, the open
critical and high threats, the objectives at risk. A value holds until the next commit
that changed it (a step); where the model could not be read, or was not there, the line
stops. Nothing is needed at view time (no script, no font download); the chart is an
image (``role="img"``) whose label gives the numbers, and the page puts the table of
every number beside it. Pure: data in, text out; all text goes through
:mod:`threatgate.output.escape.xml`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from threatgate.history.results import Posture
from threatgate.output.escape.xml import xml_line
from threatgate.output.svg.numbers import num
from threatgate.output.svg.text import text_width

FONT_FAMILY = "system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
WIDTH = 640
LEFT, RIGHT = 44, 16
PANEL_HEIGHT = 64
PANEL_GAP = 40
TOP = 22
BOTTOM = 26
#: Up to this many commits, the label lists every value; past it, the first, the last,
#: the lowest and the highest (the table beside the chart has them all).
LISTED_VALUES = 12
#: Up to this many commits, each value is marked with a dot.
MARKED_VALUES = 20
MUTED, GRID = "#57606a", "#d0d7de"


@dataclass(frozen=True)
class TrendPoint:
    """The posture after one commit: None while unknown (unreadable, not there)."""

    commit: str  # short id
    date: str
    posture: Posture | None


@dataclass(frozen=True)
class Line:
    name: str
    colour: str
    value: Callable[[Posture], float]
    percent: bool = False
    #: A second line of a panel is dashed, so that it reads without its colour.
    dashes: str | None = None


@dataclass(frozen=True)
class Panel:
    title: str
    lines: tuple[Line, ...]
    percent: bool = False


PANELS = (
    Panel("Mitigation ratio", (Line("mitigation ratio", "#1a7f37",
                                    lambda p: p.mitigation_ratio, percent=True),),
          percent=True),
    Panel("Open critical and high threats", (
        Line("open critical", "#a40e26", lambda p: p.open_by_severity.get("critical", 0)),
        Line("open high", "#d1242f", lambda p: p.open_by_severity.get("high", 0),
             dashes="5 3"))),
    Panel("Objectives at risk", (Line("objectives at risk", "#9a6700",
                                      lambda p: p.at_risk),)),
)


def shown(value: float, percent: bool) -> str:
    return f"{round(value * 100)}%" if percent else str(int(value))


def values(points: Sequence[TrendPoint], line: Line) -> list[float | None]:
    return [None if p.posture is None else line.value(p.posture) for p in points]


def describe_line(points: Sequence[TrendPoint], line: Line) -> str:
    """One line's values, in words: each of them, or the gist of a long series."""
    found = values(points, line)
    words = ["unknown" if v is None else shown(v, line.percent) for v in found]
    if len(words) <= LISTED_VALUES:
        return f"{line.name} {', '.join(words)}"
    known = [v for v in found if v is not None]
    if not known:
        return f"{line.name} unknown"
    return (f"{line.name} from {words[0]} to {words[-1]} (lowest "
            f"{shown(min(known), line.percent)}, highest {shown(max(known), line.percent)})")


def describe(title: str, points: Sequence[TrendPoint]) -> str:
    """The chart's text equivalent: what it shows and its numbers."""
    if not points:
        return f"{title}: no commit changed a model."
    span = (f"over {len(points)} commit{'s' if len(points) != 1 else ''}, from "
            f"{points[0].commit} ({points[0].date}) to {points[-1].commit} "
            f"({points[-1].date})")
    lines = [describe_line(points, line) for panel in PANELS for line in panel.lines]
    return f"{title} {span}: " + "; ".join(lines) + "."


def _x(index: int, count: int) -> float:
    if count <= 1:
        return LEFT + (WIDTH - LEFT - RIGHT) / 2
    return LEFT + index * (WIDTH - LEFT - RIGHT) / (count - 1)


def _step_path(found: list[float | None], y_of: Callable[[float], float]) -> str:
    """Path data of a step line: each value holds until the next one; the line stops
    where a value is unknown (a lone value is a dot, with the path's round caps)."""
    parts: list[str] = []
    count = len(found)
    for index, value in enumerate(found):
        if value is None:
            continue
        x, y = _x(index, count), y_of(value)
        if index and found[index - 1] is not None:
            parts.append(f"H{num(x)}V{num(y)}")
            continue
        parts.append(f"M{num(x)} {num(y)}")
        if index == count - 1 or found[index + 1] is None:
            parts.append("h0")
    return "".join(parts)


def _panel(panel: Panel, points: Sequence[TrendPoint], top: float) -> list[str]:
    all_values = [v for line in panel.lines for v in values(points, line) if v is not None]
    high = 1.0 if panel.percent else float(max([1, *all_values]))
    bottom = top + PANEL_HEIGHT

    def y_of(value: float) -> float:
        return bottom - value / high * PANEL_HEIGHT

    out = [f'<text x="{LEFT}" y="{num(top - 8)}" font-size="12" font-weight="600" '
           f'fill="#1b1f24">{xml_line(panel.title)}</text>',
           f'<path d="M{LEFT} {num(top)}H{WIDTH - RIGHT}M{LEFT} {num(bottom)}H{WIDTH - RIGHT}" '
           f'stroke="{GRID}" stroke-width="1" fill="none"/>',
           f'<text x="{LEFT - 6}" y="{num(top + 4)}" font-size="10" text-anchor="end" '
           f'fill="{MUTED}">{shown(high, panel.percent)}</text>',
           f'<text x="{LEFT - 6}" y="{num(bottom + 4)}" font-size="10" text-anchor="end" '
           f'fill="{MUTED}">{shown(0, panel.percent)}</text>']
    for line in panel.lines:
        found = values(points, line)
        path = _step_path(found, y_of)
        if path:
            dashes = f' stroke-dasharray="{line.dashes}"' if line.dashes else ""
            out.append(f'<path d="{path}" stroke="{line.colour}" stroke-width="2"{dashes} '
                       'fill="none" stroke-linejoin="round" stroke-linecap="round"/>')
        if len(points) <= MARKED_VALUES:
            out += [f'<circle cx="{num(_x(i, len(points)))}" cy="{num(y_of(v))}" r="2.5" '
                    f'fill="{line.colour}"><title>{xml_line(points[i].commit)} '
                    f'{xml_line(points[i].date)}: {xml_line(line.name)} '
                    f'{shown(v, line.percent)}</title></circle>'
                    for i, v in enumerate(found) if v is not None]
    if len(panel.lines) > 1:
        x: float = WIDTH - RIGHT
        for line in reversed(panel.lines):
            out.append(f'<text x="{num(x)}" y="{num(top - 8)}" font-size="10" text-anchor="end" '
                       f'fill="{line.colour}">{xml_line(line.name)}</text>')
            x -= 10 + text_width(line.name, 10)
    return out


def render_trend_svg(title: str, points: Sequence[TrendPoint]) -> str:
    """The trend of one model (or of the repository) over the commits, as inline SVG."""
    height = TOP + len(PANELS) * (PANEL_HEIGHT + PANEL_GAP) + BOTTOM - PANEL_GAP + 8
    label = describe(title, points)
    body: list[str] = []
    for index, panel in enumerate(PANELS):
        body += _panel(panel, points, TOP + 8 + index * (PANEL_HEIGHT + PANEL_GAP))
    if points:
        baseline = height - 8
        body.append(f'<text x="{LEFT}" y="{num(baseline)}" font-size="10" fill="{MUTED}">'
                    f'{xml_line(points[0].commit)} {xml_line(points[0].date)}</text>')
        if len(points) > 1:
            body.append(f'<text x="{WIDTH - RIGHT}" y="{num(baseline)}" font-size="10" '
                        f'text-anchor="end" fill="{MUTED}">{xml_line(points[-1].commit)} '
                        f'{xml_line(points[-1].date)}</text>')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
            f'aria-label="{xml_line(label)}" width="{WIDTH}" height="{num(height)}" '
            f'viewBox="0 0 {WIDTH} {num(height)}" font-family="{FONT_FAMILY}">')
    return "\n".join([head, f"<title>{xml_line(label)}</title>", *body, "</svg>"]) + "\n"
