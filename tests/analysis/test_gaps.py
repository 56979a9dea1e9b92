"""``threatgate gaps``: a checklist per control not implemented yet."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.analysis.gaps import EvidenceHint, describe_assertion
from threatgate.model import schema
from threatgate.output.escape.markdown import md_code_span, md_inline

MODEL = """\
threatgate: 1
id: payments
title: Payments API
assets:
  - {id: A1, name: Card data, properties: [confidentiality, integrity]}
attackers:
  - {id: ATK1, name: External attacker, capability: Sends HTTP requests without credentials., position: external}
objectives:
  - id: CO1
    asset: A1
    attacker: ATK1
    properties: [confidentiality]
    mitigated_by: [[C1, C2], [C3]]
  - id: CO2
    asset: A1
    attacker: ATK1
    properties: [integrity]
    mitigated_by: [[C2, C4]]
  - id: CO3
    asset: A1
    attacker: ATK1
    properties: [integrity]
    mitigated_by: [[C1], [C4]]
  - id: CO4
    asset: A1
    attacker: ATK1
    properties: [confidentiality]
    mitigated_by: [[C5, C6]]
threats:
  - {id: T1, title: Refunds replayed by a script, likelihood: 4, impact: 5, objectives: [CO1, CO2], mitigations: [C2]}
  - {id: T2, title: Card data read through SQL injection, likelihood: 3, impact: 4, objectives: [CO3], mitigations: [C1, C4]}
  - {id: T3, title: Card numbers logged, likelihood: 2, impact: 2, objectives: [CO4], mitigations: [C6]}
controls:
  - id: C1
    title: Parameterised queries only
    status: implemented
    assertions:
      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f"'}
  - id: C2
    title: Rate limiting on refunds
    status: in_progress
    owner: payments-team
    description: |
      Use the shared limiter.
      Limit per card, not per IP.
    compliance: ["asvs-5.0:V2.4.1"]
    assertions:
      - {type: function_exists, file: src/limits.py, name: rate_limit}
      - {type: pattern_matches, file: src/api/refund.py, pattern: '@rate_limit\\(', min_count: 2, description: both refund routes}
      - {type: dependency_version, file: requirements.txt, name: limits, constraint: '>=3.5'}
  - id: C3
    title: Tokenise card numbers
    status: wont_do
  - id: C4
    title: WAF rule for `/search` | <script>alert(1)</script>
    status: planned
  - id: C5
    title: Hardware security module
    status: not_applicable
  - id: C6
    title: Mask card numbers in logs
    status: planned
    assertions:
      - {type: no_plaintext_secret, glob: 'src/**/*.py'}
frameworks: [asvs-5.0]
findings:
  - id: F1
    control: C2
    title: No limiter on /refund
    severity: high
    status: acknowledged
    locations: ['src/api/refund.py:40', src/api/routes.py]
    expected_evidence: a limiter decorator on refund() and on refund_all()
    assertions:
      - {type: decorator_present, file: src/api/refund.py, name: rate_limit, function: refund}
  - {id: F2, control: C2, title: Limiter bypass via batch endpoint, severity: medium, status: dismissed, reason: the batch endpoint is internal, locations: [src/api/batch.py]}
  - {id: F3, control: C4, title: Search endpoint unprotected, severity: low, status: discovered, locations: [src/api/search.py]}
"""


@pytest.fixture
def gaps(project: Path, write_model, run_cli):
    write_model(MODEL, name="payments.yaml")

    def run(*args: str):
        return run_cli("gaps", *args, cwd=project)

    return run


@pytest.mark.parametrize(("name", "args"), [
    ("payments.md", ()),
    ("payments.json", ("--format", "json")),
])
def test_golden_output(gaps, golden, name: str, args: tuple[str, ...]) -> None:
    result = gaps(*args)
    assert result.exit_code == 0, result.output
    golden(f"gaps/{name}", result.stdout)


def test_only_planned_and_in_progress_controls_ranked_by_leverage(gaps) -> None:
    page = json.loads(gaps("--format", "json").stdout)
    # C6 closes CO4 on its own: C5, the other control of its group, is not_applicable.
    assert [row["id"] for row in page["items"]] == ["C2", "C6", "C4"]
    assert {row["status"] for row in page["items"]} == {"planned", "in_progress"}


def test_what_implementing_each_control_does_to_its_objectives(gaps) -> None:
    rows = {row["id"]: row for row in json.loads(gaps("--format", "json").stdout)["items"]}
    effects = {cid: {o["id"]: o["effect"] for o in row["objectives"]}
               for cid, row in rows.items()}
    assert effects == {
        "C2": {"CO1": "closes", "CO2": "advances"},
        "C4": {"CO2": "advances", "CO3": "defense_in_depth"},
        "C6": {"CO4": "closes"},
    }
    assert [t["id"] for t in rows["C2"]["threats"]] == ["T1"]
    assert [(f["id"], f["status"]) for f in rows["C2"]["findings"]] == [
        ("F1", "acknowledged"), ("F2", "dismissed")]


def test_evidence_and_places_to_look(gaps) -> None:
    row = json.loads(gaps("--format", "json", "--control", "C2").stdout)["items"][0]
    assert [(e["source"], e["text"]) for e in row["evidence"]] == [
        ("C2", "a function `rate_limit` defined in `src/limits.py`"),
        ("C2", "a match of `@rate_limit\\(` at least 2 times in `src/api/refund.py`"),
        ("C2", "the dependency `limits` at `>=3.5` declared in `requirements.txt`"),
        ("F1", "the decorator `rate_limit` on `refund` in `src/api/refund.py`"),
    ]
    assert row["expected"] == [
        {"source": "F1", "text": "a limiter decorator on refund() and on refund_all()"}]
    # The dismissed finding's locations are not worth a look.
    assert row["look_at"] == ["src/limits.py", "src/api/refund.py", "requirements.txt",
                              "src/api/refund.py:40", "src/api/routes.py"]


def test_markdown_escapes_text_from_the_model(gaps) -> None:
    out = gaps("--control", "C4").stdout
    assert "<script>" not in out
    assert "## C4: WAF rule for \\`/search\\` \\| \\<script\\>alert(1)\\</script\\>" in out


def test_filters_and_paging(gaps) -> None:
    page = json.loads(gaps("--format", "json", "--status", "planned").stdout)
    assert [row["id"] for row in page["items"]] == ["C6", "C4"]
    page = json.loads(gaps("--format", "json", "--offset", "1", "--limit", "1").stdout)
    assert (page["total"], page["offset"], page["limit"]) == (3, 1, 1)
    assert [row["id"] for row in page["items"]] == ["C6"]
    assert "Showing 2-2 of 3." in gaps("--offset", "1", "--limit", "1").stdout
    assert gaps("--status", "implemented").exit_code == 2


def test_a_model_without_gaps(project: Path, write_model, run_cli) -> None:
    write_model(VALID_MODEL.replace("status: planned", "status: wont_do"))
    result = run_cli("gaps", cwd=project)
    assert result.exit_code == 0
    assert "No gaps in 1 model: every control is implemented" in result.stdout


def test_invalid_models_are_reported(project: Path, write_model, run_cli) -> None:
    write_model()
    write_model("threatgate: 1\nid: broken\n", name="broken.yaml")
    result = run_cli("gaps", cwd=project)
    assert result.exit_code == 1
    assert "## C2: Web application firewall" in result.stdout
    assert "threatmodels/broken.yaml:" in result.stderr


#: A valid example of every assertion type, to describe.
SAMPLES = {
    "file_exists": {"file": "src/app.py"},
    "function_exists": {"file": "src/app.py", "name": "run"},
    "class_exists": {"file": "src/app.py", "name": "App"},
    "decorator_present": {"file": "src/app.py", "name": "login_required"},
    "function_calls": {"file": "src/app.py", "function": "view", "calls": "check_csrf"},
    "import_present": {"file": "src/app.py", "module": "secrets"},
    "pattern_matches": {"file": "src/app.py", "pattern": "x`y", "scope_start": "def a"},
    "pattern_absent": {"file": "src/app.py", "pattern": "eval\\(", "scope_end": "def b"},
    "no_plaintext_secret": {"glob": "src/**", "allow": ["tests/key.pem"]},
    "config_key_exists": {"file": "config.yaml", "key": "server.tls"},
    "config_value_matches": {"file": "config.yaml", "key": "server.tls", "value": True},
    "env_var_referenced": {"glob": "src/**/*.py", "name": "DB_PASSWORD"},
    "dependency_exists": {"file": "requirements.txt", "name": "limits"},
    "dependency_version": {"file": "requirements.txt", "name": "requests",
                           "constraint": ">=2.31"},
    "http_header_set": {"glob": "src/**/*.py", "header": "Strict-Transport-Security"},
    "middleware_registered": {"file": "settings.py", "name": "CsrfViewMiddleware"},
    "test_exists": {"glob": "tests/test_*.py", "name": "test_login"},
    "file_hash": {"file": "vendor/x.js", "sha256": "0" * 64},
    "command_succeeds": {"command": ["make", "check"]},
}


def test_every_assertion_type_is_described() -> None:
    kinds = schema.schema_documents()["assertion.schema.json"]["properties"]["type"]["enum"]
    assert set(kinds) == set(SAMPLES)
    for kind, params in SAMPLES.items():
        assertion = {"type": kind, **params}
        assert not schema.check(assertion, "assertion.schema.json"), kind
        hint = describe_assertion(assertion, "C1")
        sentence = hint.text()
        assert "{" not in sentence and "evidence of type" not in sentence, sentence
        placeholders = {n for _, n, _, _ in string.Formatter().parse(hint.template) if n}
        assert placeholders == set(hint.values)
        assert "None" not in hint.values.values(), (kind, hint.values)
        assert hint.where == [v for k, v in params.items() if k in ("file", "glob")]


def test_unknown_assertion_types_still_read() -> None:
    hint = describe_assertion({"type": "from_the_future", "file": "a.py"}, "C1")
    assert hint.text() == "evidence of type `from_the_future`"
    assert hint.where == ["a.py"]


def test_code_spans_hold_any_text() -> None:
    assert md_code_span("plain") == "`plain`"
    assert md_code_span("a`b") == "``a`b``"
    assert md_code_span("`edge`") == "`` `edge` ``"
    assert md_code_span("two\nlines") == "`two\\nlines`"
    assert md_inline("*bold* <b>") == "\\*bold\\* \\<b\\>"
    hint = EvidenceHint("C1", "pattern_absent", "no match of {pattern}", {"pattern": "a`b"},
                        [])
    assert hint.text(md_code_span) == "no match of ``a`b``"
