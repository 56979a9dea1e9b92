"""Large models validated under CPU and memory limits: every semantic rule scales."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import BOUNDED_CASES, DEFAULT_CPU_SECONDS, DEFAULT_MEMORY_MB, run_bounded
from casefiles import read_yaml

CASES = read_yaml(BOUNDED_CASES / "validate.yaml")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_large_model_is_validated_within_limits(case: dict[str, Any]) -> None:
    counts = run_bounded("bounded:validate_case", case,
                         cpu_seconds=case.get("cpu_seconds", DEFAULT_CPU_SECONDS),
                         memory_mb=case.get("memory_mb", DEFAULT_MEMORY_MB))
    for rule, expected in case["rules"].items():
        assert counts.get(rule, 0) == expected, f"{rule}: {counts}"
