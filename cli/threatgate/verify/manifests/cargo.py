"""``Cargo.toml``: ``[dependencies]``, ``[dev-dependencies]``, ``[build-dependencies]``,
the same under ``[target.*]`` and ``[workspace.dependencies]``; strings or tables with
``version``; a ``package = "real"`` rename matches both names."""

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

CARGO_SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


@manifest_format("cargo", "Cargo.toml", names=("Cargo.toml",))
def read_cargo(text: str, path: str) -> Manifest:
    data = read_toml(text, path)
    tables: list[tuple[str, tuple[str, ...], Any]] = [(s, (s,), data.get(s))
                                                      for s in CARGO_SECTIONS]
    for target, body in toml_table(data, "target", "").items():
        if isinstance(body, dict):
            tables += [(f"target.{target}.{s}", ("target", target, s), body.get(s))
                       for s in CARGO_SECTIONS]
    tables.append(("workspace.dependencies", ("workspace", "dependencies"),
                   toml_table(data, "workspace", "").get("dependencies")))
    declarations: list[Declaration] = []
    for section, parts, table in tables:
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ManifestError(f"{path}: [{section}] is not a table")
        start = after_table(text, parts)
        for name, value in table.items():
            line = find_line(text, rf"^[ \t]*(?:[\"']?{re.escape(name)}[\"']?[ \t]*=|\["
                             rf"{toml_header(*parts, name)}[ \t]*\])", start)
            if isinstance(value, str):
                declarations.append(Declaration(name, value, section, line, "cargo"))
            elif isinstance(value, dict):
                real = value.get("package")
                version = value.get("version")
                why = ("inherits its version from the workspace" if value.get("workspace")
                       else "a git or path source without a version")
                declarations.append(Declaration(
                    name, version if isinstance(version, str) else None, section, line,
                    "cargo", real if isinstance(real, str) else None, why))
            else:
                raise ManifestError(f"{path}: [{section}] {name} is neither a version nor a "
                                    "table")
    return Manifest("cargo", declarations)
