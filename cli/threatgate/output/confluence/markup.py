"""Markdown descriptions as storage-format XHTML: the site's rules, written as XHTML.

The parser is the site's (raw HTML off, images off, only http, https, mailto and relative
links: :func:`threatgate.output.html.markup.safe_link`), with XHTML output (``<br />``)
and code blocks written as Confluence code macros with their text in CDATA.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from threatgate.output.confluence.xhtml import code_block
from threatgate.output.escape.xml import NOT_XML
from threatgate.output.html.markup import safe_link

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False,
                                   "xhtmlOut": True})
    md.enable("table")
    md.enable("strikethrough")
    md.disable("image")
    md.validateLink = safe_link  # type: ignore[method-assign]

    def fence(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        language = token.info.strip().split(" ")[0] if token.info else ""
        return code_block(token.content, language)

    def code(self: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        return code_block(tokens[idx].content)

    md.add_render_rule("fence", fence)
    md.add_render_rule("code_block", code)
    return md


def description_storage(markdown: str) -> str:
    """A description's Markdown as storage-format XHTML (well-formed, no raw HTML)."""
    cleaned = NOT_XML.sub("", markdown)
    if not cleaned.strip():
        return ""
    rendered: str = _parser().render(cleaned)
    return rendered
