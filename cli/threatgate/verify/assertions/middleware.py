"""Middleware evidence: a recognised registration of a middleware is written.

* ``middleware_registered``: a recognised registration of the middleware is written. It
  does not show its order relative to the routes, nor that the registering code runs.

Files are read as :mod:`threatgate.verify.languages` describes; the comment above the
check says more.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import Any

import regex

from threatgate.verify.base import Verdict, assertion_type
from threatgate.verify.languages.brackets import matching_bracket, top_level_items
from threatgate.verify.languages.python import (
    node_position,
    python_aliases,
    python_matches,
    python_names,
)
from threatgate.verify.languages.source import Source, code_check, name_parts, path_parts
from threatgate.verify.regexes import finditer, match_at

# ---------------------------------------------------------------------------------------
# middleware_registered
# ---------------------------------------------------------------------------------------
# A pass shows: the file registers a middleware named `name` in one of the recognised
# forms, outside comments and strings:
#   Python (syntax tree): Django `MIDDLEWARE`/`MIDDLEWARE_CLASSES` lists (assigned,
#   extended, appended, inserted) holding 'dotted.path.Name'; FastAPI/Starlette
#   `add_middleware(Name, ...)` and `Middleware(Name, ...)`; `@app.middleware("http")` on a
#   function `name`; Flask `app.wsgi_app = Name(app.wsgi_app)`.
#   JavaScript/TypeScript (Express, Koa, Nest): `x.use(name)`, `x.use(name(...))`,
#   `x.use('/path', name.sub())`; Go (chi, gin, echo): `r.Use(name)`; C# (ASP.NET):
#   `app.UseName(...)`, `app.UseMiddleware<Name>()`, `app.Use(name)`; Java (Spring):
#   `addFilter*(new Name(...))`, `addInterceptor(new Name())`; Rust (actix, axum, tower):
#   `.wrap(Name::new())`, `.layer(Name::new())`.
# An argument counts when its leading dotted path holds `name` as whole parts in a row
# (`helmet` in `helmet()` and `helmet.hsts()`, `Logger` in `middleware::Logger::default()`).
# It does not show: the order relative to routes or other middleware, that the code
# registering it runs (a branch, a test-only app), the middleware's configuration, or in
# Django that this settings file is the one in use.

_REGISTRATION_METHODS: dict[str, str] = {
    "javascript": "use",
    "typescript": "use",
    "go": "Use",
    "csharp": "Use",
    "java": "addFilter|addFilterBefore|addFilterAfter|addFilterAt|addInterceptor",
    "rust": "wrap|wrap_fn|layer|route_layer",
}


def _argument_names(code: str, low: int, high: int) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(index, leading dotted path) of each argument in ``code[low:high]``."""
    for start, end in top_level_items(code, low, high):
        found = match_at(r"\s*(?:(?:new|await)\s+|typeof\s*\(\s*)?"
                         r"(?P<path>[\w$]+(?:\s*(?:\.|::)\s*[\w$]+)*)", code, start)
        if found is not None and found.end() <= end:
            yield found.start("path"), path_parts(found.group("path"))


def _path_names(found: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Whether ``parts`` occur, whole and in a row, in the path ``found``."""
    size = len(parts)
    return any(found[i:i + size] == parts for i in range(len(found) - size + 1))


def _code_middleware(source: Source, parts: tuple[str, ...]) -> int | None:
    code, language = source.code, source.language
    methods = _REGISTRATION_METHODS[language]
    if language == "csharp":
        suffix = parts[-1][3:] if parts[-1].startswith("Use") and len(parts) == 1 else None
        for found in finditer(r"\.\s*Use(?P<rest>[\w$]*)\s*(?:<(?P<generic>[^<>()]*"
                              r"(?:<[^<>()]*>[^<>()]*)*)>)?\s*\(", code):
            rest, generic = found.group("rest"), found.group("generic")
            if rest and len(parts) == 1 and rest in (parts[0], suffix):
                return int(found.start())
            if rest == "Middleware" and generic and _path_names(
                    path_parts(regex.sub(r"<.*", "", generic, flags=regex.DOTALL)), parts):
                return int(found.start())
            if not rest:
                close = matching_bracket(code, found.end() - 1)
                for index, names in _argument_names(code, found.end(), close - 1):
                    if _path_names(names, parts):
                        return index
        return None
    for found in finditer(rf"\.\s*(?:{methods})\s*\(", code):
        close = matching_bracket(code, found.end() - 1)
        for position, (index, names) in enumerate(_argument_names(code, found.end(),
                                                                  close - 1)):
            if language == "java" and position:
                break  # addFilterBefore(new F(), Other.class): only the first is registered
            if _path_names(names, parts):
                return index
    return None


_DJANGO_SETTINGS = frozenset({"MIDDLEWARE", "MIDDLEWARE_CLASSES"})


def _list_strings(node: ast.AST) -> Iterator[ast.Constant]:
    """String elements of a list/tuple literal, through ``+`` and ``*unpacking``."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        for element in node.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                yield element
            elif isinstance(element, ast.Starred):
                yield from _list_strings(element.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _list_strings(node.left)
        yield from _list_strings(node.right)


def _is_settings_name(node: ast.AST) -> bool:
    return ((isinstance(node, ast.Name) and node.id in _DJANGO_SETTINGS)
            or (isinstance(node, ast.Attribute) and node.attr in _DJANGO_SETTINGS))


def _python_middleware(source: Source, wanted: str) -> int | None:
    aliases = python_aliases(source.module)
    hits: list[ast.AST] = []

    def string_names(strings: Iterable[ast.Constant]) -> None:
        hits.extend(s for s in strings if python_matches([str(s.value)], wanted))

    for node in ast.walk(source.module):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_settings_name(t) for t in targets):
                string_names(_list_strings(node.value))
            if (any(isinstance(t, ast.Attribute) and t.attr == "wsgi_app" for t in targets)
                    and isinstance(node.value, ast.Call)
                    and python_matches(python_names(node.value.func, aliases), wanted)):
                hits.append(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and _is_settings_name(func.value):
                if func.attr in ("append", "insert") and node.args:
                    last = node.args[-1]
                    if isinstance(last, ast.Constant) and isinstance(last.value, str):
                        string_names([last])
                elif func.attr == "extend" and node.args:
                    string_names(_list_strings(node.args[0]))
            is_add = isinstance(func, ast.Attribute) and func.attr == "add_middleware"
            if is_add or python_matches(python_names(func, aliases), "Middleware"):
                first = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg in ("middleware_class", "cls")),
                    None)
                if first is not None and python_matches(python_names(first, aliases), wanted):
                    hits.append(first)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                node.name == wanted.rsplit(".", 1)[-1]):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and isinstance(
                        decorator.func, ast.Attribute) and decorator.func.attr == "middleware":
                    hits.append(decorator)
    if not hits:
        return None
    return min(node_position(h)[0] for h in hits)


@assertion_type("middleware_registered")
@code_check
def middleware_registered(assertion: dict[str, Any], source: Source) -> Verdict:
    """Passes when ``file`` registers middleware ``name`` in a recognised form."""
    name, path = str(assertion["name"]).strip(), source.path
    parts = name_parts(name, source.language)
    if source.language == "python":
        line = _python_middleware(source, ".".join(parts))
    else:
        index = _code_middleware(source, parts)
        line = None if index is None else source.line(index)
    if line is not None:
        return Verdict.passed(f"middleware {name} is registered in {path}", path, line)
    return Verdict.failed(f"middleware {name} is not registered in {path} (comments and "
                          "string literals are ignored)", path)
