"""Shared machinery of the data-driven case files under tests/cases/ (rules and schema)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from threatgate.validate.files import check_bytes

TODAY = dt.date(2026, 6, 1)
MAX_DEPTH = 32
CASE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def read_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def strings(value: Any) -> list[str]:
    """A message expectation: one substring or a list of them."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def check_case_shape(path: Path, case: Any, seen: set[str], case_keys: frozenset[str],
                     problem_keys: frozenset[str]) -> str:
    """Fail loudly on a malformed case; return its ``file::name`` id."""
    assert isinstance(case, dict), f"{path.name}: a case is not a mapping"
    unknown = set(case) - case_keys
    assert not unknown, f"{path.name}: unknown case keys {sorted(unknown)}"
    name = case.get("name")
    assert isinstance(name, str) and CASE_NAME.fullmatch(name), f"{path.name}: bad name {name!r}"
    assert name not in seen, f"{path.name}: case name {name!r} used twice"
    seen.add(name)
    where = f"{path.name}::{name}"
    assert isinstance(case.get("model"), str), f"{where}: 'model' is not text"
    problems = case.get("problems")
    if problems is not None:
        assert isinstance(problems, list) and problems, f"{where}: empty problems"
        for problem in problems:
            assert set(problem) <= problem_keys, f"{where}: bad problem keys"
            assert isinstance(problem.get("line"), int), f"{where}: no line"
            assert isinstance(problem.get("column"), int), f"{where}: no column"
            assert strings(problem.get("message")), f"{where}: no message"
    return where


def xfail_marks(case: dict[str, Any]) -> list[Any]:
    """A case may record a known product defect; it must then fail (strict xfail)."""
    if case.get("xfail"):
        return [pytest.mark.xfail(reason=str(case["xfail"]), strict=True)]
    return []


def problems_of(text: str) -> list[list[Any]]:
    """[severity, rule, line, column, message] of every problem validate reports."""
    return list(check_bytes(text.encode("utf-8"), TODAY, MAX_DEPTH)["problems"])


def render(problems: list[list[Any]]) -> str:
    return "\n".join(f"  {p[2]}:{p[3]} {p[0]} [{p[1]}] {p[4]}" for p in problems) or "  (none)"


def matches(expected: dict[str, Any], actual: list[Any]) -> bool:
    """Whether a reported problem is the expected one (rule checked when expected names it)."""
    _severity, rule, line, column, message = actual
    return (
        expected.get("rule", rule) == rule
        and expected["line"] == line
        and expected["column"] == column
        and all(part in message for part in strings(expected["message"]))
        and not any(part in message for part in strings(expected.get("message_not")))
    )
