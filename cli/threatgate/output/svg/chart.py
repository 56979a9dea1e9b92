"""What the pictures share: the SVG document, links, swatches and one line of text.

A picture is one image for assistive technology: an element with ``role="img"`` whose
``<title>`` carries the numbers and whose ``<desc>`` carries the details. A picture
without links is the ``<svg role="img">`` itself. In a picture with links (a matrix cell,
a model's row) the drawing is a ``<g role="img">`` and the links are transparent areas
laid over it, outside that group: an image may not contain links (screen readers do not
announce them, axe-core's ``nested-interactive``), so these links serve the pointer
only (``aria-hidden``, ``tabindex="-1"``), while the table beside every picture carries
the same links for the keyboard and for assistive technology.

Nothing is loaded: no script, no font, no stylesheet, no external reference; colours are
presentation attributes, which a page's Content-Security-Policy allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from threatgate.output.escape.xml import xml_escape, xml_line
from threatgate.output.svg.numbers import num
from threatgate.output.svg.palette import FONT_FAMILY, INK, WHITE


def svg_document(width: float, height: float, title: str, description: str,
                 body: Iterable[str], kind: str, links: Sequence[str] = ()) -> str:
    """A standalone SVG document; ``kind`` names the picture (``class="tg-<kind>"``),
    ``links`` are :func:`hotspot` areas drawn over it."""
    size = (f'width="{num(width)}" height="{num(height)}" '
            f'viewBox="0 0 {num(width)} {num(height)}" font-family="{FONT_FAMILY}"')
    label = [f"<title>{xml_line(title)}</title>", f"<desc>{xml_line(description)}</desc>"]
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" class="tg-{kind}"'
    if not links:
        return "\n".join([f'{svg} role="img" {size}>', *label, *body, "</svg>"]) + "\n"
    return "\n".join([f"{svg} {size}>", '<g role="img">', *label, *body, "</g>",
                      '<g class="tg-links">', *links, "</g>", "</svg>"]) + "\n"


def hotspot(href: str, tooltip: str, x: float, y: float, width: float, height: float) -> str:
    """A transparent link over a part of the picture, with a tooltip (pointer only)."""
    area = rect(x, y, width, height, WHITE, ' fill-opacity="0"')
    return (f'<a href="{xml_escape(href)}" tabindex="-1" aria-hidden="true">'
            f"<title>{xml_line(tooltip)}</title>{area}</a>")


def tooltip(title: str, content: str) -> str:
    """``content`` in a group whose tooltip is ``title``."""
    return f"<g><title>{xml_line(title)}</title>{content}</g>"


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
