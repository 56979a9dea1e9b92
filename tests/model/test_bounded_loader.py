"""Model files holding millions of values are refused within CPU and memory limits."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import BOUNDED_CASES, DEFAULT_CPU_SECONDS, DEFAULT_MEMORY_MB, run_bounded
from casefiles import read_yaml

CASES = read_yaml(BOUNDED_CASES / "load.yaml")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_dense_model_is_refused_within_limits(case: dict[str, Any]) -> None:
    refusal = run_bounded("bounded:load_case", case,
                          cpu_seconds=case.get("cpu_seconds", DEFAULT_CPU_SECONDS),
                          memory_mb=case.get("memory_mb", DEFAULT_MEMORY_MB))
    assert refusal["rule"] == case["rule"], refusal
    if "line" in case:
        assert refusal["line"] == case["line"], refusal
