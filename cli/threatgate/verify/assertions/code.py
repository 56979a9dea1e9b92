"""Code-structure evidence: functions and classes defined, calls made in a function.

Files are read as :mod:`threatgate.verify.languages` describes: Python through its
syntax tree, the other languages through definition-shaped patterns on a copy of the
file whose comments and literals are blanked. A Python file that does not parse is an
``error`` verdict.

* ``function_exists``: a function or method of that name is defined. It does not show
  that it is called, nor that it does what its name says.
* ``class_exists``: a class (struct, interface, enum, record, trait) is defined. It does
  not show that it is used.
* ``function_calls``: a call of ``calls`` appears in the body of ``function``. It does
  not show that the call is reached on every path.

The comment above each check says more.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from typing import Any

from threatgate.verify.base import Verdict, assertion_type
from threatgate.verify.languages.brackets import find_body
from threatgate.verify.languages.definitions import (
    DEFINING_WORDS,
    call_pattern,
    class_names,
    function_names,
    previous_word,
)
from threatgate.verify.languages.python import (
    node_position,
    python_aliases,
    python_functions,
    python_matches,
    python_names,
)
from threatgate.verify.languages.source import Source, code_check, ends_with, name_parts
from threatgate.verify.regexes import finditer

# ---------------------------------------------------------------------------------------
# function_exists
# ---------------------------------------------------------------------------------------
# A pass shows: a function or method with this (qualified) name is *defined* in the
# file: a `def`/`async def` in Python's syntax tree, or a definition-shaped declaration
# (with a body, except JavaScript/TypeScript `function` declarations) in the blanked code.
# It does not show: that the function is called, reachable, exported, or that it does
# what its name says; nor (outside Python) that a same-named definition is not shadowed.

@assertion_type("function_exists")
@code_check
def function_exists(assertion: dict[str, Any], source: Source) -> Verdict:
    """Passes when a function or method called ``name`` is defined in ``file``."""
    name, path = str(assertion["name"]), source.path
    parts = name_parts(name, source.language)
    if source.language == "python":
        functions = python_functions(source, parts)
        if functions:
            node = functions[0]
            kind = "async function" if isinstance(node, ast.AsyncFunctionDef) else "function"
            return Verdict.passed(f"{kind} {name} is defined in {path}", path, node.lineno)
        return Verdict.failed(f"no function named {name} is defined in {path}", path)
    names = function_names(source, parts)
    if names:
        return Verdict.passed(f"function {name} is defined in {path}", path,
                              source.line(names[0][0]))
    return Verdict.failed(f"no definition of a function named {name} in {path} (comments "
                          "and string literals are ignored)", path)


# ---------------------------------------------------------------------------------------
# class_exists
# ---------------------------------------------------------------------------------------
# A pass shows: a class of this (qualified) name is defined in the file; outside Python
# also an interface, enum or record (Java, TypeScript, C#), struct (C#, Go, Rust), trait
# or union (Rust), Go interface. A Go type of another kind (`type X int`) does not count.
# It does not show: that the class is instantiated or used, nor what its members do.

@assertion_type("class_exists")
@code_check
def class_exists(assertion: dict[str, Any], source: Source) -> Verdict:
    """Passes when a class-like type called ``name`` is defined in ``file``."""
    name, path = str(assertion["name"]), source.path
    parts = name_parts(name, source.language)
    if source.language == "python":
        for qualified, node in source.definitions:
            if isinstance(node, ast.ClassDef) and ends_with(qualified, parts):
                return Verdict.passed(f"class {name} is defined in {path}", path, node.lineno)
        return Verdict.failed(f"no class named {name} is defined in {path}", path)
    starts = class_names(source, parts)
    if starts:
        return Verdict.passed(f"class {name} is defined in {path}", path,
                              source.line(starts[0]))
    return Verdict.failed(f"no definition of a class (or struct, interface, enum, trait) "
                          f"named {name} in {path} (comments and string literals are "
                          "ignored)", path)


# ---------------------------------------------------------------------------------------
# function_calls
# ---------------------------------------------------------------------------------------
# A pass shows: inside the body of the function `function` (any definition of that
# name; nested functions and lambdas in it included) there is a call whose dotted name is
# `calls` or ends with `.calls` (`bcrypt.hashpw`, `self.bcrypt.hashpw`; in Python also
# through an import alias: `from bcrypt import hashpw as h; h()` is `bcrypt.hashpw`).
# It does not show: that the call is reached on every path (or at all), that it is not
# shadowed by a local of the same name, its arguments, or that its result is used.

@assertion_type("function_calls")
@code_check
def function_calls(assertion: dict[str, Any], source: Source) -> Verdict:
    """Passes when the body of ``function`` holds a call of ``calls``."""
    function, calls, path = str(assertion["function"]), str(assertion["calls"]), source.path
    function_parts = name_parts(function, source.language)
    call_parts = name_parts(calls, source.language)
    if source.language == "python":
        definitions = python_functions(source, function_parts)
        if not definitions:
            return Verdict.failed(f"no function named {function} is defined in {path}", path)
        wanted, aliases = ".".join(call_parts), python_aliases(source.module)
        hits = [node for definition in definitions for statement in definition.body
                for node in ast.walk(statement)
                if isinstance(node, ast.Call)
                and python_matches(python_names(node.func, aliases), wanted)]
        if hits:
            first = min(hits, key=node_position)
            return Verdict.passed(f"{function} calls {calls} in {path}", path, first.lineno)
        return Verdict.failed(f"{function} does not call {calls} in {path}", path)
    names = function_names(source, function_parts)
    if not names:
        return Verdict.failed(f"no definition of a function named {function} in {path}",
                              path)
    code = source.code
    # Every call in the file, found once: bodies may nest, and are not searched each.
    found = [(match.start(), match.end()) for match in finditer(call_pattern(call_parts), code)
             if previous_word(code, match.start()) not in DEFINING_WORDS]
    bodies = 0
    for _start, end in names:
        body = find_body(code, end, source.language)
        if body is None:
            continue
        bodies += 1
        low, high = body
        at = bisect_left(found, (low, low))  # the first call in the body, if any
        if at < len(found) and found[at][1] <= high:
            return Verdict.passed(f"{function} calls {calls} in {path}", path,
                                  source.line(found[at][0]))
    if not bodies:
        return Verdict.failed(f"{function} is declared in {path} but has no body", path)
    return Verdict.failed(f"{function} does not call {calls} in {path} (comments and "
                          "string literals are ignored)", path)
