"""Dependency manifests ``verify`` does not read: Pipfile, composer.json, Gemfile,
build.gradle and build.gradle.kts.

Each declaration becomes a clue of its ecosystem (``python``, ``composer``, ``gem``,
``maven`` as ``group:artifact``) with its line; as ``dependency_exists`` does not read
these files, the proof is a ``pattern_matches`` on the declaring file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from threatgate.generate.repository.base import (
    Clue,
    LineIndex,
    UnreadableFile,
    file_name,
    repository_reader,
)
from threatgate.generate.repository.packages import development_only
from threatgate.verify.textdata import load_json, load_toml

GRADLE_FILES = ("build.gradle", "build.gradle.kts")


def name_proof(path: str, name: str) -> dict[str, str]:
    """A ``pattern_matches`` that the file still names the package."""
    return {"type": "pattern_matches", "file": path,
            "pattern": r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])"}


def _declared(path: str, ecosystem: str, names: list[tuple[str, int]]) -> Iterator[Clue]:
    for name, line in names:
        yield Clue(ecosystem, name, path, line, name_proof(path, name))
    if names:
        yield Clue("project", "manifest", path, min(line for _, line in names))


def first_lines(text: str, pattern: re.Pattern[str], start: int = 0) -> dict[str, int]:
    """Each name ``pattern`` captures from ``start`` on, with the line it first appears on
    (one pass over the text, however many names)."""
    lines: dict[str, int] = {}
    line, counted = 1, start
    line += text.count("\n", 0, start)
    for match in pattern.finditer(text, start):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.setdefault(match[1], line)
    return lines


_TOML_KEY = re.compile(r"""^[ \t]*["']?([^"'=\s\[\]]+)["']?[ \t]*=""", re.MULTILINE)
_JSON_KEY = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:')


def _table_names(text: str, data: Any, sections: tuple[str, ...]) -> list[tuple[str, int]]:
    names = []
    for section in sections:
        table = data.get(section) if isinstance(data, dict) else None
        if not isinstance(table, dict):
            continue
        header = re.search(rf"^[ \t]*\[[ \t]*[\"']?{re.escape(section)}[\"']?[ \t]*\]",
                           text, re.MULTILINE)
        lines = first_lines(text, _TOML_KEY, header.end() if header else 0)
        names += [(str(name), lines.get(str(name), 1)) for name in table]
    return names


@repository_reader("pipfile", "Pipfile", claims=lambda path: file_name(path) == "Pipfile")
def read_pipfile(text: str, path: str) -> Iterator[Clue]:
    data = load_toml(text, path, UnreadableFile)
    yield from _declared(path, "python", _table_names(text, data, ("packages",)))


@repository_reader("composer", "composer.json",
                   claims=lambda path: file_name(path) == "composer.json")
def read_composer(text: str, path: str) -> Iterator[Clue]:
    data = load_json(text, path, UnreadableFile)
    names = []
    for section in ("require",):
        table = data.get(section) if isinstance(data, dict) else None
        if not isinstance(table, dict):
            continue
        at = re.search(rf"\"{section}\"\s*:", text)
        lines = first_lines(text, _JSON_KEY, at.end() if at else 0)
        names += [(str(name), lines.get(str(name), 1)) for name in table
                  if "/" in str(name)]  # php and ext-* are platform requirements
    yield from _declared(path, "composer", names)


_GEM = re.compile(r"""^[ \t]*gem[ \t(]+["']([A-Za-z0-9_.-]+)["']""")
_GROUP = re.compile(r"^([ \t]*)group\b(.*)\bdo\b")
_INLINE_GROUP = re.compile(r"\bgroups?:\s*(\[[^\]]*\]|:\w+)")


def _development_group(names: str) -> bool:
    """Whether every group named (``:development, :test``) serves development only."""
    words = re.findall(r"\w+", names)
    return bool(words) and all(development_only(word, "") for word in words)


@repository_reader("gemfile", "Gemfile", claims=lambda path: file_name(path) == "Gemfile")
def read_gemfile(text: str, path: str) -> Iterator[Clue]:
    """Gems outside ``group :development, :test do ... end`` blocks (and without such a
    ``group:`` option)."""
    gems: list[tuple[str, int]] = []
    skipping_until: str | None = None   # the indentation of the development group's end
    for number, line in enumerate(text.splitlines(), 1):
        if skipping_until is not None:
            if re.match(rf"{skipping_until}end\b", line):
                skipping_until = None
            continue
        group = _GROUP.match(line)
        if group is not None and _development_group(group[2]):
            skipping_until = re.escape(group[1])
            continue
        gem = _GEM.match(line)
        inline = _INLINE_GROUP.search(line)
        if gem is not None and not (inline and _development_group(inline[1])):
            gems.append((gem[1], number))
    yield from _declared(path, "gem", gems)


#: implementation 'g:a:v', api("g:a:v"), compile group: 'g', name: 'a', kotlin("...") not.
_GRADLE = re.compile(
    r"""^[ \t]*(?:implementation|api|compile|compileOnly|runtimeOnly|testImplementation"""
    r"""|kapt|annotationProcessor)[ \t]*\(?[ \t]*["']([\w.-]+):([\w.-]+)(?::[^"']*)?["']""",
    re.MULTILINE)
_GRADLE_MAP = re.compile(
    r"""^[ \t]*\w+[ \t(]+group[ \t]*[:=][ \t]*["']([\w.-]+)["'][ \t]*,[ \t]*"""
    r"""name[ \t]*[:=][ \t]*["']([\w.-]+)["']""", re.MULTILINE)


@repository_reader("gradle", "build.gradle, build.gradle.kts",
                   claims=lambda path: file_name(path) in GRADLE_FILES)
def read_gradle(text: str, path: str) -> Iterator[Clue]:
    lines = LineIndex(text)
    found = [(f"{m[1]}:{m[2]}", lines.line(m.start()))
             for pattern in (_GRADLE, _GRADLE_MAP) for m in pattern.finditer(text)]
    yield from _declared(path, "maven", sorted(found, key=lambda item: item[1]))
