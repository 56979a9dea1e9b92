"""``requirements*.txt`` / ``*.in``: PEP 508 lines, ``\\`` continuations, comments,
``--hash`` and other per-line options, ``-e ...#egg=name``. ``-r``/``-c`` includes are
**not** followed (a fail names them). Unnamed URL or path lines are skipped."""

from __future__ import annotations

import re
from collections.abc import Iterator

from threatgate.verify.manifests.base import (
    Declaration,
    Manifest,
    manifest_format,
)
from threatgate.verify.manifests.pep440 import parse_requirement, pep508_declaration


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if raw.lstrip().startswith("#"):
            raw = ""
        if raw.endswith("\\"):
            parts.append(raw[:-1])
            continue
        parts.append(raw)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


_INCLUDE = re.compile(r"(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")
_EDITABLE = re.compile(r"(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


@manifest_format("requirements", "requirements*.txt", suffixes=(".txt", ".in"))
def read_requirements(text: str, path: str) -> Manifest:
    declarations: list[Declaration] = []
    includes: list[str] = []
    for number, line in _logical_lines(text):
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            include = _INCLUDE.match(line)
            editable = _EDITABLE.match(line)
            if include:
                includes.append(include[1])
            elif editable:
                egg = _EGG.search(editable[1])
                if egg:
                    declarations.append(Declaration(egg[1], None, "editable", number,
                                                    no_version="an editable source"))
            continue  # other options: index URLs, --pre, --require-hashes...
        line = re.split(r"\s+--?[A-Za-z]", line, maxsplit=1)[0].strip()
        named = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@", line)
        is_path = re.search(r"://|[/\\]|\.(?:whl|zip|tar\.gz|tar\.bz2|tgz)$", line)
        if is_path and not named:
            egg = _EGG.search(line)
            if egg:
                declarations.append(Declaration(egg[1], None, "requirements", number,
                                                no_version="a direct URL or path"))
            continue
        requirement = parse_requirement(line, f"{path} line {number}")
        declarations.append(pep508_declaration(requirement, "requirements", number))
    notes = [f"-r/-c includes are not followed: {', '.join(includes)}"] if includes else []
    return Manifest("python", declarations, notes)
