"""File-level evidence: a file exists, has a pinned digest, a test exists.

``file_exists`` passes for a regular file inside the repository; a path whose symbolic
links lead out of it is an ``error`` (refused evidence), not a missing file.
``test_exists`` with a ``name`` looks for a definition-shaped test (Python ``def``,
JavaScript/TypeScript ``it``/``test``/``describe``, Go ``func``, Java/C# ``void`` or
``Task`` methods, Rust ``fn``) whose keyword is code: in a file of a language
:mod:`threatgate.verify.languages` knows (by extension), a definition inside a comment
or a string (a docstring) does not count. A qualified ``name`` (``TestLogin.test_lockout``,
``LoginTest::lockout``) is a method of that class, found as ``function_exists`` finds
one, in the files of a language it reads. Files that cannot be read as text (binary,
oversized) or parsed are skipped.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Any

from threatgate.verify.base import (
    EvidenceError,
    Tree,
    Verdict,
    WorkingTree,
    assertion_type,
    clean_path,
)
from threatgate.verify.languages import EXTENSIONS, blank_comments_and_strings
from threatgate.verify.languages.definitions import function_names
from threatgate.verify.languages.python import python_functions
from threatgate.verify.languages.source import CodeError, name_parts, source_of
from threatgate.verify.regexes import finditer, line_of


@assertion_type("file_exists")
def file_exists(assertion: dict[str, Any], tree: Tree) -> Verdict:
    path = assertion["file"]
    if tree.exists(path):
        try:
            tree.read_bytes(path)  # recorded in the evidence digest
        except EvidenceError:
            # Over the size cap: it exists all the same, it just cannot be hashed.
            return Verdict.passed(f"{path} exists (too large to record in the digest)", path)
        return Verdict.passed(f"{path} exists", path)
    if isinstance(tree, WorkingTree):
        target = (tree.root / clean_path(path)).resolve()
        if target != tree.root and tree.root not in target.parents:
            raise EvidenceError(f"{path} resolves outside the repository (a symbolic link)")
    return Verdict.failed(f"{path} does not exist", path)


@assertion_type("file_hash")
def file_hash(assertion: dict[str, Any], tree: Tree) -> Verdict:
    path, expected = assertion["file"], str(assertion["sha256"]).lower()
    actual = hashlib.sha256(tree.read_bytes(path)).hexdigest()
    if actual == expected:
        return Verdict.passed(f"{path} has the pinned SHA-256", path)
    return Verdict.failed(f"{path} has SHA-256 {actual}, not the pinned {expected}", path)


_TEST_DEFINITION = (
    r"(?m)^[ \t]*(?:async\s+)?def\s+{name}\s*\("        # Python
    r"|\b(?:it|test|describe)\s*\(\s*['\"`]{name}['\"`]"  # JavaScript / TypeScript
    r"|\bfunc\s+{name}\s*\("                           # Go
    r"|\b(?:void|Task)\s+{name}\s*\("                   # Java / C#
    r"|\bfn\s+{name}\s*\("                             # Rust
)


def _code_only(path: str, text: str) -> str:
    """The text with comments and literals blanked when its language is known."""
    language = EXTENSIONS.get(PurePosixPath(path).suffix.lower())
    return blank_comments_and_strings(text, language) if language else text


def _qualified(tree: Tree, path: str, name: str) -> int | None:
    """The line of the method ``Class.method`` in a file of a language the code checks
    read (None: not there, or a file they cannot read)."""
    language = EXTENSIONS.get(PurePosixPath(path).suffix.lower())
    if language is None:
        return None
    source = source_of(tree, path, language)
    parts = name_parts(name, language)
    try:
        if language == "python":
            functions = python_functions(source, parts)
            return functions[0].lineno if functions else None
        names = function_names(source, parts)
    except (CodeError, EvidenceError):
        return None  # does not parse, or too costly to read: not this file
    return source.line(names[0][0]) if names else None


def _qualified_test(name: str, matches: list[str], tree: Tree, pattern: str) -> Verdict:
    for path in matches:
        try:
            tree.read_text(path)
        except EvidenceError:
            continue  # binary or oversized: not a test file
        line = _qualified(tree, path, name)
        if line is not None:
            return Verdict.passed(f"test {name} is defined in {path}", path, line)
    return Verdict.failed(f"no test method {name} in the {len(matches)} file(s) matching "
                          f"{pattern}")


@assertion_type("test_exists", path_params=("glob",))
def test_exists(assertion: dict[str, Any], tree: Tree) -> Verdict:
    pattern = assertion["glob"]
    matches = tree.glob(pattern)
    if not matches:
        return Verdict.failed(f"no file matches {pattern}")
    name = assertion.get("name")
    if not name:
        return Verdict.passed(f"{len(matches)} test file(s) match {pattern}", matches[0])
    if "." in str(name) or "::" in str(name):
        return _qualified_test(str(name), matches, tree, pattern)
    import regex

    expression = _TEST_DEFINITION.replace("{name}", regex.escape(str(name)))
    for path in matches:
        try:
            text = tree.read_text(path)
        except EvidenceError:
            continue  # binary or oversized: not a test file
        code = None
        for found in finditer(expression, text):
            keyword = found.start() + len(found.group(0)) - len(found.group(0).lstrip())
            code = code if code is not None else _code_only(path, text)
            if code[keyword] == " ":
                continue  # the definition is inside a comment or a string
            return Verdict.passed(f"test {name} is defined in {path}", path,
                                  line_of(text, keyword))
    return Verdict.failed(f"no test named {name} in the {len(matches)} file(s) matching "
                          f"{pattern}")
