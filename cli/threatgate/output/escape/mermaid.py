"""Text in a Mermaid flowchart.

Mermaid reads labels between double quotes and renders them as HTML, so a raw quote,
bracket or pipe would end the label and let the rest of the text become Mermaid
statements (``click ... call``, ``%%{init}%%`` directives, ``style``, ``classDef``), and
raw ``<``/``&`` would become markup. Every label is therefore one line, capped in
length, and every character other than letters, digits, spaces and a few harmless
punctuation marks is written as a Mermaid entity code (``#34;``), which Mermaid turns
into an HTML character reference: shown as text, never parsed as syntax or markup.
"""

from __future__ import annotations

from threatgate.output.escape.text import one_line_shortened

#: Punctuation kept as is inside a quoted label: none of it means anything to Mermaid
#: there, to HTML, or to Markdown code fences.
SAFE_PUNCTUATION = frozenset(" .,-_:/()?!+'")


def _harmless(char: str) -> bool:
    return (char.isalnum() and char.isprintable()) or char in SAFE_PUNCTUATION


def mermaid_label(text: str, limit: int) -> str:
    """A label's text, safe between double quotes in any Mermaid statement."""
    return "".join(char if _harmless(char) else f"#{ord(char)};"
                   for char in one_line_shortened(text, limit))


def mermaid_line(text: str, limit: int) -> str:
    """Text for a statement Mermaid reads up to the end of the line without decoding
    entity codes (``accTitle``): anything but letters, digits, spaces and harmless
    punctuation is dropped rather than encoded, spaces collapsed."""
    kept = "".join(char if _harmless(char) else " "
                   for char in one_line_shortened(text, limit))
    return " ".join(kept.split())
