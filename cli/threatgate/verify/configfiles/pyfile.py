"""Python settings modules (``config.py``, ``settings.py``): read, never run.

Flask and Django keep settings as assignments in a module (``SESSION_COOKIE_SECURE =
True``) or in the body of a class (``class ProductionConfig(Config): ...``). The module
is parsed with :mod:`ast` and never executed: a module-level ``NAME = value`` (or
``NAME: type = value``) is the key ``NAME``, an assignment in a class body is
``Class.NAME`` (nested classes nest further). A value written as a literal (text,
number, boolean, ``None``, a list, tuple, dict or set of literals) keeps its type; any
other value (``os.environ.get("SECRET_KEY") or "dev"``) is its source text, so a
``pattern`` can still match it. A later assignment wins. A file that does not parse is
an ``error`` verdict naming the line.
"""

from __future__ import annotations

import ast
from typing import Any

from threatgate.verify.configfiles.base import (
    ConfigFileError,
    ConfigFormat,
    KeyPath,
    Parsed,
    config_format,
)


def _value(node: ast.expr, text: str) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ast.get_source_segment(text, node) or ast.unparse(node)
    return sorted(value, key=repr) if isinstance(value, (set, frozenset)) else (
        list(value) if isinstance(value, tuple) else value)


def _targets(node: ast.stmt) -> list[tuple[str, ast.expr]]:
    if isinstance(node, ast.Assign):
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        return [(name, node.value) for name in names]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
        return [(node.target.id, node.value)]
    return []


def _collect(body: list[ast.stmt], text: str, prefix: KeyPath, into: dict[str, Any],
             lines: dict[KeyPath, tuple[int, int]]) -> None:
    for node in body:
        if isinstance(node, ast.ClassDef):
            inner: dict[str, Any] = {}
            into[node.name] = inner
            lines[(*prefix, node.name)] = (node.lineno, node.col_offset + 1)
            _collect(node.body, text, (*prefix, node.name), inner, lines)
            continue
        for name, value in _targets(node):
            into[name] = _value(value, text)
            lines[(*prefix, name)] = (node.lineno, node.col_offset + 1)


def parse_python(text: str, path: str) -> Parsed:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise ConfigFileError(f"{path} line {exc.lineno}: not valid Python: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ConfigFileError(f"{path}: not a Python file that can be read") from None
    data: dict[str, Any] = {}
    lines: dict[KeyPath, tuple[int, int]] = {}
    try:
        _collect(tree.body, text, (), data, lines)
    except RecursionError:
        raise ConfigFileError(f"{path}: classes nested too deeply") from None
    return Parsed(data, True, yaml_locations=lines)


def _python_line(_text: str, parsed: Parsed, path: KeyPath) -> int | None:
    locations = parsed.yaml_locations or {}
    for end in range(len(path), 0, -1):
        found = locations.get(tuple(path[:end]))
        if found is not None:
            return found[0]
    return None


FORMAT = config_format(ConfigFormat("python", parse_python, _python_line,
                                    extensions=(".py",)))
