"""The static site in a real browser: headless Chromium driven by Playwright.

One browser serves the whole module (started once per session). Every page is opened in
a context that records console errors, page errors, dialogs and requests leaving the
site (tests/browser_support.py). The tests skip with the reason when Chromium or
Playwright is missing on a developer's machine, and fail instead when ``CI`` is set, so
CI can never pass without having run them (``.ci/run`` installs Debian's chromium).

The hostile model (tests/cases/site/threatmodels/xss.yaml) carries cross-site scripting
payloads in every free-text field; each payload sets ``window.__xss`` or opens a dialog
when it runs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result

from browser_support import (
    DOM_PROBLEMS_JS,
    XSS_TRAP_JS,
    Watcher,
    chromium_problem,
    in_ci,
    launch,
    serve,
)
from conftest import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CASES = Path(__file__).parent / "cases" / "site"
MODELS = CASES / "threatmodels"
XSS_MODEL = MODELS / "xss.yaml"
SCHEMAS = REPO_ROOT / "schemas"

# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """One headless Chromium for every test of the session."""
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
    """Event-handler attributes, script URLs and foreign elements are reported even when
    they have not fired (JavaScript disabled here, so nothing runs)."""
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
