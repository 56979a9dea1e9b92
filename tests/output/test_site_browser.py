"""The static site in a real browser: headless Chromium driven by Playwright.

One browser serves the whole module (started once per session). Every page is opened in
a context that records console errors, page errors, dialogs and requests leaving the
site (tests/browser_support.py). The tests skip with the reason when Chromium or
Playwright is missing on a developer's machine, and fail instead when ``CI`` is set, so
CI can never pass without having run them (``.ci/run`` installs Debian's chromium).

The hostile model (tests/cases/site/threatmodels/xss.yaml) carries cross-site scripting
payloads in every free-text field; each payload sets ``window.__xss`` or opens a dialog
when it runs.

What the tests rely on in the site's markup (templates/site/): pages at ``index.html``,
``risks.html``, ``compliance.html`` and ``models/<id>.html``; one script,
``assets/site.js``, and a stylesheet; a Content-Security-Policy ``<meta>``; the tables
``#threats-table`` and ``#controls-table`` with rows carrying ``data-id`` (and
``data-severity``, ``data-state``, ``data-status``), the filter box ``#<table>-filter``,
the selects ``#<table>-<key>-filter``, the count ``output[data-count-for=<table>]``
("N of M shown"), header buttons ``th button.sort`` that set ``aria-sort``; the index's
``table.models`` and ``#invalid-models``; descriptions in ``.description``; the diagram
in ``figure.dfd svg``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pytest
from click.testing import Result

from browser_support import (
    DOM_PROBLEMS_JS,
    XSS_TRAP_JS,
    Watcher,
    chromium_problem,
    file_path,
    in_ci,
    launch,
    serve,
)
from conftest import CASES_DIR, REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CASES = CASES_DIR / "site"
MODELS = CASES / "threatmodels"
XSS_MODEL = MODELS / "xss.yaml"
SCHEMAS = REPO_ROOT / "schemas"

# --- the browser --------------------------------------------------------------------------


# Module scope, not session: a running sync Playwright keeps its asyncio loop on this
# thread, and any later module that starts its own (test_diagram.py) would then fail with
# "using Playwright Sync API inside the asyncio loop".
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    problem = chromium_problem()
    if problem is not None:
        if in_ci():
            pytest.fail(f"browser tests cannot run in CI: {problem}", pytrace=False)
        pytest.skip(f"browser tests need Chromium: {problem}")
    from playwright.sync_api import sync_playwright

    driver = sync_playwright().start()
    try:
        yield driver
    finally:
        driver.stop()


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One headless Chromium for every test of the module."""
    instance = launch(playwright_driver)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def watch(browser: Browser) -> Iterator[Callable[..., Watcher]]:
    """Make a watched context that lets requests through only under the given prefixes;
    the XSS trap is installed in every page it opens."""
    made: list[Watcher] = []

    def make(*allowed: str) -> Watcher:
        watcher = Watcher(browser, tuple(allowed))
        watcher.context.add_init_script(XSS_TRAP_JS)
        made.append(watcher)
        return watcher

    yield make
    for watcher in made:
        watcher.close()


def fired(page: Page) -> list[str]:
    """The payloads that ran in the page (window.__xss assignments)."""
    result: list[str] = page.evaluate("() => Array.from(window.__xssFired || [])")
    return result


def dom_problems(page: Page) -> list[str]:
    result: list[str] = page.evaluate(DOM_PROBLEMS_JS)
    return result


# --- the hostile model ---------------------------------------------------------------------

#: What makes a string hostile enough: markup, a script URL, template or Mermaid syntax,
#: bidirectional controls, or sheer length.
HOSTILE = re.compile(
    r"<|>|javascript:|\{\{|%%\{|\"\]|\u202e|\{\%",
)
LONG = 150
#: The schema's pattern for one-line names: free text all the same.
ONE_LINE = "^[^\\n\\r]*$"


def _resolve(schema: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("common.schema.json#/$defs/"):
        merged = {
            **common[ref.rsplit("/", 1)[1]],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
        return _resolve(merged, common)
    return schema


def _free_text(properties: dict[str, Any], common: dict[str, Any]) -> set[str]:
    """Property names that hold free text: strings (or lists of strings) with no enum and
    no pattern beyond 'one line'."""
    names = set()
    for name, prop in properties.items():
        prop = _resolve(prop, common)
        if prop.get("type") == "array":
            prop = _resolve(prop.get("items", {}), common)
        free = prop.get("type") == "string" and "enum" not in prop
        if free and prop.get("pattern") in (None, ONE_LINE):
            names.add(name)
    return names


def free_text_fields() -> dict[str, set[str]]:
    """{model section ('' for the top level): free-text property names}, from the schema."""
    model = json.loads((SCHEMAS / "threatmodel.schema.json").read_text(encoding="utf-8"))
    common = json.loads((SCHEMAS / "common.schema.json").read_text(encoding="utf-8"))["$defs"]
    fields = {"": _free_text(model["properties"], common)}
    for section, prop in model["properties"].items():
        ref = prop.get("items", {}).get("$ref", "")
        if ref.startswith("#/$defs/"):
            definition = model["$defs"][ref.rsplit("/", 1)[1]]
            fields[section] = _free_text(definition.get("properties", {}), common)
    return fields


def _load(path: Path) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _is_hostile(value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    return all(isinstance(v, str) and (HOSTILE.search(v) or len(v) >= LONG) for v in values)


def test_hostile_model_is_valid(run_cli: Callable[..., Result]) -> None:
    """The payloads are legal content: the site has to cope with them, not refuse them."""
    result = run_cli("validate", "--no-cache", "--format", "json", str(XSS_MODEL))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["summary"]["files"] == 1


def test_hostile_model_covers_every_free_text_field() -> None:
    """Each free-text field the schema defines is set, somewhere in its section, and every
    free-text value the model sets carries a payload (markup, script URL, template or
    Mermaid syntax, RTL control, or a very long string)."""
    model = _load(XSS_MODEL)
    missing: list[str] = []
    tame: list[str] = []
    for section, names in free_text_fields().items():
        entries = [model] if section == "" else model.get(section, [])
        if section and not entries:
            missing.append(f"{section}: no entries")
            continue
        for name in sorted(names):
            values = [entry[name] for entry in entries if name in entry]
            if not values and name != "id":
                missing.append(f"{section or 'top level'}.{name}")
            tame.extend(
                f"{section or 'top level'}.{name} = {str(v)[:60]!r}"
                for v in values
                if not _is_hostile(v)
            )
    for control in model["controls"]:
        for assertion in control.get("assertions", []):
            tame.extend(
                f"assertion {key} = {value!r}"
                for key, value in assertion.items()
                if key != "type" and not _is_hostile(value)
            )
    assert not missing, f"free-text fields without a payload: {missing}"
    assert not tame, f"free-text values without a payload: {tame}"


# --- the browser harness itself ---------------------------------------------------------------

HOSTILE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>probe</title></head>
<body>
<p id="text">hello</p>
<img src="https://evil.example/pixel.png" alt="">
<script>console.error("boom"); window.__xss = "inline"; alert("x");</script>
<script>throw new Error("uncaught");</script>
</body></html>
"""

CLEAN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>clean</title>
<link rel="stylesheet" href="style.css"></head>
<body><p id="text">&lt;script&gt;window.__xss=1&lt;/script&gt;</p>
<a href="#text">anchor</a><script src="app.js"></script></body></html>
"""


def test_harness_catches_a_hostile_page(watch: Callable[..., Watcher], tmp_path: Path) -> None:
    """The detectors are real: a page that logs an error, throws, opens a dialog, sets the
    XSS marker and loads an outside image is caught on every count."""
    (tmp_path / "index.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    watcher = watch(tmp_path.as_uri() + "/")
    page = watcher.page()
    page.goto((tmp_path / "index.html").as_uri())
    page.wait_for_load_state("load")
    events = watcher.events
    assert any("boom" in m for m in events.console_errors), events
    assert any("uncaught" in m for m in events.page_errors), events
    assert events.dialogs == ["alert: x"]
    assert events.outside_requests == ["https://evil.example/pixel.png"]
    assert fired(page) == ["inline"]
    assert len(events.problems()) >= 4


def test_harness_is_quiet_on_a_clean_page(watch: Callable[..., Watcher], tmp_path: Path) -> None:
    """Escaped markup stays text, local files load, nothing is reported."""
    (tmp_path / "index.html").write_text(CLEAN_PAGE, encoding="utf-8")
    (tmp_path / "style.css").write_text("p { color: #333; }\n", encoding="utf-8")
    (tmp_path / "app.js").write_text("document.body.dataset.ready = 'yes';\n", encoding="utf-8")
    watcher = watch(tmp_path.as_uri() + "/")
    page = watcher.page()
    page.goto((tmp_path / "index.html").as_uri())
    assert page.locator("body").get_attribute("data-ready") == "yes"
    assert page.inner_text("#text") == "<script>window.__xss=1</script>"
    assert watcher.events.problems() == []
    assert fired(page) == []
    assert dom_problems(page) == []


def test_dom_probe_finds_dangerous_markup(watch: Callable[..., Watcher], tmp_path: Path) -> None:
    """Event-handler attributes, script URLs and frames are reported from the markup
    itself, whether or not they fired; inert data: images and plain links are not."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><body><a href=" JavaScript:alert(1)">a</a>'
        '<img src="x.png" onerror="alert(1)"><iframe src="data:text/html,x"></iframe>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inert">'
        '<a href="page.html#x">fine</a></body>',
        encoding="utf-8",
    )
    watcher = watch(tmp_path.as_uri() + "/")
    page = watcher.page()
    page.goto((tmp_path / "index.html").as_uri())
    problems = dom_problems(page)
    assert any("dangerous URL in href" in p for p in problems), problems
    assert any("event handler attribute onerror" in p for p in problems), problems
    assert any("unexpected element iframe" in p for p in problems), problems
    assert not any("inert" in p or "page.html" in p for p in problems), problems


def test_server_serves_a_sub_path(watch: Callable[..., Watcher], tmp_path: Path) -> None:
    site = tmp_path / "repo" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text(CLEAN_PAGE, encoding="utf-8")
    (site / "style.css").write_text("p { color: #333; }\n", encoding="utf-8")
    (site / "app.js").write_text("document.body.dataset.ready = 'yes';\n", encoding="utf-8")
    with serve(tmp_path) as server:
        watcher = watch(server.url("/repo/site/"))
        page = watcher.page()
        response = page.goto(server.url("/repo/site/index.html"))
        assert response is not None and response.status == 200
        assert page.locator("body").get_attribute("data-ready") == "yes"
        assert watcher.events.problems() == []


# --- the site ------------------------------------------------------------------------------------

#: Where the site sits below the HTTP server's root: relative links must survive it.
SUB_PATH = "repo/site/"
PAYMENTS = "payments-api"
HOSTILE_ID = "xss-probe"
EMPTY_ID = "empty-model"
#: The payments model's threats as its page lists them: by severity (T1 and T8 critical,
#: T2 and T7 high, T3 to T5 medium, T6 low), then in the model's order.
THREAT_ORDER = ["T1", "T8", "T2", "T7", "T3", "T4", "T5", "T6"]


def build_site(project: Path, out: Path) -> Result:
    """``threatgate site OUT`` run in ``project`` (in-process, fixed date)."""
    from click.testing import CliRunner

    from threatgate.commands.main import cli

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        patch.setenv("THREATGATE_TODAY", "2026-06-01")
        patch.setenv("THREATGATE_CACHE_DIR", str(project / ".cache"))
        patch.delenv("THREATGATE_DEBUG", raising=False)
        return CliRunner().invoke(cli, ["site", str(out)], catch_exceptions=False)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of tests/cases/site/threatmodels, built once, under ``<root>/repo/site``
    (the root is what the HTTP server serves)."""
    root = tmp_path_factory.mktemp("served")
    project = root / "repo"
    project.mkdir()
    (project / ".git").mkdir()
    (project / "threatmodels").mkdir()
    for model in MODELS.glob("*.yaml"):
        (project / "threatmodels" / model.name).write_bytes(model.read_bytes())
    out = project / "site"
    result = build_site(project, out)
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file(), sorted(p.name for p in out.iterdir())
    return out


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """The HTTP URL of the site, served from 127.0.0.1 under /repo/site/."""
    with serve(site.parent.parent) as running:
        yield running.url(SUB_PATH)


@pytest.fixture(params=["file", "http"])
def base(request: pytest.FixtureRequest, site: Path) -> str:
    """The site's base URL, from file:// and over HTTP under a sub-path."""
    if request.param == "file":
        return site.as_uri() + "/"
    url: str = request.getfixturevalue("server")
    return url


def model_page(base: str, model_id: str) -> str:
    return f"{base}models/{model_id}.html"


def open_page(watcher: Watcher, url: str) -> Page:
    page = watcher.page()
    response = page.goto(url, wait_until="load")
    if url.startswith("http"):
        assert response is not None and response.status == 200, url
    page.wait_for_function("document.readyState === 'complete'")
    return page


def page_scripts(page: Page) -> list[dict[str, Any]]:
    """The page's scripts: their URL and the length of any inline code."""
    result: list[dict[str, Any]] = page.evaluate(
        "() => Array.from(document.scripts).map(s => ({src: s.src, inline: s.text.trim().length}))"
    )
    return result


def assert_clean(watcher: Watcher, page: Page, *, allow_csp: bool = False) -> None:
    """Nothing went wrong: no console or page error, dialog, outside request or popup,
    no payload fired and nothing dangerous in the DOM."""
    page.wait_for_timeout(100)  # late events: failed images fire onerror after load
    assert watcher.events.problems(allow_csp=allow_csp) == [], page.url
    assert fired(page) == [], page.url
    assert dom_problems(page) == [], page.url
    loaded = page.evaluate(
        "() => Array.from(document.querySelectorAll('link[rel=stylesheet]'))"
        ".map(l => [l.getAttribute('href'), l.sheet !== null])"
    )
    assert loaded and all(ok for _, ok in loaded), f"stylesheet not applied on {page.url}: {loaded}"
    scripts = page_scripts(page)
    assert scripts, f"no script on {page.url}"
    for script in scripts:
        assert script["inline"] == 0 and script["src"].endswith("/assets/site.js"), script
    assert_strict_csp(page)


def assert_strict_csp(page: Page) -> None:
    """The page carries a Content-Security-Policy that forbids inline and outside code."""
    policies = page.locator("meta[http-equiv='Content-Security-Policy']").evaluate_all(
        "metas => metas.map(m => m.content)"
    )
    assert len(policies) == 1, f"{page.url}: {policies}"
    directives = {
        d.strip().split()[0]: d.strip().split()[1:] for d in policies[0].split(";") if d.strip()
    }
    assert directives.get("default-src") == ["'none'"], policies
    script = directives.get("script-src", [])
    assert script and not {
        "'unsafe-inline'",
        "'unsafe-eval'",
        "*",
        "data:",
        "http:",
        "https:",
    } & set(script), policies


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "risks.html",
        "compliance.html",
        f"models/{PAYMENTS}.html",
        f"models/{EMPTY_ID}.html",
    ],
)
def test_pages_load_cleanly(watch: Callable[..., Watcher], base: str, path: str) -> None:
    """Index and model pages load from file:// and over HTTP with no console error, no
    page error and nothing fetched from outside the site; the stylesheet applies."""
    watcher = watch(base)
    page = open_page(watcher, base + path)
    assert page.title()
    assert_clean(watcher, page)


@pytest.mark.parametrize("path", ["index.html", "risks.html", f"models/{PAYMENTS}.html",
                                  f"models/{HOSTILE_ID}.html"])
def test_pages_never_scroll_sideways(watch: Callable[..., Watcher], base: str,
                                     path: str) -> None:
    """On a laptop-sized window the page itself never needs a horizontal scroll bar:
    wide tables scroll inside their own box, long words and diagrams fit."""
    watcher = watch(base)
    page = open_page(watcher, base + path)
    page.set_viewport_size({"width": 1024, "height": 768})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"{path} is {width}px wide"


def test_model_page_shows_the_model(watch: Callable[..., Watcher], base: str) -> None:
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    assert page.locator("h1").inner_text() == "Payments API"
    ids = page.locator("#threats-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )
    assert ids == THREAT_ORDER  # by severity, then in the model's order
    count = page.locator("output[data-count-for='threats-table']").inner_text()
    assert count == "8 of 8 shown"  # the script ran
    # Markdown in the description became markup; its link is kept with rel=noopener.
    link = page.locator(".description a", has_text="the runbook").first
    assert link.get_attribute("href") == "https://example.com/runbook"
    assert "noopener" in (link.get_attribute("rel") or "")
    assert page.locator(".description strong", has_text="refund").count() == 1


# --- filtering and sorting ---------------------------------------------------------------------


def visible_ids(page: Page, table: str) -> list[str]:
    """The data-id of the rows shown in a table, in display order."""
    result: list[str] = page.locator(f"#{table} tbody tr").evaluate_all(
        "rows => rows.filter(r => !r.hidden && r.offsetParent !== null).map(r => r.dataset.id)"
    )
    return result


def count_text(page: Page, table: str) -> str:
    return page.locator(f"output[data-count-for='{table}']").inner_text()


#: (text typed, severity chosen, state chosen, threats shown in page order)
THREAT_FILTERS = [
    ("SQL", "", "", ["T1"]),
    ("refund", "", "", ["T3", "T5"]),
    ("REFUND", "", "", ["T3", "T5"]),  # case-insensitive
    ("", "high", "", ["T2", "T7"]),
    ("", "", "open", ["T8", "T2", "T7", "T5"]),
    ("", "critical", "open", ["T8"]),
    ("", "low", "accepted", ["T6"]),
    ("admin", "high", "open", ["T7"]),
    ("no such text", "", "", []),
    ("<img src=x onerror=window.__xss='filter'>", "", "", []),
]


def test_threat_filters(watch: Callable[..., Watcher], base: str) -> None:
    """Typing in the filter box and choosing severity and state show exactly the matching
    threats, and the count says so; clearing the filters shows all of them again."""
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    for text, severity, state, expected in THREAT_FILTERS:
        case = f"filter {text!r}, severity {severity!r}, state {state!r}"
        page.locator("#threats-table-filter").press_sequentially(text)
        page.select_option("#threats-table-severity-filter", severity)
        page.select_option("#threats-table-state-filter", state)
        assert visible_ids(page, "threats-table") == expected, case
        assert count_text(page, "threats-table") == f"{len(expected)} of 8 shown", case
        page.locator("#threats-table-filter").fill("")
        page.select_option("#threats-table-severity-filter", "")
        page.select_option("#threats-table-state-filter", "")
        assert visible_ids(page, "threats-table") == THREAT_ORDER, f"after clearing {case}"
    assert_clean(watcher, page)


def test_model_page_prints_cleanly(watch: Callable[..., Watcher], base: str) -> None:
    """For print, navigation, filters and the table of contents disappear, rows hidden by
    a filter come back, and Chromium turns the page into a PDF."""
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    page.select_option("#threats-table-severity-filter", "critical")
    assert len(visible_ids(page, "threats-table")) < len(THREAT_ORDER)
    page.emulate_media(media="print")
    for selector in (".site-nav", ".filters", ".toc", "footer"):
        hidden = page.evaluate(
            "s => [...document.querySelectorAll(s)].every("
            "e => getComputedStyle(e).display === 'none')", selector)
        assert hidden, f"{selector} shows in print"
    shown = page.evaluate(
        "() => [...document.querySelectorAll('#threats-table tbody tr')]"
        ".filter(r => getComputedStyle(r).display !== 'none').length")
    assert shown == len(THREAT_ORDER)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert_clean(watcher, page)


def test_control_filters(watch: Callable[..., Watcher], base: str) -> None:
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    page.select_option("#controls-table-status-filter", "implemented")
    assert visible_ids(page, "controls-table") == ["C1", "C4", "C5"]
    page.locator("#controls-table-filter").fill("admin console")
    assert visible_ids(page, "controls-table") == ["C4"]
    page.select_option("#controls-table-status-filter", "")
    assert visible_ids(page, "controls-table") == ["C4", "C7"]
    assert count_text(page, "controls-table") == "2 of 8 shown"
    assert_clean(watcher, page)


def sort_by(page: Page, table: str, column: str) -> tuple[str | None, list[str]]:
    """Click a column's sort button; return its aria-sort and the row order."""
    header = page.locator(f"#{table} thead th", has=page.locator("button.sort", has_text=column))
    header.locator("button.sort").click()
    return header.get_attribute("aria-sort"), visible_ids(page, table)


def test_threat_sorting(watch: Callable[..., Watcher], base: str) -> None:
    """Clicking a header sorts ascending, clicking again descending; numbers sort as
    numbers, severities by rank, text alphabetically; ties keep their current order."""
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    # Scores: T1 20, T2 12, T3 8, T4 10, T5 6, T6 2, T7 unscored (-1), T8 25.
    assert sort_by(page, "threats-table", "Score") == (
        "ascending",
        ["T7", "T6", "T5", "T3", "T4", "T2", "T1", "T8"],
    )
    assert sort_by(page, "threats-table", "Score") == (
        "descending",
        ["T8", "T1", "T2", "T4", "T3", "T5", "T6", "T7"],
    )
    # Severity by rank (critical first); the sort is stable: ties keep the score order.
    assert sort_by(page, "threats-table", "Severity") == (
        "ascending",
        ["T8", "T1", "T2", "T7", "T4", "T3", "T5", "T6"],
    )
    state, order = sort_by(page, "threats-table", "Title")
    titles = [
        page.locator(f"#threats-table tr[data-id='{i}'] td").nth(1).inner_text() for i in order
    ]
    assert state == "ascending" and titles == sorted(titles, key=str.casefold)
    assert titles[0].startswith("Admin console") and titles[-1].startswith("Zebra")
    # Sorting keeps the filter: only the shown rows, in the new order.
    page.select_option("#threats-table-state-filter", "open")
    assert sort_by(page, "threats-table", "Threat") == ("ascending", ["T2", "T5", "T7", "T8"])
    assert_clean(watcher, page)


def test_control_sorting(watch: Callable[..., Watcher], base: str) -> None:
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    state, order = sort_by(page, "controls-table", "Status")
    statuses = [
        page.locator(f"#controls-table tr[data-id='{i}']").get_attribute("data-status")
        for i in order
    ]
    assert state == "ascending"
    assert [s.replace("_", " ") for s in statuses if s] == sorted(
        s.replace("_", " ") for s in statuses if s
    )
    state, order = sort_by(page, "controls-table", "Status")
    # Descending: wont do first, the implemented ones last, ties in model order.
    assert state == "descending" and order[0] == "C6" and order[-3:] == ["C1", "C4", "C5"]
    assert_clean(watcher, page)


def test_index_sorting(watch: Callable[..., Watcher], base: str) -> None:
    """The index lists every model, grouped by system, with sortable columns."""
    watcher = watch(base)
    page = open_page(watcher, base + "index.html")
    ids = page.locator("table.models tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert sorted(ids) == sorted([PAYMENTS, HOSTILE_ID, EMPTY_ID])
    table = page.locator("table.models", has=page.locator(f"tr[data-id='{PAYMENTS}']"))
    table_id = table.get_attribute("id")
    assert table_id
    assert sort_by(page, table_id, "Threats")[0] == "ascending"
    assert_clean(watcher, page)


# --- links ---------------------------------------------------------------------------------------

LINKS_JS = """() => ({
  ids: Array.from(document.querySelectorAll("[id]")).map(e => e.id)
       .concat(Array.from(document.querySelectorAll("a[name]")).map(e => e.name)),
  links: Array.from(document.querySelectorAll("a[href], link[href], script[src], img[src]"))
         .map(e => ({tag: e.tagName.toLowerCase(),
                     raw: e.getAttribute("href") ?? e.getAttribute("src"),
                     url: e.href instanceof SVGAnimatedString  // a link in an SVG picture
                          ? new URL(e.href.baseVal, document.baseURI).href : e.href || e.src,
                     rel: e.getAttribute("rel") || ""})),
})"""


def _exists(watcher: Watcher, url: str) -> bool:
    if url.startswith("file:"):
        return file_path(url).is_file()
    response = watcher.context.request.get(url, max_redirects=0)
    return response.status == 200


def crawl(watcher: Watcher, base: str, start: str) -> dict[str, Any]:
    """Visit every page of the site reachable from ``start``; check each link on the way.

    Returns the pages visited, the external links seen and every problem found: a
    relative link to nothing, an in-page or cross-page anchor to no element, a link
    written as an absolute or root-relative URL into the site, an external resource."""
    page = watcher.page()
    queue, seen = [start], set()
    anchors: dict[str, set[str]] = {}
    wanted: list[tuple[str, str, str]] = []  # (from page, target page, fragment)
    checked: dict[str, bool] = {}
    external: set[str] = set()
    problems: list[str] = []
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url, wait_until="load")
        if url.startswith("http") and (response is None or response.status != 200):
            problems.append(f"{url}: HTTP {response.status if response else '?'}")
            continue
        found = page.evaluate(LINKS_JS)
        anchors[url] = set(found["ids"])
        for link in found["links"]:
            raw, target = link["raw"], link["url"]
            where = f"{url.removeprefix(base)}: {link['tag']} {raw!r}"
            if (link["tag"], link["rel"]) == ("link", "icon") and re.fullmatch(
                    r"data:image/png;base64,[A-Za-z0-9+/=]+", raw):
                continue  # the inline favicon: part of the page, no request
            if not target.startswith(base):
                if link["tag"] != "a":
                    problems.append(f"{where} loads a resource from outside the site")
                elif not target.startswith(("https:", "http:", "mailto:")):
                    problems.append(f"{where} is neither relative nor http(s)/mailto")
                else:
                    external.add(target)
                    if "noopener" not in link["rel"]:
                        problems.append(f"{where} opens an outside page without rel=noopener")
                continue
            if re.match(r"^[a-z][a-z0-9+.-]*:|^/", raw, flags=re.IGNORECASE):
                problems.append(f"{where} is not a relative link")
            document, _, fragment = target.partition("#")
            if fragment:
                wanted.append((url, document, fragment))
            if document == url:
                continue
            if document.endswith(".html"):
                queue.append(document)
            if document not in checked:
                checked[document] = _exists(watcher, document)
            if not checked[document]:
                problems.append(f"{where} points to nothing")
    for source, document, fragment in wanted:
        if document in anchors and unquote(fragment) not in anchors[document]:
            problems.append(
                f"{source.removeprefix(base)}: #{fragment} not found in {document.removeprefix(base)}"
            )
    return {"pages": sorted(seen), "external": sorted(external), "problems": problems}


def test_every_link_resolves(watch: Callable[..., Watcher], base: str) -> None:
    """From the index, every page of the site is visited: each relative href, stylesheet,
    script and image exists (over HTTP: answers 200 under the sub-path), every #anchor
    names an element of its page, and nothing is loaded from outside the site."""
    watcher = watch(base)
    result = crawl(watcher, base, base + "index.html")
    assert result["problems"] == []
    pages = {p.removeprefix(base) for p in result["pages"]}
    assert {"index.html", "risks.html"} <= pages
    assert {f"models/{m}.html" for m in (PAYMENTS, HOSTILE_ID, EMPTY_ID)} <= pages
    assert watcher.events.problems(allow_csp=True) == []
    # The only outside links are http(s) links the models' Markdown wrote.
    written = {
        url
        for model in MODELS.glob("*.yaml")
        for url in re.findall(r"https?://[^\s)\"'>\]]+", model.read_text(encoding="utf-8"))
    }
    assert result["external"], "the models' Markdown links are missing"
    assert set(result["external"]) <= written


# --- hostile content -------------------------------------------------------------------------------


def poke(page: Page) -> None:
    """Give payloads that wait for a user every chance: hover and focus every element
    that could carry a handler, and type a payload into every filter box."""
    page.evaluate(
        """() => {
          for (const el of document.querySelectorAll("body *")) {
            for (const type of ["mouseover", "mouseenter", "focus", "toggle", "animationstart"]) {
              el.dispatchEvent(new Event(type, {bubbles: true}));
            }
          }
        }"""
    )
    for box in page.locator("input[data-filter-for]").all():
        box.fill("<img src=x onerror=window.__xss='typed'>")
        box.fill("")


@pytest.mark.parametrize(
    "path", ["index.html", "risks.html", "compliance.html", f"models/{HOSTILE_ID}.html"]
)
def test_hostile_model_executes_nothing(
    watch: Callable[..., Watcher], base: str, path: str
) -> None:
    """Every payload of the hostile model stays inert: no script ran (window.__xss unset,
    no dialog), no request left the site, and the DOM holds no event-handler attribute,
    no javascript:/data: link, no frame, form, base or meta refresh, no foreign script.
    Content-Security-Policy refusals in the console are the policy doing its job."""
    watcher = watch(base)
    page = open_page(watcher, base + path)
    poke(page)
    assert_clean(watcher, page, allow_csp=True)


def test_hostile_text_is_shown_as_text(watch: Callable[..., Watcher], base: str) -> None:
    """Escaping keeps the payloads visible as the literal text the model holds (neither
    dropped nor double-escaped), and templates are not evaluated."""
    watcher = watch(base)
    page = open_page(watcher, model_page(base, HOSTILE_ID))
    model = _load(XSS_MODEL)
    text = page.locator("body").inner_text()
    assert page.locator("h1").inner_text() == model["title"]
    assert page.title().startswith(model["title"])
    for entity in ("threats", "controls", "assets", "components"):
        for entry in model[entity]:
            shown = entry.get("title") or entry.get("name")
            assert shown in text, f"{entity} {entry['id']}: {shown!r} not shown verbatim"
    assert "&lt;b&gt;pre-escaped&lt;/b&gt;" in text  # entities in the YAML stay entities
    assert "{{ 7*7 }}" in text and "${7*7}" in text  # shown, not evaluated
    # Markdown in descriptions: the raw HTML is text, the script links are not links.
    description = page.locator(".description").first
    assert "<script>window.__xss='md-script'</script>" in description.inner_text()
    hrefs = page.locator(".description a").evaluate_all("links => links.map(a => a.href)")
    assert all(h.startswith(("http:", "https:", "mailto:")) or h.startswith(base) for h in hrefs)
    assert_clean(watcher, page, allow_csp=True)


def test_hostile_diagram_is_inert(watch: Callable[..., Watcher], base: str) -> None:
    """The data-flow diagram (inline SVG built from hostile names) holds no script, no
    foreignObject, no handler and no outside reference; the names show as text."""
    watcher = watch(base)
    page = open_page(watcher, model_page(base, HOSTILE_ID))
    svg = page.locator("figure.dfd svg")
    assert svg.count() == 1
    found = svg.evaluate(
        """svg => ({
          scripts: svg.querySelectorAll("script, foreignObject, iframe").length,
          refs: Array.from(svg.querySelectorAll("*")).flatMap(e => Array.from(e.attributes))
                .filter(a => /href$/i.test(a.name) && !a.value.startsWith("#")).map(a => a.value),
          text: svg.textContent,
        })"""
    )
    assert found["scripts"] == 0 and found["refs"] == []
    assert "click A call alert(1)" in found["text"]
    assert_clean(watcher, page, allow_csp=True)


def test_detectors_catch_an_escaping_bug(
    watch: Callable[..., Watcher], site: Path, tmp_path: Path
) -> None:
    """The hostile-model checks can fail on this very site: a copy of the hostile page
    whose heading is unescaped (an escaping bug) is caught twice over. With the page's
    policy, the payload is blocked but its handler attribute is in the DOM; without the
    policy, the payload runs and is named."""
    import html
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page_file = copy / "models" / f"{HOSTILE_ID}.html"
    original = page_file.read_text(encoding="utf-8")
    heading = re.search(r"<h1>(.*?)</h1>", original, flags=re.DOTALL)
    assert heading is not None and "&lt;script&gt;" in heading[1]
    broken = original.replace(heading[0], f"<h1>{html.unescape(heading[1])}</h1>", 1)

    page_file.write_text(broken, encoding="utf-8")
    watcher = watch(copy.as_uri() + "/")
    page = open_page(watcher, page_file.as_uri())
    page.wait_for_timeout(100)
    assert any("onerror" in p for p in dom_problems(page))
    assert fired(page) == []  # the policy held

    without_policy = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", broken)
    assert without_policy != broken
    page_file.write_text(without_policy, encoding="utf-8")
    page = open_page(watcher, page_file.as_uri())
    page.wait_for_timeout(100)
    assert "script" in fired(page) and "img" in fired(page)


def test_single_page_report_executes_nothing(
    watch: Callable[..., Watcher], run_cli: Callable[..., Result], project: Path
) -> None:
    """`threatgate render --format html` of the hostile model: one self-contained page
    whose inline script is allowed by its hash; nothing else runs, filtering works."""
    (project / "threatmodels" / "xss.yaml").write_bytes(XSS_MODEL.read_bytes())
    out = project / "report.html"
    result = run_cli("render", "xss-probe", "--format", "html", "--out", str(out), cwd=project)
    assert result.exit_code == 0, result.output
    watcher = watch(out.as_uri())
    page = open_page(watcher, out.as_uri())
    poke(page)
    page.wait_for_timeout(100)
    assert watcher.events.problems(allow_csp=True) == []
    assert fired(page) == [] and dom_problems(page) == []
    assert_strict_csp(page)
    assert count_text(page, "threats-table") == "3 of 3 shown"  # the hashed script ran
    page.locator("#threats-table-filter").fill("AAAA")
    assert visible_ids(page, "threats-table") == ["T3"]


def test_invalid_model_is_listed_as_text(watch: Callable[..., Watcher], base: str) -> None:
    """An invalid model is listed on the index with its problem; the problem quotes the
    hostile id from the file, and it stays text."""
    watcher = watch(base)
    page = open_page(watcher, base + "index.html")
    row = page.locator("#invalid-models tbody tr", has_text="invalid-xss.yaml")
    assert row.count() == 1
    assert "<script>window.__xss='invalid-id'</script>" in row.inner_text()
    poke(page)
    assert_clean(watcher, page, allow_csp=True)


# --- CI's Chromium ------------------------------------------------------------------------------

STUB = """#!/bin/sh
echo "$(basename "$0") $* | CI=${CI:-} DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-}" >> "$STUB_LOG"
"""
FAKE_PYTHON3 = (
    STUB
    + """mkdir -p .venv/bin
printf 'PATH="%s:$PATH"\\n' "$STUB_DIR" > .venv/bin/activate
"""
)


def test_ci_script_installs_chromium_then_runs_the_readme_command(tmp_path: Path) -> None:
    """.ci/run, with apt-get, python3, pip and python replaced by stubs that log their
    arguments: Chromium missing, it updates the package lists once and installs Debian's
    chromium without prompting, then runs the README's test command with CI set."""
    import os
    import subprocess

    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    last = script.rstrip("\n").splitlines()[-1]
    assert last in readme.splitlines(), "the last line of .ci/run is not the README's command"

    clone = tmp_path / "clone"
    (clone / ".ci").mkdir(parents=True)
    (clone / ".ci" / "run").write_text(script, encoding="utf-8")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for name, body in (
        ("apt-get", STUB),
        ("npm", STUB),
        ("pip", STUB),
        ("python", STUB),
        ("python3", FAKE_PYTHON3),
    ):
        (stubs / name).write_text(body, encoding="utf-8")
        (stubs / name).chmod(0o755)
    log = tmp_path / "log"
    env = {
        "PATH": f"{stubs}:{os.environ['PATH']}",
        "STUB_DIR": str(stubs),
        "STUB_LOG": str(log),
        "THREATGATE_CHROMIUM": str(tmp_path / "no-chromium"),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        ["bash", str(clone / ".ci" / "run")],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    mermaid = (f"npm install --prefix {tmp_path}/.cache/threatgate-ci/mermaid --no-audit"
               " --no-fund --loglevel=error mermaid@11 | CI=true DEBIAN_FRONTEND=")
    assert log.read_text(encoding="utf-8").splitlines() == [
        "apt-get update -qq | CI=true DEBIAN_FRONTEND=noninteractive",
        "apt-get install -y -qq --no-install-recommends chromium fonts-liberation"
        " | CI=true DEBIAN_FRONTEND=noninteractive",
        mermaid,
        mermaid.replace("mermaid@11", "axe-core@4").replace("/mermaid ", "/axe "),
        mermaid.replace("mermaid@11", "@microsoft/sarif-multitool-linux@5").replace(
            "/mermaid ", "/sarif "),
        "python3 -m venv .venv | CI=true DEBIAN_FRONTEND=",
        "pip install -e .[test] | CI=true DEBIAN_FRONTEND=",
        "python -m pytest | CI=true DEBIAN_FRONTEND=",
    ]

    # With Chromium present (any executable will do here) and Mermaid named, nothing is
    # installed.
    log.unlink()
    env["THREATGATE_MERMAID_JS"] = str(tmp_path / "mermaid.min.js")
    env["THREATGATE_AXE_JS"] = str(tmp_path / "axe.min.js")
    env["THREATGATE_SARIF_MULTITOOL"] = str(tmp_path / "Sarif.Multitool")
    present = tmp_path / "chromium"
    present.write_text("#!/bin/sh\n", encoding="utf-8")
    present.chmod(0o755)
    env["THREATGATE_CHROMIUM"] = str(present)
    env["CI"] = "1"
    done = subprocess.run(
        ["bash", str(clone / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert [line.split(" | ")[0] for line in log.read_text(encoding="utf-8").splitlines()] == [
        "python3 -m venv .venv",
        "pip install -e .[test]",
        "python -m pytest",
    ]
    assert "CI=1" in log.read_text(encoding="utf-8")  # a runner's own CI value is kept


# --- a large model ---------------------------------------------------------------------------------


def large_model(threats: int, controls: int) -> str:
    """A valid model with many threats and controls (every threat linked to a control)."""
    lines = [
        "threatgate: 1",
        "id: large-model",
        "title: Large model",
        "assets: [{id: A1, name: Data, properties: [confidentiality]}]",
        "attackers: [{id: ATK1, name: Anyone, capability: Sends requests., position: external}]",
        f"objectives: [{{id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C{controls}]]}}]",
        "threats:",
    ]
    statuses = ["planned", "in_progress", "implemented", "not_applicable", "wont_do"]
    lines += [
        f"  - {{id: T{n}, title: Threat number {n} ünïcode, likelihood: {n % 5 + 1},"
        f" impact: {n * 7 % 5 + 1}, objectives: [CO1], mitigations: [C{n % controls + 1}]}}"
        for n in range(1, threats + 1)
    ]
    lines.append("controls:")
    lines += [
        f"  - {{id: C{n}, title: Control number {n}, status: {statuses[n % len(statuses)]}}}"
        for n in range(1, controls + 1)
    ]
    return "\n".join(lines) + "\n"


def test_large_model_page_filters_and_sorts(
    watch: Callable[..., Watcher], run_cli: Callable[..., Result], project: Path
) -> None:
    """A model with 2,000 threats and 400 controls: its page loads cleanly, and filtering
    and sorting work within the usual action timeout."""
    (project / "threatmodels" / "large.yaml").write_text(large_model(2000, 400), encoding="utf-8")
    result = run_cli("site", str(project / "site"), cwd=project)
    assert result.exit_code == 0, result.output
    base = (project / "site").as_uri() + "/"
    watcher = watch(base)
    page = open_page(watcher, model_page(base, "large-model"))
    assert count_text(page, "threats-table") == "2000 of 2000 shown"
    page.locator("#threats-table-filter").fill("number 1999 ")
    assert visible_ids(page, "threats-table") == ["T1999"]
    page.locator("#threats-table-filter").fill("")
    page.select_option("#controls-table-status-filter", "implemented")
    assert count_text(page, "controls-table") == "80 of 400 shown"
    state, order = sort_by(page, "threats-table", "Threat")
    assert state == "ascending" and order[:3] == ["T1", "T2", "T3"] and order[-1] == "T2000"
    assert_clean(watcher, page)


# --- accessibility --------------------------------------------------------------------------

#: axe-core's axe.min.js (.ci/run installs it from npm); the accessibility checks skip
#: without it, except in CI, where they fail.
AXE_JS = os.environ.get("THREATGATE_AXE_JS", "")

AXE_RUN_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} at ` +
                                     v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; "));
}
"""


def axe_source() -> str:
    if not AXE_JS or not Path(AXE_JS).is_file():
        message = "axe-core is not installed: set THREATGATE_AXE_JS to axe.min.js"
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return Path(AXE_JS).read_text(encoding="utf-8")


def axe_violations(browser: Browser, url: str) -> list[str]:
    """axe-core's violations on the page; the page's CSP is bypassed to inject axe only."""
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.add_script_tag(content=axe_source())
        violations: list[str] = page.evaluate(AXE_RUN_JS)
        return violations
    finally:
        context.close()


@pytest.mark.parametrize("path", ["index.html", "risks.html", "compliance.html",
                                  f"models/{PAYMENTS}.html", f"models/{HOSTILE_ID}.html"])
def test_pages_have_no_accessibility_violations(browser: Browser, site: Path,
                                                path: str) -> None:
    assert axe_violations(browser, (site / path).as_uri()) == []


def test_axe_finds_a_violation(browser: Browser, tmp_path: Path) -> None:
    """Two search landmarks with the same name: what the filters had before."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>'
                    '<main><div role="search"><label>a <input></label></div>'
                    '<div role="search"><label>b <input></label></div></main></body></html>',
                    encoding="utf-8")
    assert any(v.startswith("landmark-unique") for v in axe_violations(browser,
                                                                       page.as_uri()))


def test_landmarks_are_labelled_and_the_favicon_is_inline(
        watch: Callable[..., Watcher], base: str) -> None:
    watcher = watch(base)
    page = open_page(watcher, model_page(base, PAYMENTS))
    names = page.locator("[role=search]").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")
    assert len(names) == 2 and len(set(names)) == 2 and all(names), names
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None and icon.startswith("data:image/png;base64,")
    assert_clean(watcher, page)  # no request for /favicon.ico or anything outside
