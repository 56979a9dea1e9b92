"""scripts/pr_comment.py against a stand-in for the GitHub REST API.

The stand-in is an http.server on 127.0.0.1 (port 0) in a thread, holding the comments
in memory; the script runs as a subprocess with the environment GitHub Actions gives it
and GITHUB_API_URL pointing at the stand-in. Comments have the shape GitHub documents for
``GET /repos/{owner}/{repo}/issues/{n}/comments`` (``id``, ``body``, ``user`` with ``login``,
``id`` and ``type`` "User" or "Bot", ...), listed by ascending id; a comment the script
creates is written by the token's identity (``FakeGitHub.identity``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT, VALID_MODEL, git
from threatgate.output.diff import MARKER
from threatgate.output.escape.markdown import md_comment_cell

SCRIPT = REPO_ROOT / "scripts" / "pr_comment.py"
TOKEN = "ghs_TopSecretToken1234567890abcdefXYZ"
REPO = "octo/shop"
PR = 5


def account(login: str, kind: str = "User", number: int = 1) -> dict[str, Any]:
    """``user`` of an issue comment, as GitHub's REST API returns it."""
    return {"login": login, "id": number, "node_id": f"U_{number}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
            "url": f"https://api.github.com/users/{login}",
            "html_url": f"https://github.com/{login}", "type": kind, "site_admin": False}


BOT = account("github-actions[bot]", "Bot", 41898282)
MALLORY = account("mallory", "User", 666)


@dataclass
class FakeGitHub:
    """In-memory issue comments of one repository, and a log of the requests."""

    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: method -> (status, message): answer every request of that method with an error.
    fail: dict[str, tuple[int, str]] = field(default_factory=dict)
    link_header: bool = True
    #: Who the token comments as: the author of the comments the script creates.
    identity: dict[str, Any] = field(default_factory=lambda: BOT)
    next_id: int = 1000
    url: str = ""

    def add(self, number: int, body: str, user: dict[str, Any] | None = None) -> int:
        self.next_id += 1
        self.comments.setdefault(number, []).append(
            {"id": self.next_id, "node_id": f"IC_{self.next_id}",
             "url": f"https://api.github.com/repos/{REPO}/issues/comments/{self.next_id}",
             "body": body, "user": user or account("someone", number=7),
             "created_at": "2026-01-15T11:00:00Z", "updated_at": "2026-01-15T11:00:00Z",
             "author_association": "CONTRIBUTOR"})
        return self.next_id

    def writes(self) -> list[tuple[str, str]]:
        return [r for r in self.requests if r[0] != "GET"]


def make_handler(state: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def send_json(self, status: int, data: Any, headers: dict[str, str] | None = None
                      ) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(raw)

        def handle_any(self, method: str) -> None:
            parts = urlsplit(self.path)
            state.requests.append((method, self.path))
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length)) if length else None
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self.send_json(401, {"message": "Bad credentials"})
                return
            if method in state.fail:
                status, message = state.fail[method]
                # A server echoing the credentials: the script must still not show them.
                self.send_json(status, {"message": f"{message} (Authorization: "
                                                  f"{self.headers.get('Authorization')})"})
                return
            issue = re.fullmatch(rf"/repos/{REPO}/issues/(\d+)/comments", parts.path)
            single = re.fullmatch(rf"/repos/{REPO}/issues/comments/(\d+)", parts.path)
            if issue and method == "GET":
                self.list_comments(int(issue[1]), parse_qs(parts.query))
            elif issue and method == "POST":
                comment_id = state.add(int(issue[1]), payload["body"], state.identity)
                self.send_json(201, self.public(comment_id))
            elif single and method == "PATCH":
                comment = self.find(int(single[1]))
                if comment is None:
                    self.send_json(404, {"message": "Not Found"})
                    return
                if comment["user"].get("id") != state.identity["id"]:
                    # GitHub: only the author (or a maintainer's token) may edit it.
                    self.send_json(403, {"message": "Resource not accessible by integration"})
                    return
                comment["body"] = payload["body"]
                self.send_json(200, self.public(comment["id"]))
            else:
                self.send_json(404, {"message": "Not Found"})

        def list_comments(self, number: int, query: dict[str, list[str]]) -> None:
            per_page = min(int(query.get("per_page", ["30"])[0]), 100)
            page = int(query.get("page", ["1"])[0])
            everything = state.comments.get(number, [])
            chunk = everything[(page - 1) * per_page: page * per_page]
            headers = {}
            if state.link_header and page * per_page < len(everything):
                headers["Link"] = (f'<{state.url}/repos/{REPO}/issues/{number}/comments'
                                   f'?per_page={per_page}&page={page + 1}>; rel="next"')
            self.send_json(200, chunk, headers)

        def find(self, comment_id: int) -> dict[str, Any] | None:
            for comments in state.comments.values():
                for comment in comments:
                    if comment["id"] == comment_id:
                        return comment
            return None

        def public(self, comment_id: int) -> dict[str, Any]:
            comment = self.find(comment_id)
            assert comment is not None
            return {**comment, "html_url": f"https://github.com/{REPO}/pull/{PR}"
                                           f"#issuecomment-{comment_id}"}

        def do_GET(self) -> None:
            self.handle_any("GET")

        def do_POST(self) -> None:
            self.handle_any("POST")

        def do_PATCH(self) -> None:
            self.handle_any("PATCH")

    return Handler


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    state = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever,
                              kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_script(github: FakeGitHub, tmp_path: Path, body: str | None, *args: str,
               token: str | None = TOKEN, summary: bool = True,
               extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "GITHUB_API_URL": github.url,
           "GITHUB_REPOSITORY": REPO, "PYTHONIOENCODING": "utf-8"}
    if "SYSTEMROOT" in os.environ:
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    if token is not None:
        env["GITHUB_TOKEN"] = token
    if summary:
        env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "summary.md")
    env.update(extra_env or {})
    argv = [sys.executable, str(SCRIPT), *args]
    if "--pr" not in args and "GITHUB_EVENT_PATH" not in env:
        argv += ["--pr", str(PR)]
    if body is not None:
        (tmp_path / "diff.md").write_text(body, encoding="utf-8")
        argv.append(str(tmp_path / "diff.md"))
    done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, encoding="utf-8", timeout=60)
    if token:
        assert token not in done.stdout and token not in done.stderr, "token shown"
    return done


def diff_body(text: str = "no change") -> str:
    return f"{MARKER}\n### Threat model changes\n\n{text}\n"


def test_the_marker_is_the_one_diff_prints() -> None:
    assert load_script().MARKER == MARKER


def test_creates_the_comment_once(github: FakeGitHub, tmp_path: Path) -> None:
    github.add(PR, "LGTM")
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 0, done.stderr
    comments = github.comments[PR]
    assert [c["body"] for c in comments] == ["LGTM", diff_body()]
    assert github.writes() == [("POST", f"/repos/{REPO}/issues/{PR}/comments")]
    assert "created comment" in done.stdout and "#issuecomment-" in done.stdout
    assert not (tmp_path / "summary.md").exists()


def test_second_run_updates_the_same_comment(github: FakeGitHub, tmp_path: Path) -> None:
    assert run_script(github, tmp_path, diff_body("first")).returncode == 0
    (comment,) = github.comments[PR]
    first_id = comment["id"]
    github.add(PR, "a human's comment after the bot's")
    github.requests.clear()
    done = run_script(github, tmp_path, diff_body("second"))
    assert done.returncode == 0, done.stderr
    assert github.writes() == [("PATCH", f"/repos/{REPO}/issues/comments/{first_id}")]
    assert [c["body"] for c in github.comments[PR]] == [
        diff_body("second"), "a human's comment after the bot's"]
    assert "updated comment" in done.stdout


def test_no_request_when_unchanged(github: FakeGitHub, tmp_path: Path) -> None:
    assert run_script(github, tmp_path, diff_body()).returncode == 0
    github.requests.clear()
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 0, done.stderr
    assert github.writes() == []
    assert [m for m, _ in github.requests] == ["GET"]
    assert "up to date" in done.stdout
    assert len(github.comments[PR]) == 1


@pytest.mark.parametrize("link_header", [True, False], ids=["link-header", "short-page"])
def test_finds_the_marker_on_page_two(github: FakeGitHub, tmp_path: Path,
                                      link_header: bool) -> None:
    github.link_header = link_header
    for i in range(120):
        github.add(PR, f"comment {i}")
    marked = github.add(PR, diff_body("old"), BOT)
    for i in range(10):
        github.add(PR, f"later {i}")
    done = run_script(github, tmp_path, diff_body("new"))
    assert done.returncode == 0, done.stderr
    pages = [parse_qs(urlsplit(path).query)["page"] for m, path in github.requests
             if m == "GET"]
    assert pages == [["1"], ["2"]]
    assert all("per_page=100" in path for m, path in github.requests if m == "GET")
    assert github.writes() == [("PATCH", f"/repos/{REPO}/issues/comments/{marked}")]
    assert len(github.comments[PR]) == 131


def test_pagination_stops_at_the_last_page(github: FakeGitHub, tmp_path: Path) -> None:
    github.link_header = False
    for i in range(200):  # two full pages: the third, empty, ends the search
        github.add(PR, f"comment {i}")
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 0, done.stderr
    assert len([m for m, _ in github.requests if m == "GET"]) == 3
    assert github.writes() == [("POST", f"/repos/{REPO}/issues/{PR}/comments")]


@pytest.mark.parametrize("status", [403, 404])
def test_read_only_token_falls_back_to_the_job_summary(github: FakeGitHub, tmp_path: Path,
                                                       status: int) -> None:
    github.fail["POST"] = (status, "Resource not accessible by integration")
    (tmp_path / "summary.md").write_text("## Gate\n", encoding="utf-8")
    done = run_script(github, tmp_path, diff_body("forked"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == "## Gate\n" + diff_body(
        "forked")
    assert len(done.stderr.strip().splitlines()) == 1
    assert f"HTTP {status}" in done.stderr and "job summary" in done.stderr
    assert PR not in github.comments


def test_read_only_token_without_a_summary_file_still_exits_0(github: FakeGitHub,
                                                              tmp_path: Path) -> None:
    github.fail["GET"] = (403, "Forbidden")
    done = run_script(github, tmp_path, diff_body(), summary=False)
    assert done.returncode == 0
    assert "GITHUB_STEP_SUMMARY is not set" in done.stderr


def test_missing_token_falls_back_without_a_request(github: FakeGitHub,
                                                    tmp_path: Path) -> None:
    done = run_script(github, tmp_path, diff_body(), token=None)
    assert done.returncode == 0
    assert github.requests == []
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == diff_body()
    assert "GITHUB_TOKEN is not set" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_server_error_exits_1_without_showing_the_token(github: FakeGitHub, tmp_path: Path,
                                                        method: str) -> None:
    github.fail[method] = (500, "Server Error")
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 1
    assert "500" in done.stderr and "Server Error" in done.stderr
    assert TOKEN not in done.stdout + done.stderr  # the server echoed it
    assert "***" in done.stderr
    assert not (tmp_path / "summary.md").exists()


def test_bad_credentials_are_an_error(github: FakeGitHub, tmp_path: Path) -> None:
    done = run_script(github, tmp_path, diff_body(), token="ghs_wrong")
    assert done.returncode == 1
    assert "401" in done.stderr and "Bad credentials" in done.stderr
    assert "ghs_wrong" not in done.stderr


def test_token_unfit_for_a_header_is_never_echoed(github: FakeGitHub, tmp_path: Path) -> None:
    done = run_script(github, tmp_path, diff_body(), token="ghs_abc\x7fsecretpart")
    assert done.returncode == 2
    assert "secretpart" not in done.stdout + done.stderr
    assert github.requests == []


def test_pr_number_from_the_event_payload(github: FakeGitHub, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "number": 7,
                                 "pull_request": {"number": 7}}), encoding="utf-8")
    done = run_script(github, tmp_path, diff_body(),
                      extra_env={"GITHUB_EVENT_PATH": str(event)})
    assert done.returncode == 0, done.stderr
    assert github.writes() == [("POST", f"/repos/{REPO}/issues/7/comments")]
    assert [c["body"] for c in github.comments[7]] == [diff_body()]


def test_no_pr_number_is_a_usage_error(github: FakeGitHub, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"ref": "refs/heads/main"}), encoding="utf-8")
    done = run_script(github, tmp_path, diff_body(),
                      extra_env={"GITHUB_EVENT_PATH": str(event)})
    assert done.returncode == 2
    assert "pull_request.number" in done.stderr
    assert github.requests == []


def test_long_body_is_truncated_with_a_note(github: FakeGitHub, tmp_path: Path) -> None:
    body = MARKER + "\n" + "".join(f"| row {i} | {'x' * 60} |\n" for i in range(2000))
    assert len(body) > 65_536
    done = run_script(github, tmp_path, body)
    assert done.returncode == 0, done.stderr
    (comment,) = github.comments[PR]
    posted = comment["body"]
    assert len(posted) <= 65_536
    assert posted.startswith(MARKER)
    assert "This comment was cut" in posted and f"{len(body):,}" in posted
    kept = posted[: posted.index("\n\n---\n_This comment was cut")]
    assert body.startswith(kept) and kept.endswith("|")  # cut at a line end
    # The same long body again: nothing to do.
    github.requests.clear()
    assert run_script(github, tmp_path, body).returncode == 0
    assert github.writes() == []


def test_body_from_stdin_without_marker_gets_one(github: FakeGitHub, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "GITHUB_API_URL": github.url,
           "GITHUB_REPOSITORY": REPO, "GITHUB_TOKEN": TOKEN}
    done = subprocess.run([sys.executable, str(SCRIPT), "--pr", str(PR)], env=env,
                          input="plain text\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert github.comments[PR][0]["body"] == f"{MARKER}\nplain text\n"


def test_dry_run_sends_no_write(github: FakeGitHub, tmp_path: Path) -> None:
    marked = github.add(PR, diff_body("old"), BOT)
    done = run_script(github, tmp_path, diff_body("new"), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert github.writes() == []
    assert f"would update comment {marked}" in done.stdout
    assert diff_body("new") in done.stdout
    assert github.comments[PR][0]["body"] == diff_body("old")


def test_dry_run_without_a_token_looks_nothing_up(github: FakeGitHub, tmp_path: Path) -> None:
    done = run_script(github, tmp_path, diff_body(), "--dry-run", token=None)
    assert done.returncode == 0, done.stderr
    assert github.requests == []
    assert "would find the comment" in done.stdout
    assert not (tmp_path / "summary.md").exists()


def test_plain_http_is_refused_for_a_remote_api(github: FakeGitHub, tmp_path: Path) -> None:
    done = run_script(github, tmp_path, diff_body(),
                      extra_env={"GITHUB_API_URL": "http://api.example.com"})
    assert done.returncode == 2
    assert "https" in done.stderr


# --- whose comment ---------------------------------------------------------------------


def load_script() -> Any:
    spec = importlib.util.spec_from_file_location("pr_comment", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("hostile", ["same", "other"])
def test_a_marked_comment_by_someone_else_is_never_edited(github: FakeGitHub, tmp_path: Path,
                                                          hostile: str) -> None:
    """Anyone may post a comment that starts with the marker (even the exact body): the
    script neither edits it nor takes it as up to date; it posts its own."""
    planted = diff_body() if hostile == "same" else diff_body("all clear, merge it")
    theirs = github.add(PR, planted, MALLORY)
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 0, done.stderr
    assert github.writes() == [("POST", f"/repos/{REPO}/issues/{PR}/comments")]
    planted_comment, own_comment = github.comments[PR]
    assert (planted_comment["id"], planted_comment["body"]) == (theirs, planted)
    assert own_comment["body"] == diff_body()
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("pr_comment: ignoring 1 comment(s)")
    assert f"'{theirs}' by 'mallory' ('User')" in line and "github-actions[bot]" in line
    # The next run finds its own comment, and still leaves the planted one alone.
    github.requests.clear()
    done = run_script(github, tmp_path, diff_body("second"))
    assert done.returncode == 0, done.stderr
    mine = github.comments[PR][1]["id"]
    assert github.writes() == [("PATCH", f"/repos/{REPO}/issues/comments/{mine}")]
    assert github.comments[PR][0]["body"] == planted


def test_a_bot_login_needs_a_bot_account(github: FakeGitHub, tmp_path: Path) -> None:
    """The login alone is not trusted for a ``[bot]`` identity: ``user.type`` must say so."""
    github.add(PR, diff_body("old"), account("github-actions[bot]", "User", 9))
    github.add(PR, diff_body("old"), {"login": None, "type": "Bot"})
    github.add(PR, diff_body("old"), {"id": 3})
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 0, done.stderr
    assert github.writes() == [("POST", f"/repos/{REPO}/issues/{PR}/comments")]
    assert "ignoring 3 comment(s)" in done.stderr
    assert "by 'github-actions[bot]' ('User')" in done.stderr
    assert "by 'None' ('Bot')" in done.stderr and "by 'None' ('None')" in done.stderr


def test_the_notice_about_a_hostile_author_stays_one_inert_line(github: FakeGitHub,
                                                                 tmp_path: Path) -> None:
    github.add(PR, diff_body(), account("x\n::error::pwned\x1b[31m" + "y" * 200))
    done = run_script(github, tmp_path, diff_body())
    assert done.returncode == 0, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "\x1b" not in line and "\\n::error::pwned\\x1b[31m" in line
    assert len(line) < 250


def test_the_oldest_of_several_bot_comments_is_updated(github: FakeGitHub,
                                                       tmp_path: Path) -> None:
    first = github.add(PR, diff_body("one"), BOT)
    github.add(PR, diff_body("two"), BOT)
    done = run_script(github, tmp_path, diff_body("three"))
    assert done.returncode == 0, done.stderr
    assert github.writes() == [("PATCH", f"/repos/{REPO}/issues/comments/{first}")]
    assert [c["body"] for c in github.comments[PR]] == [diff_body("three"), diff_body("two")]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_author_is_configurable(github: FakeGitHub, tmp_path: Path, how: str) -> None:
    """A personal or App token comments as another login: --author or the environment."""
    github.identity = account("release-bot", "User", 42)
    github.add(PR, diff_body("planted"), BOT)  # not the configured author: ignored
    ours = github.add(PR, diff_body("old"), account("release-bot", "User", 42))
    # GitHub logins ignore case.
    args = ["--author", "Release-Bot"] if how == "option" else []
    env = {} if how == "option" else {"THREATGATE_COMMENT_AUTHOR": "RELEASE-BOT"}
    done = run_script(github, tmp_path, diff_body("new"), *args, extra_env=env)
    assert done.returncode == 0, done.stderr
    assert github.writes() == [("PATCH", f"/repos/{REPO}/issues/comments/{ours}")]
    assert "by 'github-actions[bot]'" in done.stderr and "release-bot" in done.stderr.lower()
    assert [c["body"] for c in github.comments[PR]] == [diff_body("planted"),
                                                        diff_body("new")]


def test_the_author_option_wins_over_the_environment(github: FakeGitHub,
                                                     tmp_path: Path) -> None:
    github.add(PR, diff_body("old"), BOT)
    done = run_script(github, tmp_path, diff_body("new"), "--author", "github-actions[bot]",
                      extra_env={"THREATGATE_COMMENT_AUTHOR": "someone-else"})
    assert done.returncode == 0, done.stderr
    assert [m for m, _ in github.writes()] == ["PATCH"]


# --- what the body can do --------------------------------------------------------------

HOSTILE_ROW = ("| T1 | @alice and @org/team, see owner/repo#12, GH-3 and #4 "
               "![x](https://evil.example/p.png) [docs](//evil.example/d) "
               "https://evil.example www.evil.example "
               "https://github.com/octo/shop/issues/9 <img src=https://evil.example/i.png> "
               "<https://evil.example> &#64;bob \\@carol <!-- threatgate-diff --> <!-- x |\n"
               "[ref]: https://evil.example/r.png\n")


def live_syntax(posted: str) -> list[str]:
    """What GitHub would act on in the comment, after its first line."""
    rest = posted.split("\n", 1)[1]
    patterns = {
        "mention or e-mail": r"@\\?[A-Za-z0-9_-]",
        "issue reference": r"(?<!&)#[0-9]|(?i:gh)\\?-[0-9]",
        "URL": r"[A-Za-z]+:\\?/\\?/",
        "www autolink": r"(?i)www\\?\.",
        "HTML other than ours": r"<(?!/?(details|summary|br|sub)>)[A-Za-z/!?]",
        "link or image": r"(?<!\\)(?:\\\\)*\](\(|:)",  # a ']' no backslash escapes
        "entity for ASCII": r"&#(6[4-9]|[0-9]{1,2}|1[01][0-9]|12[0-6]);",
    }
    return [name for name, pattern in patterns.items() if re.search(pattern, rest)]


def test_user_text_cannot_notify_link_or_hide_in_the_comment(github: FakeGitHub,
                                                             tmp_path: Path) -> None:
    body = diff_body("| Threat | Why |\n| --- | --- |\n" + HOSTILE_ROW)
    assert len(live_syntax(body)) == 7  # the check sees every kind in the raw text
    done = run_script(github, tmp_path, body)
    assert done.returncode == 0, done.stderr
    (comment,) = github.comments[PR]
    posted = comment["body"]
    assert posted.startswith(MARKER + "\n") and posted.count(MARKER) == 1
    assert posted.count("<!--") == 1
    assert live_syntax(posted) == []
    # It still reads as the text: only zero-width spaces and one escaped '&' were added.
    assert posted.replace("\u200b", "").replace("&amp;#64;", "&#64;") == body
    # Run again: the comment is recognised as up to date.
    github.requests.clear()
    assert run_script(github, tmp_path, body).returncode == 0
    assert github.writes() == []


def test_the_diff_markdown_is_posted_byte_for_byte(github: FakeGitHub, tmp_path: Path) -> None:
    golden = (REPO_ROOT / "tests" / "golden" / "diff" / "regressions.md").read_text("utf-8")
    assert "<details>" in golden and "<br>" in golden and "&lt;" in golden
    for text in (golden, md_table_of_hostile_cells()):
        github.comments.clear()
        done = run_script(github, tmp_path, text)
        assert done.returncode == 0, done.stderr
        assert github.comments[PR][0]["body"] == text


def md_table_of_hostile_cells() -> str:
    """Cells escaped by md_comment_cell are already inert: the script leaves them as is."""
    rows = [f"| {md_comment_cell(line)} |" for line in HOSTILE_ROW.splitlines()]
    return diff_body("| Why |\n| --- |\n" + "\n".join(rows) + "\n<sub>end</sub>")


def test_links_into_the_repository_stay_live(github: FakeGitHub, tmp_path: Path) -> None:
    inside = "https://github.example/octo/shop/blob/main/models/gh-1/www.shop@2.yaml#L3"
    body = diff_body(f"[shop.yaml]({inside}) and {inside}")
    done = run_script(github, tmp_path, body,
                      extra_env={"GITHUB_SERVER_URL": "https://github.example"})
    assert done.returncode == 0, done.stderr
    assert github.comments[PR][0]["body"] == body
    # The same link on github.com, another repository, or a climb out of it is not kept.
    for outside in ("https://github.com/octo/shop/blob/x", "https://github.example/octo/"
                    "shop-evil/x", "https://github.example/octo/shop/../../evil/x"):
        github.comments.clear()
        run_script(github, tmp_path, diff_body(f"[x]({outside})"),
                   extra_env={"GITHUB_SERVER_URL": "https://github.example"})
        assert live_syntax(github.comments[PR][0]["body"]) == [], outside


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="@#:/w.Gg-[]()!\\<>&;a1 |`\n", max_size=60)
       | st.text(max_size=60))
def test_nothing_survives_as_live_syntax(text: str) -> None:
    script = load_script()
    body = f"{MARKER}\n{text}"
    posted = script.inert(body, MARKER, "https://github.com/octo/shop/")
    assert posted.startswith(MARKER) and MARKER not in posted[len(MARKER):]
    assert "<!--" not in posted[len(MARKER):]
    assert live_syntax(posted) == []
    assert posted.replace("\u200b", "") == body or "&" in text


def test_the_real_diff_of_a_hostile_model_is_posted_inert(
        github: FakeGitHub, tmp_path: Path, git_repo: Path,
        run_cli: Callable[..., Result]) -> None:
    """End to end: user text of a model, through ``threatgate diff``, into the comment."""
    hostile = ("@alice @org/team owner/repo#1 GH-2 #3 ![x](https://evil.example/p.png) "
               "[y](//evil.example) www.evil.example <!-- threatgate-diff --> <!-- x")
    models = git_repo / "threatmodels"
    models.mkdir()
    (models / "shop.yaml").write_text(VALID_MODEL, encoding="utf-8")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "base")
    changed = VALID_MODEL.replace("title: Customer data read through SQL injection",
                                  f"title: {json.dumps(hostile)}").replace("impact: 5",
                                                                           "impact: 3")
    assert changed.count(hostile.split()[0]) == 1
    (models / "shop.yaml").write_text(changed, encoding="utf-8")
    git(git_repo, "commit", "-qam", "head")
    result = run_cli("diff", "HEAD~1", "HEAD", "--format", "markdown", cwd=git_repo)
    body = result.output
    assert "alice" in body and body.startswith(MARKER)
    done = run_script(github, tmp_path, body)
    assert done.returncode == 0, done.stderr
    posted = github.comments[PR][0]["body"]
    assert posted.count("<!--") == 1 and live_syntax(posted) == []
    assert posted.replace("\u200b", "") == body
