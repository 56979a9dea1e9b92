"""Hostile evidence (code files, manifests, patterns) checked under CPU and memory limits."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import BOUNDED_CASES, DEFAULT_CPU_SECONDS, DEFAULT_MEMORY_MB, run_bounded
from casefiles import read_yaml, strings

CASES = read_yaml(BOUNDED_CASES / "verify.yaml")["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_evidence_is_checked_within_limits(case: dict[str, Any]) -> None:
    limits = {"cpu_seconds": case.pop("cpu_seconds", DEFAULT_CPU_SECONDS),
              "memory_mb": case.pop("memory_mb", DEFAULT_MEMORY_MB)}
    verdict = run_bounded("bounded:verify_case", case, **limits)
    shown = f"{verdict['status']}: {verdict['reason']}"
    assert verdict["status"] == case["status"], shown
    for part in strings(case.get("reason_contains")):
        assert part in verdict["reason"], shown
