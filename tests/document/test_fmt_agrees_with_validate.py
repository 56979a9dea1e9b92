"""`fmt` reads a model as `validate` does: what validate refuses fmt refuses with the same
located error; what the two YAML parsers read differently is refused with a located
error, never a crash (exit 3); what fmt formats reads back as the same model."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from conftest import CASES_DIR, VALID_MODEL
from threatgate.errors import EXIT_FAILURE, EXIT_OK

CASES = CASES_DIR / "fmt" / "parsers.yaml"
CASE_KEYS = frozenset({"name", "text", "replace", "append", "prepend", "refused_by", "rule",
                       "line", "column"})
LOAD_RULE = re.compile(r"\[(yaml-[a-z-]+|file-[a-z-]+|not-a-mapping)\]$")


def load_cases() -> list[dict[str, Any]]:
    cases = YAML(typ="safe", pure=True).load(CASES.read_text(encoding="utf-8"))["cases"]
    assert isinstance(cases, list) and cases
    return cases


def model_text(case: dict[str, Any]) -> str:
    text = case.get("text", VALID_MODEL)
    for old, new in case.get("replace", []):
        assert old in text, f"{case['name']}: {old!r} is not in the model"
        text = text.replace(old, new)
    return case.get("prepend", "") + text + case.get("append", "")


def load_errors(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if LOAD_RULE.search(line)]


def assert_no_crash(result: Result, command: str) -> None:
    assert result.exit_code != 3, f"{command} crashed:\n{result.output}"
    assert "internal error" not in result.output


def test_cases_are_well_formed() -> None:
    names = [case["name"] for case in load_cases()]
    assert len(names) == len(set(names))
    for case in load_cases():
        assert set(case) <= CASE_KEYS, case["name"]
        if case.get("refused_by"):
            assert case["refused_by"] in ("validate", "fmt"), case["name"]
            assert {"rule", "line", "column"} <= set(case), case["name"]


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case["name"])
def test_fmt_agrees_with_validate(case: dict[str, Any], project: Path,
                                  write_model: Callable[..., Path],
                                  run_cli: Callable[..., Result]) -> None:
    raw = model_text(case).encode("utf-8")
    path = write_model(raw)
    validated = run_cli("validate", cwd=project)
    checked = run_cli("fmt", "--check", cwd=project)
    assert path.read_bytes() == raw, "fmt --check wrote the file"
    formatted = run_cli("fmt", cwd=project)
    for command, result in (("validate", validated), ("fmt --check", checked),
                            ("fmt", formatted)):
        assert_no_crash(result, command)
    refused_by = case.get("refused_by")
    if refused_by is None:
        assert validated.exit_code == EXIT_OK, validated.output
        assert formatted.exit_code == EXIT_OK, formatted.output
        assert run_cli("fmt", "--check", cwd=project).exit_code == EXIT_OK
        assert run_cli("validate", cwd=project).exit_code == EXIT_OK
        return
    location = f"threatmodels/model.yaml:{case['line']}:{case['column']}: error: "
    for result in (checked, formatted):
        assert result.exit_code == EXIT_FAILURE, result.output
        errors = [line for line in result.output.splitlines() if line.startswith(location)]
        assert errors and errors[0].endswith(f"[{case['rule']}]"), result.output
    assert path.read_bytes() == raw, "a file fmt refuses must be left unchanged"
    if refused_by == "validate":
        assert validated.exit_code == EXIT_FAILURE
        assert load_errors(validated) and load_errors(validated) == load_errors(formatted)
    else:
        assert validated.exit_code == EXIT_OK, validated.output


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case["name"])
def test_edit_verbs_read_it_too(case: dict[str, Any], project: Path,
                                write_model: Callable[..., Path],
                                run_cli: Callable[..., Result]) -> None:
    """The edit verbs share fmt's round-trip parser: they edit or refuse, never crash."""
    raw = model_text(case).encode("utf-8")
    path = write_model(raw)
    result = run_cli("add", "threat", "--title", "Added", cwd=project)
    assert_no_crash(result, "add threat")
    if result.exit_code != EXIT_OK:
        assert path.read_bytes() == raw
    if case.get("refused_by") == "validate":
        assert result.exit_code == EXIT_FAILURE, result.output
