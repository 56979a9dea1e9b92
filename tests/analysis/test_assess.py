"""``threatgate assess``: summaries by default, details, listings with filters and pages."""

from __future__ import annotations

import json

import pytest

from handbuilt import GATE_MODEL as MODEL


@pytest.fixture
def assessed(run_cli, write_model, project):
    write_model(MODEL, name="gatecase.yaml")

    def run(*args: str):  # type: ignore[no-untyped-def]
        return run_cli("assess", *args, cwd=project)

    return run


def test_text_summary(assessed) -> None:
    result = assessed()
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("gatecase: Gate case (threatmodels/gatecase.yaml)\n")
    assert ("threats     8: critical 3, high 2, medium 1, low 1, unscored 1; mitigated 2, "
            "accepted 1, open 5; mitigation ratio 0.25") in out
    assert ("objectives  4: mitigated 1 (by controls 1, by assumption 0), verification not "
            "run, at risk 2, unassessed 1") in out
    assert ("controls    5: planned 1, in progress 1, implemented 2 (verification not run), "
            "not applicable 0, wont do 1") in out
    assert "expiring    2 expired, 0 expiring soon" in out


def test_details_show_residual_and_reasons(assessed) -> None:
    out = assessed("--details").stdout
    residual = out.split("still open, highest first:\n", 1)[1].split("  objectives", 1)[0]
    assert [line.split()[0] for line in residual.splitlines()] == [
        "T8", "T2", "T4", "T6", "T7", "T3"]
    assert "CO2 [high] missing_controls, missing C2" in out
    assert "CO3 [low] expired_attestation" in out


def test_json_summary_and_totals(assessed) -> None:
    document = json.loads(assessed("--format", "json").stdout)
    assert document["today"] == "2026-06-01"
    (model,) = document["models"]
    assert model["threats"]["mitigation_ratio"] == 0.25
    assert model["objectives"]["at_risk"] == 2
    assert model["controls"]["by_status"]["wont_do"] == 1
    assert model["findings"]["discovered"] == 1
    assert document["totals"]["threats"]["total"] == 8
    assert document["totals"]["models"] == 1


def test_markdown_summary(assessed) -> None:
    out = assessed("--format", "markdown").stdout
    assert out.startswith("| Model | Threats |")
    assert "| Gate case (gatecase) | 8 | 3 | 2 | 2 | 25% | 2 of 4 | 2 of 5 | not run |" in out


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        (("--list", "threats", "--status", "open"), ["T8", "T2", "T4", "T6", "T7"]),
        (("--list", "threats", "--control", "C2"), ["T8", "T2"]),
        (("--list", "threats", "--objective", "CO2"), ["T4"]),
        (("--list", "objectives", "--status", "at_risk"), ["CO2", "CO3"]),
        (("--list", "controls", "--objective", "CO2"), ["C2", "C4"]),
        (("--list", "findings", "--control", "C2"), ["F1", "F4"]),
        (("--list", "leverage"), ["C2", "C5"]),
        (("--list", "expiring", "--status", "expired"), ["AS1", "T8"]),
        (("--list", "threats", "--offset", "2", "--limit", "3"), ["T2", "T3", "T4"]),
    ],
)
def test_listings(assessed, args: tuple[str, ...], ids: list[str]) -> None:
    result = assessed(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    page = json.loads(result.stdout)
    assert [row["id"] for row in page["items"]] == ids


def test_listing_page_metadata_and_text(assessed) -> None:
    page = json.loads(assessed("--list", "threats", "--limit", "2", "--format", "json").stdout)
    assert (page["total"], page["offset"], page["limit"]) == (8, 0, 2)
    text = assessed("--list", "threats", "--limit", "2").stdout
    assert text.splitlines()[0].split() == ["MODEL", "ID", "SEVERITY", "SCORE", "STATUS",
                                            "MITIGATED_BY", "TITLE"]
    assert text.rstrip().endswith("(1-2 of 8 threats)")


def test_listing_usage_errors(assessed) -> None:
    assert assessed("--status", "open").exit_code == 2
    bad = assessed("--list", "threats", "--status", "at_risk")
    assert bad.exit_code == 2
    assert "mitigated, accepted, open" in bad.stderr


def test_invalid_model_is_reported(run_cli, write_model, project) -> None:
    write_model(MODEL, name="gatecase.yaml")
    write_model("threatgate: 1\nid: broken\n", name="broken.yaml")
    result = run_cli("assess", cwd=project)
    assert result.exit_code == 1
    assert "threatmodels/broken.yaml: cannot be assessed" in result.stdout




@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("summary.txt", ()),
        ("details.txt", ("--details",)),
        ("details.json", ("--details", "--format", "json")),
        ("details.md", ("--details", "--format", "markdown")),
        ("objectives.txt", ("--list", "objectives")),
        ("threats.md", ("--list", "threats", "--format", "markdown")),
        ("queue.json", ("--list", "queue", "--format", "json")),
    ],
)
def test_golden_output(assessed, golden, name: str, args: tuple[str, ...]) -> None:
    golden(f"assess/{name}", assessed(*args).stdout)


def test_verified_counts_only_implemented_controls() -> None:
    """Passing evidence on a planned control does not make it a verified control."""
    import datetime as dt

    from threatgate.analysis.assess import assess_model

    model = {
        "threatgate": 1, "id": "m", "title": "M",
        "controls": [
            {"id": "C1", "title": "Done", "status": "implemented",
             "assertions": [{"type": "file_exists", "file": "a"}]},
            {"id": "C2", "title": "Not yet", "status": "planned",
             "assertions": [{"type": "file_exists", "file": "b"}]},
        ],
    }
    assessment = assess_model(model, path="m.yaml", today=dt.date(2026, 6, 1),
                              evidence={"C1": "passed", "C2": "passed"})
    assert assessment.control_progress == {"defined": 2, "implemented": 1, "verified": 1}
