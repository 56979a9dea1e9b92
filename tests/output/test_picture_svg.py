"""The pictures as SVG (golden files), their text equivalents, escaping and size, and the
risk matrix of the Markdown report."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest

from conftest import REPO_ROOT
from handbuilt import GATE_MODEL
from pictures_support import EDGES_MODEL, EMPTY_MODEL, TODAY, many, report_of
from threatgate.analysis.assess import assess_model
from threatgate.model.loader import load_text
from threatgate.output.markdown.pictures import CELL_LINKS, matrix_markdown
from threatgate.output.svg.bars import render_bars_svg, render_overview_svg
from threatgate.output.svg.matrix import render_matrix_svg
from threatgate.output.svg.palette import (
    BAD,
    INK,
    LINE,
    MUTED,
    OK,
    SEGMENT_COLOURS,
    SEVERITY_COLOURS,
    WARN,
    WHITE,
    text_on,
    tint,
)
from threatgate.views.pictures import OVERVIEW_ROWS, model_bars, overview, risk_matrix
from threatgate.views.report import Report

SVG = "{http://www.w3.org/2000/svg}"
UNSCORED_ONLY = """\
threatgate: 1
id: unscored
title: Nothing scored yet
threats:
  - {id: T1, title: First}
  - {id: T2, title: Second, severity: critical, mitigations: [C1]}
controls:
  - {id: C1, title: Done, status: implemented}
"""


def parsed(svg: str) -> ET.Element:
    """The SVG as XML (it must be well-formed) after the checks every picture passes."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    pictures = [e for e in root.iter() if e.get("role") == "img"]
    assert len(pictures) == 1, "one image for assistive technology"
    picture = pictures[0]
    assert picture.find(f"{SVG}title") is not None and picture.find(f"{SVG}desc") is not None
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.startswith("on"), name
            if name.endswith("href"):
                assert not re.match(r"^[a-z]+:", value), f"only site-relative links: {value}"
    assert "<script" not in svg and "<style" not in svg and "foreignObject" not in svg
    assert "url(" not in svg and "@import" not in svg
    return picture


def name_of(picture: ET.Element) -> str:
    title = picture.find(f"{SVG}title")
    assert title is not None and title.text
    return title.text


@pytest.mark.parametrize("name, model", [("gate", GATE_MODEL), ("edges", EDGES_MODEL),
                                         ("empty", EMPTY_MODEL),
                                         ("unscored", UNSCORED_ONLY)])
def test_matrix_golden(golden: Callable[[str, str], None], name: str, model: str) -> None:
    svg = render_matrix_svg(risk_matrix(report_of(model).threats))
    parsed(svg)
    golden(f"pictures/matrix-{name}.svg", svg)


@pytest.mark.parametrize("name, model, evidence", [
    ("gate", GATE_MODEL, None), ("gate-verified", GATE_MODEL, {"C1": "passed"}),
    ("empty", EMPTY_MODEL, None), ("unscored", UNSCORED_ONLY, None)])
def test_bars_golden(golden: Callable[[str, str], None], name: str, model: str,
                     evidence: dict[str, str] | None) -> None:
    report = report_of(model, evidence, verified=evidence is not None)
    svg = render_bars_svg(model_bars(report), f"Posture of {report.title}")
    parsed(svg)
    golden(f"pictures/bars-{name}.svg", svg)


@pytest.mark.parametrize("name, number", [("one", 1), ("few", 4), ("summed", 40)])
def test_overview_golden(golden: Callable[[str, str], None], name: str, number: int) -> None:
    models = many(number)
    models[0] = (report_of(EMPTY_MODEL), "models/nothing.html")
    svg = render_overview_svg(overview(models))
    parsed(svg)
    golden(f"pictures/overview-{name}.svg", svg)


def test_matrix_title_and_cells_carry_the_numbers() -> None:
    svg = render_matrix_svg(risk_matrix(report_of(GATE_MODEL).threats))
    picture = parsed(svg)
    assert name_of(picture) == ("Risk matrix: 7 threats scored by likelihood and impact "
                                "(4 open, 3 handled); 1 not scored (1 open, 0 handled)")
    description = picture.find(f"{SVG}desc")
    assert description is not None and description.text
    assert "Likelihood 5, impact 4, score 20 (critical): 0 open, 1 handled" in description.text
    links = {a.get("href"): a for a in ET.fromstring(svg).iter(f"{SVG}a")}
    # Only the cells holding threats link, each to its list beside the picture.
    assert set(links) == {"#risk-L5-I4", "#risk-L4-I5", "#risk-L3-I4", "#risk-L4-I3",
                          "#risk-L2-I3", "#risk-L1-I1", "#risk-L5-I5", "#risk-unscored"}
    for link in links.values():
        assert link.get("tabindex") == "-1" and link.get("aria-hidden") == "true"
        assert link not in list(picture.iter()), "links lie outside the image"
    tooltip = links["#risk-L5-I5"].find(f"{SVG}title")
    assert tooltip is not None and tooltip.text == (
        "likelihood 5, impact 5, score 25 (critical): 1 open, 0 handled: T8")


def test_bars_have_no_links_and_a_numbered_title() -> None:
    report = report_of(GATE_MODEL)
    svg = render_bars_svg(model_bars(report), "Posture")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and not list(root.iter(f"{SVG}a"))
    description = root.find(f"{SVG}desc")
    assert description is not None and description.text == (
        "Objectives: 4 objectives: 1 mitigated by controls, 1 at risk: missing controls, "
        "1 at risk: expired attestation, 1 unassessed. Controls: 5 controls: 1 planned, "
        "1 in progress, 2 implemented, 1 wont do. Verification: not checked in this run "
        "(use --verify).")
    for legend in ("1 mitigated by controls", "2 implemented", "1 wont do"):
        assert f">{legend}</text>" in svg


HOSTILE = "<script>alert('x')</script> & \"quotes\" \x1b[31m\u202e"


def hostile_report() -> Report:
    report = report_of(GATE_MODEL)
    threats = [dataclasses.replace(t, id=f"{HOSTILE}{t.id}", title=HOSTILE,
                                   anchor=f"threat-{t.id}") for t in report.threats]
    return dataclasses.replace(report, title=HOSTILE, model_id="hostile", threats=threats)


def test_hostile_text_is_escaped_everywhere() -> None:
    report = hostile_report()
    for svg in (render_matrix_svg(risk_matrix(report.threats)),
                render_bars_svg(model_bars(report), HOSTILE),
                render_overview_svg(overview([(report, "models/hostile.html")]))):
        parsed(svg)
        assert "<script>" not in svg and "\x1b" not in svg and "\u202e" not in svg
    lines = "\n".join(matrix_markdown(risk_matrix(report.threats)))
    assert "<script>" not in lines and "\x1b" not in lines


def test_the_overview_stays_the_same_size_from_one_to_a_thousand_models() -> None:
    """Past OVERVIEW_ROWS + 1 models the picture has a fixed number of rows: 1,000 models
    give a drawing no larger than 20 do (give or take the digits of the counts)."""
    sizes = {}
    for number in (20, 1000):
        view = overview(many(number))
        svg = render_overview_svg(view)
        parsed(svg)
        assert len(view.rows) == OVERVIEW_ROWS and view.others is not None
        assert len(re.findall(r'<a href="models/', svg)) == OVERVIEW_ROWS
        height = re.search(r'height="([\d.]+)"', svg)
        assert height is not None
        sizes[number] = (len(svg), float(height.group(1)))
    assert sizes[1000][1] == sizes[20][1]
    assert sizes[1000][0] < sizes[20][0] * 1.1 and sizes[1000][0] < 40_000


def test_markdown_matrix_is_a_table_with_links() -> None:
    lines = matrix_markdown(risk_matrix(report_of(GATE_MODEL).threats))
    assert lines[0] == "## Risk matrix"
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| Likelihood / impact | 1 | 2 | 3 | 4 | 5 |"
    assert table[2] == ("| **5** | - | - | - | **critical** 1 handled ([T1](#threat-T1)) "
                        "| **critical** 1 open ([T8](#threat-T8)) |")
    assert table[6] == "| **1** | **low** 1 open ([T6](#threat-T6)) | - | - | - | - |"
    assert "Not scored (no likelihood and impact): 1 open ([T7](#threat-T7))" in lines


def test_markdown_cell_with_many_threats_says_how_many_it_leaves_out() -> None:
    model = "threatgate: 1\nid: crowd\ntitle: Crowd\nthreats:\n" + "".join(
        f"  - {{id: T{n}, title: T, likelihood: 3, impact: 3}}\n" for n in range(1, 21))
    lines = matrix_markdown(risk_matrix(report_of(model).threats))
    row = next(line for line in lines if line.startswith("| **3** |"))
    assert "20 open ([T1](#threat-T1), " in row
    assert f"and {20 - CELL_LINKS} more" in row and "T20" not in row


def test_palette_is_the_sites() -> None:
    css = (REPO_ROOT / "templates" / "site" / "assets" / "site.css").read_text(encoding="utf-8")
    root = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css.split("}", 1)[0]))
    assert {k: root[k] for k in SEVERITY_COLOURS} == SEVERITY_COLOURS
    assert (root["fg"], root["muted"], root["line"], root["ok"], root["warn"], root["bad"]) == (
        INK, MUTED, LINE, OK, WARN, BAD)


def test_every_segment_has_a_colour_and_readable_numbers() -> None:
    keys = {s.key for bar in model_bars(report_of(GATE_MODEL, {}, verified=True))
            for s in bar.segments}
    keys |= {s.key for s in overview(many(2)).total.posture.segments}
    assert keys <= set(SEGMENT_COLOURS)
    assert text_on("#1a7f37") == WHITE and text_on("#afb8c1") == INK
    assert tint("#a40e26", 0.0) == WHITE and tint("#a40e26", 1.0) == "#a40e26"


def test_a_thousand_models_keep_the_index_picture_bounded() -> None:
    """The site's index of 1,000 models: the overview draws OVERVIEW_ROWS models, the
    others summed and the totals, and its table beside says the same in as many rows."""
    from threatgate.output.html.site import build_site
    from threatgate.views.reports import SiteModel

    assessment = assess_model(load_text(GATE_MODEL).data, path="m.yaml", today=TODAY)
    models = []
    for report, _ in many(1000):
        # Light pages (threats only): the index is what is measured.
        light = dataclasses.replace(report, objectives=[], controls=[])
        models.append(SiteModel(light, dataclasses.replace(
            assessment, model_id=report.model_id, title=report.title)))
    index = build_site(models)["index.html"].decode("utf-8")
    figure = index.split('<figure class="picture overview">', 1)[1].split("</figure>", 1)[0]
    assert len(figure) < 40_000
    assert len(re.findall(r'<a href="models/', figure)) == OVERVIEW_ROWS
    table = index.split('id="overview-table"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 1 + OVERVIEW_ROWS + 2  # the header, rows, others, totals
    assert "985 other models" in table and "All 1000 models" in table


def test_long_titles_are_shortened_in_the_pictures() -> None:
    """A model title of 5,000 characters: the picture names it in one shortened line."""
    models = [(dataclasses.replace(report, title="x" * 5000 + str(i)), page)
              for i, (report, page) in enumerate(many(40))]
    svg = render_overview_svg(overview(models))
    parsed(svg)
    assert len(svg) < 40_000 and "x" * 100 not in svg
