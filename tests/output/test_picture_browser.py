"""The pictures of the site in headless Chromium: they render, carry their numbers for
assistive technology, sit beside their tables, print, and a matrix cell leads to its
threats with or without JavaScript (the browser, the watcher and the site builder are
those of tests/output/test_site_browser.py)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import test_site_browser
from test_site_browser import assert_clean, axe_violations, build_site, open_page

from browser_support import Watcher
from handbuilt import GATE_MODEL

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# The fixtures of the site's browser tests, used here under the same names.
playwright_driver = test_site_browser.playwright_driver
browser = test_site_browser.browser
watch = test_site_browser.watch

CASES = Path(__file__).parent.parent / "cases" / "site" / "threatmodels"
GATE = "gatecase"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of the gate model (tests/handbuilt.py) and the site cases' models."""
    project = tmp_path_factory.mktemp("pictures")
    (project / ".git").mkdir()
    (project / "threatmodels").mkdir()
    (project / "threatmodels" / "gate.yaml").write_text(GATE_MODEL, encoding="utf-8")
    for name in ("payments.yaml", "empty.yaml", "xss.yaml"):
        (project / "threatmodels" / name).write_bytes((CASES / name).read_bytes())
    result = build_site(project, project / "site")
    assert result.exit_code == 0, result.output
    return project / "site"


def gate_page(watch: Callable[..., Watcher], site: Path) -> tuple[Watcher, Page]:
    base = site.as_uri() + "/"
    watcher = watch(base)
    return watcher, open_page(watcher, f"{base}models/{GATE}.html")


def test_model_pictures_render_with_their_numbers_and_tables(
        watch: Callable[..., Watcher], site: Path) -> None:
    watcher, page = gate_page(watch, site)
    matrix = page.get_by_role("img", name=re.compile(
        r"^Risk matrix: 7 threats scored by likelihood and impact \(4 open, 3 handled\); "
        r"1 not scored \(1 open, 0 handled\)$"))
    bars = page.get_by_role("img", name=re.compile(
        r"^Posture of Gate case: Objectives: 4 objectives: 1 mitigated by controls, "))
    for picture in (matrix, bars):
        assert picture.count() == 1
        box = picture.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    # Each picture's figure is followed by the table that says the same in text.
    tables = page.locator("figure.picture").evaluate_all(
        "figs => figs.map(f => { const n = f.nextElementSibling;"
        " return n && (n.matches('table') ? n.id : n.querySelector('table')?.id); })")
    assert tables == ["posture-table", "risk-matrix-table"]
    assert page.locator("#risk-L5-I5").inner_text().startswith("1 open, 0 handled")
    assert page.locator("#risk-unscored").inner_text().startswith(
        "Not scored (no likelihood and impact): 1 open, 0 handled")
    # Links in the pictures serve the pointer only: the tables carry them for the keyboard.
    tabbable = page.locator("figure.picture svg a").evaluate_all(
        "links => links.filter(a => a.tabIndex >= 0).length")
    assert tabbable == 0
    assert_clean(watcher, page)


@pytest.mark.parametrize("javascript", [True, False])
def test_a_matrix_cell_leads_to_its_threats(browser: Browser, site: Path,
                                            javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    try:
        page = context.new_page()
        page.goto((site / "models" / f"{GATE}.html").as_uri(), wait_until="load")
        page.locator('svg.tg-matrix a[href="#risk-L5-I5"]').click()
        assert page.url.endswith("#risk-L5-I5")
        assert page.evaluate("document.querySelector(':target').id") == "risk-L5-I5"
        cell = page.locator("td:target")
        assert cell.locator("a").evaluate_all("as => as.map(a => a.textContent)") == ["T8"]
        cell.locator('a[href="#threat-T8"]').click()
        assert page.evaluate("document.querySelector(':target').dataset.id") == "T8"
        assert page.locator("tr:target").get_attribute("data-state") == "open"
        page.locator('svg.tg-matrix a[href="#risk-unscored"]').click()
        assert page.locator("p:target a").evaluate_all(
            "as => as.map(a => a.textContent)") == ["T7"]
    finally:
        context.close()


def test_every_matrix_cell_lists_exactly_its_threats(
        watch: Callable[..., Watcher], site: Path) -> None:
    """The threats table's scores, read back from the page, agree with every cell."""
    watcher, page = gate_page(watch, site)
    by_cell: dict[str, list[str]] = {}
    for row in page.locator("#threats-table tbody tr").all():
        score = row.locator("td").nth(3).inner_text()
        found = re.search(r"\((\d)x(\d)\)", score)
        key = f"risk-L{found.group(1)}-I{found.group(2)}" if found else "risk-unscored"
        by_cell.setdefault(key, []).append(row.get_attribute("data-id") or "")
    listed = page.locator("#risk-matrix-table td[id], #risk-unscored").evaluate_all(
        "cells => Object.fromEntries(cells.map(c => [c.id,"
        " [...c.querySelectorAll('a')].map(a => a.textContent)]))")
    assert {k: sorted(v) for k, v in listed.items() if v} == {
        k: sorted(v) for k, v in by_cell.items()}
    assert_clean(watcher, page)


def test_index_overview_leads_to_the_models(watch: Callable[..., Watcher], site: Path) -> None:
    base = site.as_uri() + "/"
    watcher = watch(base)
    page = open_page(watcher, base + "index.html")
    overview = page.get_by_role("img", name=re.compile(r"^Models at a glance: All 4 models: "))
    assert overview.count() == 1
    rows = page.locator("#overview-table tbody tr")
    assert rows.count() == 4 + 1  # every model and the totals
    assert rows.last.inner_text().startswith("All 4 models")
    page.locator(f'svg.tg-overview a[href="models/{GATE}.html"]').click()
    page.wait_for_url(re.compile(rf"models/{GATE}\.html$"))
    assert page.locator("h1").inner_text() == "Gate case"
    assert_clean(watcher, page)


def test_pictures_print(watch: Callable[..., Watcher], site: Path) -> None:
    """In print the pictures keep their colours, fit the page and are not split."""
    watcher, page = gate_page(watch, site)
    page.emulate_media(media="print")
    styles = page.locator("figure.picture").evaluate_all(
        "figs => figs.map(f => { const s = getComputedStyle(f.querySelector('svg'));"
        " return [getComputedStyle(f).breakInside, s.printColorAdjust,"
        " f.querySelector('svg').getBoundingClientRect().right <= innerWidth]; })")
    assert styles == [["avoid", "exact", True]] * 2
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert_clean(watcher, page)


@pytest.mark.parametrize("path", [f"models/{GATE}.html", "index.html"])
def test_pictures_have_no_accessibility_violations(browser: Browser, site: Path,
                                                   path: str) -> None:
    assert axe_violations(browser, (site / path).as_uri()) == []
