"""A stand-in of Jira Cloud (REST v3) or Data Center (REST v2), as the REST API documents it.

It keeps issues in memory, checks the credentials, pages searches (Cloud: ``GET
/rest/api/3/search/jql`` with ``nextPageToken``, the removed ``/rest/api/3/search``
answering 410; Data Center: ``GET /rest/api/2/search`` with ``startAt``), checks that
created issues have the documented shape (an ADF document on v3, text on v2), and offers a
To Do -> In Progress -> Done / Won't Do workflow. Faults are injected through
``self.server.inject`` (:mod:`standin`).
"""

from __future__ import annotations

import base64
import re
from typing import Any

from standin import Reply, Seen, StandIn

EMAIL, TOKEN, PAT = "bot@example.com", "cloud-token-SECRET", "dc-pat-SECRET"
PROJECT = "SEC"
STATUSES = {"To Do": "new", "In Progress": "indeterminate", "Done": "done",
            "Won't Do": "done", "Blocked": "indeterminate"}
TRANSITIONS = [("11", "Start progress", "In Progress"), ("21", "Resolve", "Done"),
               ("31", "Won't Do", "Won't Do"), ("41", "Reopen", "To Do")]
MAX_PAGE = 100
_LABELS = re.compile(r'labels\s+in\s+\(([^)]*)\)|labels\s*=\s*("(?:[^"\\]|\\.)*")')
_PROJECT = re.compile(r'project\s*=\s*"?([A-Za-z0-9_]+)"?')
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def error(status: int, *messages: str, **fields: str) -> Reply:
    return Reply(status, {"errorMessages": list(messages), "errors": fields})


def adf_problem(node: Any) -> str | None:
    """Why ``node`` is not an ADF document a Jira Cloud would take, or None."""
    if not isinstance(node, dict) or node.get("type") != "doc" or node.get("version") != 1:
        return "description: Operation value must be an Atlassian Document"
    pending = list(node.get("content") or [])
    while pending:
        item = pending.pop()
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            return "description: malformed ADF node"
        if item["type"] == "text" and not item.get("text"):
            return "description: ADF text nodes must not be empty"
        pending.extend(item.get("content") or [])
    return None


class FakeJira:
    def __init__(self, cloud: bool = True) -> None:
        self.cloud = cloud
        self.api = "/rest/api/3" if cloud else "/rest/api/2"
        self.issues: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, list[Any]] = {}
        self.next_id = 10000
        #: Transition id -> the fields of its screen, as ``expand=transitions.fields``
        #: shows them (``required``, ``hasDefaultValue``, ``allowedValues``...).
        self.screens: dict[str, dict[str, Any]] = {}
        self.server = StandIn(self.handle)
        self.url = self.server.url

    # --- helpers for the tests ----------------------------------------------------------

    def env(self) -> dict[str, str]:
        return {"JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN} if self.cloud else {"JIRA_PAT": PAT}

    def add_issue(self, labels: list[str], status: str = "To Do", summary: str = "s") -> str:
        self.next_id += 1
        key = f"{PROJECT}-{self.next_id - 10000}"
        self.issues[key] = {"id": str(self.next_id), "key": key, "summary": summary,
                            "labels": labels, "status": status,
                            "description": None, "project": PROJECT}
        return key

    def by_label(self, label: str) -> list[str]:
        return [k for k, i in self.issues.items() if label in i["labels"]]

    def close(self) -> None:
        self.server.close()

    # --- the REST API -------------------------------------------------------------------

    def authorised(self, seen: Seen) -> bool:
        header = seen.headers.get("Authorization", "")
        if self.cloud:
            return header == "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        return header == f"Bearer {PAT}"

    def handle(self, seen: Seen) -> Reply:
        if seen.path == "/rest/api/2/serverInfo":
            return Reply(200, {"baseUrl": self.url, "version": "1001.0.0" if self.cloud else
                               "9.12.0", "deploymentType": "Cloud" if self.cloud else "Server"})
        if not self.authorised(seen):
            return error(401, "You are not authenticated. Authentication required.")
        if seen.path in ("/rest/api/3/search", "/rest/api/2/search") and self.cloud:
            return error(410, "The requested API has been removed. Please migrate to the "
                              "/rest/api/3/search/jql API.")
        if not seen.path.startswith(self.api + "/"):
            return error(404, "Not found")
        route = seen.path[len(self.api):]
        if route == ("/search/jql" if self.cloud else "/search"):
            return self.search(seen)
        if route == "/issue" and seen.method == "POST":
            return self.create(seen.body)
        match = re.fullmatch(r"/issue/([A-Z]+-\d+)(/transitions|/comment)?", route)
        if not match or match.group(1) not in self.issues:
            return error(404, "Issue does not exist or you do not have permission to see it.")
        return self.issue_route(seen, match.group(1), match.group(2) or "")

    def screen_problems(self, transition: str, given: dict[str, Any]) -> dict[str, str]:
        """What Jira answers when a transition's screen is not filled: a required field
        missing, or a value it does not allow (by id or name)."""
        problems = {}
        for key, meta in self.screens.get(transition, {}).items():
            value = given.get(key)
            if value is None:
                if meta.get("required") and not meta.get("hasDefaultValue"):
                    problems[key] = f"{meta.get('name', key)} is required."
                continue
            allowed = meta.get("allowedValues")
            if allowed is not None and not any(
                    isinstance(value, dict) and (value.get("id") == a.get("id")
                                                 or value.get("name") == a.get("name"))
                    for a in allowed):
                problems[key] = f"Could not find valid '{key}' for the value given."
        return problems

    def issue_route(self, seen: Seen, key: str, sub: str) -> Reply:
        issue = self.issues[key]
        if sub == "" and seen.method == "GET":
            return Reply(200, self.render(issue, ["summary", "status", "labels", "description"]))
        if sub == "" and seen.method == "PUT":
            fields = (seen.body or {}).get("fields", {})
            problem = self.description_problem(fields.get("description"))
            if problem:
                return error(400, description=problem)
            issue.update({k: v for k, v in fields.items() if k in ("summary", "description")})
            return Reply(204)
        if sub == "/transitions" and seen.method == "GET":
            expand = "transitions.fields" in (seen.param("expand") or "").split(",")
            return Reply(200, {"transitions": [
                {"id": tid, "name": name, "to": {"name": to, "statusCategory": {
                    "key": STATUSES[to]}},
                 **({"fields": self.screens.get(tid, {})} if expand else {})}
                for tid, name, to in TRANSITIONS if to != issue["status"]]})
        if sub == "/transitions" and seen.method == "POST":
            wanted = ((seen.body or {}).get("transition") or {}).get("id")
            found = [to for tid, _, to in TRANSITIONS if tid == wanted and to != issue["status"]]
            if not found:
                return error(400, f"Transition id '{wanted}' is not valid for this issue.")
            problems = self.screen_problems(str(wanted), (seen.body or {}).get("fields") or {})
            if problems:
                return error(400, **problems)
            issue["status"] = found[0]
            return Reply(204)
        if sub == "/comment" and seen.method == "POST":
            body = (seen.body or {}).get("body")
            if adf_problem(body) if self.cloud else not isinstance(body, str):
                return error(400, "Comment body is not valid.")
            self.comments.setdefault(key, []).append(body)
            return Reply(201, {"id": str(len(self.comments[key])), "body": body})
        if sub == "/comment" and seen.method == "GET":
            listed = [{"id": str(i), "body": b} for i, b in enumerate(self.comments.get(key, []))]
            return Reply(200, {"comments": listed, "total": len(listed), "startAt": 0,
                               "maxResults": MAX_PAGE})
        return error(405, "Method not allowed")

    def description_problem(self, description: Any) -> str | None:
        if description is None:
            return None
        if self.cloud:
            return adf_problem(description)
        return None if isinstance(description, str) else "description: must be text (wiki markup)"

    def create(self, body: Any) -> Reply:
        fields = (body or {}).get("fields") or {}
        if (fields.get("project") or {}).get("key") != PROJECT:
            return error(400, project="valid project is required")
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary or "\n" in summary or len(summary) > 255:
            return error(400, summary="Summary must be one line of at most 255 characters.")
        if not (fields.get("issuetype") or {}).get("name"):
            return error(400, issuetype="Specify an issue type")
        labels = fields.get("labels") or []
        if any(not isinstance(label, str) or " " in label for label in labels):
            return error(400, labels="Labels cannot contain spaces")
        problem = self.description_problem(fields.get("description"))
        if problem:
            return error(400, description=problem)
        key = self.add_issue(list(labels), summary=summary)
        self.issues[key]["description"] = fields.get("description")
        self.issues[key]["parent"] = (fields.get("parent") or {}).get("key")
        issue = self.issues[key]
        return Reply(201, {"id": issue["id"], "key": key, "self": f"{self.url}/issue/{key}"})

    def matching(self, jql: str) -> list[dict[str, Any]] | None:
        project = _PROJECT.search(jql)
        labels_clause = _LABELS.search(jql)
        if not project or not labels_clause:
            return None
        text = labels_clause.group(1) or labels_clause.group(2)
        wanted = {m.group(1).replace('\\"', '"').casefold() for m in _STRING.finditer(text)}
        return [i for i in self.issues.values() if i["project"] == project.group(1)
                and wanted & {label.casefold() for label in i["labels"]}]

    def search(self, seen: Seen) -> Reply:
        jql = seen.param("jql") or ""
        found = self.matching(jql)
        if found is None:
            return error(400, f"Error in the JQL Query: {jql!r} is not understood here.")
        fields = (seen.param("fields") or "").split(",")
        size = min(int(seen.param("maxResults") or 50), MAX_PAGE)
        if self.cloud:
            token = seen.param("nextPageToken")
            start = int(base64.b64decode(token).decode()) if token else 0
            page = found[start:start + size]
            reply: dict[str, Any] = {"issues": [self.render(i, fields) for i in page],
                                     "isLast": start + size >= len(found)}
            if start + size < len(found):
                reply["nextPageToken"] = base64.b64encode(str(start + size).encode()).decode()
            return Reply(200, reply)
        start = int(seen.param("startAt") or 0)
        page = found[start:start + size]
        return Reply(200, {"startAt": start, "maxResults": size, "total": len(found),
                           "issues": [self.render(i, fields) for i in page]})

    def render(self, issue: dict[str, Any], fields: list[str]) -> dict[str, Any]:
        status = issue["status"]
        every = {"summary": issue["summary"], "labels": issue["labels"],
                 "description": issue["description"],
                 "status": {"name": status, "statusCategory": {
                     "key": STATUSES[status], "name": status}}}
        return {"id": issue["id"], "key": issue["key"], "self": f"{self.url}/{issue['key']}",
                "fields": {name: every[name] for name in fields if name in every}}
