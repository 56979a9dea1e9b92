"""XML character data and attribute values, and text that XML 1.0 can carry at all.

XML 1.0 cannot carry most control characters, lone surrogates, U+FFFE and U+FFFF, not
even as character references: a document holding one is malformed.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

from threatgate.output.escape.text import one_line, one_line_collapsed

#: What XML 1.0 cannot carry, even as a character reference.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: The same, and every character beyond the Basic Multilingual Plane.
NOT_XML_OR_ASTRAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd]")


def xml_text(text: str) -> str:
    """One line of text that XML 1.0 can carry, for a writer that escapes markup itself
    (ElementTree): control characters become visible escapes (:func:`one_line`); what is
    left that XML cannot carry (nothing, normally) becomes U+FFFD."""
    return NOT_XML.sub("\ufffd", one_line(text))


def xml_text_bmp(text: str) -> str:
    """Like :func:`xml_text`, but characters beyond the Basic Multilingual Plane (emoji,
    ...) are dropped: what ``threatgate verify --format junit`` has always written."""
    return NOT_XML_OR_ASTRAL.sub("", one_line(text))


def xml_visible(text: str) -> str:
    """Text with its line breaks, for a writer that escapes markup itself (python-docx):
    characters XML cannot carry become visible escapes such as ``\\x1b``."""
    return NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)


def xml_clean_line(text: str) -> str:
    """One line of text that XML can hold: characters it cannot carry dropped, whitespace
    runs collapsed to one space."""
    return " ".join(NOT_XML.sub("", text).split())


def xml_escape(text: str) -> str:
    """Text safe in XML character data and in double-quoted attribute values."""
    return escape(text, {'"': "&quot;"})


def xml_escape_both_quotes(text: str) -> str:
    """Text safe in XML character data and in attribute values quoted either way."""
    return escape(text, {'"': "&quot;", "'": "&apos;"})


def xml_line(text: str) -> str:
    """One line of visible text (:func:`one_line_collapsed`) escaped by :func:`xml_escape`:
    always valid XML character data and attribute value."""
    return xml_escape(one_line_collapsed(text))
