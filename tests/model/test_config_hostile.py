"""Hostile or out-of-range configurations are refused (exit 2) or work; never exit 3."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from conftest import CASES_DIR, VALID_MODEL

CASES = CASES_DIR / "config" / "hostile.yaml"
DEEP = re.compile(r"\{deep:(\d+):(.*?):(.*?)\}")
COMMANDS = (("validate",), ("fmt", "--check"), ("assess",), ("gate",))


def load_cases() -> list[dict[str, Any]]:
    cases = YAML(typ="safe", pure=True).load(CASES.read_text(encoding="utf-8"))["cases"]
    assert isinstance(cases, list) and cases
    return cases


def expand(text: str) -> str:
    return DEEP.sub(lambda m: m.group(2) * int(m.group(1)) + m.group(3) * int(m.group(1)),
                    text)


def model_text(case: dict[str, Any]) -> str:
    spec = case.get("model")
    if spec is None:
        return VALID_MODEL
    depth = int(spec.split(":")[1])
    return VALID_MODEL + "x-deep: " + "[" * depth + "]" * depth + "\n"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case["name"])
def test_hostile_configuration(case: dict[str, Any], project: Path,
                               write_model: Callable[..., Path],
                               run_cli: Callable[..., Result]) -> None:
    (project / "threatgate.toml").write_text(expand(case["toml"]), encoding="utf-8",
                                             errors="surrogatepass")
    write_model(model_text(case))
    before = snapshot(project)
    results = {" ".join(args): run_cli(*args, cwd=project) for args in COMMANDS}
    for command, result in results.items():
        assert result.exit_code in (0, 1, 2), f"{command}: {result.output[-2000:]}"
        assert "internal error" not in result.output, command
    validated = results["validate"]
    assert validated.exit_code == case["exit"], validated.output[-2000:]
    if case.get("message"):
        assert case["message"] in validated.output, validated.output[-2000:]
    if case["exit"] == 2:
        assert "threatgate.toml" in validated.output
        assert len(validated.output) < 2000, "the refusal echoes the whole value"
    assert snapshot(project) == before
