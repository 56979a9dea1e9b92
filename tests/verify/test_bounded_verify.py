"""Hostile evidence (code files, manifests, patterns) checked under CPU and memory limits."""

from __future__ import annotations

from typing import Any

import pytest

from bounded import case_params, run_case_bounded
from casefiles import strings


@pytest.mark.parametrize("case", case_params("verify.yaml"))
def test_hostile_evidence_is_checked_within_limits(case: dict[str, Any]) -> None:
    verdict = run_case_bounded("bounded:verify_case", case)
    shown = f"{verdict['status']}: {verdict['reason']}"
    assert verdict["status"] == case["status"], shown
    for part in strings(case.get("reason_contains")):
        assert part in verdict["reason"], shown
