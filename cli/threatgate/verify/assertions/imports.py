"""Import evidence: an import statement of the file names a module.

* ``import_present``: an import statement names the module. It does not show that the
  imported code is used.

Files are read as :mod:`threatgate.verify.languages` describes; the comment above the
check says more.
"""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Iterator
from typing import Any

import regex

from threatgate.verify.base import Verdict, assertion_type
from threatgate.verify.languages.brackets import matching_bracket
from threatgate.verify.languages.source import Source, code_check
from threatgate.verify.regexes import finditer

# ---------------------------------------------------------------------------------------
# import_present
# ---------------------------------------------------------------------------------------
# A pass shows: an import statement in the file names the module `module` or a
# submodule/member of it (`module: a` is met by `import a.b`, `from a.b import c`; JS/Go
# `m` by `'m/sub'`; Java/C# `a.b` by `a.b.C`; Rust `a::b` by `use a::b::{c, d}`).
# Python: `import`, `from ... import` (relative imports never meet an absolute name);
# JavaScript/TypeScript: `import ... from`, `import 'm'`, `import('m')`, `require('m')`,
# `export ... from`; Go: `import "m"` and import blocks; Java `import`; Rust `use`,
# `extern crate`; C# `using`. An import inside a comment or a string does not count.
# It does not show: that the import is executed (it may sit in a branch or a
# `TYPE_CHECKING` block), that the module is the expected package, or that it is used.

def _python_imports(source: Source) -> Iterator[tuple[str, int]]:
    for node in ast.walk(source.module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno
            for alias in node.names:
                if alias.name != "*":
                    yield f"{node.module}.{alias.name}", node.lineno


def _code_imports(source: Source) -> Iterator[tuple[str, int]]:
    """(module, index) of every import of a non-Python file."""
    language, text, code = source.language, source.uncommented, source.code
    if language in ("javascript", "typescript"):
        quoted = r"(?P<q>['\"`])(?P<m>[^'\"`\n]*)(?P=q)"
        for pattern in (rf"(?<![\w$.])(?:import|require)\s*\(\s*{quoted}",
                        rf"(?<![\w$.])(?:import|from)\s*{quoted}"):
            for found in finditer(pattern, text):
                if not source.in_literal(found.start()):
                    yield found.group("m"), found.start()
    elif language == "go":
        spec = r"(?:[\w$.]+\s+)?(?P<q>[\"`])(?P<m>[^\"`\n]*)(?P=q)"
        for found in finditer(rf"(?<![\w$.])import\s*{spec}", text):
            if not source.in_literal(found.start()):
                yield found.group("m"), found.start()
        for block in finditer(r"(?<![\w$.])import\s*\(", code):
            low, high = block.end(), matching_bracket(code, block.end() - 1)
            for found in finditer(rf"(?:^|[(;\n])\s*{spec}", text[low:high]):
                yield found.group("m"), low + found.start("m")
    elif language in ("java", "csharp"):
        dotted = r"(?P<m>[\w$]+(?:\s*\.\s*[\w$]+)*)"
        pattern = (rf"(?<![\w$.])import\s+(?:static\s+)?{dotted}(?:\s*\.\s*\*)?\s*;"
                   if language == "java" else
                   rf"(?<![\w$.])(?:global\s+)?using\s+(?:static\s+)?(?:[\w$]+\s*=\s*)?"
                   rf"(?:global\s*::\s*)?{dotted}\s*;")
        for found in finditer(pattern, code):
            yield regex.sub(r"\s+", "", found.group("m")), found.start()
    elif language == "rust":
        for found in finditer(r"(?<![\w$.])use\s+(?P<tree>[^;{}]*(?:\{[^;]*\})?)\s*;", code):
            for path in _rust_use_paths(found.group("tree")):
                yield path, found.start()
        for found in finditer(r"(?<![\w$])extern\s+crate\s+(?P<m>[\w$]+)", code):
            yield found.group("m"), found.start()


def _rust_use_paths(tree: str, prefix: str = "", depth: int = 0) -> list[str]:
    """``a::{b, c::{d, e}}`` -> ["a::b", "a::c::d", "a::c::e"] (aliases and globs dropped)."""
    text = regex.sub(r"\s+as\s+[\w$]+", "", tree)
    text = regex.sub(r"\s+", "", text)
    paths: list[str] = []
    depth_now, start = 0, 0
    items: list[str] = []
    for index, char in enumerate(text):
        if char == "{":
            depth_now += 1
        elif char == "}":
            depth_now -= 1
        elif char == "," and depth_now == 0:
            items.append(text[start:index])
            start = index + 1
    items.append(text[start:])
    for item in items:
        if not item:
            continue
        brace = item.find("{")
        if brace >= 0 and item.endswith("}"):
            head = item[:brace].rstrip(":")
            if depth < 16:
                paths.extend(_rust_use_paths(item[brace + 1:-1], _join(prefix, head),
                                             depth + 1))
        else:
            paths.append(_join(prefix, item))
    cleaned = []
    for path in paths:
        path = regex.sub(r"(?:::(?:self|\*))+\Z", "", path).lstrip(":")
        if path:
            cleaned.append(path)
    return cleaned


def _join(prefix: str, path: str) -> str:
    return f"{prefix}::{path}" if prefix and path else prefix or path


@assertion_type("import_present")
@code_check
def import_present(assertion: dict[str, Any], source: Source) -> Verdict:
    """Passes when an import statement of ``file`` names ``module`` (or a part of it)."""
    module, path, language = str(assertion["module"]).strip(), source.path, source.language
    if language == "python":
        wanted = unicodedata.normalize("NFKC", module)
        for name, line in sorted(_python_imports(source), key=lambda item: item[1]):
            if name == wanted or name.startswith(wanted + "."):
                return Verdict.passed(f"{module} is imported in {path}", path, line)
        return Verdict.failed(f"{module} is not imported in {path}", path)
    separator = {"javascript": "/", "typescript": "/", "go": "/", "rust": "::"}.get(
        language, ".")
    wanted = module.replace(".", "::") if language == "rust" else module
    hits = [index for name, index in _code_imports(source)
            if name == wanted or name.startswith(wanted + separator)]
    if hits:
        return Verdict.passed(f"{module} is imported in {path}", path,
                              source.line(min(hits)))
    return Verdict.failed(f"{module} is not imported in {path} (comments and string "
                          "literals are ignored)", path)
