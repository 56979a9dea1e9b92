"""Large models validated under CPU and memory limits: every semantic rule scales."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import case_params, run_case_bounded


@pytest.mark.parametrize("case", case_params("validate.yaml"))
def test_large_model_is_validated_within_limits(case: dict[str, Any]) -> None:
    counts = run_case_bounded("bounded:validate_case", case)
    for rule, expected in case["rules"].items():
        assert counts.get(rule, 0) == expected, f"{rule}: {counts}"
