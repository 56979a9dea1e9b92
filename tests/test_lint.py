"""The code base stays clean: ruff and mypy, as configured in pyproject.toml."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conftest import REPO_ROOT


@pytest.mark.parametrize("command", [["ruff", "check", "cli", "tests"], ["mypy"]],
                         ids=["ruff", "mypy"])
def test_clean(command: list[str]) -> None:
    # The tool that runs is the one this interpreter imports (`python -m`), so that is
    # what is looked up: never another installation found on PATH.
    if importlib.util.find_spec(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed for {sys.executable}")
    done = subprocess.run([sys.executable, "-m", *command], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
