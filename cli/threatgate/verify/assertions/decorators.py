"""Decorator evidence: a decorator, annotation or attribute is written on a definition.

* ``decorator_present``: a decorator/annotation/attribute is written on a definition (on
  ``function`` when given). It does not show what the decorator does at run time.

Files are read as :mod:`threatgate.verify.languages` describes; the comment above the
check says more.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from threatgate.verify.base import Verdict, assertion_type
from threatgate.verify.languages.brackets import matching_bracket, top_level_items
from threatgate.verify.languages.definitions import MODIFIERS, function_names
from threatgate.verify.languages.python import python_aliases, python_matches, python_names
from threatgate.verify.languages.source import (
    CodeError,
    Source,
    code_check,
    ends_with,
    name_parts,
    path_parts,
)
from threatgate.verify.regexes import finditer, match_at, search

# ---------------------------------------------------------------------------------------
# decorator_present
# ---------------------------------------------------------------------------------------
# A pass shows: a decorator (Python), annotation (Java, TypeScript/JavaScript `@Name`),
# attribute (C# `[Name]`, `[NameAttribute]`; Rust `#[name]`) whose name is `name` or ends
# with `.name` is written on a definition (on the `function` one when given). With
# arguments (`@app.route("/x")`) it still counts, whatever the arguments are.
# It does not show: what the decorator does at run time, that it is the library's and
# not a same-named local one (Python resolves import aliases, nothing more), or that the
# arguments are right. Go has no decorators: a Go file is an `error` verdict.

def _decorator_paths(source: Source) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """(start, end, dotted parts) of every decorator/annotation/attribute in the code."""
    code, language = source.code, source.language
    path = r"(?P<path>[\w$]+(?:\s*(?:\.|::)\s*[\w$]+)*)"
    if language == "csharp":
        for section in finditer(r"\[", code):
            if not _starts_attribute_section(code, section.start()):
                continue
            close = matching_bracket(code, section.start())
            content_start = section.end()
            target = match_at(r"\s*[\w$]+\s*:(?!:)", code, content_start)
            if target is not None:
                content_start = target.end()
            for start, end in top_level_items(code, content_start, close - 1):
                found = match_at(rf"\s*(?:global\s*::\s*)?{path}", code, start)
                if found is not None and found.end() <= end:
                    yield found.start("path"), close, path_parts(found.group("path"))
        return
    opener = r"#!?\[\s*" if language == "rust" else r"@\s*"
    for found in finditer(rf"{opener}{path}", code):
        if language != "rust" and found.start() > 0 and (code[found.start() - 1].isalnum()
                                                        or code[found.start() - 1] in "_$"):
            continue
        end = found.end()
        after = match_at(r"\s*\(", code, end)
        if language == "rust":
            end = matching_bracket(code, code.index("[", found.start()))
        elif after is not None:
            end = matching_bracket(code, after.end() - 1)
        yield found.start("path"), end, path_parts(found.group("path"))


def _starts_attribute_section(code: str, index: int) -> bool:
    """Whether the C# ``[`` at ``index`` opens an attribute section, not an index."""
    before = index - 1
    while before >= 0 and code[before] in " \t\r\n":
        before -= 1
    if before < 0:
        return True
    previous = code[before]
    if previous == "]":
        return "\n" in code[before:index]
    return previous in ";{}(,"


def _decorator_name_matches(found: tuple[str, ...], parts: tuple[str, ...],
                            language: str) -> bool:
    if ends_with(found, parts):
        return True
    if language == "csharp":  # [Authorize] is AuthorizeAttribute
        last, wanted = found[-1], parts[-1]
        for a, b in ((last + "Attribute", wanted), (last, wanted + "Attribute")):
            if a == b and ends_with(found[:-1], parts[:-1]):
                return True
    return False


def _decorated_name(source: Source, pos: int) -> int | None:
    """Start of the name of the definition that the decorators ending at ``pos`` sit on."""
    code, language = source.code, source.language
    while True:  # skip further decorators / attributes
        if language == "csharp":
            nxt = match_at(r"\s*\[", code, pos)
            if nxt is None:
                break
            pos = matching_bracket(code, nxt.end() - 1)
        else:
            opener = r"#!?\[" if language == "rust" else r"@\s*[\w$]"
            nxt = match_at(rf"\s*{opener}", code, pos)
            if nxt is None:
                break
            if language == "rust":
                pos = matching_bracket(code, nxt.end() - 1)
                continue
            after = match_at(r"[\w$]*(?:\s*(?:\.|::)\s*[\w$]+)*(\s*\()?", code, nxt.end())
            if after is None:  # cannot happen: the pattern matches the empty string
                return None
            pos = matching_bracket(code, after.end() - 1) if after.group(1) else after.end()
    header_end = search(r"[{;]|=>", code, 0, pos)
    header = code[pos:header_end.start() if header_end is not None else len(code)]
    if language == "rust":
        found = search(r"(?<![\w$])fn\s+([\w$]+)", header)
        return pos + found.start(1) if found is not None else None
    paren, equals = header.find("("), search(r"(?<![=!<>])=(?![=>])", header)
    if equals is not None and (paren < 0 or equals.start() < paren):
        for word in finditer(r"#?([\w$]+)", header[:equals.start()]):
            if word.group(1) not in MODIFIERS:
                return pos + int(word.start(1))
        return None
    if paren < 0:
        return None
    found = search(r"([\w$]+)\s*(?:<[^()]*>\s*)?\Z", header[:paren])
    return pos + found.start(1) if found is not None else None


@assertion_type("decorator_present")
@code_check
def decorator_present(assertion: dict[str, Any], source: Source) -> Verdict:
    """Passes when decorator ``name`` is applied (to ``function`` when given)."""
    name, path, language = str(assertion["name"]).lstrip("@"), source.path, source.language
    parts = name_parts(name, language)
    function = assertion.get("function")
    where = f" to {function}" if function else ""
    shown = {"csharp": f"[{name}]", "rust": f"#[{name}]"}.get(language, f"@{name}")
    if language == "go":
        raise CodeError("Go has no decorators or annotations; use pattern_matches or "
                        "function_calls for a Go wrapper")
    if language == "python":
        wanted = ".".join(parts)
        aliases = python_aliases(source.module)
        targets = source.definitions
        if function:
            function_parts = name_parts(function, language)
            targets = [t for t in targets if ends_with(t[0], function_parts)]
            if not targets:
                return Verdict.failed(f"{function} is not defined in {path}", path)
        for _qualified, node in targets:
            for decorator in node.decorator_list:
                expression = decorator.func if isinstance(decorator, ast.Call) else decorator
                if python_matches(python_names(expression, aliases), wanted):
                    return Verdict.passed(f"{shown} is applied{where} in {path}", path,
                                          decorator.lineno)
        return Verdict.failed(f"{shown} is not applied{where} in {path}", path)
    allowed: set[int] | None = None
    if function:
        allowed = {start for start, _end in function_names(source,
                                                           name_parts(function, language))}
        if not allowed:
            return Verdict.failed(f"{function} is not defined in {path}", path)
    for start, end, found in _decorator_paths(source):
        if not _decorator_name_matches(found, parts, language):
            continue
        if allowed is None or _decorated_name(source, end) in allowed:
            return Verdict.passed(f"{shown} is applied{where} in {path}", path,
                                  source.line(start))
    return Verdict.failed(f"{shown} is not applied{where} in {path} (comments and string "
                          "literals are ignored)", path)
