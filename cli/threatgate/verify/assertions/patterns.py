"""Text evidence: expressions present or absent, secrets, environment variables, headers.

All of it is text matching: a comment matches as well as code. ``pattern_matches`` and
``pattern_absent`` search between the first match of ``scope_start`` and the next match
of ``scope_end`` (an ``error`` when either is missing), and a pattern that is invalid or
runs out of time is an ``error``, never a pass. The glob-based types skip files that
cannot be read as text (binary, oversized), and ``no_plaintext_secret`` fails when its
glob matches no file at all, since it would then have checked nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex

from threatgate.verify.base import EvidenceError, Tree, Verdict, assertion_type
from threatgate.verify.regexes import finditer, flags_of, line_of, search, shown


def _scope(assertion: dict[str, Any], text: str) -> tuple[int, int]:
    """The slice of text the expression is searched in (scope_start .. scope_end)."""
    flags = flags_of(assertion)
    start, end = 0, len(text)
    if assertion.get("scope_start"):
        found = search(assertion["scope_start"], text, flags)
        if found is None:
            raise EvidenceError(f"scope_start {shown(str(assertion['scope_start']))} not found")
        start = found.start()
    if assertion.get("scope_end"):
        found = search(assertion["scope_end"], text, flags, pos=start + 1)
        if found is None:
            raise EvidenceError(f"scope_end {shown(str(assertion['scope_end']))} not found after "
                                "scope_start")
        end = found.start()
    return start, end


@assertion_type("pattern_matches")
def pattern_matches(assertion: dict[str, Any], tree: Tree) -> Verdict:
    path, pattern = assertion["file"], assertion["pattern"]
    text = tree.read_text(path)
    start, end = _scope(assertion, text)
    wanted = int(assertion.get("min_count", 1))
    if wanted < 1:
        return Verdict.error(f"min_count must be at least 1, not {wanted}", path)
    found = []
    for match in finditer(pattern, text[start:end], flags_of(assertion)):
        found.append(match)
        if len(found) >= wanted:
            break
    if len(found) >= wanted:
        return Verdict.passed(f"{shown(pattern)} found in {path}", path,
                              line_of(text, start + found[0].start()))
    return Verdict.failed(f"{shown(pattern)} found {len(found)} time(s) in {path}, "
                          f"{wanted} needed", path)


@assertion_type("pattern_absent")
def pattern_absent(assertion: dict[str, Any], tree: Tree) -> Verdict:
    path, pattern = assertion["file"], assertion["pattern"]
    text = tree.read_text(path)
    start, end = _scope(assertion, text)
    found = search(pattern, text[start:end], flags_of(assertion))
    if found is None:
        return Verdict.passed(f"{shown(pattern)} does not occur in {path}", path)
    return Verdict.failed(f"{shown(pattern)} occurs in {path}", path,
                          line_of(text, start + found.start()))


#: High-confidence secret shapes; a match is almost never a false positive.
SECRET_PATTERNS: dict[str, str] = {
    "private key": r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP )?PRIVATE KEY( BLOCK)?-----",
    "AWS access key id": r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    "Slack token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "Stripe secret key": r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}\b",
    # A key named like a secret (DB_PASSWORD, SECRET_KEY, "password" in JSON), then
    # '=', ':', ':=' or '=>', then a quoted literal that is not a placeholder.
    "password assignment": (r"(?i)\b(?:\w+_)?(?:password|passwd|secret(?:_key)?|api_?key|token)"
                            r"\b['\"]?\s*(?:=>|:=|[:=])\s*['\"][^'\"\s$%{}<>]{8,}['\"]"),
    # The same key given a literal fallback on its line: `os.environ.get("SECRET_KEY") or
    # "you-will-never-guess"`, `process.env.TOKEN || "..."`, `?? "..."`: the literal is
    # the secret whenever the variable is unset.
    "password fallback": (r"(?i)\b(?:\w+_)?(?:password|passwd|secret(?:_key)?|api_?key|token)"
                          r"\b['\"]?\s*(?:=>|:=|[:=])[^\n]{0,200}?(?:\bor\b|\|\||\?\?)\s*"
                          r"['\"][^'\"\s$%{}<>]{8,}['\"]"),
    # A secret-named variable read from the environment with a literal default:
    # `os.getenv("DB_PASSWORD", "hunter2hunter2")`, `ENV.fetch("API_KEY", "...")`.
    "password default": (r"(?i)\b(?:environ\.get|getenv|env\.get|ENV\.fetch|env)\(\s*['\"]"
                         r"(?:\w+_)?(?:password|passwd|secret(?:_key)?|api_?key|token)\w*['\"]"
                         r"\s*,\s*['\"][^'\"\s$%{}<>]{8,}['\"]"),
}


#: A necessary condition of each secret shape: a part of its pattern that every match
#: contains, written the same way under the same flags, so a file in which no screen
#: matches holds no secret of any kind. The case-sensitive shapes are fast enough to be
#: their own screens; the named-key shapes drop their leading ``\b(?:\w+_)?``, whose
#: backtracking at every word boundary made them most of the time of a scan.
SECRET_SCREENS: dict[str, str] = {
    **{kind: shape for kind, shape in SECRET_PATTERNS.items() if not shape.startswith("(?i)")},
    "password assignment": (r"(?i)(?:password|passwd|secret(?:_key)?|api_?key|token)"
                            r"\b['\"]?\s*(?:=>|:=|[:=])"),
    "password fallback": (r"(?i)(?:password|passwd|secret(?:_key)?|api_?key|token)"
                          r"\b['\"]?\s*(?:=>|:=|[:=])"),
    "password default": r"(?i)(?:environ\.get|getenv|env\.get|ENV\.fetch|env)\(\s*['\"]",
}


#: Words that every match of a case-insensitive screen holds once case-folded (``str.
#: casefold`` folds ``ſ`` to ``s`` and the Kelvin sign to ``k``, as the engine does): a
#: text none of whose folded form holds one cannot match the screen, and that test runs
#: at C speed where the case-insensitive search is slow.
SCREEN_HINTS: dict[str, tuple[str, ...]] = {
    "password assignment": ("passw", "secret", "api_key", "apikey", "token"),
    "password fallback": ("passw", "secret", "api_key", "apikey", "token"),
    "password default": ("environ.get(", "env.get(", "env.fetch(", "env("),
}


def _screens_for(text: str) -> list[str]:
    """The distinct screens that can match ``text`` (those whose hints it holds)."""
    folded: str | None = None
    screens: dict[str, None] = {}
    for kind, screen in SECRET_SCREENS.items():
        hints = SCREEN_HINTS.get(kind)
        if hints is not None:
            folded = text.casefold() if folded is None else folded
            if not any(hint in folded for hint in hints):
                continue
        screens[screen] = None
    return list(screens)


#: Screen answers by the sha256 of the content: globs of several assertions overlap, so
#: the same file is screened once. Emptied when it reaches :data:`MAX_SCREENED` entries.
_SCREENED: dict[str, bool] = {}
MAX_SCREENED = 65_536


def may_hold_secret(text: str, digest: str | None = None) -> bool:
    """False only when no secret shape can match ``text`` (one search per screen), whose
    sha256 is ``digest`` when known.

    A screen that runs out of time answers True, so the full scan decides, with its own
    error if it runs out of time as well.
    """
    known = _SCREENED.get(digest) if digest is not None else None
    if known is not None:
        return known
    try:
        found = any(search(screen, text) for screen in _screens_for(text))
    except EvidenceError:
        return True
    if digest is not None:
        if len(_SCREENED) >= MAX_SCREENED:
            _SCREENED.clear()
        _SCREENED[digest] = found
    return found


@assertion_type("no_plaintext_secret", path_params=("glob",))
def no_plaintext_secret(assertion: dict[str, Any], tree: Tree) -> Verdict:
    files = tree.glob(assertion["glob"])
    if not files:
        return Verdict.failed(f"no file matches {assertion['glob']}, so none was scanned")
    allowed = [str(a) for a in assertion.get("allow") or []]
    for path in files:
        try:
            tree.read_bytes(path)
        except EvidenceError:
            continue  # oversized or unreadable files are not scanned
        if _SCREENED.get(tree.digest_of(path)) is False:
            continue  # this content was screened already: no secret (and it is text)
        try:
            text = tree.read_text(path)
        except EvidenceError:
            continue  # binary files are not scanned
        if not may_hold_secret(text, tree.digest_of(path)):
            continue
        for kind, pattern in SECRET_PATTERNS.items():
            for match in finditer(pattern, text):
                if any(search(a, match.group(0)) for a in allowed):
                    continue
                return Verdict.failed(f"{kind} in plain text in {path}", path,
                                      line_of(text, match.start()))
    return Verdict.passed(f"no plain-text secret in {len(files)} file(s)")


def _reference_patterns(name: str) -> list[str]:
    quoted = regex.escape(name)
    return [
        rf"\benviron(?:\.get)?\s*[\[(]\s*['\"]{quoted}['\"]",        # Python
        rf"\bgetenv\(\s*['\"]{quoted}['\"]",                         # Python, PHP, C
        rf"process\.env(?:\.{quoted}\b|\[\s*['\"]{quoted}['\"]\s*\])",  # JavaScript
        rf"os\.(?:Getenv|LookupEnv)\(\s*\"{quoted}\"",               # Go
        rf"System\.getenv\(\s*\"{quoted}\"",                         # Java
        rf"Environment\.GetEnvironmentVariable\(\s*\"{quoted}\"",    # C#
        rf"env::var(?:_os)?\(\s*\"{quoted}\"",                       # Rust
        rf"ENV\[\s*['\"]{quoted}['\"]\s*\]",                         # Ruby
        rf"\$\{{?{quoted}\b",                                        # shell, compose files
    ]


@assertion_type("env_var_referenced", path_params=("glob",))
def env_var_referenced(assertion: dict[str, Any], tree: Tree) -> Verdict:
    name = str(assertion["name"])
    patterns = _reference_patterns(name)
    files = tree.glob(assertion["glob"])
    for path, text in _texts(tree, files):
        for pattern in patterns:
            found = search(pattern, text)
            if found:
                return Verdict.passed(f"{name} is read from the environment in {path}", path,
                                      line_of(text, found.start()))
    return Verdict.failed(f"no file of {len(files)} matching {assertion['glob']} reads "
                          f"{name} from the environment")


def _texts(tree: Tree, files: list[str]) -> Iterator[tuple[str, str]]:
    """(path, text) of the files that can be read as text; binary or oversized are skipped."""
    for path in files:
        try:
            yield path, tree.read_text(path)
        except EvidenceError:
            continue


#: A header's value: a whole quoted string (which may hold ';' and the other quote), else
#: the bare text up to the end of the statement.
_HEADER_VALUE = r"""(?:"([^"\n]*)"|'([^'\n]*)'|`([^`\n]*)`|([^'"`\n;)]*))"""


def _header_patterns(header: str) -> list[str]:
    name = rf"(?<![\w-]){regex.escape(header)}(?![\w-])"
    return [
        # Code and data: setHeader("H", v), res.set('H', v), {'H': v}, response["H"] = v,
        # H: v (YAML, HTTP-style).
        rf"(?i)['\"]?{name}['\"]?\]?\s*[:=,]\s*{_HEADER_VALUE}",
        # Server configuration: nginx add_header H v; Apache Header [always] set H v.
        rf"(?im)^[ \t]*(?:add_header|Header(?:[ \t]+always)?[ \t]+(?:set|append|add|merge))"
        rf"[ \t]+['\"]?{name}['\"]?[ \t]+{_HEADER_VALUE}",
    ]


@assertion_type("http_header_set", path_params=("glob",))
def http_header_set(assertion: dict[str, Any], tree: Tree) -> Verdict:
    header = str(assertion["header"])
    value = assertion.get("value")
    files = tree.glob(assertion["glob"])
    patterns = _header_patterns(header)
    for path, text in _texts(tree, files):
        for match in sorted((m for p in patterns for m in finditer(p, text)),
                            key=lambda m: m.start()):
            setting = next(g for g in match.groups() if g is not None)
            if value is None or search(str(value), setting):
                return Verdict.passed(f"{header} is set in {path}", path,
                                      line_of(text, match.start()))
    detail = f" to a value matching {shown(str(value))}" if value is not None else ""
    return Verdict.failed(f"{header} is not set{detail} in {len(files)} file(s) matching "
                          f"{assertion['glob']}")
