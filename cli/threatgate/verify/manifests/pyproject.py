"""``pyproject.toml``: ``[project]`` ``dependencies`` and ``optional-dependencies``,
``[dependency-groups]``, and ``[tool.poetry]`` ``dependencies`` (not ``python``),
``dev-dependencies`` and ``group.*.dependencies`` (Poetry constraints: ``^``, ``~``,
``~=``, comparisons, ``1.2.*``, ``,`` for and, ``||`` for or)."""

from __future__ import annotations

import re
from typing import Any

from threatgate.verify.manifests.base import (
    Declaration,
    Manifest,
    ManifestError,
    after_table,
    find_line,
    manifest_format,
    read_toml,
    toml_header,
    toml_table,
)
from threatgate.verify.manifests.pep440 import parse_requirement, pep508_declaration


def _strings(value: Any, where: str, *, tables: bool = False) -> list[str]:
    """The strings of a list of requirements (``tables``: skip include-group tables)."""
    if not isinstance(value, list):
        raise ManifestError(f"{where} is not a list")
    for item in value:
        if not isinstance(item, str) and not (tables and isinstance(item, dict)):
            raise ManifestError(f"{where} holds {item!r:.60}, not a requirement string")
    return [v for v in value if isinstance(v, str)]


@manifest_format("pyproject", "pyproject.toml", names=("pyproject.toml",))
def read_pyproject(text: str, path: str) -> Manifest:
    data = read_toml(text, path)
    declarations: list[Declaration] = []
    notes: list[str] = []

    def pep508(entries: list[str], section: str, start: int) -> None:
        for entry in entries:
            requirement = parse_requirement(entry, f"{path}: {section}")
            line = find_line(text, rf"[\"']\s*{re.escape(requirement.name)}(?![A-Za-z0-9._-])",
                             start)
            declarations.append(pep508_declaration(requirement, section, line))

    project = toml_table(data, "project", "")
    if "dependencies" in project:
        pep508(_strings(project["dependencies"], "[project] dependencies"),
               "[project] dependencies", after_table(text, ("project",), "dependencies"))
    for extra, entries in toml_table(project, "optional-dependencies", "[project] ").items():
        pep508(_strings(entries, f"optional-dependencies {extra}"),
               f"[project.optional-dependencies] {extra}",
               after_table(text, ("project", "optional-dependencies"), extra))
    if "dependencies" in (project.get("dynamic") or []):
        notes.append("[project] dependencies are dynamic (declared outside this file)")
    for group, entries in toml_table(data, "dependency-groups", "").items():
        pep508(_strings(entries, f"[dependency-groups] {group}", tables=True),
               f"[dependency-groups] {group}", after_table(text, ("dependency-groups",), group))

    poetry = toml_table(toml_table(data, "tool", ""), "poetry", "[tool] ")
    tables: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
        ("[tool.poetry.dependencies]", ("tool", "poetry", "dependencies"),
         toml_table(poetry, "dependencies", "[tool.poetry] ")),
        ("[tool.poetry.dev-dependencies]", ("tool", "poetry", "dev-dependencies"),
         toml_table(poetry, "dev-dependencies", "[tool.poetry] "))]
    for group, body in toml_table(poetry, "group", "[tool.poetry] ").items():
        tables.append((f"[tool.poetry.group.{group}.dependencies]",
                       ("tool", "poetry", "group", group, "dependencies"),
                       toml_table(body, "dependencies", f"[tool.poetry.group.{group}] ")))
    for section, parts, table in tables:
        start = after_table(text, parts)
        for name, value in table.items():
            if name == "python":
                continue
            line = find_line(text, rf"^[ \t]*(?:[\"']?{re.escape(name)}[\"']?[ \t]*=|\["
                             rf"{toml_header(*parts, name)}[ \t]*\])", start)
            for spec, why in _poetry_specs(value, f"{section} {name}"):
                declarations.append(Declaration(name, spec, section, line, "poetry",
                                                no_version=why))
    return Manifest("python", declarations, notes)


def _poetry_specs(value: Any, where: str) -> list[tuple[str | None, str]]:
    if isinstance(value, str):
        return [(value, "")]
    if isinstance(value, list):
        return [spec for item in value for spec in _poetry_specs(item, where)]
    if isinstance(value, dict):
        version = value.get("version")
        if isinstance(version, str):
            return [(version, "")]
        source = next((k for k in ("git", "path", "url", "file") if k in value), None)
        return [(None, f"a {source} source" if source else "no version")]
    raise ManifestError(f"{where} is neither a version nor a table")
