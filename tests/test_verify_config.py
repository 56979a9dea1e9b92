"""Data-driven tests of the configuration and dependency assertion types.

Every file under ``tests/cases/verify/config/`` and ``tests/cases/verify/dependencies/``
holds cases of this shape::

    description: what the file covers
    cases:
      - name: nested-key
        description: why this case matters      # optional
        files:                                  # path -> text, written to a fresh tree
          config/app.yaml: |
            server:
              tls: {enabled: true}
        assertion: {type: config_key_exists, file: config/app.yaml, key: server.tls.enabled}
        status: pass                            # pass, fail or error
        line: 2                                 # optional: the verdict's line (null: none)
        reason_contains: "server.tls.enabled"   # optional: one substring or a list
        reason_not: "..."                       # optional: substrings the reason must lack
        schema_valid: false                     # optional: the assertion breaks the schema

The assertion is checked the way ``threatgate verify`` checks it: against a
:class:`WorkingTree` of the files, through the registry; an :class:`EvidenceError`
raised by the tree is an ``error`` verdict. Any other exception fails the test: a
malformed file must give a clear verdict, never a crash.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

import threatgate.verify  # noqa: F401  (registers the assertion types)
from casefiles import CASE_NAME, read_yaml, strings, xfail_marks
from threatgate.schema import check as schema_check
from threatgate.verify.base import REGISTRY, EvidenceError, Verdict, WorkingTree
from threatgate.verify.checks.dependencies import SemVer, parse_range, range_admits

CASES_DIR = Path(__file__).resolve().parent / "cases" / "verify"
FAMILIES = {
    "config": ("config_key_exists", "config_value_matches"),
    "dependencies": ("dependency_exists", "dependency_version"),
}
CASE_KEYS = frozenset({"name", "description", "files", "assertion", "status", "line",
                       "reason_contains", "reason_not", "schema_valid", "xfail"})
STATUSES = ("pass", "fail", "error")


def case_files() -> list[Path]:
    return sorted(p for family in FAMILIES for p in (CASES_DIR / family).glob("*.yaml"))


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Read and sanity-check one case file; mistakes in the file fail loudly."""
    document = read_yaml(path)
    assert isinstance(document, dict), f"{path.name}: not a mapping"
    assert set(document) <= {"description", "cases"}, f"{path.name}: unknown keys"
    cases = document.get("cases")
    assert isinstance(cases, list) and cases, f"{path.name}: no cases"
    allowed_types = FAMILIES[path.parent.name]
    seen: set[str] = set()
    for case in cases:
        assert isinstance(case, dict), f"{path.name}: a case is not a mapping"
        name = case.get("name")
        assert isinstance(name, str) and CASE_NAME.fullmatch(name), f"{path.name}: bad name {name!r}"
        where = f"{path.name}::{name}"
        assert name not in seen, f"{where}: name used twice"
        seen.add(name)
        assert set(case) <= CASE_KEYS, f"{where}: unknown keys {sorted(set(case) - CASE_KEYS)}"
        files = case.get("files")
        assert isinstance(files, dict), f"{where}: 'files' is not a mapping"
        assert all(isinstance(t, str) for t in files.values()), f"{where}: file text not text"
        assertion = case.get("assertion")
        assert isinstance(assertion, dict), f"{where}: no assertion"
        assert assertion.get("type") in allowed_types, f"{where}: type not of this family"
        assert case.get("status") in STATUSES, f"{where}: status must be one of {STATUSES}"
    return cases


def _params() -> list[Any]:
    params = []
    for path in case_files():
        for case in load_cases(path):
            params.append(pytest.param(case, id=f"{path.parent.name}/{path.name}::{case['name']}",
                                       marks=xfail_marks(case)))
    return params


def run_case(case: dict[str, Any], root: Path) -> Verdict:
    for relative, text in case["files"].items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    assertion = case["assertion"]
    tree = WorkingTree(root)
    try:
        return REGISTRY[assertion["type"]].check(assertion, tree)
    except EvidenceError as exc:
        return Verdict.error(str(exc))


@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    assertion = case["assertion"]
    problems = schema_check(assertion, "assertion.schema.json")
    if case.get("schema_valid", True):
        assert not problems, f"the case's assertion breaks the schema: {problems}"
    else:
        assert problems, "schema_valid: false, yet the assertion satisfies the schema"
    verdict = run_case(case, tmp_path)
    shown = f"{verdict.status} (line {verdict.line}): {verdict.reason}"
    assert verdict.status == case["status"], shown
    assert verdict.reason, "a verdict always explains itself"
    if "line" in case:
        assert verdict.line == case["line"], shown
    for part in strings(case.get("reason_contains")):
        assert part in verdict.reason, shown
    for part in strings(case.get("reason_not")):
        assert part not in verdict.reason, shown
    if verdict.status in ("pass", "fail"):
        assert verdict.file == assertion["file"], shown


def test_every_type_has_passing_failing_and_error_cases() -> None:
    seen: dict[str, set[str]] = {}
    for path in case_files():
        for case in load_cases(path):
            seen.setdefault(case["assertion"]["type"], set()).add(case["status"])
    for types in FAMILIES.values():
        for name in types:
            assert seen.get(name) == set(STATUSES), f"{name}: cases cover {seen.get(name)}"


def test_every_type_documents_what_a_pass_shows() -> None:
    for types in FAMILIES.values():
        for name in types:
            check = REGISTRY[name].check
            module = __import__(check.__module__, fromlist=["_"])
            assert "does not show" in (module.__doc__ or ""), name
            assert check.__doc__, name


# --- the semantic-version evaluator, beyond what the case files show ---------------------

PRECEDENCE = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
              "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0",
              "2.0.0-0", "2.0.0"]


def test_semver_precedence_follows_semver_2() -> None:
    versions = [SemVer.parse(v) for v in PRECEDENCE]
    for lower, higher in itertools.pairwise(versions):
        assert lower < higher and higher > lower and not higher <= lower, (lower, higher)
    assert SemVer.parse("1.0.0+build.7").same(SemVer.parse("1.0.0"))
    assert SemVer.parse("v1.2.3") == SemVer(1, 2, 3)


@pytest.mark.parametrize(("rng", "inside", "outside"), [
    ("^1.2.3", ["1.2.3", "1.9.9", "1.2.4-rc.1"], ["1.2.2", "2.0.0", "2.0.0-rc.1", "1.2.3-rc.1"]),
    ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0", "0.2.2"]),
    ("^0.0.3", ["0.0.3"], ["0.0.4", "0.0.2"]),
    ("^0.0", ["0.0.0", "0.0.9"], ["0.1.0"]),
    ("^0", ["0.0.0", "0.9.9"], ["1.0.0"]),
    ("~1.2.3", ["1.2.3", "1.2.9"], ["1.3.0", "1.2.2"]),
    ("~1", ["1.0.0", "1.9.0"], ["2.0.0"]),
    ("~> 1.2", ["1.2.0", "1.2.7"], ["1.3.0"]),
    ("1.2.x", ["1.2.0", "1.2.99"], ["1.3.0", "1.1.9"]),
    ("1.2", ["1.2.0", "1.2.5"], ["1.3.0"]),
    ("*", ["0.0.0", "9.9.9", "1.0.0-rc.1"], []),
    ("", ["1.0.0"], []),
    (">1.2", ["1.3.0"], ["1.2.9", "1.2.0"]),
    (">1.2.3", ["1.2.4", "1.2.4-0"], ["1.2.3"]),
    (">=1.2", ["1.2.0"], ["1.1.9", "1.2.0-rc.1"]),
    ("<1.2", ["1.1.9"], ["1.2.0", "1.2.0-rc.1"]),
    ("<=1.2", ["1.2.9"], ["1.3.0", "1.3.0-alpha"]),
    ("<=1.2.3", ["1.2.3", "1.2.3-rc.1"], ["1.2.4"]),
    ("=1.2.3", ["1.2.3", "1.2.3+build"], ["1.2.4"]),
    ("1.2.3", ["1.2.3"], ["1.2.4"]),
    ("1.2 - 2.3", ["1.2.0", "2.3.9"], ["2.4.0", "1.1.9"]),
    ("1.2.3 - 2.3.4", ["2.3.4"], ["2.3.5"]),
    (">=1.0.0 <2.0.0", ["1.5.0"], ["2.0.0", "0.9.0"]),
    (">= 1.0.0, < 2.0.0", ["1.5.0"], ["2.0.0"]),
    ("<1.0.0 || >=2.0.0", ["0.9.0", "2.0.0"], ["1.0.0", "1.9.9"]),
    ("^2.0.0-beta.2", ["2.0.0-beta.2", "2.0.0-beta.11", "2.0.0", "2.5.0"],
     ["2.0.0-beta.1", "2.0.0-alpha", "3.0.0"]),
    (">*", [], ["0.0.0", "9.9.9"]),
])
def test_semver_ranges(rng: str, inside: list[str], outside: list[str]) -> None:
    parsed = parse_range(rng)
    for version in inside:
        assert range_admits(parsed, SemVer.parse(version)), f"{version} should be in {rng}"
    for version in outside:
        assert not range_admits(parsed, SemVer.parse(version)), f"{version} should not be in {rng}"


def test_cargo_reads_a_bare_version_as_a_caret() -> None:
    assert range_admits(parse_range("1.2.3", bare_is_caret=True), SemVer.parse("1.9.0"))
    assert not range_admits(parse_range("1.2.3"), SemVer.parse("1.9.0"))
    assert range_admits(parse_range("=1.2.3", bare_is_caret=True), SemVer.parse("1.2.3"))
    assert not range_admits(parse_range("=1.2.3", bare_is_caret=True), SemVer.parse("1.9.0"))


@pytest.mark.parametrize("bad", ["^", "1.2.3.4", "==1.0", ">=a.b", "1.2-beta", "!1.0", "1.2.3 -"])
def test_malformed_ranges_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_range(bad)
