"""File-level evidence: a file exists, has a pinned digest, a test exists."""

from __future__ import annotations

import hashlib
from typing import Any

from threatgate.verify.base import Tree, Verdict, assertion_type
from threatgate.verify.regexes import line_of, search


@assertion_type("file_exists")
def file_exists(assertion: dict[str, Any], tree: Tree) -> Verdict:
    path = assertion["file"]
    if tree.exists(path):
        tree.read_bytes(path)  # recorded in the evidence digest
        return Verdict.passed(f"{path} exists", path)
    return Verdict.failed(f"{path} does not exist", path)


@assertion_type("file_hash")
def file_hash(assertion: dict[str, Any], tree: Tree) -> Verdict:
    path, expected = assertion["file"], str(assertion["sha256"]).lower()
    actual = hashlib.sha256(tree.read_bytes(path)).hexdigest()
    if actual == expected:
        return Verdict.passed(f"{path} has the pinned SHA-256", path)
    return Verdict.failed(f"{path} has SHA-256 {actual}, not the pinned {expected}", path)


_TEST_DEFINITION = (
    r"(?m)^\s*(?:async\s+)?def\s+{name}\s*\("          # Python
    r"|\b(?:it|test|describe)\s*\(\s*['\"`]{name}['\"`]"  # JavaScript / TypeScript
    r"|\bfunc\s+{name}\s*\("                           # Go
    r"|\bvoid\s+{name}\s*\("                           # Java / C#
    r"|\bfn\s+{name}\s*\("                             # Rust
)


@assertion_type("test_exists", path_params=("glob",))
def test_exists(assertion: dict[str, Any], tree: Tree) -> Verdict:
    pattern = assertion["glob"]
    matches = tree.glob(pattern)
    if not matches:
        return Verdict.failed(f"no file matches {pattern}")
    name = assertion.get("name")
    if not name:
        return Verdict.passed(f"{len(matches)} test file(s) match {pattern}", matches[0])
    import regex

    expression = _TEST_DEFINITION.replace("{name}", regex.escape(str(name)))
    for path in matches:
        text = tree.read_text(path)
        found = search(expression, text)
        if found:
            return Verdict.passed(f"test {name} is defined in {path}", path,
                                  line_of(text, found.start()))
    return Verdict.failed(f"no test named {name} in the {len(matches)} file(s) matching "
                          f"{pattern}")
