"""Data-driven tests of the configuration and dependency assertion types.

Every file under ``tests/cases/verify/config/`` and ``tests/cases/verify/dependencies/``
holds cases in the shape described in :mod:`verifycases`, for example::

    cases:
      - name: nested-key
        files:
          config/app.yaml: |
            server:
              tls: {enabled: true}
        assertion: {type: config_key_exists, file: config/app.yaml, key: server.tls.enabled}
        status: pass
        line: 2

The shared harness checks each case the way ``threatgate verify`` does: against a
:class:`WorkingTree` of the files, through the registry, an :class:`EvidenceError` being
an ``error`` verdict and any other exception a failed test.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

import threatgate.verify  # noqa: F401  (registers the assertion types)
from threatgate.verify.base import REGISTRY
from threatgate.verify.manifests.semver import SemVer, parse_range, range_admits
from verifycases import CASES_ROOT, STATUSES, case_params, check_case, statuses_by_type

FAMILIES = {
    "config": ("config_key_exists", "config_value_matches"),
    "dependencies": ("dependency_exists", "dependency_version"),
}


def case_files() -> list[Path]:
    return sorted(p for family in FAMILIES for p in (CASES_ROOT / family).glob("*.yaml"))


def _family_types(path: Path) -> tuple[str, ...]:
    return FAMILIES[path.parent.name]


@pytest.mark.parametrize("case", case_params(
    case_files(), _family_types,
    lambda path, case: f"{path.parent.name}/{path.name}::{case['name']}"))
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_every_type_has_passing_failing_and_error_cases() -> None:
    seen = statuses_by_type(case_files(), _family_types)
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
