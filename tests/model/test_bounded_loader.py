"""Model files holding millions of values are refused within CPU and memory limits."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import case_params, run_case_bounded


@pytest.mark.parametrize("case", case_params("load.yaml"))
def test_dense_model_is_refused_within_limits(case: dict[str, Any]) -> None:
    refusal = run_case_bounded("bounded:load_case", case)
    assert refusal["rule"] == case["rule"], refusal
    if "line" in case:
        assert refusal["line"] == case["line"], refusal
