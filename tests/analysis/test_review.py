"""What to do next: the review queue's order and the remediation leverage (no files, no CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from threatgate.analysis.assess import assess_model
from threatgate.analysis.assessment import (
    ControlView,
    DatedItem,
    ModelAssessment,
    ObjectiveView,
    ThreatView,
)
from threatgate.analysis.posture import ObjectivePosture
from threatgate.analysis.review import remediation_leverage, review_queue

TODAY = dt.date(2026, 6, 1)


def threat(threat_id: str, severity: str, state: str, line: int) -> ThreatView:
    return ThreatView(threat_id, threat_id, severity, None, state, [], [], [], (line, 3))


def objective(objective_id: str, tier: str, status: str, line: int,
              accepted: bool = False) -> ObjectiveView:
    posture = ObjectivePosture(status, reason="missing_controls")  # type: ignore[arg-type]
    return ObjectiveView(objective_id, "A1", "ATK1", tier, posture, accepted, (line, 3))


def control(control_id: str, *, active: bool, verification: str, assertions: int,
            line: int) -> ControlView:
    status = "implemented" if active else "planned"
    return ControlView(control_id, control_id, status, active, verification, assertions, [], [],
                       (line, 3))


def assessment(**parts: Any) -> ModelAssessment:
    empty: dict[str, Any] = {"threats": [], "objectives": [], "controls": [], "findings": [],
                             "dated": []}
    return ModelAssessment("m", "M", "m.yaml", None, None, False, [], **{**empty, **parts})


def test_evidence_not_verified_is_listed_only_when_verification_ran() -> None:
    controls = [control("C3", active=True, verification="pending", assertions=2, line=44)]
    assert review_queue(assessment(controls=controls)) == []
    [item] = review_queue(assessment(controls=controls, verification_run=True))
    assert (item.kind, item.entity) == ("stale_evidence", "C3")


def test_queue_orders_every_kind_by_priority_then_place_in_the_file() -> None:
    queue = review_queue(assessment(
        verification_run=True,
        dated=[DatedItem("acceptance", "T9", "2026-06-20", 19, (90, 5)),
               DatedItem("attestation", "AS1", "2026-05-01", -31, (80, 5)),
               DatedItem("acceptance", "T8", "2026-05-30", -2, (85, 5))],
        objectives=[objective("CO1", "high", "at_risk", 10),
                    objective("CO2", "critical", "at_risk", 12),
                    objective("CO3", "critical", "at_risk", 14, accepted=True),
                    objective("CO4", "critical", "mitigated", 16)],
        controls=[control("C1", active=True, verification="failing", assertions=1, line=40),
                  control("C2", active=True, verification="pending", assertions=0, line=42),
                  control("C3", active=True, verification="pending", assertions=2, line=44),
                  control("C4", active=False, verification="pending", assertions=2, line=46)],
        threats=[threat("T2", "high", "open", 32), threat("T1", "critical", "open", 30),
                 threat("T3", "medium", "open", 34), threat("T4", "unscored", "open", 36),
                 threat("T5", "critical", "mitigated", 38)],
    ))
    assert [(q.priority, q.kind, q.entity) for q in queue] == [
        (10, "expired_acceptance", "T8"),
        (11, "expired_attestation", "AS1"),
        (20, "at_risk_objective", "CO2"),
        (21, "at_risk_objective", "CO1"),
        (30, "failing_evidence", "C1"),
        (40, "open_threat", "T1"),
        (41, "open_threat", "T2"),
        (50, "unscored_threat", "T4"),
        (60, "no_evidence", "C2"),
        (70, "stale_evidence", "C3"),
        (80, "expiring_acceptance", "T9"),
    ]
    assert queue[0].message == (
        "acceptance of T8 expired on 2026-05-30: threat or objective is open again")
    assert queue[-1].message == "acceptance of T9 expires on 2026-06-20 (19 days)"


def test_a_model_with_nothing_to_do_has_an_empty_queue() -> None:
    assert review_queue(assessment()) == []


LEVERAGE_MODEL: dict[str, Any] = {
    "threatgate": 1, "id": "m", "title": "M",
    "assets": [{"id": "A1", "name": "a", "properties": ["integrity"]}],
    "attackers": [{"id": "ATK1", "name": "x", "capability": "c", "position": "external"}],
    "objectives": [
        {"id": "CO1", "asset": "A1", "attacker": "ATK1", "mitigated_by": [["C1", "C2"], ["C3"]]},
        {"id": "CO2", "asset": "A1", "attacker": "ATK1", "mitigated_by": [["C2", "C4"]]},
        {"id": "CO3", "asset": "A1", "attacker": "ATK1", "mitigated_by": [["C5"]]},
    ],
    "threats": [{"id": "T1", "title": "t", "likelihood": 4, "impact": 4,
                 "objectives": ["CO1"], "mitigations": ["C2", "C6"]}],
    "controls": [
        {"id": "C1", "title": "one", "status": "implemented"},
        {"id": "C2", "title": "two", "status": "planned"},
        {"id": "C3", "title": "three", "status": "wont_do"},
        {"id": "C4", "title": "four", "status": "in_progress"},
        {"id": "C5", "title": "five", "status": "not_applicable"},
        {"id": "C6", "title": "six", "status": "planned"},
        {"id": "C7", "title": "seven", "status": "planned"},
    ],
}


def test_leverage_ranks_missing_controls_by_what_they_close() -> None:
    assessed = assess_model(LEVERAGE_MODEL, path="m.yaml", today=TODAY)
    ranked = remediation_leverage(LEVERAGE_MODEL, assessed)
    assert [(r.control, r.closes, r.advances, r.threats) for r in ranked] == [
        # the last control missing from CO1's group, also one of two missing from CO2's
        ("C2", ["CO1"], ["CO1", "CO2"], ["T1"]),
        ("C4", [], ["CO2"], []),
        ("C6", [], [], ["T1"]),
    ]
    # declined controls (wont_do, not_applicable) and controls serving nothing open are left out
    assert assessed.leverage == ranked
