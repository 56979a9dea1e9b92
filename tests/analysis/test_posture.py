"""The exact semantics of PRODUCT.md, entity by entity (no files, no CLI)."""

from __future__ import annotations

import datetime as dt

import pytest

from threatgate.analysis.assess import assess_model
from threatgate.analysis.posture import (
    acceptance_in_force,
    assumption_state,
    objective_posture,
    threat_severity,
)

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(
    ("likelihood", "impact", "expected"),
    [(5, 4, "critical"), (4, 5, "critical"), (5, 5, "critical"), (4, 4, "high"),
     (3, 4, "high"), (2, 5, "medium"), (3, 2, "medium"), (5, 1, "low"), (1, 1, "low"),
     (2, 2, "low")],
)
def test_severity_bands(likelihood: int, impact: int, expected: str) -> None:
    assert threat_severity({"likelihood": likelihood, "impact": impact}) == expected


def test_unscored_uses_explicit_severity_or_stays_unscored() -> None:
    assert threat_severity({"likelihood": 3}) == "unscored"
    assert threat_severity({"likelihood": 3, "severity": "high"}) == "high"
    assert threat_severity({}) == "unscored"


def test_acceptance_holds_through_its_review_day() -> None:
    assert acceptance_in_force({"review_by": "2026-06-01"}, TODAY)
    assert not acceptance_in_force({"review_by": "2026-05-31"}, TODAY)


def test_assumption_states() -> None:
    assert assumption_state({"id": "AS1"}, TODAY) == "pending"
    assert assumption_state({"attested_by": "ops"}, TODAY) == "attested"
    assert assumption_state({"attested_by": "ops", "expires": "2026-06-01"}, TODAY) == "attested"
    assert assumption_state({"attested_by": "ops", "expires": "2026-05-31"}, TODAY) == "expired"


CONTROLS = {
    "IMPL": {"id": "IMPL", "status": "implemented"},
    "IMPL2": {"id": "IMPL2", "status": "implemented", "assertions": [{"type": "file_exists"}]},
    "PLAN": {"id": "PLAN", "status": "planned"},
    "PROG": {"id": "PROG", "status": "in_progress"},
    "WONT": {"id": "WONT", "status": "wont_do"},
    "NA": {"id": "NA", "status": "not_applicable"},
}
ASSUMPTIONS = {
    "OK": {"id": "OK", "attested_by": "ops"},
    "OLD": {"id": "OLD", "attested_by": "ops", "expires": "2026-01-01"},
    "TBD": {"id": "TBD"},
}


def posture(groups=None, assumptions=None, evidence=None):  # type: ignore[no-untyped-def]
    objective = {"id": "CO1"}
    if groups is not None:
        objective["mitigated_by"] = groups
    if assumptions is not None:
        objective["assumptions"] = assumptions
    return objective_posture(objective, CONTROLS, ASSUMPTIONS, TODAY, evidence)


def test_one_complete_group_mitigates_and_the_rest_is_defense_in_depth() -> None:
    p = posture([["PLAN"], ["IMPL", "IMPL2"], ["PROG"]])
    assert (p.status, p.mitigated_by, p.level) == ("mitigated", "controls", "implemented")
    assert p.group == ["IMPL", "IMPL2"]
    assert p.defense_in_depth == ["PLAN", "PROG"]


def test_verified_needs_assertions_on_every_control_of_the_group() -> None:
    assert posture([["IMPL", "IMPL2"]], evidence={"IMPL2": "passed"}).level == "implemented"
    assert posture([["IMPL2"]], evidence={"IMPL2": "passed"}).level == "verified"


def test_failing_evidence_puts_the_objective_at_risk() -> None:
    p = posture([["IMPL2"]], evidence={"IMPL2": "failed"})
    assert (p.status, p.reason) == ("at_risk", "failing_evidence")
    ok = posture([["IMPL2"], ["IMPL"]], evidence={"IMPL2": "failed"})
    assert (ok.status, ok.group) == ("mitigated", ["IMPL"])


def test_attested_assumption_mitigates_when_no_group_is_complete() -> None:
    p = posture([["PLAN"]], ["TBD", "OK"])
    assert (p.status, p.mitigated_by, p.assumption) == ("mitigated", "assumption", "OK")


def test_missing_controls_names_the_nearest_group() -> None:
    p = posture([["PLAN", "PROG", "IMPL"], ["IMPL2", "PLAN"], ["WONT"]])
    assert (p.status, p.reason) == ("at_risk", "missing_controls")
    assert p.missing == ["PLAN"]


def test_insufficient_by_design() -> None:
    p = posture([["PLAN", "WONT"], ["NA"]])
    assert (p.status, p.reason, p.missing) == ("at_risk", "insufficient_by_design", [])


def test_attestation_reasons() -> None:
    assert posture([["WONT"]], ["OLD"]).reasons == ["expired_attestation",
                                                     "insufficient_by_design"]
    pending = posture(None, ["TBD"])
    assert pending.reasons == ["pending_attestation", "no_mitigation_group"]


def test_unassessed_without_groups_or_assumptions() -> None:
    assert posture().status == "unassessed"
    assert posture([], []).status == "unassessed"


def _model(**extra):  # type: ignore[no-untyped-def]
    base = {
        "threatgate": 1, "id": "m", "title": "M",
        "assets": [{"id": "A1", "name": "A", "properties": ["integrity"]}],
        "attackers": [{"id": "X", "name": "X", "capability": "c", "position": "external"}],
        "controls": [{"id": "C1", "title": "c1", "status": "implemented"},
                     {"id": "C2", "title": "c2", "status": "planned"},
                     {"id": "C3", "title": "c3", "status": "planned"}],
    }
    base.update(extra)
    return base


def test_threat_states_mitigated_wins_over_accepted() -> None:
    model = _model(
        threats=[{"id": "T1", "title": "a", "mitigations": ["C1"]},
                 {"id": "T2", "title": "b", "mitigations": ["C2"]},
                 {"id": "T3", "title": "c"},
                 {"id": "T4", "title": "d"}],
        acceptances=[{"threat": "T1", "owner": "o", "justification": "j",
                      "review_by": "2027-01-01"},
                     {"threat": "T2", "owner": "o", "justification": "j",
                      "review_by": "2027-01-01"},
                     {"threat": "T3", "owner": "o", "justification": "j",
                      "review_by": "2026-05-31"}],
    )
    states = {t.id: t.state for t in assess_model(model, path="m.yaml", today=TODAY).threats}
    assert states == {"T1": "mitigated", "T2": "accepted", "T3": "open", "T4": "open"}


def test_objective_tier_is_the_highest_severity_naming_it() -> None:
    model = _model(
        objectives=[{"id": "CO1", "asset": "A1", "attacker": "X", "mitigated_by": [["C2"]]},
                    {"id": "CO2", "asset": "A1", "attacker": "X", "mitigated_by": [["C2"]]}],
        threats=[{"id": "T1", "title": "a", "likelihood": 2, "impact": 3, "objectives": ["CO1"]},
                 {"id": "T2", "title": "b", "likelihood": 4, "impact": 4, "objectives": ["CO1"]},
                 {"id": "T3", "title": "c", "objectives": ["CO1"]}],
    )
    tiers = {o.id: o.tier for o in assess_model(model, path="m.yaml", today=TODAY).objectives}
    assert tiers == {"CO1": "high", "CO2": "unscored"}


def test_leverage_ranks_controls_by_objectives_closed() -> None:
    model = _model(
        objectives=[{"id": "CO1", "asset": "A1", "attacker": "X", "mitigated_by": [["C1", "C2"]]},
                    {"id": "CO2", "asset": "A1", "attacker": "X",
                     "mitigated_by": [["C2", "C3"], ["C3"]]},
                    {"id": "CO3", "asset": "A1", "attacker": "X", "mitigated_by": [["C3"]]}],
    )
    leverage = assess_model(model, path="m.yaml", today=TODAY).leverage
    assert [(r.control, r.closes, r.advances) for r in leverage] == [
        ("C3", ["CO2", "CO3"], ["CO2", "CO3"]),
        ("C2", ["CO1"], ["CO1", "CO2"]),
    ]


def test_review_queue_puts_expired_acceptances_first() -> None:
    model = _model(
        objectives=[{"id": "CO1", "asset": "A1", "attacker": "X", "mitigated_by": [["C2"]]}],
        threats=[{"id": "T1", "title": "a", "likelihood": 5, "impact": 5, "objectives": ["CO1"]},
                 {"id": "T2", "title": "b"}],
        acceptances=[{"threat": "T1", "owner": "o", "justification": "j",
                      "review_by": "2026-05-01"}],
    )
    kinds = [q.kind for q in assess_model(model, path="m.yaml", today=TODAY).review_queue]
    assert kinds == ["expired_acceptance", "at_risk_objective", "open_threat",
                     "unscored_threat", "no_evidence"]
