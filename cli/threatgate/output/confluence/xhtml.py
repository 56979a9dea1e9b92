"""The pieces of Confluence's storage format: well-formed XHTML plus its ``ac:``/``ri:`` tags.

Every text from a model passes through :func:`text` (what XML 1.0 cannot carry dropped,
markup escaped); code goes into CDATA sections through :func:`cdata`, which splits any
``]]>`` so that the section cannot be closed early. In-page links use Confluence's anchor
macro and ``ac:link``, since a storage page has no ``id`` attributes of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

from threatgate.output.escape.xml import NOT_XML, xml_escape

#: The lozenge colours of Confluence's status macro.
LOZENGE_COLOURS = ("Grey", "Red", "Yellow", "Green", "Blue", "Purple")


def text(value: str) -> str:
    """User text as XML character data (also safe in a double-quoted attribute)."""
    return xml_escape(NOT_XML.sub("", value))


def cdata(value: str) -> str:
    """A CDATA section holding ``value`` exactly, however often it contains ``]]>``."""
    body = NOT_XML.sub("", value).replace("]]>", "]]]]><![CDATA[>")
    return f"<![CDATA[{body}]]>"


def element(tag: str, content: str = "", **attributes: str) -> str:
    """``<tag attr="...">content</tag>``; attribute values are escaped here, content not."""
    attrs = "".join(f' {name.replace("__", ":").replace("_", "-")}="{text(value)}"'
                    for name, value in attributes.items())
    return f"<{tag}{attrs}>{content}</{tag}>"


def paragraph(value: str) -> str:
    return element("p", text(value))


def heading(level: int, value: str) -> str:
    return element(f"h{level}", text(value))


def parameter(name: str, value: str) -> str:
    return f'<ac:parameter ac:name="{text(name)}">{text(value)}</ac:parameter>'


def macro(name: str, parameters: Iterable[tuple[str, str]] = (), body: str = "") -> str:
    """A structured macro with its parameters and an optional (already built) body."""
    inner = "".join(parameter(key, value) for key, value in parameters) + body
    return f'<ac:structured-macro ac:name="{text(name)}">{inner}</ac:structured-macro>'


def anchor_macro(name: str) -> str:
    """The target of an in-page link (Confluence's anchor macro, unnamed parameter)."""
    return macro("anchor", [("", name)])


def anchor_link(name: str, label: str) -> str:
    """A link to an anchor of the same page."""
    return (f'<ac:link ac:anchor="{text(name)}"><ac:plain-text-link-body>{cdata(label)}'
            "</ac:plain-text-link-body></ac:link>")


def lozenge(title: str, colour: str) -> str:
    """A status lozenge; ``colour`` is one of :data:`LOZENGE_COLOURS`."""
    return macro("status", [("colour", colour), ("title", title)])


def code_block(code: str, language: str = "") -> str:
    """A code macro with the code in CDATA (the storage format's rule for code)."""
    parameters = [("language", language)] if language else []
    return macro("code", parameters, f"<ac:plain-text-body>{cdata(code)}</ac:plain-text-body>")


def attached_image(filename: str, alt: str) -> str:
    """An image shown from an attachment of the page."""
    return (f'<ac:image ac:alt="{text(alt)}"><ri:attachment ri:filename="{text(filename)}" />'
            "</ac:image>")


def table(header: list[str], rows: Iterable[list[str]]) -> str:
    """A table; header names are plain text, cells are already built XHTML."""
    head = "".join(element("th", text(name)) for name in header)
    body = "".join("<tr>" + "".join(element("td", cell) for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><tbody><tr>{head}</tr>{body}</tbody></table>"


def lines(value: str) -> str:
    """Text whose line breaks are kept, as ``<br />`` between escaped lines."""
    return "<br />".join(text(line) for line in value.splitlines())
