"""Markdown in descriptions, as safe HTML: no raw HTML, no images, only safe link schemes.

markdown-it-py runs with ``html`` off, so any tag in a description is shown as text.
Links are kept only when their target is relative (a path or ``#anchor``) or uses http,
https or mailto; anything else (``javascript:``, ``data:``, ``vbscript:``, ...) stays
plain text. Images are disabled: a page must not load anything from the network. Every
link gets ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from threatgate.output.escape.html import html_attribute

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
#: Characters browsers drop from URLs before reading the scheme.
_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def safe_link(url: str) -> bool:
    """True for relative links and http, https and mailto URLs."""
    cleaned = _IGNORED.sub("", url)
    if cleaned.startswith("\\") or "\\" in cleaned.split("/", 1)[0]:
        return False
    match = _SCHEME.match(cleaned)
    if match is None:
        # A colon before any slash, ? or # would still be read as a scheme by a browser.
        head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
        return ":" not in head and "&" not in head
    return match.group(1).lower() in SAFE_SCHEMES


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.disable("image")
    md.validateLink = safe_link  # type: ignore[method-assign]

    def link_open(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "noopener noreferrer")
        rendered: str = self.renderToken(tokens, idx, options, env)
        return rendered

    md.add_render_rule("link_open", link_open)
    return md


#: One line of text without anything Markdown could read as syntax: rendered directly.
_PLAIN = re.compile(r"[^\\`*_\[\]<>!#&|~=\n\r\t\x00-\x1f\x7f-\x9f\u2028\u2029]*")


def _plain(text: str) -> bool:
    return (_PLAIN.fullmatch(text) is not None and text == text.strip()
            and text[:1] not in "-+0123456789" and "  " not in text)


#: What a code span on the direct path holds: no backtick, nothing an autolink, a table
#: or a control character could make something else of.
_CODE = re.compile(r"[^`<>|\n\r\t\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _line_html(line: str) -> str | None:
    """The HTML of one plain line (see :func:`_plain`) in which single backticks may
    enclose code spans of plain code (see :data:`_CODE`); None for any other line."""
    if "`" not in line:
        return html_attribute(line) if _plain(line) else None
    pieces = line.split("`")
    if (len(pieces) % 2 == 0 or line != line.strip() or line[:1] in "-+0123456789"
            or "" in pieces[1:-1]):
        return None  # an unclosed span, a line Markdown may read otherwise, or ``
    html = []
    for position, piece in enumerate(pieces):
        if position % 2:
            if _CODE.fullmatch(piece) is None or piece != piece.strip():
                return None
            html.append("<code>" + html_attribute(piece) + "</code>")
        elif _PLAIN.fullmatch(piece) is None or "  " in piece:
            return None
        else:
            html.append(html_attribute(piece))
    return "".join(html)


def plain_paragraphs_html(text: str) -> str | None:
    """The HTML of a text made only of paragraphs of plain lines (see :func:`_line_html`)
    and tight lists of plain items (``- item``, continued on lines indented by two spaces),
    separated by empty lines, exactly as markdown-it writes it; None for any other text."""
    blocks = _PlainBlocks()
    for line in text.split("\n"):
        if not blocks.add(line):
            return None
    blocks.close()
    return "".join(blocks.html)


class _PlainBlocks:
    """The blocks of a plain text, line by line: refuses (False) any line it cannot be
    sure how markdown-it reads."""

    def __init__(self) -> None:
        self.html: list[str] = []
        #: The open block: "p", "ul", or None (and whether a list just closed).
        self.kind: str | None = None
        self.after_list = False
        self.lines: list[str] = []
        self.items: list[list[str]] = []

    def add(self, line: str) -> bool:
        if not line:
            self.close()
            return True
        if line.startswith("- "):
            # An item after a list and an empty line makes the list loose; one right
            # after a paragraph interrupts it: both left to the parser.
            html = _line_html(line[2:])
            if self.kind == "p" or self.after_list or html is None:
                return False
            self.kind = "ul"
            self.items.append([html])
            return True
        if line.startswith("  "):
            html = _line_html(line[2:])
            if self.kind != "ul" or html is None:
                return False
            self.items[-1].append(html)
            return True
        html = _line_html(line)
        if self.kind == "ul" or html is None:
            return False  # a line after an item would continue it lazily
        self.kind = "p"
        self.after_list = False
        self.lines.append(html)
        return True

    def close(self) -> None:
        if self.kind == "p":
            self.html.append("<p>" + "\n".join(self.lines) + "</p>\n")
        elif self.kind == "ul":
            self.html.append("<ul>\n" + "".join("<li>" + "\n".join(item) + "</li>\n"
                                                 for item in self.items) + "</ul>\n")
        self.after_list = self.after_list or self.kind == "ul"
        self.kind, self.lines, self.items = None, [], []


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """A description's Markdown as an HTML fragment (safe to insert unescaped)."""
    if not text.strip():
        return ""
    # The common case, plain sentences in paragraphs, gives exactly what markdown-it would.
    plain = plain_paragraphs_html(text)
    if plain is not None:
        return plain
    html: str = _parser().render(text)
    return html
