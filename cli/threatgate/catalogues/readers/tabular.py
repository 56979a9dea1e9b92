"""The simple tables: CSV with a header row, or YAML, of id, title, level and parent.

Levels written as numbers are cumulative (level 2 includes level 1, as in ASVS); named
levels are memberships, several separated by ``;`` (as NIST baselines). A parent that is
not a requirement id of the file becomes a group of that name.

YAML is either a list of requirements or a mapping with ``title`` (optional) and
``requirements`` (the list).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from threatgate.catalogues.model import Catalogue, Group, Requirement
from threatgate.catalogues.readers.common import SourceError
from threatgate.model.loader import LoadError, load_bytes

COLUMNS = ("id", "title", "level", "parent")
#: (line of the row, its values by column name)
Row = tuple[int, dict[str, Any]]


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError("not UTF-8", line=line) from None


def _csv_rows(text: str) -> list[Row]:
    lines = io.StringIO(text, newline="")
    reader = csv.DictReader(lines)
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise SourceError(f"invalid CSV: {exc}", line=1) from None
    if "id" not in header or "title" not in header:
        raise SourceError("the header row must name the columns id and title "
                          "(and optionally level, parent)", line=1)
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise SourceError(f"unknown column(s) {', '.join(unknown)}; the columns are "
                          f"{', '.join(COLUMNS)}", line=1)
    reader.fieldnames = header
    rows: list[Row] = []
    try:
        for record in reader:
            if None in record:
                raise SourceError("more values than columns", line=reader.line_num)
            if any((value or "").strip() for value in record.values()):
                rows.append((reader.line_num, record))
    except csv.Error as exc:
        raise SourceError(f"invalid CSV: {exc}", line=reader.line_num) from None
    return rows


def catalogue_from_csv(raw: bytes, framework: str) -> Catalogue:
    return build(_csv_rows(_decode(raw)), framework, framework)


def _load_yaml(raw: bytes) -> tuple[Any, Callable[[tuple[str | int, ...]], int]]:
    """The YAML data and a function giving the line of a data path. The model loader
    (safe, bounded) reads only mappings: a top-level list is read as the value of a
    ``requirements`` key put in front of it, one line up."""
    text = _decode(raw)
    try:
        document = load_bytes(text.encode("utf-8"), locate=True)
        return document.data, lambda path: document.locate(path)[0]
    except LoadError as exc:
        if exc.rule != "not-a-mapping" or not text.lstrip().startswith("-"):
            raise SourceError(exc.message, line=exc.line) from None
    try:
        wrapped = load_bytes(f"requirements:\n{text}".encode(), locate=True)
    except LoadError as exc:
        raise SourceError(exc.message, line=max(1, exc.line - 1)) from None
    return (wrapped.data["requirements"],
            lambda path: max(1, wrapped.locate(("requirements", *path))[0] - 1))


def catalogue_from_yaml(raw: bytes, framework: str) -> Catalogue:
    data, line_of = _load_yaml(raw)
    title = framework
    prefix: tuple[str | int, ...] = ()
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"title", "requirements"})
        if unknown:
            raise SourceError(f"unknown key(s) {', '.join(map(str, unknown))}; a catalogue "
                              "has title and requirements", line=line_of(()))
        title = str(data.get("title") or framework)
        data, prefix = data.get("requirements"), ("requirements",)
    if not isinstance(data, list):
        raise SourceError("expected a list of requirements", line=line_of(prefix))
    rows: list[Row] = []
    for index, item in enumerate(data):
        line = line_of((*prefix, index))
        if not isinstance(item, dict):
            raise SourceError("a requirement is not a mapping", line=line)
        unknown = sorted(set(item) - set(COLUMNS))
        if unknown:
            raise SourceError(f"unknown key(s) {', '.join(map(str, unknown))}; the keys are "
                              f"{', '.join(COLUMNS)}", line=line)
        rows.append((line, item))
    return build(rows, framework, title)


def _cell(record: dict[str, Any], name: str, line: int, required: bool) -> str:
    value = record.get(name)
    if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int,
                                                                              float))):
        raise SourceError(f"{name} is not text", line=line)
    text = " ".join(str(value).split()) if value is not None else ""
    if required and not text:
        raise SourceError(f"{name} is empty", line=line)
    return text


def _levels(rows: Iterable[tuple[int, tuple[str, ...]]]) -> tuple[tuple[str, ...], bool]:
    names: list[str] = []
    for _line, own in rows:
        names.extend(level for level in own if level not in names)
    if names and all(name.isdigit() for name in names):
        return tuple(sorted(names, key=int)), True
    return tuple(names), False


def build(rows: list[Row], framework: str, title: str) -> Catalogue:
    """The catalogue of the table rows, each checked at its line."""
    if not rows:
        raise SourceError("no requirements", line=1)
    parsed: list[tuple[int, str, str, tuple[str, ...], str]] = []
    seen: dict[str, int] = {}
    for line, record in rows:
        requirement = _cell(record, "id", line, True)
        if any(ch.isspace() for ch in requirement):
            raise SourceError(f"the id {requirement!r} has spaces", line=line)
        if requirement in seen:
            raise SourceError(f"id {requirement} already used on line {seen[requirement]}",
                              line=line)
        seen[requirement] = line
        levels = tuple(p.strip() for p in _cell(record, "level", line, False).split(";")
                       if p.strip())
        parsed.append((line, requirement, _cell(record, "title", line, True), levels,
                       _cell(record, "parent", line, False)))
    level_names, cumulative = _levels((line, levels) for line, _, _, levels, _ in parsed)
    if cumulative and any(len(levels) > 1 for _, _, _, levels, _ in parsed):
        line = next(line for line, _, _, levels, _ in parsed if len(levels) > 1)
        raise SourceError("numbered levels are cumulative: give one level, the lowest",
                          line=line)
    groups = _groups((parent for *_, parent in parsed), seen.__contains__)
    requirements = tuple(Requirement(r, text, levels, parent or None)
                         for _, r, text, levels, parent in parsed)
    return Catalogue(framework, title, requirements, groups, level_names, cumulative)


def _groups(parents: Iterable[str], is_requirement: Callable[[str], bool]) -> tuple[Group, ...]:
    found: dict[str, Group] = {}
    for parent in parents:
        if parent and not is_requirement(parent):
            found.setdefault(parent, Group(parent, parent))
    return tuple(found.values())
