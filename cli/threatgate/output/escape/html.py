"""HTML text and attribute values written outside a template.

The site's templates are escaped by Jinja2's autoescaping, and the links it builds in
Python by markupsafe; these functions serve text that other writers put into HTML
(Markdown passes entities through to its HTML, markdown-it's output is matched).
"""

from __future__ import annotations

import html


def html_text(text: str) -> str:
    """Text content: ``&``, ``<`` and ``>`` as entities, nothing else changed."""
    return html.escape(text, quote=False)


def html_attribute(text: str) -> str:
    """Text content or a double-quoted attribute value: ``&``, ``<``, ``>`` and ``"`` as
    entities, exactly what markdown-it writes for text."""
    return html_text(text).replace('"', "&quot;")
