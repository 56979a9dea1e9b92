"""Dependency manifests ``verify`` already reads: requirements*.txt, pyproject.toml,
package.json, go.mod, Cargo.toml, pom.xml.

The declarations come from :mod:`threatgate.verify.manifests` (one parser for both
uses); each becomes a clue of its ecosystem with the line that declares it, proved by a
``dependency_exists`` assertion. A manifest declaring anything also says the project
has dependencies (``project: manifest``); a package that installs commands
(``[project.scripts]``, Poetry scripts, package.json ``bin``) says ``project: script``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from threatgate.generate.repository.base import (
    Clue,
    LineIndex,
    UnreadableFile,
    file_name,
    repository_reader,
)
from threatgate.verify.manifests import FORMATS, Manifest, ManifestError

#: verify's manifest kinds this family reads, by how the file is named.
MANIFEST_NAMES = {"pyproject.toml": "pyproject", "package.json": "package.json",
                  "go.mod": "go.mod", "Cargo.toml": "cargo", "pom.xml": "pom"}
_SCRIPTS = re.compile(r"""^[ \t]*\[[ \t]*(?:project\.scripts|project\.gui-scripts|"""
                      r"""tool\.poetry\.scripts)[ \t]*\]|^[ \t]*"bin"[ \t]*:""", re.MULTILINE)


def manifest_kind_of(path: str) -> str | None:
    """The verify manifest kind of a repository path, or ``None``."""
    name = file_name(path)
    if name in MANIFEST_NAMES:
        return MANIFEST_NAMES[name]
    parts = path.lower().split("/")
    if parts[-1].endswith((".txt", ".in")) and (
            "requirements" in parts[-1] or parts[-2:-1] == ["requirements"]):
        return "requirements"
    return None


#: Words of a section or file name that mean the dependencies serve development only
#: (tests, linters, documentation): they say nothing about what the system runs.
DEVELOPMENT_WORDS = frozenset({"dev", "develop", "development", "test", "tests", "testing",
                               "lint", "linting", "doc", "docs", "typing", "ci", "bench"})


def development_only(section: str, path: str) -> bool:
    """Whether a manifest section (or a requirements file) is for development only."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", f"{section} {file_name(path)}")
    return bool(DEVELOPMENT_WORDS & set(re.findall(r"[a-z]+", spaced.lower())))


#: Most lines and commas a manifest read through ``verify`` may hold: its readers locate
#: each declaration by searching the text, which grows with the square of the entries.
MAX_MANIFEST_SEPARATORS = 2_000


def dependency_proof(path: str, name: str) -> dict[str, str]:
    return {"type": "dependency_exists", "file": path, "name": name}


@repository_reader("manifests", "dependency manifests (requirements*.txt, pyproject.toml, "
                   "package.json, go.mod, Cargo.toml, pom.xml)",
                   claims=lambda path: manifest_kind_of(path) is not None)
def read_manifests(text: str, path: str) -> Iterator[Clue]:
    kind = manifest_kind_of(path)
    assert kind is not None
    separators = text.count("\n") + text.count(",")
    if separators > MAX_MANIFEST_SEPARATORS:
        raise UnreadableFile(f"{path} has {separators} lines and commas, over the "
                             f"{MAX_MANIFEST_SEPARATORS} a manifest is read with")
    try:
        manifest: Manifest = FORMATS[kind].read(text, path)
    except (ManifestError, ValueError, RecursionError) as exc:
        raise UnreadableFile(str(exc)) from None
    first = None
    for declaration in manifest.declarations:
        line = declaration.line or 1
        first = line if first is None else min(first, line)
        if development_only(declaration.section, path):
            continue
        yield Clue(manifest.ecosystem, declaration.name, path, line,
                   dependency_proof(path, declaration.name))
        if declaration.also:
            yield Clue(manifest.ecosystem, declaration.also, path, line,
                       dependency_proof(path, declaration.name))
    if first is not None:
        yield Clue("project", "manifest", path, first)
    script = _SCRIPTS.search(text) if kind in ("pyproject", "package.json") else None
    if script is not None:
        yield Clue("project", "script", path, LineIndex(text).line(script.start()))
