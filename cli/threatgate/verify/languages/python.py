"""Python read through its syntax tree: definitions, dotted names and import aliases."""

from __future__ import annotations

import ast
from collections.abc import Iterable

from threatgate.verify.languages.source import Source, ends_with


def python_functions(source: Source, parts: tuple[str, ...]) -> list[
        ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for qualified, node in source.definitions
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and ends_with(qualified, parts)]


def _py_dotted(node: ast.AST) -> tuple[str, bool] | None:
    """``a.b.c`` for a name or attribute chain, and whether it starts at a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    rooted = isinstance(node, ast.Name)
    if isinstance(node, ast.Name):
        parts.append(node.id)
    if not parts:
        return None
    return ".".join(reversed(parts)), rooted


def python_aliases(module: ast.Module) -> dict[str, set[str]]:
    """Local names bound by absolute imports -> the dotted names they stand for."""
    aliases: dict[str, set[str]] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases.setdefault(alias.asname, set()).add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    aliases.setdefault(alias.asname or alias.name, set()).add(
                        f"{node.module}.{alias.name}")
    return aliases


def python_names(node: ast.AST, aliases: dict[str, set[str]]) -> list[str]:
    """The dotted name of ``node`` as written and with its import alias expanded."""
    dotted = _py_dotted(node)
    if dotted is None:
        return []
    name, rooted = dotted
    names = [name]
    if rooted:
        head, _, rest = name.partition(".")
        for full in sorted(aliases.get(head, ())):
            names.append(f"{full}.{rest}" if rest else full)
    return names


def python_matches(names: Iterable[str], wanted: str) -> bool:
    return any(n == wanted or n.endswith("." + wanted) for n in names)


def node_position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
