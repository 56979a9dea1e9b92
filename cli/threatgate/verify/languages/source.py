"""One source file under check, and the plumbing every code assertion type shares."""

from __future__ import annotations

import ast
import bisect
import unicodedata
import warnings
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, cast

import regex

from threatgate.verify.base import EvidenceError, Tree, Verdict
from threatgate.verify.languages.blanking import Span, blank, literal_spans
from threatgate.verify.languages.registry import EXTENSIONS, LANGUAGES
from threatgate.verify.regexes import TIMEOUT_SECONDS, line_of


class CodeError(Exception):
    """The assertion cannot be checked on this file: an ``error`` verdict with this reason."""


PyDef = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


#: The nodes a ``def`` or ``class`` statement can sit in: statements, and the clauses of
#: ``try`` and ``match``. Expressions never hold one (a lambda holds an expression), so
#: they are not walked.
_STATEMENT_NODES = (ast.stmt, ast.excepthandler, ast.match_case)


def python_definitions(module: ast.Module) -> list[tuple[tuple[str, ...], PyDef]]:
    """Every function, method and class with its qualified name, in source order."""
    found: list[tuple[tuple[str, ...], PyDef]] = []
    stack: list[tuple[tuple[str, ...], ast.AST]] = [((), module)]
    while stack:
        prefix, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualified = (*prefix, child.name)
                found.append((qualified, child))
                stack.append((qualified, child))
            elif isinstance(child, _STATEMENT_NODES):
                stack.append((prefix, child))
    found.sort(key=lambda item: (item[1].lineno, item[1].col_offset))
    return found


class Source:
    """One file to check: its text, language and (lazily) its parsed or blanked forms."""

    def __init__(self, path: str, language: str, text: str) -> None:
        self.path, self.language, self.text = path, language, text

    @cached_property
    def spans(self) -> list[Span]:
        return literal_spans(self.text, self.language)

    @cached_property
    def code(self) -> str:
        """Comments and literals blanked: where definitions and calls are looked for."""
        return blank(self.text, self.spans, ("comment", "string"))

    @cached_property
    def uncommented(self) -> str:
        """Comments blanked, literals kept: for module names, which are strings."""
        return blank(self.text, self.spans, ("comment",))

    @cached_property
    def _starts(self) -> list[int]:
        return [start for start, _end, _kind in self.spans]

    def in_literal(self, index: int) -> bool:
        k = bisect.bisect_right(self._starts, index) - 1
        return k >= 0 and self.spans[k][0] <= index < self.spans[k][1]

    def line(self, index: int) -> int:
        return line_of(self.text, index)

    @cached_property
    def module(self) -> ast.Module:
        text = self.text[1:] if self.text.startswith("\ufeff") else self.text
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes etc. must not become errors
                return ast.parse(text, filename=self.path)
        except SyntaxError as exc:
            raise CodeError(
                f"{self.path} is not valid Python ({exc.msg}, line {exc.lineno}); code "
                "assertions read a Python file's syntax tree, so fix the file (or use "
                "pattern_matches)") from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise CodeError(f"{self.path} cannot be parsed as Python: {exc}") from None

    @cached_property
    def definitions(self) -> list[tuple[tuple[str, ...], PyDef]]:
        return python_definitions(self.module)


def language_of(assertion: dict[str, Any]) -> str:
    path = str(assertion["file"])
    language = assertion.get("language")
    if language is not None:
        if language not in LANGUAGES:
            raise CodeError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        return str(language)
    name = path.rsplit("/", 1)[-1]
    extension = name[name.rfind("."):].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise CodeError(f"cannot tell the language of {path} from its extension "
                        f"{extension or '(none)'!r}; set `language` to one of "
                        f"{', '.join(LANGUAGES)}")
    return EXTENSIONS[extension]


def source_of(tree: Tree, path: str, language: str) -> Source:
    """The file as a :class:`Source`, one per content and language in a run: its syntax
    tree, blanked code and definitions are worked out once however many assertions read
    it (each read is still recorded as the assertion's evidence)."""
    text = tree.read_text(path)
    return cast(Source, tree.memo(("source", path, language, tree.digest_of(path)),
                                  lambda: Source(path, language, text)))


CheckBody = Callable[[dict[str, Any], Source], Verdict]


def code_check(body: CheckBody) -> Callable[[dict[str, Any], Tree], Verdict]:
    """Resolve the language, read the file, and turn a :class:`CodeError` (and a search
    out of time) into an ``error`` verdict.

    :class:`~threatgate.verify.base.EvidenceError` from reading the file (missing,
    binary, too large) is left to the caller, like every other check.
    """

    @wraps(body)
    def check(assertion: dict[str, Any], tree: Tree) -> Verdict:
        path = str(assertion["file"])
        try:
            language = language_of(assertion)
            source = source_of(tree, path, language)
            try:
                return body(assertion, source)
            except EvidenceError:  # only the time limit of a search, once the file is read
                return Verdict.error(
                    f"{path} could not be checked within the time limit of "
                    f"{TIMEOUT_SECONDS:g} s per search (a very large or unbalanced file); "
                    "check it with pattern_matches instead", path)
        except CodeError as exc:
            return Verdict.error(str(exc), path)

    return check


def name_parts(name: Any, language: str) -> tuple[str, ...]:
    """``A.b`` / ``A::b`` as ("A", "b"); Python names NFKC-normalised like the parser."""
    text = str(name).strip()
    if language == "python":
        text = unicodedata.normalize("NFKC", text)
    parts = tuple(p.strip() for p in regex.split(r"\.|::", text))
    if not all(parts):
        raise CodeError(f"{name!r} is not a name or a dotted name")
    return parts


def ends_with(qualified: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    return len(parts) <= len(qualified) and qualified[len(qualified) - len(parts):] == parts


def path_parts(path: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in regex.split(r"\.|::", path))
