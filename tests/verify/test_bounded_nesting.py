"""Code nested as deep as the evidence cap allows, read within CPU and memory limits."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import case_params, run_case_bounded
from casefiles import strings


@pytest.mark.parametrize("case", case_params("nesting.yaml"))
def test_deeply_nested_code_is_read_within_limits(case: dict[str, Any]) -> None:
    verdict = run_case_bounded("bounded:verify_case", case)
    assert verdict["status"] in strings(case["status"]), f"{verdict['status']}: {verdict['reason']}"
