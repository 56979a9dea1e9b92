"""Headless Chromium for the static site's browser tests.

Not a test module. tests/output/test_site_browser.py builds its fixtures from these helpers:

* ``chromium_problem`` says why the browser cannot run here (no Chromium, no Playwright);
  the tests skip with that reason locally and fail when ``CI`` is set.
* ``launch`` starts Debian's Chromium through Playwright's ``executable_path`` (Playwright's
  own browser downloads are never used), headless, with a fresh temporary profile.
* ``Watcher`` opens pages in a context that records console errors, uncaught page errors,
  dialogs (``alert``/``confirm``/``prompt``: an XSS that fired) and every request that
  leaves the site, which it aborts.
* ``SiteServer`` serves a folder over HTTP on 127.0.0.1, so the site can be loaded under
  a sub-path (``/repo/site/``) as well as from ``file://``.
* ``DOM_PROBLEMS_JS`` lists what must never be in a rendered page: event-handler
  attributes, ``javascript:``/``vbscript:``/``data:`` URLs (but inert ``data:`` images),
  frames, objects, forms, ``<base>``, meta refreshes and inline scripts carrying a
  payload; ``XSS_TRAP_JS`` records every ``window.__xss`` assignment.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Dialog,
        Page,
        Playwright,
        Request,
        Route,
    )

#: Debian's chromium package; THREATGATE_CHROMIUM points elsewhere (another distribution).
CHROMIUM = Path(os.environ.get("THREATGATE_CHROMIUM", "/usr/bin/chromium"))

#: Quiet, offline, container-friendly: no sandbox (CI runs as root), no GPU, no QUIC, and
#: none of the background traffic (updates, sync, field trials) a fresh profile starts.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
]

#: Per-action timeout (ms): a static page that needs longer is a bug, not a slow machine.
TIMEOUT_MS = 15_000


def in_ci() -> bool:
    """True when the CI environment variable is set to anything but empty/0/false."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_problem() -> str | None:
    """Why the browser tests cannot run on this machine, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        hint = f" (found {found}; set THREATGATE_CHROMIUM)" if found else ""
        return f"Chromium is not installed at {CHROMIUM}{hint} (apt-get install chromium)"
    return None


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless. Playwright gives every launch a new temporary profile
    (user-data dir) and removes it on close, so no state survives from an earlier run."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS, timeout=60_000
    )


# --- watching pages ----------------------------------------------------------------------


@dataclass
class Events:
    """What happened in one browser context."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)

    def problems(self, *, allow_csp: bool = False) -> list[str]:
        """Everything that should not have happened, one line each.

        ``allow_csp`` tolerates console errors that report a Content-Security-Policy
        refusal: on the hostile model they show the policy blocking a payload."""
        console = [
            m for m in self.console_errors if not (allow_csp and "Content Security Policy" in m)
        ]
        return [
            *(f"console error: {m}" for m in console),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"dialog opened: {m}" for m in self.dialogs),
            *(f"request left the site: {m}" for m in self.outside_requests),
            *(f"popup opened: {m}" for m in self.popups),
        ]


class Watcher:
    """A browser context whose pages are watched; requests outside ``allowed`` abort.

    ``allowed`` holds URL prefixes of the site (its ``file://`` folder or its
    ``http://127.0.0.1:PORT/`` root). ``data:`` and ``blob:`` URLs are not network
    requests and never reach the router."""

    def __init__(self, browser: Browser, allowed: tuple[str, ...]) -> None:
        self.allowed = allowed
        self.events = Events()
        self.context: BrowserContext = browser.new_context(
            java_script_enabled=True, service_workers="block", accept_downloads=False
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", self._route)
        self.context.on("page", self._watch)

    def _route(self, route: Route, request: Request) -> None:
        if request.url.startswith(self.allowed):
            route.continue_()
        else:
            self.events.outside_requests.append(request.url)
            route.abort("blockedbyclient")

    def _watch(self, page: Page) -> None:
        page.on("popup", lambda popup: self.events.popups.append(popup.url or "about:blank"))
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.events.page_errors.append(str(error)))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.events.console_errors.append(f"{message.text} ({where})")

    def _dialog(self, dialog: Dialog) -> None:
        self.events.dialogs.append(f"{dialog.type}: {dialog.message}")
        with contextlib.suppress(Exception):  # the page may already be gone
            dialog.dismiss()

    def page(self) -> Page:
        return self.context.new_page()

    def close(self) -> None:
        self.context.close()


# --- serving a folder over HTTP -----------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; logs nothing (pytest would show it as noise)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SiteServer:
    """``root`` over HTTP on 127.0.0.1 (a free port), in a background thread."""

    def __init__(self, root: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        self.origin = f"http://{host!s}:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def serve(root: Path) -> Iterator[SiteServer]:
    server = SiteServer(root)
    try:
        yield server
    finally:
        server.close()


def file_path(url: str) -> Path:
    """The local path of a ``file://`` URL (without query or fragment)."""
    return Path(unquote(urlsplit(url).path))


# --- what a page must never contain ----------------------------------------------------------

#: JavaScript run in the page: returns a list of strings, one per dangerous thing in the
#: DOM (including open shadow roots and same-origin frames' documents).
DOM_PROBLEMS_JS = r"""
() => {
  const problems = [];
  const bad = /^\s*(javascript|vbscript|data)\s*:/i;
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data",
                         "poster", "srcdoc", "background", "ping", "lowsrc"];
  const describe = (el) => {
    const html = el.outerHTML || "";
    return el.tagName.toLowerCase() + " " + html.slice(0, 160);
  };
  const visit = (root) => {
    for (const el of root.querySelectorAll("*")) {
      for (const attr of Array.from(el.attributes)) {
        const name = attr.name.toLowerCase();
        if (name.startsWith("on")) {
          problems.push("event handler attribute " + name + " on " + describe(el));
        }
        if (urlAttributes.includes(name) && bad.test(attr.value)) {
          // data: images are inert (no script runs in an <img>); everything else is not.
          const inertImage = (el.tagName === "IMG" && /^\s*data:image\//i.test(attr.value)
                              && !/svg/i.test(attr.value))
                             || (el.tagName === "LINK" && el.rel === "icon"
                                 && /^data:image\/png;base64,[A-Za-z0-9+\/=]+$/.test(attr.value));
          if (!inertImage) problems.push("dangerous URL in " + name + " of " + describe(el));
        }
        if (name === "style" && /url\s*\(|expression\s*\(/i.test(attr.value)
            && /(javascript|https?:|\/\/)/i.test(attr.value)) {
          problems.push("style attribute loading a URL on " + describe(el));
        }
      }
      const tag = el.tagName.toLowerCase();
      if (["iframe", "frame", "object", "embed", "base", "form", "applet"].includes(tag)) {
        problems.push("unexpected element " + describe(el));
      }
      if (tag === "meta" && (el.getAttribute("http-equiv") || "").toLowerCase() === "refresh") {
        problems.push("meta refresh " + describe(el));
      }
      if (tag === "script" && el.textContent && el.textContent.includes("__xss")) {
        problems.push("inline script carrying a payload " + describe(el));
      }
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return problems;
}
"""

#: Installed in every page before its own scripts: a setter on window.__xss records which
#: payload fired, even if a later payload (or the page) resets it.
XSS_TRAP_JS = r"""
(() => {
  const fired = [];
  Object.defineProperty(window, "__xssFired", { value: fired, writable: false });
  Object.defineProperty(window, "__xss", {
    configurable: false,
    get() { return fired.length ? fired[fired.length - 1] : undefined; },
    set(value) { fired.push(String(value)); },
  });
})();
"""
