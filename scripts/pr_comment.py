#!/usr/bin/env python3
"""Post or update one pull-request comment with the Markdown of ``threatgate diff``.

Usage::

    threatgate diff "origin/$BASE_REF" HEAD --format markdown > threatgate-diff.md
    python scripts/pr_comment.py threatgate-diff.md          # or: ... | pr_comment.py
    python scripts/pr_comment.py --pr 42 --dry-run threatgate-diff.md

Arguments and options:

    FILE            the comment body (Markdown); "-" or nothing reads standard input
    --pr N          the pull request number; default: ``pull_request.number`` of the
                    event payload at $GITHUB_EVENT_PATH
    --marker TEXT   the hidden line that identifies the comment (default
                    ``<!-- threatgate-diff -->``, the first line of the diff's Markdown;
                    it is put in front of a body that does not start with it)
    --author LOGIN  the login the token comments as (default: $THREATGATE_COMMENT_AUTHOR,
                    else ``github-actions[bot]``, the identity of ``github.token``); give
                    it when the token is a personal or GitHub App token
    --dry-run       say what would be done; only reads (GET) are sent, and only with a token

Environment (what GitHub Actions sets; give the token through ``env:``)::

    GITHUB_TOKEN         a token that may comment (``permissions: pull-requests: write``)
    GITHUB_REPOSITORY    owner/name
    GITHUB_EVENT_PATH    the event payload, for the pull request number
    GITHUB_API_URL       default https://api.github.com
    GITHUB_SERVER_URL    default https://github.com, for links into the repository
    THREATGATE_COMMENT_AUTHOR  the default of --author
    GITHUB_STEP_SUMMARY  the job summary file, for the fallback below

The comment is the oldest of the pull request's comments (every page of
``GET /repos/{repo}/issues/{n}/comments``, in GitHub's order: ascending id) that starts
with the marker and was written by the author: ``user.login`` equal to LOGIN (GitHub
logins ignore case) and, for a ``...[bot]`` login, ``user.type`` "Bot". A marked comment
by anyone else is never edited nor taken as up to date: it is named in a notice on
standard error and ignored; later marked comments of the author are left alone. The
comment is updated in place when its text differs, left alone (no write request) when
it is the same, and created otherwise, so running the script again on every push keeps
a single comment up to date.

The body is made inert before it is posted (user text from the models reaches it):
after the marker, which stays the first line, a zero-width space (invisible once
rendered) is put after the ``@`` of a mention, the ``#`` or ``GH-`` of an issue
reference, the ``:`` of ``scheme://``, ``www``, the ``<`` of any HTML but the tags the
diff writes (``details``, ``summary``, ``br``, ``sub``, ...; so ``<!--`` and a second
marker), and the ``]`` of a link, an image or a link definition. URLs and links into the
repository (``$GITHUB_SERVER_URL/owner/name/...``, except its issues, pull requests and
discussions, which would notify) stay live. A character reference that decodes to ASCII
punctuation or a letter (``&#64;``) is shown as written. The rest is left byte for byte.

Pull requests from forks get a read-only token: when there is no token, or GitHub answers
403 or 404, the body is appended to $GITHUB_STEP_SUMMARY (when set), a one-line notice
goes to standard error, and the script exits 0. A body over GitHub's limit of 65,536
characters is cut, with a note saying so. Requests time out after 10 seconds and
redirects are not followed. The token is never printed: every message is scrubbed of it.

Exit status: 0 comment created, updated or unchanged, or the fallback above; 1 any other
HTTP or network error; 2 usage error (no repository or pull request number, unreadable
body).

Standard library only: it runs on the runner's Python without installing anything.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

MARKER = "<!-- threatgate-diff -->"
#: GitHub refuses issue comments longer than this (in characters).
MAX_BODY = 65_536
TIMEOUT = 10.0
PER_PAGE = 100
#: 100 pages of 100 comments: stop there rather than loop on a misbehaving server.
MAX_PAGES = 100
DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
#: The login of ``github.token``, the identity a workflow comments as by default.
DEFAULT_AUTHOR = "github-actions[bot]"
AUTHOR_ENV = "THREATGATE_COMMENT_AUTHOR"
USER_AGENT = "threatgate-pr-comment"
PROG = "pr_comment"
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_LINK_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class UsageError(Exception):
    """Bad arguments or environment: exit 2."""


class ApiError(Exception):
    """GitHub answered with an error status, or could not be reached."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Secret:
    """Removes the token from any text before it is shown."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def add(self, value: str) -> None:
        if value:
            self.values.append(value)

    def scrub(self, text: object) -> str:
        shown = str(text)
        for value in self.values:
            shown = shown.replace(value, "***")
        return shown


SECRET = _Secret()


def notice(message: str) -> None:
    print(f"{PROG}: {SECRET.scrub(message)}", file=sys.stderr)


def say(message: str) -> None:
    text = SECRET.scrub(message)
    print(text, end="" if text.endswith("\n") else "\n")


def _excepthook(kind: type[BaseException], value: BaseException,
                tb: TracebackType | None) -> None:
    """A bug still shows its traceback, without the token."""
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(SECRET.scrub(text))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the token to wherever it points: refuse it."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


# --- input -----------------------------------------------------------------------------


def read_body(source: str | None) -> str:
    try:
        if source in (None, "-"):
            text = sys.stdin.read()
        else:
            text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the comment body: {exc}") from None
    if not text.strip():
        raise UsageError("the comment body is empty")
    return text


def with_marker(body: str, marker: str) -> str:
    return body if body.lstrip().startswith(marker) else f"{marker}\n{body}"


def truncate(body: str, limit: int = MAX_BODY) -> str:
    """Cut *body* to at most *limit* characters, at a line end when one is near."""
    if len(body) <= limit:
        return body
    note = (f"\n\n---\n_This comment was cut: the full text has {len(body):,} characters, "
            f"over GitHub's limit of {limit:,}. Run the command locally to see all of it._\n")
    room = limit - len(note)
    cut = body.rfind("\n", 0, room)
    if cut < room // 2:
        cut = room
    return body[:cut] + note


# --- making the body inert ------------------------------------------------------------

#: Invisible once rendered; put after the character that starts GitHub syntax, it breaks it.
ZWSP = "\u200b"
#: The HTML the diff's Markdown writes; any other ``<`` that could start HTML is broken.
_HTML_START = re.compile(r"<(?!/?(?:details|summary|br|sub|sup|b|i|em|strong|code|kbd|p|hr)"
                         r"\b[^<>]*>)(?=[A-Za-z/!?])", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
_HARMLESS_ASCII = {"&", "<", ">", '"', "'"}
#: A mention, an issue reference (``#1``, ``owner/repo#1``, ``GH-1``; not ``&#1;``, an
#: entity), ``www.``; a backslash escape does not hide them, GitHub reads the rendered text.
_NOTIFYING = re.compile(r"@(?=\\?[A-Za-z0-9_-])|(?<!(?<!\\)&)#(?=[0-9])|(?i:gh)\\?-(?=[0-9])"
                        r"|(?i:www)(?=\\?\.)")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?=\\?/\\?/)|:(?=\\?/\\?/)")
#: The ``]`` that closes a link or image text, or a link definition's label (not ``\]``).
_LINK = re.compile(r"(?<!(?<!\\)\\)\](?=\(|:)")
_REFERENCE_PAGES = ("issues", "pull", "pulls", "discussions")


def _in_repository(text: str, repo_url: str | None) -> bool:
    """Whether *text* starts with a URL into the repository that notifies nobody."""
    if repo_url is None:
        return False
    url = re.match(r"<?\s*([^\s<>()\"']*)", text)
    address = url[1] if url else ""
    if not address.lower().startswith(repo_url.lower()) or "\\" in address \
            or re.search(r"\.\.|%2e", address, re.IGNORECASE):
        return False
    return address[len(repo_url):].split("/", 1)[0].lower() not in _REFERENCE_PAGES


def _shown_entity(found: re.Match[str]) -> str:
    char = html.unescape(found[0])
    if char == found[0] or not char.isascii() or char in _HARMLESS_ASCII:
        return found[0]
    return "&amp;" + found[0][1:]


def _url(found: re.Match[str], repo_url: str | None) -> str:
    """A ``scheme:`` before ``//``, broken unless it starts a URL into the repository."""
    kept = _in_repository(found.string[found.start():], repo_url)
    return found[0] if kept else found[0] + ZWSP


def _link(found: re.Match[str], repo_url: str | None) -> str:
    """A ``]`` before ``(`` or ``:``, broken unless the destination is in the repository."""
    kept = _in_repository(found.string[found.end() + 1:].lstrip(), repo_url)
    return found[0] if kept else found[0] + ZWSP


def inert(body: str, marker: str, repo_url: str | None) -> str:
    """*body* with no live mention, issue reference, off-repository link or image, HTML
    comment or second *marker* after the first (see the module's docstring)."""
    start = len(body) - len(body.lstrip())
    head = start + len(marker) if body[start:].startswith(marker) else 0
    rest = body[head:].replace(marker, marker[0] + ZWSP + marker[1:])
    rest = _ENTITY.sub(_shown_entity, rest)
    rest = _HTML_START.sub("<" + ZWSP, rest)
    rest = _NOTIFYING.sub(lambda found: found[0] + ZWSP, rest)
    rest = _URL.sub(lambda found: _url(found, repo_url), rest)
    rest = _LINK.sub(lambda found: _link(found, repo_url), rest)
    return body[:head] + rest


def pr_number(option: int | None) -> int:
    if option is not None:
        if option <= 0:
            raise UsageError("--pr must be a positive number")
        return option
    path = os.environ.get("GITHUB_EVENT_PATH", "")
    if not path:
        raise UsageError("no pull request number: pass --pr N or run on a pull_request "
                         "event (GITHUB_EVENT_PATH)")
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read the event payload {path}: {exc}") from None
    number = (event.get("pull_request") or {}).get("number") if isinstance(event, dict) \
        else None
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise UsageError("the event payload has no pull_request.number: pass --pr N")
    return number


def api_base() -> str:
    url = os.environ.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"GITHUB_API_URL is not an http(s) URL: {url}")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise UsageError("GITHUB_API_URL must use https (http only for localhost)")
    return url.rstrip("/")


def repository() -> str:
    repo = os.environ.get("GITHUB_REPOSITORY", "").strip()
    if not _REPOSITORY.fullmatch(repo):
        raise UsageError("GITHUB_REPOSITORY must be set to owner/name")
    return repo


def repository_url() -> str | None:
    """``$GITHUB_SERVER_URL/owner/name/``: links under it stay live in the comment."""
    repo = os.environ.get("GITHUB_REPOSITORY", "").strip()
    server = os.environ.get("GITHUB_SERVER_URL", "").strip() or DEFAULT_SERVER_URL
    if not _REPOSITORY.fullmatch(repo) or not server.startswith("https://"):
        return None
    return f"{server.rstrip('/')}/{repo}/"


def read_token() -> str:
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    SECRET.add(token)
    if token and not all(33 <= ord(c) < 127 for c in token):
        # http.client would put the header, token included, in its exception.
        raise UsageError("GITHUB_TOKEN contains characters that cannot go in a header")
    return token


# --- GitHub ----------------------------------------------------------------------------


def _same_origin(url: str, base: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


class GitHub:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def request(self, method: str, url: str,
                payload: dict[str, Any] | None = None) -> tuple[Any, dict[str, str]]:
        """Send one request; return the decoded JSON and the response headers."""
        if not url.startswith(("http://", "https://")):
            url = self.base + url
        if not _same_origin(url, self.base):
            raise ApiError(f"refusing to send the token to another host: {url}")
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json; charset=utf-8")
        where = f"{method} {urllib.parse.urlsplit(url).path}"
        try:
            with _OPENER.open(request, timeout=TIMEOUT) as response:
                raw = response.read()
                headers = {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as exc:
            status = exc.code
            message = _error_message(exc)
            exc.close()
            raise ApiError(f"HTTP {status} on {where}: {message}", status) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise ApiError(f"{where} failed: {type(exc).__name__}: {reason}") from None
        try:
            decoded = json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, ValueError):
            raise ApiError(f"{where}: the answer is not JSON") from None
        return decoded, headers

    def find_comment(self, repo: str, number: int, marker: str, author: str
                     ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The oldest comment of the pull request that starts with *marker* and that
        *author* wrote, and the marked comments by others seen before it."""
        url: str | None = (f"/repos/{repo}/issues/{number}/comments"
                           f"?per_page={PER_PAGE}&page=1")
        others: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            if url is None:
                return None, others
            comments, headers = self.request("GET", url)
            if not isinstance(comments, list):
                raise ApiError(f"GET comments page {page}: expected a list")
            for comment in comments:
                if not (isinstance(comment, dict)
                        and str(comment.get("body") or "").lstrip().startswith(marker)):
                    continue
                if written_by(comment, author):
                    return comment, others
                others.append(comment)
            link = headers.get("link")
            if link is not None:
                found = _LINK_NEXT.search(link)
                url = found[1] if found else None
            elif len(comments) >= PER_PAGE:
                url = (f"/repos/{repo}/issues/{number}/comments"
                       f"?per_page={PER_PAGE}&page={page + 1}")
            else:
                url = None
        if url is None:
            return None, others
        raise ApiError(f"more than {MAX_PAGES} pages of comments: giving up")


def written_by(comment: dict[str, Any], author: str) -> bool:
    """Whether GitHub says *author* wrote *comment*: ``user.login`` (logins ignore case)
    and, for a ``[bot]`` login, ``user.type`` "Bot" (an account, not a name, is checked)."""
    login = login_of(comment)
    if not isinstance(login, str) or login.casefold() != author.casefold():
        return False
    return not author.casefold().endswith("[bot]") or kind_of(comment) == "Bot"


def login_of(comment: dict[str, Any]) -> object:
    user = comment.get("user")
    return user.get("login") if isinstance(user, dict) else None


def kind_of(comment: dict[str, Any]) -> object:
    user = comment.get("user")
    return user.get("type") if isinstance(user, dict) else None


def shown(value: object, limit: int = 60) -> str:
    """A text from the API, quoted on one printable line (escaped, cut) for a notice."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return f"'{text if len(text) <= limit else text[: limit - 1] + chr(0x2026)}'"


def ignored_notice(others: list[dict[str, Any]], author: str) -> str:
    """One line naming the marked comments that *author* did not write (at most five)."""
    named = ", ".join(f"{shown(c.get('id'))} by {shown(login_of(c))} ({shown(kind_of(c))})"
                      for c in others[:5])
    more = f" and {len(others) - 5} more" if len(others) > 5 else ""
    return (f"ignoring {len(others)} comment(s) with the marker not written by "
            f"{shown(author)}: {named}{more}")


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read(4096)
    except (OSError, http.client.HTTPException):
        raw = b""
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("message"):
        text = str(data["message"])
    text = " ".join(text.split())
    return (text[:300] or str(exc.reason or "no message")).strip()


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


# --- the fallback ----------------------------------------------------------------------


def fallback(body: str, why: str, *, dry_run: bool = False) -> int:
    summary = os.environ.get("GITHUB_STEP_SUMMARY", "")
    if dry_run:
        say(f"would append the diff to the job summary ({why})" if summary
            else f"would skip the comment ({why}; GITHUB_STEP_SUMMARY is not set)")
        return 0
    if summary:
        try:
            with Path(summary).open("a", encoding="utf-8") as out:
                out.write(body if body.endswith("\n") else body + "\n")
        except OSError as exc:
            notice(f"{why}; cannot write the job summary either ({exc}); comment skipped")
            return 0
        notice(f"{why}; the diff is in the job summary instead of a comment")
    else:
        notice(f"{why}; GITHUB_STEP_SUMMARY is not set, comment skipped")
    return 0


# --- main ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="pr_comment.py",
        description="Post or update the threatgate diff as one pull-request comment.")
    parser.add_argument("file", nargs="?", default=None,
                        help='comment body (Markdown); "-" or nothing: standard input')
    parser.add_argument("--pr", type=int, default=None,
                        help="pull request number (default: from $GITHUB_EVENT_PATH)")
    parser.add_argument("--marker", default=MARKER,
                        help=f"hidden line identifying the comment (default {MARKER})")
    parser.add_argument("--author", default=None,
                        help=f"login the token comments as (default: ${AUTHOR_ENV}, "
                             f"else {DEFAULT_AUTHOR})")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be done; send no write request")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    marker = args.marker.strip()
    if not marker:
        raise UsageError("--marker must not be empty")
    author = (args.author or os.environ.get(AUTHOR_ENV, "")).strip() or DEFAULT_AUTHOR
    token = read_token()
    body = truncate(inert(with_marker(read_body(args.file), marker), marker, repository_url()))
    if not token and not args.dry_run:
        return fallback(body, "GITHUB_TOKEN is not set")
    repo = repository()
    number = pr_number(args.pr)
    base = api_base()
    target = f"{repo}#{number}"

    if args.dry_run and not token:
        say(f"would find the comment marked {marker} by {author} on {target} ({base}) and "
            f"create or update it with {len(body):,} characters (no GITHUB_TOKEN: nothing "
            "looked up)")
        say(body)
        return 0

    github = GitHub(base, token)
    try:
        existing, others = github.find_comment(repo, number, marker, author)
        if others:
            notice(ignored_notice(others, author))
        if existing is not None and _normal(str(existing.get("body") or "")) == _normal(body):
            say(f"{PROG}: comment {existing.get('id')} on {target} is up to date")
            return 0
        if args.dry_run:
            action = ("create a comment" if existing is None
                      else f"update comment {existing.get('id')}")
            say(f"would {action} on {target} with {len(body):,} characters")
            say(body)
            return 0
        if existing is None:
            created, _ = github.request("POST", f"/repos/{repo}/issues/{number}/comments",
                                        {"body": body})
            done = "created comment"
            answer = created
        else:
            comment_id = existing.get("id")
            if not isinstance(comment_id, int):
                raise ApiError("the marked comment has no id")
            answer, _ = github.request("PATCH", f"/repos/{repo}/issues/comments/{comment_id}",
                                       {"body": body})
            done = "updated comment"
    except ApiError as exc:
        if exc.status in (403, 404):
            return fallback(body, f"cannot comment on {target} (HTTP {exc.status}, "
                                  "read-only token on a fork pull request?)",
                            dry_run=args.dry_run)
        notice(f"GitHub API error: {exc}")
        return 1
    answer = answer if isinstance(answer, dict) else {}
    url = answer.get("html_url") or ""
    say(f"{PROG}: {done} {answer.get('id', '')} on {target} {url}".rstrip())
    return 0


def main(argv: list[str] | None = None) -> int:
    sys.excepthook = _excepthook
    args = parse_args(argv)
    try:
        return run(args)
    except UsageError as exc:
        notice(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
