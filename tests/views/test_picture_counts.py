"""What the pictures show, counted by hand on small models (tests/handbuilt.py)."""

from __future__ import annotations

from typing import Any

from handbuilt import GATE_MODEL
from pictures_support import EDGES_MODEL, EMPTY_MODEL, many, report_of
from threatgate.views.pictures import (
    OVERVIEW_ROWS,
    RiskMatrix,
    cell_anchor,
    model_bars,
    overview,
    risk_matrix,
)


def cell(matrix: RiskMatrix, likelihood: int, impact: int) -> tuple[list[str], list[str]]:
    found = matrix.rows[5 - likelihood][impact - 1]
    assert (found.likelihood, found.impact) == (likelihood, impact)
    return [r.id for r in found.open], [r.id for r in found.handled]


def test_gate_model_threats_land_in_their_cells() -> None:
    """T1 5x4 mitigated, T2 4x5 open, T3 3x4 accepted, T4 4x3 open, T5 2x3 mitigated,
    T6 1x1 open, T7 unscored open, T8 5x5 open (its acceptance expired)."""
    matrix = risk_matrix(report_of(GATE_MODEL).threats)
    assert cell(matrix, 5, 4) == ([], ["T1"])
    assert cell(matrix, 4, 5) == (["T2"], [])
    assert cell(matrix, 3, 4) == ([], ["T3"])
    assert cell(matrix, 4, 3) == (["T4"], [])
    assert cell(matrix, 2, 3) == ([], ["T5"])
    assert cell(matrix, 1, 1) == (["T6"], [])
    assert cell(matrix, 5, 5) == (["T8"], [])
    assert [r.id for r in matrix.unscored.open] == ["T7"] and not matrix.unscored.handled
    assert sum(c.total for c in matrix.cells()) == 7
    assert (matrix.scored, matrix.scored_open, matrix.scored_handled) == (7, 4, 3)
    assert matrix.summary() == ("7 threats scored by likelihood and impact (4 open, 3 handled); "
                                "1 not scored (1 open, 0 handled)")


def test_cells_carry_their_band_and_anchor() -> None:
    matrix = risk_matrix([])
    bands = [[c.band for c in row] for row in matrix.rows]
    assert bands[0] == ["low", "medium", "high", "critical", "critical"]  # likelihood 5
    assert bands[1] == ["low", "medium", "high", "high", "critical"]  # likelihood 4
    assert bands[4] == ["low", "low", "low", "low", "low"]  # likelihood 1
    assert matrix.rows[0][4].anchor == cell_anchor(5, 5) == "risk-L5-I5"
    assert matrix.unscored.anchor == "risk-unscored" and matrix.unscored.band == "unscored"
    assert len({c.anchor for c in matrix.cells()}) == 25


def test_edges_of_the_scale() -> None:
    matrix = risk_matrix(report_of(EDGES_MODEL).threats)
    assert cell(matrix, 5, 5) == (["T1"], [])
    assert cell(matrix, 4, 2) == (["T2"], [])
    assert cell(matrix, 1, 1) == (["T6"], ["T5"])
    # In the report's order: severity first (T4's explicit high before T3's unscored).
    assert [r.id for r in matrix.unscored.open] == ["T4", "T3", "T7"]
    assert matrix.rows[4][0].counts() == "1 open, 1 handled"


def test_empty_model() -> None:
    report = report_of(EMPTY_MODEL)
    matrix = risk_matrix(report.threats)
    assert matrix.scored == 0 and matrix.unscored.total == 0
    assert all(c.counts() == "none" for c in matrix.cells())
    bars = model_bars(report)
    assert [b.total for b in bars] == [0, 0, 0]
    assert [b.summary() for b in bars] == [
        "Objectives: no control objectives", "Controls: no controls",
        "Verification: not checked in this run (use --verify)"]


def counts(bar: Any) -> dict[str, int]:
    return {s.key: s.count for s in bar.segments if s.count}


def test_gate_model_bars() -> None:
    """CO1 mitigated by C1; CO2 at risk, missing controls; CO3 at risk, expired
    attestation first (before insufficient by design: C3 is wont_do); CO4 unassessed.
    Controls: C1 and C4 implemented, C2 planned, C3 wont_do, C5 in progress."""
    objectives, controls, verification = model_bars(report_of(GATE_MODEL))
    assert counts(objectives) == {"mitigated_by_controls": 1,
                                  "at_risk_missing_controls": 1,
                                  "at_risk_expired_attestation": 1, "unassessed": 1}
    assert objectives.total == 4
    assert counts(controls) == {"planned": 1, "in_progress": 1, "implemented": 2,
                                "wont_do": 1}
    assert verification.total == 0 and "use --verify" in verification.summary()
    assert objectives.summary() == (
        "Objectives: 4 objectives: 1 mitigated by controls, 1 at risk: missing controls, "
        "1 at risk: expired attestation, 1 unassessed")


def test_verification_bar_counts_implemented_controls() -> None:
    """Verified: C1 (implemented, assertions pass); C4 is implemented without assertions;
    planned controls are not counted."""
    _, _, passed = model_bars(report_of(GATE_MODEL, {"C1": "passed"}, verified=True))
    assert counts(passed) == {"verification_verified": 1, "verification_none": 1}
    _, _, failed = model_bars(report_of(GATE_MODEL, {"C1": "failed"}, verified=True))
    assert counts(failed) == {"verification_failing": 1, "verification_none": 1}
    _, _, unknown = model_bars(report_of(GATE_MODEL, {}, verified=True))
    assert counts(unknown) == {"verification_pending": 1, "verification_none": 1}


def test_mitigated_by_assumption_is_counted_apart() -> None:
    model = GATE_MODEL.replace('expires: "2026-05-01"', 'expires: "2026-12-01"')
    objectives, _, _ = model_bars(report_of(model))
    assert counts(objectives)["mitigated_by_assumption"] == 1  # CO3, AS1 attested again
    assert "at_risk_expired_attestation" not in counts(objectives)


def test_overview_of_a_few_models_lists_every_model_in_id_order() -> None:
    models = many(OVERVIEW_ROWS + 1)
    view = overview(list(reversed(models)))
    assert [r.page for r in view.rows] == [page for _, page in models]
    assert view.others is None and view.models == OVERVIEW_ROWS + 1
    # The gate model's threats sorted by severity: T1 T2 T8 (critical), T3 T4 (high), ...
    first = {r.page: r for r in view.rows}["models/m0003.html"]
    assert (first.open_critical, first.open_high) == (2, 0)  # T2, T8 open; T1 mitigated


def test_overview_sums_the_models_past_the_limit() -> None:
    models = many(1000)
    view = overview(models)
    assert len(view.rows) == OVERVIEW_ROWS
    assert view.others is not None and view.others.models == 1000 - OVERVIEW_ROWS
    assert view.total.models == 1000 and view.total.label == "All 1000 models"
    every = overview(models, limit=2000)
    assert view.total == every.total
    assert (sum(r.open_critical for r in every.rows)
            == view.total.open_critical
            == sum(r.open_critical for r in view.rows) + view.others.open_critical)
    assert view.total.posture.total == 4 * 1000
    # The rows shown are those with the most open critical, then high threats.
    shown = [(r.open_critical, r.open_high) for r in view.rows]
    assert shown == sorted(shown, reverse=True)
    assert min(shown) >= max((r.open_critical, r.open_high) for r in every.rows
                             if r.page not in {s.page for s in view.rows})


def test_overview_of_one_model_and_of_none() -> None:
    one = overview(many(1))
    assert len(one.rows) == 1 and one.others is None and one.total.models == 1
    none = overview([])
    assert none.rows == () and none.total.models == 0 and none.total.posture.total == 0
