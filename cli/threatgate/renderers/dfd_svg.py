"""A data-flow diagram as a standalone, offline SVG (first version: a simple grid)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from threatgate.diagram import Diagram
from threatgate.renderers.escaping import one_line


def render_dfd_svg(diagram: Diagram) -> str:
    """A standalone SVG of the diagram; a small placeholder when it is empty."""
    if diagram.empty:
        return ('<svg xmlns="http://www.w3.org/2000/svg" role="img" width="240" height="40"'
                ' viewBox="0 0 240 40"><title>No components declared</title>'
                '<text x="10" y="25">No components declared</text></svg>\n')
    height = 40 + 60 * len(diagram.nodes)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="400" '
             f'height="{height}" viewBox="0 0 400 {height}">',
             f"<title>{escape(one_line(diagram.title))}</title>"]
    for index, node in enumerate(diagram.nodes):
        parts.append(f'<rect x="10" y="{20 + 60 * index}" width="300" height="40" '
                     'fill="#eef4fb" stroke="#2f5d8a"/>')
        parts.append(f'<text x="20" y="{45 + 60 * index}">{escape(one_line(node.name))}</text>')
    parts.append("</svg>\n")
    return "\n".join(parts)
