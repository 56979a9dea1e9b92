"""``threatgate gate``: each threshold on a hand-built model whose numbers are computed by hand.

Today is 2026-06-01 (conftest). The model (tests/handbuilt.py), threat by threat:

    T1 5x4=20 critical  mitigations C1 (implemented)           -> mitigated
    T2 4x5=20 critical  mitigations C2 (planned)               -> open
    T3 3x4=12 high      mitigations C3 (wont_do), accepted      -> accepted (review 2026-12-31)
    T4 4x3=12 high      no mitigations                          -> open
    T5 2x3=6  medium    mitigations C4 (implemented)            -> mitigated
    T6 1x1=1  low       mitigations C5 (in_progress)            -> open
    T7 unscored                                                 -> open
    T8 5x5=25 critical  mitigations C2 (planned), acceptance expired 2026-05-31 -> open

    by severity: critical 3, high 2, medium 1, low 1, unscored 1
    mitigated 2 of 8 -> ratio 0.25; accepted 1; open 5
    controls 5, active 2 (C1, C4); C4 has no assertions

Objectives: CO1 [[C1]] mitigated (tier critical, via T1); CO2 [[C2, C4]] at risk,
missing_controls (tier high, via T4); CO3 [[C3]] + expired AS1 at risk,
expired_attestation (tier low, via T6); CO4 no groups, no assumptions: unassessed.
Findings: F1 high discovered, F2 low acknowledged, F3 critical verified, F4 medium dismissed.
"""

from __future__ import annotations

import json

import pytest

from handbuilt import GATE_MODEL as MODEL
from handbuilt import WAIVED_MODEL


@pytest.fixture
def gated(run_cli, write_model, project):
    write_model(MODEL, name="gatecase.yaml")

    def run(*flags: str) -> tuple[int, dict]:
        result = run_cli("gate", "--format", "json", *flags, cwd=project)
        return result.exit_code, json.loads(result.stdout)

    return run


def _model(document: dict) -> dict:
    (model,) = document["models"]
    return model


def _failures(document: dict, check: str) -> list[dict]:
    return [f for f in _model(document)["failure_details"] if f["check"] == check]


def test_no_threshold_only_reports_and_passes(gated) -> None:
    code, document = gated()
    assert code == 0
    assert document["pass"] is True
    model = _model(document)
    summary = model["summary"]
    assert summary["total_threats"] == 8
    assert summary["by_severity"] == {"critical": 3, "high": 2, "medium": 1, "low": 1,
                                      "unscored": 1}
    assert summary["mitigated_threats"] == 2
    assert summary["mitigation_ratio"] == 0.25
    assert summary["total_mitigations"] == 5
    assert summary["active_mitigations"] == 2
    assert summary["accepted_threats"] == 1
    assert summary["open_threats"] == 5
    assert summary["objectives"]["mitigated"] == 1
    assert summary["objectives"]["at_risk"] == 2
    assert summary["objectives"]["unassessed"] == 1
    assert model["product_id"] == "gatecase"
    assert model["product_name"] == "Gate case"
    assert model["generated_at"] == "2026-06-01T00:00:00Z"
    assert set(model) >= {"product_id", "product_name", "generated_at", "thresholds",
                          "summary", "pass", "failures"}


def test_fail_on_critical_only_unhandled_critical_threats(gated) -> None:
    code, document = gated("--fail-on-critical")
    assert code == 1 and document["pass"] is False
    failures = _failures(document, "fail_on_critical")
    assert [f["entity"] for f in failures] == ["T2", "T8"]  # T1 is mitigated
    assert failures[0]["path"] == "threatmodels/gatecase.yaml"
    assert failures[0]["line"] == 17  # the line of T2
    assert _model(document)["failures"] == ["2 critical threat(s) neither mitigated nor accepted"]


def test_fail_on_unmitigated_high_counts_critical_too_but_not_accepted(gated) -> None:
    code, document = gated("--fail-on-unmitigated-high")
    assert code == 1
    assert [f["entity"] for f in _failures(document, "fail_on_unmitigated_high")] == [
        "T2", "T4", "T8"]
    assert _model(document)["failures"] == [
        "3 high/critical threat(s) have no active mitigation"]


def test_min_mitigation_ratio(gated) -> None:
    assert gated("--min-mitigation-ratio", "0.25")[0] == 0  # 0.25 is not below 0.25
    code, document = gated("--min-mitigation-ratio", "0.5")
    assert code == 1
    (failure,) = _failures(document, "min_mitigation_ratio")
    assert "0.25 is below 0.50 (2 of 8 threats mitigated)" in failure["message"]


@pytest.mark.parametrize(("tier", "expected"), [("critical", []), ("high", ["CO2"]),
                                                ("low", ["CO2", "CO3"]),
                                                ("unscored", ["CO2", "CO3"])])
def test_fail_on_at_risk_by_tier(gated, tier: str, expected: list[str]) -> None:
    code, document = gated("--fail-on-at-risk", tier)
    assert [f["entity"] for f in _failures(document, "fail_on_at_risk")] == expected
    assert code == (1 if expected else 0)


def test_fail_on_at_risk_leaves_not_applicable_controls_out(run_cli, write_model,
                                                            project) -> None:
    """[C1, C2] passes (C2 is not applicable); [C2] alone and [C1, C3] (wont_do) fail,
    saying why."""
    write_model(WAIVED_MODEL)
    result = run_cli("gate", "--format", "json", "--fail-on-at-risk", "high", cwd=project)
    failures = {f["entity"]: f["message"]
                for f in _failures(json.loads(result.stdout), "fail_on_at_risk")}
    assert result.exit_code == 1
    assert failures == {
        "CO2": "objective CO2 (high) is at risk: insufficient_by_design; group 1 [C2]: "
               "because every control in it is not_applicable (C2)",
        "CO3": "objective CO3 (high) is at risk: insufficient_by_design; group 1 [C1, C3]: "
               "because of C3 (wont_do)",
    }


def test_fail_on_expired(gated) -> None:
    code, document = gated("--fail-on-expired")
    assert code == 1
    failures = _failures(document, "fail_on_expired")
    assert sorted(f["message"] for f in failures) == [
        "acceptance of T8 expired on 2026-05-31",
        "attestation of AS1 expired on 2026-05-01",
    ]


@pytest.mark.parametrize(("limit", "fails"), [("high=0", True), ("high=1", False),
                                              ("low=1", True), ("low=2", False),
                                              ("critical=0", False)])
def test_max_open_findings(gated, limit: str, fails: bool) -> None:
    code, document = gated("--max-open-findings", limit)
    assert code == (1 if fails else 0)
    assert bool(_failures(document, "max_open_findings")) is fails


def test_require_evidence(gated) -> None:
    code, document = gated("--require-evidence")
    assert code == 1
    assert [f["entity"] for f in _failures(document, "require_evidence")] == ["C4"]


def test_thresholds_from_config_and_flag_override(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    (project / "threatgate.toml").write_text(
        "[gate]\nfail_on_critical = true\nmin_mitigation_ratio = 0.1\n")
    result = run_cli("gate", "--format", "json", cwd=project)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["thresholds"]["fail_on_critical"] is True
    assert document["thresholds"]["min_mitigation_ratio"] == 0.1
    overridden = run_cli("gate", "--no-fail-on-critical", cwd=project)
    assert overridden.exit_code == 0, overridden.output


def test_bad_gate_settings_are_usage_errors(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    (project / "threatgate.toml").write_text("[gate]\nfail_on_criticl = true\n")
    result = run_cli("gate", cwd=project)
    assert result.exit_code == 2
    assert "fail_on_criticl" in result.stderr
    assert run_cli("gate", "--max-open-findings", "severe=1", cwd=project).exit_code == 2


def test_empty_model_is_reported_and_can_fail(run_cli, write_model, project) -> None:
    write_model("threatgate: 1\nid: empty\ntitle: Empty\n", name="empty.yaml")
    reported = run_cli("gate", cwd=project)
    assert reported.exit_code == 0
    assert "warning: model empty has no threats and no objectives" in reported.stdout
    failing = run_cli("gate", "--fail-on-empty", "--format", "json", cwd=project)
    assert failing.exit_code == 1
    assert _failures(json.loads(failing.stdout), "fail_on_empty")[0]["line"] == 2


def test_invalid_model_fails_the_gate(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    write_model("threatgate: 1\nid: broken\n", name="broken.yaml")
    result = run_cli("gate", "--format", "json", cwd=project)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["pass"] is False
    assert document["invalid"][0]["path"] == "threatmodels/broken.yaml"
    assert "title" in document["invalid"][0]["problem"]


def test_repository_roll_up(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    write_model(MODEL.replace("id: gatecase", "id: other"), name="other.yaml")
    result = run_cli("gate", "--format", "json", "--fail-on-critical", cwd=project)
    document = json.loads(result.stdout)
    assert document["summary"]["models"] == 2
    assert document["summary"]["total_threats"] == 16
    assert document["summary"]["mitigation_ratio"] == 0.25
    assert document["failures"] == [
        "gatecase: 2 critical threat(s) neither mitigated nor accepted",
        "other: 2 critical threat(s) neither mitigated nor accepted",
    ]


def test_text_output_names_file_and_line(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    result = run_cli("gate", "--fail-on-critical", cwd=project)
    assert result.exit_code == 1
    assert ("threatmodels/gatecase.yaml:17:5: critical threat T2 is neither mitigated nor "
            "accepted: Two [fail_on_critical]") in result.stdout
    assert result.stdout.rstrip().endswith("gate failed: 1 of 1 model failing")


def test_exit_zero_reports_without_failing(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    result = run_cli("gate", "--fail-on-critical", "--exit-zero", "--format", "json",
                     cwd=project)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["pass"] is False


def test_open_findings_flag_merges_with_settings(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    (project / "threatgate.toml").write_text("[gate]\nmax_open_findings = {low = 1}\n")
    merged = run_cli("gate", "--max-open-findings", "critical=5", "--format", "json",
                     cwd=project)
    document = json.loads(merged.stdout)
    assert document["thresholds"]["max_open_findings"] == {"low": 1, "critical": 5}
    assert merged.exit_code == 1  # low=1 from the settings still applies (F1 and F2 open)


def test_baseline_ratchet_fails_only_on_new_problems(run_cli, write_model, git_repo) -> None:
    from conftest import git

    models = git_repo / "threatmodels"
    models.mkdir()
    (models / "gatecase.yaml").write_text(MODEL, encoding="utf-8")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "legacy model")
    legacy = run_cli("gate", "--fail-on-critical", "--baseline", "main", "--format", "json",
                     cwd=git_repo)
    assert legacy.exit_code == 0, legacy.output
    document = json.loads(legacy.stdout)
    assert document["baseline"] == "main"
    assert [f["entity"] for f in document["models"][0]["baseline_failures"]] == ["T2", "T8"]
    # A new unhandled critical threat fails; the legacy ones still do not.
    (models / "gatecase.yaml").write_text(
        MODEL.replace("threats:\n", "threats:\n  - {id: T9, title: New, likelihood: 5, "
                      "impact: 5}\n", 1), encoding="utf-8")
    fresh = run_cli("gate", "--fail-on-critical", "--baseline", "main", "--format", "json",
                    cwd=git_repo)
    assert fresh.exit_code == 1
    model = json.loads(fresh.stdout)["models"][0]
    assert [f["entity"] for f in model["failure_details"]] == ["T9"]
    text = run_cli("gate", "--fail-on-critical", "--baseline", "main", cwd=git_repo).stdout
    assert "[fail_on_critical, already at main]" in text
    assert run_cli("gate", "--baseline", "nope", cwd=git_repo).exit_code == 2
