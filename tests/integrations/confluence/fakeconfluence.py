"""A stand-in of Confluence Cloud (REST v2 under ``/wiki``) or Data Center (REST v1), as the
REST API documents them.

Pages live in memory with their version; a create needs the documented shape (v2:
``spaceId``, ``status``, ``title``, ``body.representation`` + ``value``; v1: ``type``,
``space.key``, ``body.storage``); an update must send the current version + 1 (else 409);
a title is unique in a space (a second create answers 400, as Confluence does). With
``normalise``, stored bodies are rewritten the way Confluence rewrites storage markup, so
that a client comparing bodies byte for byte would update every time. Attachments go
through the v1 ``child/attachment`` endpoint with ``X-Atlassian-Token: no-check``.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from standin import Reply, Seen, StandIn

EMAIL, TOKEN, PAT = "bot@example.com", "confluence-token-SECRET", "confluence-pat-SECRET"
SPACE_KEY, SPACE_ID = "SEC", "98304"
_PAGE = re.compile(r"^/wiki/api/v2/pages/(\d+)$")
_PAGE_ATTACHMENTS = re.compile(r"^/wiki/api/v2/pages/(\d+)/attachments$")
_V1_CONTENT = re.compile(r"^/rest/api/content/(\d+)$")
_ATTACH = re.compile(r"^(?:/wiki)?/rest/api/content/(\d+)/child/attachment$")
_FILENAME = re.compile(rb'filename="([^"]*)"')


def settings(url: str, extra: str = "") -> str:
    """The ``[confluence]`` table of a repository publishing to the stand-in at ``url``."""
    return f'[confluence]\nurl = "{url}"\nspace = "{SPACE_KEY}"\n{extra}'


def error(status: int, message: str) -> Reply:
    return Reply(status, {"errors": [{"status": status, "title": message}]})


class FakeConfluence:
    def __init__(self, cloud: bool = True, normalise: bool = False) -> None:
        self.cloud = cloud
        self.normalise = normalise
        self.pages: dict[str, dict[str, Any]] = {}
        self.attachments: dict[str, dict[str, bytes]] = {}
        self.next_id = 65536
        self.server = StandIn(self.handle)
        self.url = self.server.url

    # --- helpers for the tests ----------------------------------------------------------

    def env(self) -> dict[str, str]:
        if self.cloud:
            return {"CONFLUENCE_EMAIL": EMAIL, "CONFLUENCE_API_TOKEN": TOKEN}
        return {"CONFLUENCE_PAT": PAT}

    def close(self) -> None:
        self.server.close()

    def by_title(self, title: str) -> list[dict[str, Any]]:
        return [p for p in self.pages.values() if p["title"] == title]

    def writes(self) -> int:
        """Requests that changed pages (creates and updates)."""
        return sum(1 for r in self.server.requests
                   if r.method in ("POST", "PUT") and "attachment" not in r.path)

    # --- the service ------------------------------------------------------------------

    def authorised(self, seen: Seen) -> bool:
        header = seen.headers.get("Authorization", "")
        if self.cloud:
            expected = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
            return header == f"Basic {expected}"
        return header == f"Bearer {PAT}"

    def handle(self, seen: Seen) -> Reply:
        if not self.authorised(seen):
            return Reply(401, {"message": "Unauthorized"})
        if _ATTACH.match(seen.path):
            return self.attach(seen, _ATTACH.match(seen.path).group(1))  # type: ignore[union-attr]
        if self.cloud:
            return self.cloud_api(seen)
        return self.v1_api(seen)

    def stored(self, body: str) -> str:
        if not self.normalise:
            return body
        return body.replace('<ac:structured-macro ac:name="anchor">',
                            '<ac:structured-macro ac:name="anchor" ac:schema-version="1">'
                            ).replace("<br />", "<br/>")

    def new_page(self, title: str, body: str, parent: str | None) -> dict[str, Any]:
        page_id = str(self.next_id)
        self.next_id += 1
        page = {"id": page_id, "title": title, "version": 1, "body": self.stored(body),
                "parentId": parent, "spaceId": SPACE_ID}
        self.pages[page_id] = page
        return page

    # Cloud, REST v2 ----------------------------------------------------------------------

    def v2_page(self, page: dict[str, Any], body: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": page["id"], "status": "current", "title": page["title"],
                               "spaceId": page["spaceId"], "parentId": page["parentId"],
                               "version": {"number": page["version"]}}
        if body:
            out["body"] = {"storage": {"representation": "storage", "value": page["body"]}}
        return out

    def cloud_api(self, seen: Seen) -> Reply:
        if seen.method == "GET" and seen.path == "/wiki/api/v2/spaces":
            keys = (seen.param("keys") or "").split(",")
            found = [{"id": SPACE_ID, "key": SPACE_KEY, "name": "Security"}] \
                if SPACE_KEY in keys else []
            return Reply(200, {"results": found, "_links": {}})
        if seen.method == "GET" and seen.path == "/wiki/api/v2/pages":
            if seen.param("space-id") not in (SPACE_ID, None):
                return Reply(200, {"results": [], "_links": {}})
            title = seen.param("title")
            pages = [p for p in self.pages.values() if title is None or p["title"] == title]
            with_body = seen.param("body-format") == "storage"
            return Reply(200, {"results": [self.v2_page(p, with_body) for p in pages],
                               "_links": {}})
        if seen.method == "POST" and seen.path == "/wiki/api/v2/pages":
            return self.v2_create(seen.body)
        match = _PAGE.match(seen.path)
        if match and match.group(1) in self.pages:
            page = self.pages[match.group(1)]
            if seen.method == "GET":
                return Reply(200, self.v2_page(page, seen.param("body-format") == "storage"))
            if seen.method == "PUT":
                return self.update(page, seen.body, v2=True)
        match = _PAGE_ATTACHMENTS.match(seen.path)
        if match and seen.method == "GET" and match.group(1) in self.pages:
            files = self.attachments.get(match.group(1), {})
            name = seen.param("filename")
            return Reply(200, {"results": [{"id": f"att{i}", "title": n}
                                           for i, n in enumerate(files) if name in (None, n)],
                               "_links": {}})
        return error(404, f"no such resource: {seen.method} {seen.path}")

    def v2_create(self, body: Any) -> Reply:
        if not isinstance(body, dict) or body.get("spaceId") != SPACE_ID:
            return error(400, "spaceId is required")
        storage = body.get("body") or {}
        if storage.get("representation") != "storage" or not isinstance(storage.get("value"), str):
            return error(400, "body must be a storage representation")
        if body.get("status") != "current" or not body.get("title"):
            return error(400, "status and title are required")
        if self.by_title(body["title"]):
            return error(400, "A page with this title already exists")
        return Reply(200, self.v2_page(self.new_page(body["title"], storage["value"],
                                                     body.get("parentId")), True))

    def update(self, page: dict[str, Any], body: Any, *, v2: bool) -> Reply:
        version = (body.get("version") or {}).get("number") if isinstance(body, dict) else None
        if version != page["version"] + 1:
            return error(409, f"Version must be incremented: current {page['version']}")
        value = (body["body"].get("value") if v2
                 else (body["body"].get("storage") or {}).get("value"))
        if not isinstance(value, str):
            return error(400, "body is required")
        page.update(version=version, title=body["title"], body=self.stored(value))
        return Reply(200, self.v2_page(page, True) if v2 else self.v1_page(page))

    # Data Center, REST v1 ----------------------------------------------------------------

    def v1_page(self, page: dict[str, Any]) -> dict[str, Any]:
        return {"id": page["id"], "type": "page", "status": "current", "title": page["title"],
                "space": {"key": SPACE_KEY}, "version": {"number": page["version"]},
                "body": {"storage": {"value": page["body"], "representation": "storage"}}}

    def v1_api(self, seen: Seen) -> Reply:
        if seen.method == "GET" and seen.path == f"/rest/api/space/{SPACE_KEY}":
            return Reply(200, {"key": SPACE_KEY, "name": "Security"})
        if seen.method == "GET" and seen.path.startswith("/rest/api/space/"):
            return Reply(404, {"message": "No space with key"})
        if seen.method == "GET" and seen.path == "/rest/api/content":
            title = seen.param("title")
            pages = [p for p in self.pages.values()
                     if seen.param("spaceKey") == SPACE_KEY and p["title"] == title]
            return Reply(200, {"results": [self.v1_page(p) for p in pages], "size": len(pages)})
        if seen.method == "POST" and seen.path == "/rest/api/content":
            body = seen.body
            if (not isinstance(body, dict) or body.get("type") != "page"
                    or (body.get("space") or {}).get("key") != SPACE_KEY):
                return Reply(400, {"message": "type page and space.key are required"})
            if self.by_title(body["title"]):
                return Reply(400, {"message": "A page with this title already exists"})
            value = ((body.get("body") or {}).get("storage") or {}).get("value")
            parent = (body.get("ancestors") or [{}])[0].get("id")
            return Reply(200, self.v1_page(self.new_page(body["title"], value, parent)))
        match = _V1_CONTENT.match(seen.path)
        if match and match.group(1) in self.pages:
            page = self.pages[match.group(1)]
            if seen.method == "GET":
                return Reply(200, self.v1_page(page))
            if seen.method == "PUT":
                return self.update(page, seen.body, v2=False)
        if seen.method == "GET" and _ATTACH.match(seen.path):
            return Reply(200, {"results": []})
        return Reply(404, {"message": f"no such resource: {seen.method} {seen.path}"})

    # Attachments (REST v1 on both) -----------------------------------------------------------

    def attach(self, seen: Seen, page_id: str) -> Reply:
        if page_id not in self.pages:
            return Reply(404, {"message": "No content with id"})
        if seen.method == "GET":
            files = self.attachments.get(page_id, {})
            name = seen.param("filename")
            return Reply(200, {"results": [{"title": n} for n in files if name in (None, n)]})
        if seen.headers.get("X-Atlassian-Token") != "no-check":
            return Reply(403, {"message": "XSRF check failed"})
        raw = seen.body if isinstance(seen.body, bytes) else b""
        name = _FILENAME.search(raw)
        if name is None:
            return Reply(400, {"message": "no file"})
        content = raw.split(b"\r\n\r\n", 1)[-1].rsplit(b"\r\n--", 1)[0]
        self.attachments.setdefault(page_id, {})[name.group(1).decode()] = content
        return Reply(200, {"results": [{"title": name.group(1).decode()}]})
