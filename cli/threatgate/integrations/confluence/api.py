"""The page operations of Confluence Cloud (REST v2) and Data Center (REST v1).

Both give the same :class:`Pages` interface: the space, a page found by its title, a
page read by id, create, update (with ``version.number`` + 1) and the page's attachment.
Attachments go through the REST v1 endpoint on both (v2 has no upload); ``PUT`` there
creates or replaces the file, so sending it again is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from threatgate.integrations.confluence.settings import CLOUD, DATA_CENTER
from threatgate.integrations.http import HttpClient, ServiceError

#: Confluence refuses attachment uploads without this header (its XSRF check).
NO_CHECK = {"X-Atlassian-Token": "no-check"}


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    version: int
    body: str


class Pages(Protocol):
    """What publishing needs from a Confluence site."""

    deployment: str

    def find(self, title: str) -> Page | None: ...

    def read(self, page_id: str) -> Page: ...

    def create(self, title: str, body: str, parent: str | None) -> Page: ...

    def update(self, page: Page, title: str, body: str, message: str) -> Page: ...

    def has_attachment(self, page_id: str, filename: str) -> bool: ...

    def attach(self, page_id: str, filename: str, content: bytes, media_type: str) -> None: ...

    def close(self) -> None: ...


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _version(entry: dict[str, Any]) -> int:
    version = entry.get("version")
    number = version.get("number") if isinstance(version, dict) else None
    return number if isinstance(number, int) else 0


def _storage(entry: dict[str, Any]) -> str:
    body = entry.get("body")
    storage = body.get("storage") if isinstance(body, dict) else None
    return _text(storage.get("value")) if isinstance(storage, dict) else ""


def _page(entry: Any) -> Page:
    if not isinstance(entry, dict) or entry.get("id") in (None, ""):
        raise ServiceError("Confluence answered a page without an id", status=200)
    return Page(str(entry["id"]), _text(entry.get("title")), _version(entry), _storage(entry))


def _results(reply: Any) -> list[Any]:
    results = reply.get("results") if isinstance(reply, dict) else None
    return results if isinstance(results, list) else []


class SpaceNotFound(ServiceError):
    """The configured space key names no space the account can see."""


def wiki_prefix(url: str) -> str:
    """Cloud serves Confluence under ``/wiki``; the setting may name the site or the wiki."""
    return "" if url.rstrip("/").endswith("/wiki") else "/wiki"


class CloudPages:
    """Confluence Cloud: pages through REST v2 (``/wiki/api/v2``), by space id."""

    deployment = CLOUD

    def __init__(self, http: HttpClient, space_key: str, wiki: str) -> None:
        self.http, self.space_key, self.wiki = http, space_key, wiki
        self._space_id: str | None = None

    def space_id(self) -> str:
        if self._space_id is None:
            reply = self.http.get(f"{self.wiki}/api/v2/spaces",
                                  params={"keys": self.space_key, "limit": 1})
            match = [s for s in _results(reply) if isinstance(s, dict) and s.get("id")]
            if not match:
                raise SpaceNotFound(f"Confluence: no space with key {self.space_key!r} "
                                    "(check [confluence] space and the account's access)",
                                    status=404)
            self._space_id = str(match[0]["id"])
        return self._space_id

    def find(self, title: str) -> Page | None:
        reply = self.http.get(f"{self.wiki}/api/v2/pages", params={
            "space-id": self.space_id(), "title": title, "status": "current",
            "body-format": "storage", "limit": 25})
        pages = [_page(p) for p in _results(reply) if isinstance(p, dict)]
        exact = [p for p in pages if p.title == title]
        return min(exact, key=lambda p: p.id) if exact else None

    def read(self, page_id: str) -> Page:
        return _page(self.http.get(f"{self.wiki}/api/v2/pages/{page_id}",
                                   params={"body-format": "storage"}))

    def create(self, title: str, body: str, parent: str | None) -> Page:
        payload: dict[str, Any] = {"spaceId": self.space_id(), "status": "current",
                                   "title": title,
                                   "body": {"representation": "storage", "value": body}}
        if parent:
            payload["parentId"] = parent
        created = _page(self.http.post(f"{self.wiki}/api/v2/pages", payload))
        return Page(created.id, title, created.version or 1, body)

    def update(self, page: Page, title: str, body: str, message: str) -> Page:
        version = page.version + 1
        payload = {"id": page.id, "status": "current", "title": title,
                   "body": {"representation": "storage", "value": body},
                   "version": {"number": version, "message": message}}
        self.http.put(f"{self.wiki}/api/v2/pages/{page.id}", payload)
        return Page(page.id, title, version, body)

    def has_attachment(self, page_id: str, filename: str) -> bool:
        reply = self.http.get(f"{self.wiki}/api/v2/pages/{page_id}/attachments",
                              params={"filename": filename, "limit": 1})
        return any(isinstance(a, dict) and a.get("title") == filename
                   for a in _results(reply))

    def attach(self, page_id: str, filename: str, content: bytes, media_type: str) -> None:
        self.http.upload(f"{self.wiki}/rest/api/content/{page_id}/child/attachment",
                         filename, content, media_type, headers=NO_CHECK)

    def close(self) -> None:
        self.http.close()


class DataCenterPages:
    """Confluence Data Center: pages through REST v1 (``/rest/api/content``), by space key."""

    deployment = DATA_CENTER
    EXPAND = "body.storage,version"

    def __init__(self, http: HttpClient, space_key: str) -> None:
        self.http, self.space_key = http, space_key
        self._checked = False

    def check_space(self) -> None:
        if not self._checked:
            self.http.get(f"/rest/api/space/{self.space_key}")
            self._checked = True

    def find(self, title: str) -> Page | None:
        self.check_space()
        reply = self.http.get("/rest/api/content", params={
            "spaceKey": self.space_key, "title": title, "type": "page", "status": "current",
            "expand": self.EXPAND, "limit": 25})
        pages = [_page(p) for p in _results(reply) if isinstance(p, dict)]
        exact = [p for p in pages if p.title == title]
        return min(exact, key=lambda p: p.id) if exact else None

    def read(self, page_id: str) -> Page:
        return _page(self.http.get(f"/rest/api/content/{page_id}",
                                   params={"expand": self.EXPAND}))

    def create(self, title: str, body: str, parent: str | None) -> Page:
        self.check_space()
        payload: dict[str, Any] = {"type": "page", "title": title,
                                   "space": {"key": self.space_key},
                                   "body": {"storage": {"value": body,
                                                        "representation": "storage"}}}
        if parent:
            payload["ancestors"] = [{"id": parent}]
        created = _page(self.http.post("/rest/api/content", payload))
        return Page(created.id, title, created.version or 1, body)

    def update(self, page: Page, title: str, body: str, message: str) -> Page:
        version = page.version + 1
        payload = {"id": page.id, "type": "page", "title": title,
                   "space": {"key": self.space_key},
                   "body": {"storage": {"value": body, "representation": "storage"}},
                   "version": {"number": version, "message": message}}
        self.http.put(f"/rest/api/content/{page.id}", payload)
        return Page(page.id, title, version, body)

    def has_attachment(self, page_id: str, filename: str) -> bool:
        reply = self.http.get(f"/rest/api/content/{page_id}/child/attachment",
                              params={"filename": filename})
        return any(isinstance(a, dict) and a.get("title") == filename
                   for a in _results(reply))

    def attach(self, page_id: str, filename: str, content: bytes, media_type: str) -> None:
        self.http.upload(f"/rest/api/content/{page_id}/child/attachment", filename, content,
                         media_type, headers=NO_CHECK)

    def close(self) -> None:
        self.http.close()


def open_pages(http: HttpClient, space_key: str, deployment: str | None) -> Pages:
    """The pages of the configured site: the deployment given, or Cloud when the site
    answers REST v2 and Data Center when v2 is absent (404)."""
    cloud = CloudPages(http, space_key, wiki_prefix(http.base_url))
    if deployment == DATA_CENTER:
        return DataCenterPages(http, space_key)
    if deployment == CLOUD:
        return cloud
    try:
        cloud.space_id()
    except SpaceNotFound:
        raise
    except ServiceError as exc:
        if exc.status != 404:
            raise
        return DataCenterPages(http, space_key)
    return cloud
