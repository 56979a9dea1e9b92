"""The fast path of descriptions made of plain paragraphs gives markdown-it's HTML."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from threatgate.output.html.markup import plain_paragraphs_html, render_markdown

#: Letters, punctuation Markdown reads as syntax, white space and line breaks.
PIECES = [*"ab cd.,;'\"?()-+019/\u00e9\u00a0\t*_`[]<>!#&|~=:\\\r", "\n", "\n\n", "\n  ",
          "- ", "1. ", "    ", "&amp;", "  \n", "http://example.org/a", "www.example.org",
          "mailto:a@b.org", "javascript:x", "a: b", "\n- ", "\n\n- ", "\n---", "+ "]


def markdown_it(text: str) -> str:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table")
    parser.enable("strikethrough")
    rendered: str = parser.render(text)
    return rendered


@settings(max_examples=1200, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_plain_paragraphs_render_as_markdown_it_renders_them(text: str) -> None:
    fast = plain_paragraphs_html(text)
    if fast is not None and text.strip():
        assert fast == markdown_it(text)


def test_paragraphs_of_plain_lines_take_the_fast_path() -> None:
    text = "First line of a paragraph,\nits second line.\n\nA \"second\" one.\n"
    assert plain_paragraphs_html(text) == markdown_it(text) == (
        "<p>First line of a paragraph,\nits second line.</p>\n<p>A &quot;second&quot; one.</p>\n")
    assert render_markdown(text) == markdown_it(text)


def test_tight_lists_of_plain_items_take_the_fast_path() -> None:
    text = "Before:\n\n- one item,\n  continued\n- another\n\nAfter.\n"
    assert plain_paragraphs_html(text) == markdown_it(text) == (
        "<p>Before:</p>\n<ul>\n<li>one item,\ncontinued</li>\n<li>another</li>\n</ul>\n"
        "<p>After.</p>\n")


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.text("ab .:-", max_size=4),
                          st.text("ab *_&[]!#~:\\\"-=", min_size=1, max_size=5)), max_size=4),
       st.sampled_from(["", "- ", "Text\n\n- "]))
def test_code_spans_in_plain_lines_render_as_markdown_it_renders_them(
        spans: list[tuple[str, str]], start: str) -> None:
    text = start + "".join(f"{plain}`{code}`" for plain, code in spans) + " end\n"
    fast = plain_paragraphs_html(text)
    if fast is not None:
        assert fast == markdown_it(text)


def test_plain_code_spans_take_the_fast_path() -> None:
    text = "See `docs/run *book*.md` and `a&b`.\n\n- `x_y` item\n"
    assert plain_paragraphs_html(text) == markdown_it(text) == (
        "<p>See <code>docs/run *book*.md</code> and <code>a&amp;b</code>.</p>\n"
        "<ul>\n<li><code>x_y</code> item</li>\n</ul>\n")


def test_markdown_syntax_leaves_the_fast_path() -> None:
    for text in ("A list:\n- one\n- two\n", "Title\n=====\n",
                 "Line\n    indented\n", "Ends with a break  \nhere\n", "1. First\n",
                 "- loose\n\n- list\n", "Text\n- interrupted\n", "- item\nlazy line\n",
                 "An ``x`` span\n", "An `<http://a.b>` span\n", "Open `span\n"):
        assert plain_paragraphs_html(text) is None
        assert render_markdown(text) == markdown_it(text)
