"""The Jira REST API as push and sync use it: Cloud (v3) or Data Center (v2).

Searches read whole pages with the fields named (never one GET per issue): Cloud's
``GET /rest/api/3/search/jql`` follows ``nextPageToken`` until it is absent (the removed
``/rest/api/3/search`` answers 410), Data Center's ``GET /rest/api/2/search`` advances
``startAt`` until ``total``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from threatgate.integrations.http import HttpClient, ServiceError
from threatgate.integrations.jira.settings import CLOUD, DATA_CENTER

#: Issues per search page: the most both deployments hand out with these fields.
PAGE_SIZE = 100
#: A search never reads more pages than this (a site that pages forever is an error).
MAX_PAGES = 10_000
#: The fields every search asks for.
ISSUE_FIELDS = ("summary", "status", "labels", "description")


@dataclass
class Issue:
    """An issue as a search returns it."""

    id: str
    key: str
    summary: str = ""
    status: str = ""
    #: The status category's key: ``new``, ``indeterminate`` or ``done``.
    category: str = ""
    labels: list[str] = field(default_factory=list)
    #: ADF (a mapping) on Cloud, wiki markup (text) on Data Center, or ``None``.
    description: Any = None

    @property
    def number(self) -> int:
        """The issue's numeric id (its age: lower is older), for a stable choice."""
        return int(self.id) if self.id.isdigit() else 0

    @classmethod
    def from_json(cls, raw: Any) -> Issue:
        if not isinstance(raw, dict) or not raw.get("key"):
            raise ValueError("an issue without a key")
        fields = mapping(raw.get("fields"))
        status = mapping(fields.get("status"))
        category = mapping(status.get("statusCategory"))
        labels = fields.get("labels")
        labels = labels if isinstance(labels, list) else []
        return cls(id=str(raw.get("id", "")), key=str(raw["key"]),
                   summary=str(fields.get("summary") or ""), status=str(status.get("name") or ""),
                   category=str(category.get("key") or ""),
                   labels=[str(label) for label in labels], description=fields.get("description"))


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def detect_deployment(http: HttpClient) -> str:
    """``cloud`` or ``data_center``, as the site's ``serverInfo`` says."""
    info = http.get("/rest/api/2/serverInfo")
    kind = info.get("deploymentType") if isinstance(info, dict) else None
    return CLOUD if str(kind).casefold() == "cloud" else DATA_CENTER


class JiraClient:
    """Jira's REST API over ``http``, in the version of ``deployment``."""

    def __init__(self, http: HttpClient, deployment: str) -> None:
        self.http = http
        self.deployment = deployment
        self.api = "/rest/api/3" if deployment == CLOUD else "/rest/api/2"

    @property
    def cloud(self) -> bool:
        return self.deployment == CLOUD

    def search(self, jql: str) -> Iterator[Issue]:
        """Every issue ``jql`` finds, page by page."""
        pages = self._cloud_pages(jql) if self.cloud else self._data_center_pages(jql)
        for page in pages:
            issues = page.get("issues") if isinstance(page, dict) else None
            if not isinstance(issues, list):
                raise self._malformed("search", "no list of issues")
            for raw in issues:
                try:
                    yield Issue.from_json(raw)
                except ValueError as exc:
                    raise self._malformed("search", str(exc)) from None

    def _cloud_pages(self, jql: str) -> Iterator[Any]:
        params: dict[str, Any] = {"jql": jql, "maxResults": PAGE_SIZE,
                                  "fields": ",".join(ISSUE_FIELDS)}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.http.get(f"{self.api}/search/jql", params)
            yield page
            token = page.get("nextPageToken") if isinstance(page, dict) else None
            if not token or page.get("isLast") is True:
                return
            if token in seen:
                raise self._malformed("search", "the same nextPageToken came back twice")
            seen.add(token)
            params = {**params, "nextPageToken": token}
        raise self._malformed("search", f"more than {MAX_PAGES} pages")

    def _data_center_pages(self, jql: str) -> Iterator[Any]:
        start = 0
        for _ in range(MAX_PAGES):
            page = self.http.get(f"{self.api}/search", {
                "jql": jql, "startAt": start, "maxResults": PAGE_SIZE,
                "fields": ",".join(ISSUE_FIELDS)})
            yield page
            issues = page.get("issues") if isinstance(page, dict) else None
            total = page.get("total") if isinstance(page, dict) else None
            start += len(issues) if isinstance(issues, list) else 0
            if not issues or not isinstance(total, int) or start >= total:
                return
        raise self._malformed("search", f"more than {MAX_PAGES} pages")

    def create(self, fields: dict[str, Any]) -> str:
        """Create an issue (never repeated blindly: see ``OutcomeUnknown``); its key."""
        reply = self.http.post(f"{self.api}/issue", {"fields": fields})
        key = reply.get("key") if isinstance(reply, dict) else None
        if not key:
            raise self._malformed("create", "no key in the reply")
        return str(key)

    def update(self, key: str, fields: dict[str, Any]) -> None:
        self.http.put(f"{self.api}/issue/{quote(key)}", {"fields": fields})

    def issue(self, key: str) -> Issue:
        reply = self.http.get(f"{self.api}/issue/{quote(key)}",
                              {"fields": ",".join(ISSUE_FIELDS)})
        try:
            return Issue.from_json(reply)
        except ValueError as exc:
            raise self._malformed("issue", str(exc)) from None

    def transitions(self, key: str) -> list[dict[str, Any]]:
        """The transitions the issue offers, each with the fields of its screen
        (``expand=transitions.fields``: which are required, their allowed values)."""
        reply = self.http.get(f"{self.api}/issue/{quote(key)}/transitions",
                              {"expand": "transitions.fields"})
        found = reply.get("transitions") if isinstance(reply, dict) else None
        return [t for t in found if isinstance(t, dict)] if isinstance(found, list) else []

    def transition(self, key: str, transition_id: str,
                   fields: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = fields
        self.http.post(f"{self.api}/issue/{quote(key)}/transitions", body)

    def comments(self, key: str) -> list[Any]:
        """The bodies of the issue's latest comments (ADF or text)."""
        reply = self.http.get(f"{self.api}/issue/{quote(key)}/comment",
                              {"maxResults": PAGE_SIZE, "orderBy": "-created"})
        found = reply.get("comments") if isinstance(reply, dict) else None
        return [c.get("body") for c in found or () if isinstance(c, dict)]

    def comment(self, key: str, body: Any) -> None:
        self.http.post(f"{self.api}/issue/{quote(key)}/comment", {"body": body})

    def _malformed(self, what: str, why: str) -> ServiceError:
        return ServiceError(f"Jira {self.http.base_url}: the {what} reply is not what the "
                            f"REST API documents ({why})", status=200)
