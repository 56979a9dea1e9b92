"""Text from model files in GitHub/GitLab-flavoured Markdown.

Which escaper for which place:

- a table cell: :func:`md_cell` (one line, no HTML, pipes and code spans escaped);
  :func:`md_cell_literal` also escapes emphasis, links and math; :func:`md_cell_lines`
  keeps line breaks as ``<br>``; :func:`md_comment_cell` is for a comment a bot posts on
  GitHub (no mention, issue reference, link, image or autolink can come alive);
- running text on one line (a list item, a heading): :func:`md_inline`;
- paragraphs shown exactly as written: :func:`md_paragraphs`;
- a code span or a fenced block: :func:`md_code_span`, :func:`md_fence`;
- Markdown that we wrote ourselves (schema descriptions), kept as Markdown but on one
  line (a table row, a paragraph): :func:`md_markup_line`.

The variants differ on purpose: each keeps the bytes of the documents it writes.
"""

from __future__ import annotations

import re

from threatgate.output.escape.html import html_text
from threatgate.output.escape.text import one_line

#: Characters that could start Markup or HTML; '_' only where it could start emphasis
#: (CommonMark never reads an underscore inside a word as emphasis), '#' only first.
_INLINE_SPECIAL = re.compile(r"([\\`*\[\]<>&|~])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|^#")
#: ASCII punctuation that can start or change Markdown syntax somewhere.
_PARAGRAPH_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~=:$^])")
#: Inline Markdown syntax inside a table cell (pipes, backticks and HTML: md_cell).
_CELL_SPECIAL = re.compile(r"([\\*_\[\]()~!$])")
_BACKTICKS = re.compile(r"`+")
#: Link and image syntax (and the backslash that could undo its escaping).
_LINK_SYNTAX = re.compile(r"([\\\[\]])")
#: Where GitHub would act on the text of a comment: ``@user``/``@org/team`` (notifies),
#: ``#1``, ``GH-1`` and ``owner/repo#1`` (notify through a cross-reference), ``scheme://``
#: and ``www.`` (autolinked). Each match is followed by a zero-width space.
_GITHUB_ACTIVE = re.compile(r"@(?=[A-Za-z0-9_-])|#(?=[0-9])|(?i:gh)-(?=[0-9])|:(?=//)"
                            r"|(?i:www)(?=\.)")
#: A zero-width space, as an entity: invisible once rendered, yet it breaks the syntax.
ZERO_WIDTH_SPACE = "&#8203;"


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, no HTML, no pipes or code spans."""
    return html_text(one_line(text)).replace("|", "\\|").replace("`", "\\`")


def md_cell_literal(text: str) -> str:
    """User text in a table cell: one line, no HTML, no emphasis, links or math."""
    return md_cell(_CELL_SPECIAL.sub(r"\\\1", text))


def md_comment_cell(text: str) -> str:
    """User text in a table cell of a comment posted on GitHub: :func:`md_cell`, with link
    and image syntax escaped and every mention, issue reference and URL made inert.

    It reads as the text: a zero-width space (:data:`ZERO_WIDTH_SPACE`) after ``@``,
    ``#``, ``GH-``, the ``:`` of ``://`` and ``www`` stops GitHub from notifying, cross-
    referencing or autolinking without changing what is seen. ``<`` is already ``&lt;``,
    so no HTML comment (a second marker) or tag can start.
    """
    cell = md_cell(_LINK_SYNTAX.sub(r"\\\1", text))
    return _GITHUB_ACTIVE.sub(lambda found: found.group(0) + ZERO_WIDTH_SPACE, cell)


def md_cell_lines(text: str) -> str:
    """Multi-line user text in a table cell: each line escaped, joined with ``<br>``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")
    return "<br>".join(md_cell_literal(line.strip()) for line in lines)


def md_inline(text: str) -> str:
    """Text from a model file, shown literally in Markdown: one line, no markup, no HTML."""
    return _INLINE_SPECIAL.sub(lambda m: "\\" + m.group(0), one_line(text))


def md_paragraphs(text: str) -> str:
    """Multi-line user text as inert Markdown: shown as written, never interpreted
    (Markdown punctuation backslash-escaped, ``<``, ``>`` and ``&`` as entities)."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.append(_PARAGRAPH_SPECIAL.sub(r"\\\1", html_text(one_line(line.strip()))))
    # Collapse runs of blank lines; keep paragraphs.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def md_code_span(text: str) -> str:
    """A Markdown code span holding ``text`` literally, whatever backticks it contains."""
    value = one_line(text)
    longest = max((len(run) for run in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def md_fence(content: str, info: str) -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in _BACKTICKS.findall(content)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{info}\n{content.rstrip(chr(10))}\n{marks}"


def md_markup_line(text: str) -> str:
    """Markdown we wrote (not user text) on one line, fit for a table cell: pipes
    escaped, line breaks as spaces; its code spans, links and emphasis stay Markdown."""
    return text.replace("|", "\\|").replace("\n", " ")
