"""Shared harness of the data-driven assertion cases under ``tests/cases/verify/``.

Every case file (``code/``, ``config/``, ``dependencies/``, ``text/``) has this shape::

    description: what the file covers
    cases:
      - name: nested-key
        description: why this case matters      # optional
        files:                                  # path -> text, written to a fresh tree
          config/app.yaml: |
            server:
              tls: {enabled: true}
        symlinks:                               # optional: link -> target, as written
          config/link.yaml: ../../outside/secret.yaml
        outside:                                # optional: files next to the tree, not in it
          outside/secret.yaml: "token: x"
        assertion: {type: config_key_exists, file: config/app.yaml, key: server.tls.enabled}
        status: pass                            # pass, fail or error
        line: 2                                 # optional: the verdict's line (null: none)
        verdict_file: config/app.yaml           # optional: the verdict's file (null: none)
        reason_contains: "server.tls.enabled"   # optional: one substring or a list
        reason_not: "..."                       # optional: substrings the reason must lack
        schema_valid: false                     # optional: the assertion breaks the schema
        xfail: "why the product is wrong here"  # optional: a known defect (strict)

The tree is the folder ``repo`` of a fresh temporary folder; ``outside`` files go in that
temporary folder beside it, so a symbolic link such as ``../outside/x`` (from the tree's
top) leads out of the repository. The assertion is checked the way ``threatgate verify``
checks it: against a :class:`WorkingTree` of the files, through the registry; an
:class:`EvidenceError` raised by the tree is an ``error`` verdict. Any other exception
fails the test: a malformed file must give a clear verdict, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import threatgate.verify  # noqa: F401  (registers the assertion types)
from casefiles import CASE_NAME, read_yaml, strings, xfail_marks
from conftest import CASES_DIR
from threatgate.model.schema import check as schema_check
from threatgate.verify.base import REGISTRY, EvidenceError, Verdict, WorkingTree

CASES_ROOT = CASES_DIR / "verify"
CASE_KEYS = frozenset({"name", "description", "files", "symlinks", "outside", "assertion",
                       "status", "line", "verdict_file", "reason_contains", "reason_not",
                       "schema_valid", "xfail"})
STATUSES = ("pass", "fail", "error")


def _text_mapping(case: dict[str, Any], key: str, where: str, *, required: bool) -> None:
    value = case.get(key)
    if value is None and not required:
        return
    assert isinstance(value, dict), f"{where}: {key!r} is not a mapping"
    assert all(isinstance(k, str) and isinstance(t, str) for k, t in value.items()), (
        f"{where}: {key!r} maps a path to something other than text")


def load_cases(path: Path, allowed_types: Collection[str]) -> list[dict[str, Any]]:
    """Read and sanity-check one case file; mistakes in the file fail loudly."""
    document = read_yaml(path)
    assert isinstance(document, dict), f"{path.name}: not a mapping"
    assert set(document) <= {"description", "cases"}, f"{path.name}: unknown keys"
    cases = document.get("cases")
    assert isinstance(cases, list) and cases, f"{path.name}: no cases"
    seen: set[str] = set()
    for case in cases:
        assert isinstance(case, dict), f"{path.name}: a case is not a mapping"
        name = case.get("name")
        assert isinstance(name, str) and CASE_NAME.fullmatch(name), f"{path.name}: bad name {name!r}"
        where = f"{path.name}::{name}"
        assert name not in seen, f"{where}: name used twice"
        seen.add(name)
        assert set(case) <= CASE_KEYS, f"{where}: unknown keys {sorted(set(case) - CASE_KEYS)}"
        _text_mapping(case, "files", where, required=True)
        _text_mapping(case, "symlinks", where, required=False)
        _text_mapping(case, "outside", where, required=False)
        assertion = case.get("assertion")
        assert isinstance(assertion, dict), f"{where}: no assertion"
        assert assertion.get("type") in allowed_types, (
            f"{where}: type must be one of {sorted(allowed_types)}")
        assert case.get("status") in STATUSES, f"{where}: status must be one of {STATUSES}"
    return cases


def case_params(paths: Iterable[Path], allowed_types: Callable[[Path], Collection[str]],
                ident: Callable[[Path, dict[str, Any]], str]) -> list[Any]:
    """One ``pytest.param`` per case of the files, with its xfail mark if it records one."""
    return [pytest.param(case, id=ident(path, case), marks=xfail_marks(case))
            for path in paths for case in load_cases(path, allowed_types(path))]


def statuses_by_type(paths: Iterable[Path],
                     allowed_types: Callable[[Path], Collection[str]]) -> dict[str, set[str]]:
    """Assertion type -> the statuses its cases in these files expect."""
    seen: dict[str, set[str]] = {}
    for path in paths:
        for case in load_cases(path, allowed_types(path)):
            seen.setdefault(case["assertion"]["type"], set()).add(case["status"])
    return seen


def write_tree(case: dict[str, Any], base: Path) -> Path:
    """Write the case's files (and links, and files outside) under ``base``; the tree root."""
    root = base / "repo"
    root.mkdir(parents=True, exist_ok=True)
    for folder, entries in ((root, case["files"]), (base, case.get("outside") or {})):
        for relative, text in entries.items():
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
    for link, destination in (case.get("symlinks") or {}).items():
        where = root / link
        where.parent.mkdir(parents=True, exist_ok=True)
        where.symlink_to(destination)
    return root


@dataclass(frozen=True)
class Outcome:
    """A case's verdict, and the files its check read (as the evidence digest records)."""

    verdict: Verdict
    read: frozenset[str]


def run_case(case: dict[str, Any], base: Path) -> Outcome:
    """Check the case's assertion against a tree of its files, as ``verify`` does."""
    assertion = case["assertion"]
    tree = WorkingTree(write_tree(case, base))
    try:
        verdict = REGISTRY[assertion["type"]].check(assertion, tree)
    except EvidenceError as exc:
        verdict = Verdict.error(str(exc))
    return Outcome(verdict, frozenset(tree.read_files))


def check_case(case: dict[str, Any], base: Path) -> Outcome:
    """Run one case and check everything it expects; returns the outcome for more checks."""
    assertion = case["assertion"]
    problems = schema_check(assertion, "assertion.schema.json")
    if case.get("schema_valid", True):
        assert not problems, f"the case's assertion breaks the schema: {problems}"
    else:
        assert problems, "schema_valid: false, yet the assertion satisfies the schema"
    outcome = run_case(case, base)
    verdict = outcome.verdict
    shown = f"{verdict.status} ({verdict.file}, line {verdict.line}): {verdict.reason}"
    assert verdict.status == case["status"], shown
    assert verdict.reason, "a verdict always explains itself"
    if "line" in case:
        assert verdict.line == case["line"], shown
    if "verdict_file" in case:
        assert verdict.file == case["verdict_file"], shown
    for part in strings(case.get("reason_contains")):
        assert part in verdict.reason, shown
    for part in strings(case.get("reason_not")):
        assert part not in verdict.reason, shown
    if verdict.status in ("pass", "fail") and "file" in assertion:
        assert verdict.file == assertion["file"], shown
    return outcome
