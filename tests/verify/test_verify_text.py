"""Data-driven tests of the file, text and command assertion types.

Every type of the family (``threatgate.verify.assertions.files``, ``.patterns`` and
``.commands``) has a case file ``tests/cases/verify/text/<type>.yaml`` in the shape
described in :mod:`verifycases`, for example::

    cases:
      - name: scope-match-inside
        files:
          src/views.py: |
            def login(request):
                check_csrf(request)
        assertion: {type: pattern_matches, file: src/views.py, pattern: 'check_csrf\\(',
                    scope_start: 'def login\\('}
        status: pass
        line: 2

``command_succeeds`` is called directly, as every case is (the runner itself only runs it
under ``--allow-commands``), so its cases use harmless ``python3 -c`` commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import threatgate.verify  # noqa: F401  (registers the assertion types)
from threatgate.verify.base import REGISTRY
from verifycases import CASES_ROOT, STATUSES, case_params, check_case, statuses_by_type

CASES_DIR = CASES_ROOT / "text"
TYPES = ("file_exists", "file_hash", "test_exists", "pattern_matches", "pattern_absent",
         "no_plaintext_secret", "env_var_referenced", "http_header_set", "command_succeeds")


def _own_type(path: Path) -> tuple[str]:
    return (path.stem,)


def _any_type(_path: Path) -> dict[str, Any]:
    return REGISTRY


@pytest.mark.parametrize("case", case_params(
    sorted(CASES_DIR.glob("*.yaml")), _own_type,
    lambda path, case: f"text/{path.stem}::{case['name']}"))
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    check_case(case, tmp_path)


def test_every_type_of_the_family_has_a_case_file() -> None:
    assert sorted(p.stem for p in CASES_DIR.glob("*.yaml")) == sorted(TYPES)
    assert all(name in REGISTRY for name in TYPES)


def test_every_registered_type_has_passing_failing_and_error_cases() -> None:
    """Across all families: no assertion type goes without a pass, a fail and an error."""
    seen = statuses_by_type(sorted(CASES_ROOT.glob("*/*.yaml")), _any_type)
    missing = {name: sorted(set(STATUSES) - seen.get(name, set())) for name in REGISTRY
               if seen.get(name, set()) != set(STATUSES)}
    assert not missing, f"statuses without a case: {missing}"


def test_only_command_succeeds_runs_commands() -> None:
    assert [name for name in TYPES if REGISTRY[name].runs_commands] == ["command_succeeds"]
    assert REGISTRY["command_succeeds"].path_params == ()
    for name in ("test_exists", "no_plaintext_secret", "env_var_referenced", "http_header_set"):
        assert REGISTRY[name].path_params == ("glob",), name
    for name in ("file_exists", "file_hash", "pattern_matches", "pattern_absent"):
        assert REGISTRY[name].path_params == ("file",), name
