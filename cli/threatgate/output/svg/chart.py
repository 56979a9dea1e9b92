"""What the pictures share: the SVG document, links, swatches and one line of text.

A picture is one ``<svg role="img">`` whose ``<title>`` carries the numbers and whose
``<desc>`` carries the details, so a screen reader reads the whole picture as one image.
Inside it, links (a matrix cell, a model's row) help a pointer user only: they have
``tabindex="-1"``, because the table beside every picture carries the same links for the
keyboard and for assistive technology. Nothing is loaded: no script, no font, no
stylesheet, no external reference; colours are presentation attributes, which a page's
Content-Security-Policy allows.
"""

from __future__ import annotations

from collections.abc import Iterable

from threatgate.output.escape.xml import xml_escape, xml_line
from threatgate.output.svg.numbers import num
from threatgate.output.svg.palette import FONT_FAMILY, INK


def svg_document(width: float, height: float, title: str, description: str,
                 body: Iterable[str], kind: str) -> str:
    """A standalone SVG document; ``kind`` names the picture (``class="tg-<kind>"``)."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="tg-{kind}" '
            f'width="{num(width)}" height="{num(height)}" '
            f'viewBox="0 0 {num(width)} {num(height)}" font-family="{FONT_FAMILY}">')
    return "\n".join([head, f"<title>{xml_line(title)}</title>",
                      f"<desc>{xml_line(description)}</desc>", *body, "</svg>"]) + "\n"


def link(href: str | None, tooltip: str, content: str) -> str:
    """``content`` in a group with a tooltip, inside a link when there is a target."""
    inner = f"<title>{xml_line(tooltip)}</title>{content}"
    if href is None:
        return f"<g>{inner}</g>"
    return f'<a href="{xml_escape(href)}" tabindex="-1">{inner}</a>'


def text(x: float, y: float, value: str, size: float, *, fill: str = INK,
         anchor: str = "start", weight: str = "", extra: str = "") -> str:
    """One line of escaped text at (``x``, ``y``), the baseline."""
    bold = f' font-weight="{weight}"' if weight else ""
    middle = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return (f'<text x="{num(x)}" y="{num(y)}" font-size="{num(size)}" fill="{fill}"'
            f"{middle}{bold}{extra}>{xml_line(value)}</text>")


def rect(x: float, y: float, width: float, height: float, fill: str, extra: str = "") -> str:
    return (f'<rect x="{num(x)}" y="{num(y)}" width="{num(width)}" height="{num(height)}" '
            f'fill="{fill}"{extra}/>')
