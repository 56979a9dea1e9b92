"""Data-driven tests of the semantic rules, in the style of sqlfluff's rule YAML tests.

Every rule registered in :data:`threatgate.validate.rules.RULES` has a case file
``tests/cases/rules/<rule-id>.yaml``::

    rule: duplicate-id
    cases:
      - name: same-id-in-two-collections
        model: |            # the model text; expected lines and columns refer to it
          threatgate: 1
          ...
        problems:           # present: a failing example; absent: a passing example
          - {line: 7, column: 5, message: "already used by"}
        xfail: "why the product is wrong here"   # optional

A passing example asserts that the rule reports nothing. A failing example asserts that
the rule reports exactly the listed problems (line, column, and each message substring,
in any order) with the rule's registered severity. Either way the model must otherwise
load and satisfy the schema, so that a case tests the rule and not a typo in the case,
unless the case says ``schema_valid: false``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from casefiles import (
    check_case_shape,
    matches,
    problems_of,
    read_yaml,
    render,
    xfail_marks,
)
from conftest import TESTS_DIR
from threatgate.validate.rules import RULES

CASES_DIR = TESTS_DIR / "cases" / "rules"
SCHEMA_DOC = TESTS_DIR.parent / "docs" / "schema.md"

CASE_KEYS = frozenset({"name", "description", "model", "problems", "xfail", "schema_valid"})
PROBLEM_KEYS = frozenset({"line", "column", "message", "message_not"})


def load_case_file(path: Path) -> dict[str, Any]:
    """Read and sanity-check one case file; mistakes in the file fail loudly."""
    document = read_yaml(path)
    assert isinstance(document, dict), f"{path.name}: not a mapping"
    assert set(document) <= {"rule", "description", "cases"}, f"{path.name}: unknown keys"
    assert document.get("rule") == path.stem, f"{path.name}: 'rule' must be {path.stem!r}"
    cases = document.get("cases")
    assert isinstance(cases, list) and cases, f"{path.name}: no cases"
    names: set[str] = set()
    for case in cases:
        check_case_shape(path, case, names, CASE_KEYS, PROBLEM_KEYS)
    return document


def case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def _params() -> list[Any]:
    params = []
    for path in case_files():
        document = load_case_file(path)
        for case in document["cases"]:
            params.append(
                pytest.param(
                    document["rule"], case, id=f"{path.name}::{case['name']}",
                    marks=xfail_marks(case),
                )
            )
    return params


@pytest.mark.parametrize(("rule_id", "case"), _params())
def test_rule_case(rule_id: str, case: dict[str, Any]) -> None:
    problems = problems_of(case["model"])
    if case.get("schema_valid", True):
        foreign = [p for p in problems if p[1] not in RULES]
        assert not foreign, "the case model should load and satisfy the schema:\n" + render(
            foreign
        )
    reported = [p for p in problems if p[1] == rule_id]
    expected = case.get("problems") or []
    report = (
        f"expected [{rule_id}] at "
        f"{[(e['line'], e['column'], e['message']) for e in expected] or 'nowhere'}; "
        f"reported:\n{render(reported)}"
    )
    unmatched = list(reported)
    for wanted in expected:
        hit = next((p for p in unmatched if matches(wanted, p)), None)
        assert hit is not None, report
        unmatched.remove(hit)
    assert not unmatched, report
    severity = RULES[rule_id].severity.value
    assert all(p[0] == severity for p in reported), report


def test_every_rule_has_cases() -> None:
    missing = []
    for rule_id in RULES:
        path = CASES_DIR / f"{rule_id}.yaml"
        if not path.is_file():
            missing.append(f"{rule_id}: no {path.relative_to(TESTS_DIR)}")
            continue
        cases = [c for c in load_case_file(path)["cases"] if not c.get("xfail")]
        if not any("problems" not in c for c in cases):
            missing.append(f"{rule_id}: no passing example")
        if not any("problems" in c for c in cases):
            missing.append(f"{rule_id}: no failing example")
    assert not missing, "\n".join(missing)


def test_every_case_file_names_a_rule() -> None:
    orphans = [path.name for path in case_files() if path.stem not in RULES]
    assert not orphans, f"case files for rules that are not registered: {orphans}"


def test_rule_ids_are_documented() -> None:
    if not SCHEMA_DOC.is_file():
        pytest.skip("docs/schema.md does not exist")
    text = SCHEMA_DOC.read_text(encoding="utf-8")
    missing = [rule_id for rule_id in RULES if rule_id not in text]
    assert not missing, f"rule ids missing from docs/schema.md: {missing}"
