#!/usr/bin/env python3
"""Post or update one pull-request comment with the Markdown of ``threatgate diff``.

Usage: ``threatgate diff "origin/$BASE_REF" HEAD --format markdown | python pr_comment.py``
(``--help`` for the options: FILE, ``--pr N``, ``--marker``, ``--author LOGIN``, ``--dry-run``).

Environment: GITHUB_TOKEN (may comment: ``permissions: pull-requests: write``; give it
through ``env:``), GITHUB_REPOSITORY (owner/name), GITHUB_EVENT_PATH, GITHUB_API_URL
(default https://api.github.com), GITHUB_SERVER_URL (default https://github.com),
GITHUB_STEP_SUMMARY (the fallback below), THREATGATE_COMMENT_AUTHOR.

The comment updated is the oldest of the pull request's comments (every page, ascending
id) that starts with the marker and that the author wrote: ``user.login`` is LOGIN (case
ignored, as GitHub does) and, for a ``...[bot]`` login, ``user.type`` is "Bot". A marked
comment by anyone else is never edited nor taken as up to date (a notice on standard
error names those met before the author's own). The comment is updated when its text
differs, left alone when it is the same, created when there is none: one comment per
pull request, however often the script runs.

The body is made inert first, since the models' text reaches it: after the marker (the
first line) an invisible zero-width space goes after the ``@`` of a mention, the ``#`` or
``GH-`` of an issue reference, the ``:`` of ``scheme://``, ``www``, the ``<`` of any HTML
but the diff's own tags (``details``, ``summary``, ``br``, ``sub``...: no ``<!--``, no
second marker) and the ``]`` of a link, image or link definition, and a character
reference to ASCII punctuation or letters (``&#64;``) is shown as written. URLs into the
repository ($GITHUB_SERVER_URL/owner/name/..., but not its issues, pull requests or
discussions) stay links. Everything else is posted byte for byte.

With no token, or when GitHub answers 403 or 404 (a fork's read-only token), the body
goes to $GITHUB_STEP_SUMMARY (when set), a notice to standard error, and the exit status
is 0. A body over GitHub's limit (65,536 characters) is cut, with a note. Requests time
out after 10 seconds, redirects are not followed, and the token is never printed.

Exit status: 0 comment created, updated or unchanged, or the fallback above; 1 any other
HTTP or network error; 2 usage error (no repository or pull request number, unreadable
body). Standard library only: it runs on the runner's Python without installing anything.
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


#: The token, removed from any text before it is shown.
SECRETS: list[str] = []


def scrub(text: object) -> str:
    shown = str(text)
    for value in SECRETS:
        shown = shown.replace(value, "***")
    return shown


def notice(message: str) -> None:
    print(f"{PROG}: {scrub(message)}", file=sys.stderr)


def say(message: str) -> None:
    text = scrub(message)
    print(text, end="" if text.endswith("\n") else "\n")


def _excepthook(kind: type[BaseException], value: BaseException,
                tb: TracebackType | None) -> None:
    """A bug still shows its traceback, without the token."""
    sys.stderr.write(scrub("".join(traceback.format_exception(kind, value, tb))))


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
    return body[:cut if cut >= room // 2 else room] + note


# --- making the body inert ------------------------------------------------------------

#: Invisible once rendered; put after the character that starts GitHub syntax, it breaks it.
ZWSP = "\u200b"
#: The HTML the diff's Markdown writes; any other ``<`` that could start HTML is broken.
_HTML_START = re.compile(r"<(?!/?(?:details|summary|br|sub|sup|b|i|em|strong|code|kbd|p|hr)"
                         r"\b[^<>]*>)(?=[A-Za-z/!?])", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")
#: A mention, an issue reference (``#1``, ``owner/repo#1``, ``GH-1``; not ``&#1;``, an
#: entity), ``www.``; a backslash escape does not hide them, GitHub reads the rendered text.
_NOTIFYING = re.compile(r"@(?=\\?[A-Za-z0-9_-])|(?<!(?<!\\)&)#(?=[0-9])|(?i:gh)\\?-(?=[0-9])"
                        r"|(?i:www)(?=\\?\.)")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?=\\?/\\?/)|:(?=\\?/\\?/)")
#: The ``]`` that closes a link or image text, or a link definition's label (not ``\]``).
_LINK = re.compile(r"(?<!(?<!\\)\\)\](?=\(|:)")
_ADDRESS = re.compile(r"\s*<?\s*([^\s<>()\"']*)")


def _repository_address(text: str, at: int, repo_url: str | None) -> str:
    """The URL at *at* in *text* when it points into the repository and notifies nobody
    (not an issue, a pull request or a discussion), else ``""``."""
    found = _ADDRESS.match(text, at)
    address = found[1] if found else ""
    if repo_url is None or not address.lower().startswith(repo_url.lower()) \
            or re.search(r"\.\.|%2e|\\", address, re.IGNORECASE):
        return ""
    page = address[len(repo_url):].split("/", 1)[0].lower()
    return "" if page in ("issues", "pull", "pulls", "discussions") else address


def _shown_entity(found: re.Match[str]) -> str:
    char = html.unescape(found[0])
    if char == found[0] or not char.isascii() or char in ("&", "<", ">", '"', "'"):
        return found[0]
    return "&amp;" + found[0][1:]


def inert(body: str, marker: str, repo_url: str | None) -> str:
    """*body* with no live mention, issue reference, off-repository link or image, HTML
    comment or second *marker* after the first (see the module's docstring)."""
    start = len(body) - len(body.lstrip())
    head = start + len(marker) if body[start:].startswith(marker) else 0
    rest = body[head:].replace(marker, marker[0] + ZWSP + marker[1:])
    rest = _ENTITY.sub(_shown_entity, rest)
    kept = [(url.start(), url.start() + len(address)) for url in _URL.finditer(rest)
            if (address := _repository_address(rest, url.start(), repo_url))]
    breaks = {found.end() for pattern in (_HTML_START, _NOTIFYING, _URL)
              for found in pattern.finditer(rest)}
    breaks |= {found.end() for found in _LINK.finditer(rest)
               if not _repository_address(rest, found.end() + 1, repo_url)}
    cuts = sorted(at for at in breaks if not any(a < at < b for a, b in kept))
    bounds = [0, *cuts, len(rest)]
    return body[:head] + ZWSP.join(rest[bounds[k]:bounds[k + 1]] for k in range(len(cuts) + 1))


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
    if token:
        SECRETS.append(token)
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
        pages = f"/repos/{repo}/issues/{number}/comments?per_page={PER_PAGE}&page="
        url = pages + "1"
        others: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
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
                if found is None:
                    return None, others
                url = found[1]
            elif len(comments) >= PER_PAGE:
                url = pages + str(page + 1)
            else:
                return None, others
        raise ApiError(f"more than {MAX_PAGES} pages of comments: giving up")


def written_by(comment: dict[str, Any], author: str) -> bool:
    """Whether GitHub says *author* wrote *comment*: ``user.login`` (logins ignore case)
    and, for a ``[bot]`` login, ``user.type`` "Bot" (an account, not a name, is checked)."""
    login, bot = account(comment, "login"), author.casefold().endswith("[bot]")
    return (isinstance(login, str) and login.casefold() == author.casefold()
            and (not bot or account(comment, "type") == "Bot"))


def account(comment: dict[str, Any], key: str) -> object:
    """``user.login`` or ``user.type`` of a comment (None when absent)."""
    user = comment.get("user")
    return user.get(key) if isinstance(user, dict) else None


def shown(value: object, limit: int = 60) -> str:
    """A text from the API, quoted on one printable line (escaped, cut) for a notice."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(value))
    return f"'{text if len(text) <= limit else text[: limit - 1] + chr(0x2026)}'"


def ignored_notice(others: list[dict[str, Any]], author: str) -> str:
    """One line naming the marked comments that *author* did not write (at most five)."""
    named = ", ".join(f"{shown(c.get('id'))} by {shown(account(c, 'login'))} "
                      f"({shown(account(c, 'type'))})" for c in others[:5])
    more = f" and {len(others) - 5} more" if len(others) > 5 else ""
    return (f"ignoring {len(others)} comment(s) with the marker not written by "
            f"{shown(author)}: {named}{more}")


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(4096).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        text = ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("message"):
        text = str(data["message"])
    return (" ".join(text.split())[:300] or str(exc.reason or "no message")).strip()


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="pr_comment.py",
        description="Post or update the threatgate diff as one pull-request comment.")
    parser.add_argument("file", nargs="?", default=None,
                        help='comment body (Markdown); "-" or nothing: standard input')
    parser.add_argument("--pr", type=int, default=None,
                        help="pull request number (default: from $GITHUB_EVENT_PATH)")
    parser.add_argument("--marker", default=MARKER,
                        help=f"hidden first line identifying the comment (default {MARKER}; "
                             "added when the body lacks it)")
    parser.add_argument("--author", default=None, metavar="LOGIN",
                        help=f"login the token comments as (default: ${AUTHOR_ENV}, else "
                             f"{DEFAULT_AUTHOR}, the identity of github.token)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be done; send no write request (only reads, "
                             "and only with a token)")
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
            answer, _ = github.request("POST", f"/repos/{repo}/issues/{number}/comments",
                                       {"body": body})
            done = "created comment"
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
