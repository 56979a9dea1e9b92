"""The posture cases of tests/cases/posture/, computed by hand, and properties of the
rule that a not_applicable control is left out when its group is judged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casefiles import read_yaml
from conftest import CASES_DIR
from handbuilt import WAIVED_MODEL
from threatgate.analysis.posture import Evidence, objective_posture
from threatgate.model.vocabulary import CONTROL_STATUSES

TODAY = dt.date(2026, 6, 1)
CASE_FILE = CASES_DIR / "posture" / "groups.yaml"
CASE_KEYS = frozenset({"name", "groups", "controls", "assumptions", "expect"})
EXPECT_KEYS = frozenset({"status", "reason", "reasons", "group", "level", "missing",
                         "defense_in_depth", "blocked", "mitigated_by"})
#: Case statuses that stand for implemented plus a verdict of verify.
VERDICTS: dict[str, Evidence] = {"verified": "passed", "failing": "failed"}
ASSUMPTIONS = {
    "attested": {"attested_by": "ops"},
    "pending": {},
    "expired": {"attested_by": "ops", "expires": "2026-01-01"},
}


def _cases(path: Path) -> list[Any]:
    cases = read_yaml(path)["cases"]
    for case in cases:
        assert set(case) <= CASE_KEYS, f"{case.get('name')}: unknown keys"
        assert set(case["expect"]) <= EXPECT_KEYS, f"{case['name']}: unknown expect keys"
    return [pytest.param(case, id=case["name"]) for case in cases]


def _posture(groups: list[list[str]], statuses: dict[str, str],
             assumptions: dict[str, str] | None = None) -> Any:
    controls: dict[str, dict[str, Any]] = {}
    evidence: dict[str, Evidence] = {}
    for control_id, status in statuses.items():
        controls[control_id] = {"id": control_id, "status": status}
        if status in VERDICTS:
            controls[control_id] = {"id": control_id, "status": "implemented",
                                    "assertions": [{"type": "file_exists", "file": "x"}]}
            evidence[control_id] = VERDICTS[status]
    known = {a: {"id": a, **ASSUMPTIONS[state]} for a, state in (assumptions or {}).items()}
    objective = {"id": "CO1", "mitigated_by": groups, "assumptions": list(known)}
    return objective_posture(objective, controls, known, TODAY, evidence)


@pytest.mark.parametrize("case", _cases(CASE_FILE))
def test_posture_case(case: dict[str, Any]) -> None:
    posture = _posture(case["groups"], case["controls"], case.get("assumptions"))
    for key, expected in case["expect"].items():
        actual = getattr(posture, key)
        if key == "blocked":
            assert len(actual) == len(expected), actual
            for line, part in zip(actual, expected, strict=True):
                assert part in line, (line, part)
        else:
            assert actual == expected, f"{key}: {actual!r} != {expected!r}"


STATUSES = st.sampled_from(CONTROL_STATUSES)
IDS = [f"C{n}" for n in range(1, 7)]
GROUPS = st.lists(st.lists(st.sampled_from(IDS), min_size=1, max_size=4, unique=True),
                  min_size=1, max_size=4)
MODELS = st.tuples(GROUPS, st.fixed_dictionaries(dict.fromkeys(IDS, STATUSES)))


@given(MODELS, st.sampled_from(IDS))
def test_marking_a_control_not_applicable_never_makes_an_objective_fail(
        model: tuple[list[list[str]], dict[str, str]], control: str) -> None:
    """A mitigated objective stays mitigated when any one control becomes not_applicable
    (unless that leaves a group of nothing but not_applicable controls)."""
    groups, statuses = model
    before = _posture(groups, statuses)
    waived = {**statuses, control: "not_applicable"}
    after = _posture(groups, waived)
    if before.status == "mitigated":
        chosen = before.group
        if any(waived[c] != "not_applicable" for c in chosen):
            assert after.status == "mitigated"
    # And it only ever removes what is missing, never adds to it.
    if after.status == "at_risk" and before.status == "at_risk" and after.missing:
        assert control not in after.missing


@given(GROUPS, st.sampled_from(CONTROL_STATUSES))
def test_a_not_applicable_control_counts_as_done_for_its_group(
        groups: list[list[str]], other: str) -> None:
    """A group completes exactly when its controls other than the not_applicable ones
    are all implemented and at least one such control exists."""
    group = groups[0]
    statuses = dict.fromkeys(IDS, other)
    statuses[group[0]] = "not_applicable"
    posture = _posture([group], statuses)
    rest = group[1:]
    assert (posture.status == "mitigated") == (bool(rest) and other == "implemented")


@given(GROUPS, st.dictionaries(st.sampled_from(IDS), STATUSES))
def test_a_group_of_only_not_applicable_controls_never_completes(
        groups: list[list[str]], others: dict[str, str]) -> None:
    only_waived = groups[0]
    statuses = {**dict.fromkeys(IDS, "implemented"), **others}
    statuses.update(dict.fromkeys(only_waived, "not_applicable"))
    posture = _posture([only_waived], statuses)
    assert posture.status == "at_risk"
    assert posture.reason == "insufficient_by_design"
    assert posture.blocked and "not_applicable" in posture.blocked[0]


@given(MODELS)
def test_wont_do_still_blocks_its_group(model: tuple[list[list[str]], dict[str, str]]) -> None:
    groups, statuses = model
    posture = _posture(groups, statuses)
    if posture.status == "mitigated":
        assert all(statuses[c] != "wont_do" for c in posture.group)
        assert any(statuses[c] != "not_applicable" for c in posture.group)
        assert all(statuses[c] in ("implemented", "not_applicable") for c in posture.group)


def test_assess_says_why_no_group_can_complete(project: Path, write_model, run_cli) -> None:
    write_model(WAIVED_MODEL)
    text = run_cli("assess", "--details", cwd=project).stdout
    assert "CO2 [high] insufficient_by_design; group 1 [C2]: because every control in " \
           "it is not_applicable (C2)" in text
    assert "CO1 [" not in text  # mitigated: C2 drops out of [C1, C2]
    details = json.loads(run_cli("assess", "--details", "--format", "json", cwd=project).stdout)
    at_risk = details["models"][0]["at_risk"]
    assert [(o["id"], o["reason"]) for o in at_risk] == [("CO2", "insufficient_by_design"),
                                                         ("CO3", "insufficient_by_design")]
    assert at_risk[0]["blocked"] == [
        "group 1 [C2]: because every control in it is not_applicable (C2)"]
