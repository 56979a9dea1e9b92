"""The escaping package: one module per target language, each fed hostile text."""

from __future__ import annotations

import ast
import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT, VALID_MODEL
from threatgate.output.escape.html import html_attribute, html_text
from threatgate.output.escape.markdown import (
    md_cell,
    md_cell_lines,
    md_cell_literal,
    md_code_span,
    md_comment_cell,
    md_fence,
    md_inline,
    md_markup_line,
    md_paragraphs,
)
from threatgate.output.escape.mermaid import mermaid_label, mermaid_line
from threatgate.output.escape.spreadsheet import neutralise, one_line_cell
from threatgate.output.escape.terminal import (
    terminal_document,
    terminal_lines,
    terminal_location,
    terminal_text,
)
from threatgate.output.escape.text import (
    location,
    one_line,
    one_line_collapsed,
    one_line_shortened,
    utf8_text,
)
from threatgate.output.escape.workflow import workflow_command, workflow_data, workflow_property
from threatgate.output.escape.xml import (
    xml_clean_line,
    xml_escape,
    xml_escape_both_quotes,
    xml_line,
    xml_text,
    xml_text_bmp,
    xml_visible,
)

PACKAGE = REPO_ROOT / "cli" / "threatgate"
ESCAPE = PACKAGE / "output" / "escape"

#: Everything a hostile model can put into a title, a path or a message.
HOSTILE = ("<script>alert(1)</script> a|b `code` 100% ]]> & \"q\" 'a'\n"
           "second\r\nline\x1b[31m red \x00\x07\u202e\u2028\ud800\ufffe 😀")
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.sampled_from(
    [HOSTILE, "]]>", "`", "``x``", "|", "%0A", "\n\n\n", "<b>", "&amp;", "# x", "_a_"])
#: What a terminal must never receive from a file: control and format characters.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


# --- text and terminal ----------------------------------------------------------------


def test_one_line_makes_every_invisible_character_visible() -> None:
    assert one_line("plain text ✓") == "plain text ✓"
    assert one_line("a\nb\tc\x1b[0m\u202e") == "a\\nb\\tc\\x1b[0m\\u202e"
    assert one_line_collapsed("  a \n\t b\x00 ") == "a b\\x00"
    assert one_line_shortened("word " * 30, 12) == "word word w\u2026"
    assert one_line_shortened("short", 12) == "short"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_one_line_is_one_printable_line(text: str) -> None:
    for escaped in (one_line(text), one_line_collapsed(text), one_line_shortened(text, 20)):
        assert escaped.isprintable()
    assert len(one_line_shortened(text, 20)) <= 20


def test_utf8_text_replaces_lone_surrogates() -> None:
    assert utf8_text("ok ✓ 😀") == "ok ✓ 😀"
    assert utf8_text("bad\udcff.yaml") == "bad?.yaml"


def test_terminal_text_keeps_lines_and_drops_escape_sequences() -> None:
    assert terminal_text("line one\n\tline two") == "line one\n\tline two"
    assert terminal_text("red \x1b[31mtext\x07\u202e") == "red [31mtext"


def test_locations() -> None:
    assert location("a.yaml") == "a.yaml"
    assert location("a.yaml", 3) == "a.yaml:3"
    assert location("a.yaml", 3, 7) == "a.yaml:3:7"
    assert terminal_location("threatmodels/x.yaml", 3, 7) == "threatmodels/x.yaml:3:7"
    assert terminal_location("evil\n\x1b[2Jx.yaml", 1) == "evil\\n\\x1b[2Jx.yaml:1"
    assert terminal_location("p\u202e.yaml") == "p\\u202e.yaml"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_terminal_output_holds_no_control_characters(text: str) -> None:
    assert not INVISIBLE.search(terminal_text(text).replace("\n", "").replace("\t", ""))
    assert not INVISIBLE.search(terminal_location(text, 1, 2))
    assert terminal_location(text, 1, 2).endswith(":1:2")


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX file names")
def test_assess_lines_escape_the_file_name(run_cli: Callable[..., Result], project: Path,
                                           write_model: Callable[..., Path]) -> None:
    """A file name cannot split a line or clear the terminal, on standard output or error."""
    unscored = VALID_MODEL.replace("    likelihood: 4\n    impact: 5\n", "")  # a queue item
    write_model(unscored, "a\x1b[2J\nFAKE.yaml")
    write_model(VALID_MODEL.replace("title: Web shop", "title: [1, 2]"), "b\x1b[2J\nBAD.yaml")
    result = run_cli("assess", "--details", cwd=project)
    assert result.exit_code == 1
    assert "shop: Web shop (threatmodels/a\\x1b[2J\\nFAKE.yaml)\n" in result.stdout
    # A review-queue line of the details names the file, escaped too.
    assert re.search(r"\n    threatmodels/a\\x1b\[2J\\nFAKE\.yaml:\d+: ", result.stdout)
    assert result.stderr.startswith("threatmodels/b\\x1b[2J\\nBAD.yaml:3:1: error: ")
    assert "\x1b" not in result.stdout + result.stderr


def test_terminal_lines_escape_controls_and_command_starts() -> None:
    assert terminal_lines("a\tb\nc\x1b[2J\u2028\x85") == "a\tb\nc\\u001b[2J\\u2028\\u0085"
    assert terminal_lines("ok\n  ::error::x\n::") == "ok\n  \\u003a:error::x\n\\u003a:"
    assert terminal_lines("::error::x\n", workflow_commands=True) == "::error::x\n"
    assert terminal_lines("a :: b") == "a :: b"
    assert terminal_lines("x ##[error]y") == "x #\\u0023[error]y"
    assert terminal_lines("\U000e0001") == "\\udb40\\udc01"


def test_terminal_lines_keep_json_valid_and_equal() -> None:
    data = {"k\u2028": "\x85\u202e\x7f\U000e0001 \u2066", "n": "\n"}
    printed = terminal_lines(json.dumps(data, ensure_ascii=False, indent=2))
    assert json.loads(printed) == data
    assert printed.isascii() or not INVISIBLE.search(printed.replace("\n", ""))


def test_terminal_documents_keep_their_line_ends_and_byte_order_mark() -> None:
    assert terminal_document("\ufeffa,b\r\nc\rd\r\n") == "\ufeffa,b\r\nc\\u000dd\r\n"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_terminal_lines_hold_no_control_character_and_start_no_command(text: str) -> None:
    for line in terminal_lines(text).split("\n"):
        assert not INVISIBLE.search(line.replace("\t", ""))
        assert not line.lstrip(" \t").startswith("::")
        assert "##[" not in line


# --- Markdown -------------------------------------------------------------------------


def test_markdown_cells_stay_in_their_cell() -> None:
    assert md_cell("a|b `c` <script>&") == "a\\|b \\`c\\` &lt;script&gt;&amp;"
    assert md_cell("two\nlines") == "two\\nlines"
    assert md_cell_literal("*bold* [x](javascript:y) $m$ ~s~") == \
        "\\*bold\\* \\[x\\]\\(javascript:y\\) \\$m\\$ \\~s\\~"
    assert md_cell_lines("one\r\ntwo|\n") == "one<br>two\\|"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_markdown_cells_never_hold_a_raw_pipe_tag_or_line_break(text: str) -> None:
    for cell in (md_cell(text), md_cell_literal(text), md_cell_lines(text)):
        assert "\n" not in cell and "\r" not in cell
        # GitHub splits a row at every pipe that no backslash precedes.
        assert not re.search(r"(?<!\\)\|", cell)
        assert "<" not in cell.replace("<br>", "")


def test_markdown_comment_cells_notify_nobody_and_link_nowhere() -> None:
    zws = "&#8203;"
    assert md_comment_cell("@alice and @org/team") == f"@{zws}alice and @{zws}org/team"
    assert md_comment_cell("owner/repo#1, GH-2, gh-3, #4") == \
        f"owner/repo#{zws}1, GH-{zws}2, gh-{zws}3, #{zws}4"
    assert md_comment_cell("![x](https://evil.example/p.png) [y](//evil.example)") == \
        f"!\\[x\\](https:{zws}//evil.example/p.png) \\[y\\](//evil.example)"
    assert md_comment_cell("https://github.com/o/r/issues/1 WWW.evil.example") == \
        f"https:{zws}//github.com/o/r/issues/1 WWW{zws}.evil.example"
    assert md_comment_cell("mail a@b.example") == f"mail a@{zws}b.example"
    # A user text cannot become the comment's marker, nor any HTML comment or tag.
    assert md_comment_cell("<!-- threatgate-diff -->") == "&lt;!-- threatgate-diff --&gt;"
    # Entities and backslashes the user wrote are shown, never interpreted.
    assert md_comment_cell("&#64;x \\[a] \\|") == f"&amp;#{zws}64;x \\\\\\[a\\] \\\\\\|"
    assert md_comment_cell("plain: 5 > 3 | 100%") == "plain: 5 &gt; 3 \\| 100%"


#: Text rich in what GitHub acts on: mentions, references, URLs, escapes, entities.
GITHUB_TEXT = st.text(alphabet="@#:/w.GHgh-[]()!\\<>&;a1_ |`\n", max_size=40)


def _as_read(cell: str) -> str:
    """The text a reader sees in a rendered cell: escapes undone, entities decoded."""
    unescaped = re.sub(r"\\([\\\[\]|`])", r"\1", cell)
    return html.unescape(unescaped.replace("&#8203;", ""))


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT | GITHUB_TEXT)
def test_markdown_comment_cells_hold_nothing_github_acts_on(text: str) -> None:
    cell = md_comment_cell(text)
    assert "\n" not in cell and "<" not in cell
    assert not re.search(r"(?<!\\)(?:\\\\)*[|\[\]]", cell), "unescaped pipe or bracket"
    assert not re.search(r"@[A-Za-z0-9_-]", cell), "a live mention"
    assert not re.search(r"(?<!&)#[0-9]|(?i:gh)-[0-9]", cell), "a live issue reference"
    assert "://" not in cell and not re.search(r"(?i)www\.", cell), "an autolink"
    assert "&#" not in cell.replace("&#8203;", ""), "an entity the user wrote"
    assert _as_read(cell) == one_line(text)


def test_markdown_inline_text_and_paragraphs_are_inert() -> None:
    assert md_inline("*bold* <b> a_b _c_ | `x`") == "\\*bold\\* \\<b\\> a_b \\_c\\_ \\| \\`x\\`"
    assert md_inline("# not a heading\nx") == "\\# not a heading\\\\nx"
    assert md_inline("]]> 100%") == "\\]\\]\\> 100%"
    assert md_paragraphs("a\n\n\n\nb\x1b") == "a\n\nb\\\\x1b"


def test_markdown_helpers() -> None:
    assert md_fence("a ``` b", "mermaid").startswith("````mermaid\n")
    assert md_paragraphs("# x\n* y\n<b>") == "\\# x\n\\* y\n&lt;b&gt;"


def test_markdown_code_spans_and_fences_hold_any_backticks() -> None:
    assert md_code_span("``|``") == "``` ``|`` ```"
    assert md_fence("x\n`` ` ``\n", "") == "```\nx\n`` ` ``\n```"


def test_markdown_we_wrote_stays_markdown_on_one_line() -> None:
    assert md_markup_line("See `id` | [docs](x)\nmore") == "See `id` \\| [docs](x) more"


# --- HTML and XML ---------------------------------------------------------------------


def test_html_text_and_attributes() -> None:
    assert html_text("<script>a&b</script> \"q\"") == "&lt;script&gt;a&amp;b&lt;/script&gt; \"q\""
    assert html_attribute("\"><script>") == "&quot;&gt;&lt;script&gt;"


def test_xml_escapes() -> None:
    assert xml_escape("]]> <a href=\"x\">&</a> 'q'") == \
        "]]&gt; &lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt; 'q'"
    assert xml_escape_both_quotes("'\"<&>") == "&apos;&quot;&lt;&amp;&gt;"
    assert xml_line("  <b>\n\x1b  x ") == "&lt;b&gt; \\x1b x"


def test_text_xml_can_carry() -> None:
    assert xml_text("tab\there\x00") == "tab\\there\\x00"
    assert xml_text("ünïcødé ✓ 😀") == "ünïcødé ✓ 😀"
    assert xml_text_bmp("ünïcødé ✓ 😀") == "ünïcødé ✓ "
    assert xml_visible("two\nlines\x1b\ufffe") == "two\nlines\\x1b\\ufffe"
    assert xml_clean_line(" a\x00\x1b\n b\ud800 ") == "a b"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_xml_output_is_always_well_formed(text: str) -> None:
    for line in (xml_line(text), xml_escape_both_quotes(xml_clean_line(text))):
        document = f'<r a="{line}">{line}</r>'
        root = ET.fromstring(document)
        assert (root.text or "") == root.get("a")
    element = ET.Element("r", {"a": xml_text(text)})
    element.text = xml_text_bmp(text)
    ET.fromstring(ET.tostring(element, encoding="unicode"))
    child = ET.Element("r")
    child.text = xml_visible(text)
    ET.fromstring(ET.tostring(child, encoding="unicode"))


# --- Mermaid and workflow commands ----------------------------------------------------


def test_mermaid_labels_cannot_end_the_label() -> None:
    assert mermaid_label('a"] --> x; click n0 call', 60) == \
        "a#34;#93; --#62; x#59; click n0 call"
    assert mermaid_label("%%{init}%%", 60) == "#37;#37;#123;init#125;#37;#37;"
    assert mermaid_line("Shop <b>\n%%{x}", 60) == "Shop b x"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_mermaid_labels_hold_only_harmless_characters(text: str) -> None:
    label = mermaid_label(text, 60)
    assert all(char.isalnum() or char in " .,-_:/()?!+'"
               for char in re.sub(r"#\d+;", "", label))
    assert '"' not in label and "\n" not in label and "|" not in label and "<" not in label


def test_workflow_commands_percent_encode() -> None:
    assert workflow_data("100% done\nnext\r::error::x") == "100%25 done%0Anext%0D::error::x"
    assert workflow_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert workflow_data("\x1b[31m") == "\\x1b[31m"


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_workflow_parts_stay_on_one_line(text: str) -> None:
    data, prop = workflow_data(text), workflow_property(text)
    assert data.isprintable() and prop.isprintable()
    assert ":" not in prop and "," not in prop
    assert not re.search(r"%(?!25|0A|0D|3A|2C)", prop)


def test_workflow_command_escapes_every_part() -> None:
    assert workflow_command("error", "m\n::x", file="a\n::error title=p::b", line=3,
                            col=None, title="t,x:y") == \
        "::error file=a%0A%3A%3Aerror title=p%3A%3Ab,line=3,title=t%2Cx%3Ay::m%0A::x\n"
    assert workflow_command("notice", "done") == "::notice::done\n"


def test_csv_cells_on_standard_output_are_one_line() -> None:
    assert one_line_cell("=1\n::error::x\x1b") == "'=1\\n::error::x\\x1b"
    assert one_line_cell("\tx\ty") == "'\tx\ty"


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_spreadsheet_formulas_become_text(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


# --- one place ------------------------------------------------------------------------

#: What only an escaper writes: entities, percent-encoding, visibility checks.
ESCAPING = re.compile(r"&(lt|gt|amp|quot|apos);|%0A|%25|isprintable|saxutils|html\.escape")


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if ESCAPE not in p.parents]


@pytest.mark.parametrize("module", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_escaping_lives_only_in_the_escape_package(module: Path) -> None:
    found = ESCAPING.search(module.read_text(encoding="utf-8"))
    assert found is None, f"{module} escapes text itself ({found.group(0)}): use output.escape"


#: ``{path}:{line}`` written by hand, instead of through ``location``/``terminal_location``.
HAND_MADE_LOCATION = re.compile(r"\{[^{}]*\}:\{[^{}]*\bline\b")


@pytest.mark.parametrize("module", [p for p in _sources() if p.relative_to(PACKAGE).parts[0]
                                    in ("output", "commands")],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_renderers_and_commands_format_locations_in_one_place(module: Path) -> None:
    found = HAND_MADE_LOCATION.search(module.read_text(encoding="utf-8"))
    assert found is None, f"{module} formats a location itself ({found.group(0)})"


#: Where a GitHub Actions workflow command is written.
WORKFLOW_WRITER = ESCAPE / "workflow.py"
WORKFLOW_COMMAND = re.compile(r"::(error|warning|notice|debug|group|endgroup|set-output|"
                              r"add-mask|stop-commands|echo)\b|::\{")


@pytest.mark.parametrize("module", [p for folder in ("output", "commands")
                                    for p in (PACKAGE / folder).rglob("*.py")
                                    if p != WORKFLOW_WRITER],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_workflow_commands_are_written_in_one_place(module: Path) -> None:
    """Only ``workflow_command`` writes ``::error``/``::warning``/``::notice`` lines."""
    found = WORKFLOW_COMMAND.search(module.read_text(encoding="utf-8"))
    assert found is None, f"{module} writes a workflow command itself ({found.group(0)})"


@pytest.mark.parametrize("module", sorted((PACKAGE / "commands").glob("*.py")),
                         ids=lambda p: p.name)
def test_commands_print_through_one_echo(module: Path) -> None:
    """``commands.options.echo`` escapes every printed line; no command prints around it.
    (``replay`` writes back what ``echo`` printed, escaped, in a run it recorded.)"""
    text = module.read_text(encoding="utf-8")
    if module.name == "options.py":
        assert "    shown = terminal_lines(text, workflow_commands=workflow_commands)\n" in text
        text = text.replace("click.echo(shown, ", "")
    found = re.search(r"click\.(echo|secho)\(|\bprint\(|sys\.std(out|err)\.write", text)
    assert found is None, f"{module.name} prints without escaping ({found.group(0)})"


def test_every_escape_module_is_described() -> None:
    described = ast.get_docstring(ast.parse((ESCAPE / "__init__.py").read_text("utf-8")))
    assert described is not None
    for module in ESCAPE.glob("*.py"):
        if module.name != "__init__.py":
            assert f"``{module.stem}``" in described, module.name
