"""The compliance commands end to end: map, automap, report, suggest, and the gate's
min_compliance threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import VALID_MODEL

#: VALID_MODEL maps C1 (implemented) to asvs-5.0:V1.2.4 and has C2 (planned, no mapping);
#: this one adds C3, planned, mapped to an OWASP Top 10 category, and an exclusion.
MODEL = VALID_MODEL.replace("frameworks: [asvs-5.0]",
                            "frameworks: [asvs-5.0, owasp-top10-2021]").replace(
    "    mitigations: [C1]\n", "    mitigations: [C1, C3]\n").replace(
    """  - id: C2
    title: Web application firewall
    status: planned
""", """  - id: C2
    title: Web application firewall
    status: planned
  # Planned: rate limiting of the login form.
  - id: C3
    title: Rate limit on the login form
    description: Throttle failed password attempts per account and per address.
    status: planned
    compliance: ["owasp-top10-2021:A07"]
""") + """exclusions:
  - {requirement: "owasp-top10-2021:A10", reason: The system makes no outbound requests}
"""


@pytest.fixture
def model(write_model) -> Path:
    assert "id: C3" in MODEL
    return write_model(MODEL)


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- map ------------------------------------------------------------------------------------


def test_map_adds_and_removes_keeping_comments(run_cli, project: Path, model: Path) -> None:
    done = run_cli("compliance", "map", "C3", "asvs-5.0:V6.3.1", "asvs-5.0:V6.3.1",
                   cwd=project)
    assert done.exit_code == 0, done.output
    assert "C3 mapped to" in done.stdout
    text = model.read_text(encoding="utf-8")
    assert "# Planned: rate limiting of the login form." in text
    assert 'compliance: ["owasp-top10-2021:A07", "asvs-5.0:V6.3.1"]' in text
    assert run_cli("validate", "--strict", cwd=project).exit_code == 0
    removed = run_cli("compliance", "map", "C3", "owasp-top10-2021:A07", "asvs-5.0:V6.3.1",
                      "--remove", "--format", "json", cwd=project)
    summary = _json(removed)
    assert summary["compliance"] == [] and summary["changed"] is True
    after = model.read_text(encoding="utf-8")
    assert "V6.3.1" not in after and "A07" not in after
    assert "# Planned: rate limiting of the login form." in after


def test_map_refuses_unknown_requirements_with_suggestions(run_cli, project: Path,
                                                           model: Path) -> None:
    before = model.read_bytes()
    result = run_cli("compliance", "map", "C3", "asvs-5.0:V6.3.99", cwd=project)
    assert result.exit_code == 2
    assert "not a requirement of asvs-5.0; did you mean asvs-5.0:V6.3." in result.stderr
    framework = run_cli("compliance", "map", "C3", "asvs-5.1:V6.3.1", cwd=project)
    assert framework.exit_code == 2 and "did you mean asvs-5.0?" in framework.stderr
    absent = run_cli("compliance", "map", "C3", "asvs-5.0:V6.3.1", "--remove", cwd=project)
    assert absent.exit_code == 2 and "does not map" in absent.stderr
    assert model.read_bytes() == before
    assert not (model.parent / "model.yaml.lock").exists()


def test_map_dry_run_writes_nothing(run_cli, project: Path, model: Path) -> None:
    before = model.read_bytes()
    result = run_cli("compliance", "map", "C1", "nist-800-53-r5:AC-3", "--dry-run",
                     cwd=project)
    assert result.exit_code == 0
    assert '+' in result.stdout and "nist-800-53-r5:AC-3" in result.stdout
    assert model.read_bytes() == before


# --- report ---------------------------------------------------------------------------------


def test_report_json_has_the_keys_and_counts(run_cli, project: Path, model: Path) -> None:
    document = _json(run_cli("compliance", "report", "--framework", "owasp-top10-2021",
                             "--format", "json", cwd=project))
    (framework,) = document["frameworks"]
    for key in ("id", "requirements", "covered", "partial", "planned", "unmapped",
                "excluded", "coverage", "rows"):
        assert key in framework
    assert (framework["requirements"], framework["covered"], framework["planned"],
            framework["unmapped"], framework["excluded"]) == (10, 0, 1, 8, 1)
    assert framework["coverage"] == 0.0
    a07 = next(r for r in framework["rows"] if r["requirement"] == "A07")
    assert a07["status"] == "planned" and a07["controls"][0]["id"] == "C3"
    a10 = next(r for r in framework["rows"] if r["requirement"] == "A10")
    assert a10["status"] == "excluded" and "outbound" in a10["reason"]


def test_report_levels_status_filter_and_pages(run_cli, project: Path, model: Path) -> None:
    base = ("compliance", "report", "--framework", "asvs-5.0", "--format", "json")
    level1 = _json(run_cli(*base, "--level", "1", cwd=project))["frameworks"][0]
    assert level1["requirements"] == 70 and level1["level"] == "1"
    everything = _json(run_cli(*base, cwd=project))["frameworks"][0]
    assert everything["requirements"] == 345 and everything["covered"] == 1
    covered = _json(run_cli(*base, "--status", "covered", cwd=project))["frameworks"][0]
    assert [r["requirement"] for r in covered["rows"]] == ["V1.2.4"]
    page = _json(run_cli(*base, "--status", "unmapped", "--offset", "2", "--limit", "3",
                         cwd=project))["frameworks"][0]
    assert page["total_rows"] == 344 and len(page["rows"]) == 3 and page["offset"] == 2
    assert page["rows"][0]["requirement"] == "V1.2.1"  # after V1.1.1, V1.1.2
    bad = run_cli(*base, "--level", "4", cwd=project)
    assert bad.exit_code == 2 and "levels: 1, 2, 3" in bad.stderr
    unknown = run_cli("compliance", "report", "--framework", "nope-1", cwd=project)
    assert unknown.exit_code == 2 and "unknown framework" in unknown.stderr


def test_report_min_coverage_and_formats(run_cli, project: Path, model: Path) -> None:
    low = run_cli("compliance", "report", "--min-coverage", "0.5", cwd=project)
    assert low.exit_code == 1
    assert "owasp-top10-2021 coverage 0.0000 is below 0.5" in low.stderr
    ok = run_cli("compliance", "report", "--framework", "owasp-top10-2021",
                 "--min-coverage", "0", cwd=project)
    assert ok.exit_code == 0
    assert "owasp-top10-2021 (OWASP Top 10 2021): coverage 0.0%" in ok.stdout
    markdown = run_cli("compliance", "report", "--format", "markdown", "--framework",
                       "owasp-top10-2021", cwd=project)
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# Compliance\n")
    assert "| `shop` | `A07` | planned | C3 (planned) |" in markdown.stdout


def test_report_flags_invalid_models(run_cli, project: Path, write_model) -> None:
    write_model(MODEL)
    write_model(MODEL.replace("id: shop", "id: bad").replace('["owasp-top10-2021:A07"]',
                                                             '["owasp-top10-2021:A11"]'),
                "bad.yaml")
    result = run_cli("compliance", "report", "--framework", "owasp-top10-2021", cwd=project)
    assert result.exit_code == 1
    assert "bad.yaml" in result.stderr and "A11" in result.stderr


# --- automap and suggest ----------------------------------------------------------------------


def test_automap_ranks_deterministically_and_applies_the_best(run_cli, project: Path,
                                                              model: Path) -> None:
    args = ("compliance", "automap", "--framework", "asvs-5.0", "--format", "json")
    first = _json(run_cli(*args, cwd=project))
    assert first == _json(run_cli(*args, cwd=project))
    ranked = {c["control"]: c["candidates"] for c in first["controls"]}
    assert "C1" not in ranked  # already mapped to asvs-5.0
    best = ranked["C3"][0]["requirement"]
    # Among the best three, an authentication requirement on rate limiting.
    assert "asvs-5.0:V6.1.1" in [c["requirement"] for c in ranked["C3"]]
    assert [c["score"] for c in ranked["C3"]] == sorted(
        (c["score"] for c in ranked["C3"]), reverse=True)
    before = model.read_text(encoding="utf-8")
    assert best not in before
    applied = run_cli("compliance", "automap", "--framework", "asvs-5.0", "--apply",
                      cwd=project)
    assert applied.exit_code == 0, applied.output
    assert best in model.read_text(encoding="utf-8")


def test_suggest_lists_pack_controls_and_applies_them(run_cli, project: Path,
                                                      model: Path) -> None:
    document = _json(run_cli("compliance", "suggest", "--framework", "asvs-5.0", "--level",
                             "1", "--format", "json", cwd=project))
    suggestions = document["suggestions"]
    assert suggestions, document
    counts = [len(s["requirements"]) for s in suggestions]
    assert counts == sorted(counts, reverse=True)
    first = suggestions[0]
    assert first["needs"].startswith("scope ") and first["pack"] and first["rule"]
    result = run_cli("compliance", "suggest", "--framework", "asvs-5.0", "--level", "1",
                     "--apply", "--select", first["control"], cwd=project)
    assert result.exit_code == 0, result.output
    assert f"added C4 {first['title']} (planned)" in result.stdout
    text = model.read_text(encoding="utf-8")
    assert first["title"] in text and first["requirements"][0] in text
    assert run_cli("validate", cwd=project).exit_code == 0
    again = _json(run_cli("compliance", "suggest", "--framework", "asvs-5.0", "--level",
                          "1", "--format", "json", cwd=project))
    assert first["control"] not in [s["control"] for s in again["suggestions"]]


def test_suggest_cwe_framework_uses_the_rules_weaknesses(run_cli, project: Path,
                                                         model: Path) -> None:
    document = _json(run_cli("compliance", "suggest", "--framework", "cwe", "--format",
                             "json", cwd=project))
    assert any("cwe:CWE-639" in s["requirements"] for s in document["suggestions"])


# --- the gate -------------------------------------------------------------------------------


def test_gate_min_compliance_flag_and_setting(run_cli, project: Path, model: Path) -> None:
    failing = run_cli("gate", "--min-compliance", "owasp-top10-2021=0.5", "--format",
                      "json", cwd=project)
    assert failing.exit_code == 1
    details = json.loads(failing.stdout)["models"][0]["failure_details"]
    assert [d["check"] for d in details] == ["min_compliance"]
    assert details[0]["entity"] == "owasp-top10-2021"
    assert "0 of 9 requirements covered, 1 excluded" in details[0]["message"]
    assert run_cli("gate", "--min-compliance", "owasp-top10-2021=0", cwd=project
                   ).exit_code == 0
    # A framework the model does not answer to is not judged.
    assert run_cli("gate", "--min-compliance", "nist-800-53-r5=1", cwd=project
                   ).exit_code == 0
    bad = run_cli("gate", "--min-compliance", "asvs-5.0=2", cwd=project)
    assert bad.exit_code == 2 and "FRAMEWORK=R" in bad.output
    (project / "threatgate.toml").write_text(
        '[gate]\nmin_compliance = { "owasp-top10-2021" = 0.5 }\n', encoding="utf-8")
    assert run_cli("gate", cwd=project).exit_code == 1


def test_gate_and_badge_read_the_repository_catalogues(run_cli, project: Path,
                                                       write_model) -> None:
    (project / "acme.csv").write_text("id,title\nR1,One\nR2,Two\n", encoding="utf-8")
    assert run_cli("compliance", "import", "acme.csv", "--id", "acme-1",
                   cwd=project).exit_code == 0
    write_model(VALID_MODEL.replace("frameworks: [asvs-5.0]", "frameworks: [acme-1]")
                .replace('["asvs-5.0:V1.2.4"]', '["acme-1:R1"]')
                .replace("owner: shop-team", "owner: shop-team\nbadge: public"))
    result = run_cli("gate", "--min-compliance", "acme-1=0.6", "--format", "json",
                     cwd=project)
    assert result.exit_code == 1, result.output
    assert "acme-1 coverage 0.50 is below 0.60" in result.stdout
    badges = _json(run_cli("badge", cwd=project))
    assert badges["shop--acme-1"]["message"] == "50.0% covered (1/2)"
    assert badges["shop--acme-1"]["color"] == "orange"


def test_suggest_refuses_an_unknown_selection(run_cli, project: Path, model: Path) -> None:
    before = model.read_bytes()
    result = run_cli("compliance", "suggest", "--framework", "asvs-5.0", "--apply",
                     "--select", "no-such-control", cwd=project)
    assert result.exit_code == 2 and "not among the suggestions" in result.stderr
    assert model.read_bytes() == before


def test_automap_refuses_an_unknown_control(run_cli, project: Path, model: Path) -> None:
    result = run_cli("compliance", "automap", "--control", "C99", cwd=project)
    assert result.exit_code == 2 and "no such control" in result.stderr
