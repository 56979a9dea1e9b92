"""The history page of ``site --history N`` in a real browser: the trend charts render,
each is an image with its numbers as a label, and the table beside it holds the same
numbers (headless Chromium, as tests/output/test_site_browser.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from test_site_browser import (  # the same browser fixtures
    assert_clean,
    browser,  # noqa: F401
    open_page,
    playwright_driver,  # noqa: F401
    watch,  # noqa: F401
)

from browser_support import Watcher
from scripted_history import build

CHARTS_JS = """() => Array.from(document.querySelectorAll("section.trend")).map(s => {
  const svg = s.querySelector("figure.trend-chart svg");
  const box = svg ? svg.getBoundingClientRect() : null;
  return {
    id: s.id,
    role: svg && svg.getAttribute("role"),
    label: svg && svg.getAttribute("aria-label"),
    width: box ? box.width : 0,
    height: box ? box.height : 0,
    lines: svg ? Array.from(svg.querySelectorAll("path[stroke-width='2']"))
                 .filter(p => p.getTotalLength() > 0).length : 0,
    rows: Array.from(s.querySelectorAll("table.trend-table tbody tr")).map(
      r => Array.from(r.cells).map(c => c.textContent.trim())),
  };
})"""


@pytest.fixture
def history_site(git_repo: Path, run_cli: Callable[..., Result]) -> Path:
    build(git_repo)
    done = run_cli("site", "_site", "--history", "8", cwd=git_repo)
    assert done.exit_code == 0, done.output
    return git_repo / "_site"


def test_trend_charts_render_with_their_numbers(watch: Callable[..., Watcher],  # noqa: F811
                                                history_site: Path) -> None:
    base = history_site.as_uri() + "/"
    watcher = watch(base)
    page = open_page(watcher, base + "history.html")
    charts = page.evaluate(CHARTS_JS)
    assert [c["id"] for c in charts] == ["history-repository", "history-payments"]
    for chart in charts:
        assert chart["role"] == "img"
        assert chart["width"] > 200 and chart["height"] > 100, chart
        assert chart["lines"] >= 4, chart  # ratio, critical, high, at risk
    repository, payments = charts
    # The repository's table has a row per commit, and the label says what it says.
    assert len(repository["rows"]) == 8
    ratios = [row[2] if row[2] != "-" else "unknown" for row in repository["rows"]]
    assert f"mitigation ratio {', '.join(ratios)};" in repository["label"]
    at_risk = [row[5] if row[5] != "-" else "unknown" for row in repository["rows"]]
    assert f"objectives at risk {', '.join(at_risk)}." in repository["label"]
    assert ratios == ["0%", "33%", "67%", "67%", "unknown", "50%", "50%", "50%"]
    assert "payments" in repository["rows"][4][6]
    # The model's table lists its changes; at each, the label has the same value.
    commits = [row[0] for row in repository["rows"]]
    label = payments["label"].split("mitigation ratio ", 1)[1].split(";", 1)[0].split(", ")
    assert [row[6].split(":")[0] for row in payments["rows"]] == [
        "added", "changed", "changed", "renamed", "unreadable", "changed"]
    for row in payments["rows"]:
        assert label[commits.index(row[0])] == (row[2] if row[2] != "-" else "unknown")
    # The nav leads there from every page.
    index = open_page(watcher, base + "index.html")
    index.click("nav.site-nav a[data-nav=history]")
    index.wait_for_load_state()
    assert index.url.endswith("/history.html")
    assert_clean(watcher, page)
