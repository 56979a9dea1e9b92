"""``threatgate verify``: verdicts, safety, drift, digests and reports."""

from __future__ import annotations

import json
import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import threatgate.verify  # noqa: F401  (registers the assertion types)
from conftest import REPO_ROOT, git
from sarif_schema import sarif_validator
from threatgate.verify.base import REGISTRY, EvidenceError, Tree, WorkingTree, clean_path


def _model(assertions: str, status: str = "implemented") -> str:
    return f"""\
threatgate: 1
id: app
title: App
controls:
  - id: C1
    title: Safe queries
    status: {status}
    assertions:
{assertions}
"""


def _check(tree: Tree, assertion: dict[str, Any]) -> Any:
    try:
        return REGISTRY[assertion["type"]].check(assertion, tree)
    except EvidenceError as exc:
        return type("Verdict", (), {"status": "error", "reason": str(exc), "line": None})()


@pytest.fixture
def repo(project: Path) -> Path:
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text(
        "def run_query(sql, args):\n    return cursor.execute(sql, args)\n", encoding="utf-8")
    (project / "tests").mkdir()
    (project / "tests" / "test_db.py").write_text("def test_query():\n    pass\n")
    return project


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.txt", "src/../../x",
                                  "C:/Windows/win.ini", "..\\x"])
def test_paths_cannot_leave_the_repository(path: str) -> None:
    with pytest.raises(EvidenceError):
        clean_path(path)


def test_symlink_escape_is_refused(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    secret = tmp_path_factory.mktemp("outside") / "secret.txt"
    secret.write_text("AKIAABCDEFGHIJKLMNOP")
    (repo / "src" / "link.txt").symlink_to(secret)
    tree = WorkingTree(repo)
    verdict = _check(tree, {"type": "pattern_matches", "file": "src/link.txt",
                            "pattern": "AKIA"})
    assert verdict.status == "error"
    assert "outside the repository" in verdict.reason
    assert "src/link.txt" not in tree.glob("src/*")


def test_huge_and_binary_files_are_refused(repo: Path) -> None:
    (repo / "big.txt").write_bytes(b"a" * 2048)
    (repo / "bin.dat").write_bytes(b"\x00\x01\x02" * 10)
    tree = WorkingTree(repo, max_bytes=1024)
    big = _check(tree, {"type": "pattern_matches", "file": "big.txt", "pattern": "a"})
    assert (big.status, "over the evidence size limit" in big.reason) == ("error", True)
    binary = _check(tree, {"type": "pattern_matches", "file": "bin.dat", "pattern": "x"})
    assert (binary.status, "binary" in binary.reason) == ("error", True)


def test_catastrophic_backtracking_finishes_quickly(repo: Path) -> None:
    (repo / "evil.txt").write_text("a" * 5000 + "!")
    start = time.monotonic()
    verdict = _check(WorkingTree(repo), {"type": "pattern_matches", "file": "evil.txt",
                                         "pattern": "(a|aa)+$"})
    assert time.monotonic() - start < 5
    assert verdict.status == "error"
    assert "ran out of time" in verdict.reason


@pytest.mark.parametrize(
    ("assertion", "status", "line"),
    [
        ({"type": "pattern_absent", "file": "src/db.py", "pattern": r'execute\(f"'}, "pass", None),
        ({"type": "pattern_matches", "file": "src/db.py", "pattern": r"execute\(sql"}, "pass", 2),
        ({"type": "pattern_matches", "file": "src/db.py", "pattern": "nope"}, "fail", None),
        ({"type": "pattern_matches", "file": "src/db.py", "pattern": "return",
          "scope_start": "def run_query", "scope_end": "zzz"}, "error", None),
        ({"type": "file_exists", "file": "src/db.py"}, "pass", None),
        ({"type": "file_exists", "file": "src/gone.py"}, "fail", None),
        ({"type": "test_exists", "glob": "tests/**/test_*.py", "name": "test_query"}, "pass", 1),
        ({"type": "test_exists", "glob": "tests/**/test_*.py", "name": "test_other"}, "fail",
         None),
        ({"type": "env_var_referenced", "glob": "src/*.py", "name": "DB_PASSWORD"}, "fail", None),
        ({"type": "no_plaintext_secret", "glob": "**/*.py"}, "pass", None),
    ],
)
def test_verdicts(repo: Path, assertion: dict[str, Any], status: str, line: int | None) -> None:
    verdict = _check(WorkingTree(repo), assertion)
    assert verdict.status == status, verdict.reason
    if line is not None:
        assert verdict.line == line


def test_secret_is_found_with_its_line(repo: Path) -> None:
    (repo / "src" / "settings.py").write_text('DEBUG = True\nAPI_KEY = "sk_live_abcdefghijklmnopqrstuv"\n')
    verdict = _check(WorkingTree(repo), {"type": "no_plaintext_secret", "glob": "src/*.py"})
    assert (verdict.status, verdict.line) == ("fail", 2)
    allowed = _check(WorkingTree(repo), {"type": "no_plaintext_secret", "glob": "src/*.py",
                                         "allow": ["sk_live_abc"]})
    assert allowed.status == "pass"


def test_file_hash(repo: Path) -> None:
    import hashlib

    digest = hashlib.sha256((repo / "src" / "db.py").read_bytes()).hexdigest()
    tree = WorkingTree(repo)
    assert _check(tree, {"type": "file_hash", "file": "src/db.py", "sha256": digest}).status == "pass"
    assert _check(tree, {"type": "file_hash", "file": "src/db.py", "sha256": "0" * 64}).status == "fail"


def test_cli_reports_and_exit_codes(run_cli, write_model, repo: Path) -> None:
    write_model(_model(
        "      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f\"'}\n"
        "      - {type: file_exists, file: src/db.py}\n"))
    ok = run_cli("verify", cwd=repo)
    assert ok.exit_code == 0, ok.output
    assert "2 assertions: 2 passed, 0 failed, 0 errors, 0 skipped; 1 of 1 controls verified" \
        in ok.stdout
    write_model(_model("      - {type: file_exists, file: src/missing.py}\n"))
    failing = run_cli("verify", cwd=repo)
    assert failing.exit_code == 1
    assert "threatmodels/model.yaml:9: FAIL C1 file_exists: src/missing.py does not exist" \
        in failing.stdout
    write_model(_model("      - {type: file_exists, file: src/missing.py}\n", "planned"))
    assert run_cli("verify", cwd=repo).exit_code == 0  # not claimed implemented: reported only


def test_commands_run_only_when_allowed(run_cli, write_model, repo: Path) -> None:
    marker = repo / "ran.txt"
    write_model(_model(f"      - {{type: command_succeeds, command: [touch, {marker}]}}\n"))
    result = run_cli("verify", cwd=repo)
    assert "SKIPPED C1 command_succeeds: runs a command: only with --allow-commands" in result.stdout
    assert not marker.exists()
    allowed = run_cli("verify", "--allow-commands", cwd=repo)
    assert allowed.exit_code == 0, allowed.output
    assert marker.exists()


def test_json_report_has_digests_and_commit(run_cli, write_model, repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    write_model(_model("      - {type: file_exists, file: src/db.py}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    head = git(repo, "rev-parse", "HEAD").strip()
    document = json.loads(run_cli("verify", "--format", "json", cwd=repo).stdout)
    assert document["commit"] == head
    assert document["evidence_files"][0]["path"] == "src/db.py"
    assert len(document["evidence_digest"]) == 64
    assert len(document["verdicts_digest"]) == 64
    assert document["summary"]["verified_controls"] == 1
    (repo / "src" / "db.py").write_text("def run_query():\n    pass\n")
    again = json.loads(run_cli("verify", "--format", "json", cwd=repo).stdout)
    assert again["evidence_digest"] != document["evidence_digest"]


def test_a_planned_control_with_passing_evidence_is_not_verified(run_cli, write_model,
                                                                  repo: Path) -> None:
    write_model(_model("      - {type: file_exists, file: src/db.py}\n", status="planned"))
    document = json.loads(run_cli("verify", "--format", "json", cwd=repo).stdout)
    assert document["summary"]["verified_controls"] == 0
    text = run_cli("verify", cwd=repo).output
    assert "0 of 1 controls verified" in text


def test_drift_against_a_baseline(run_cli, write_model, repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    write_model(_model(
        "      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f\"'}\n"
        "      - {type: pattern_matches, file: src/db.py, pattern: run_query}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "src" / "db.py").write_text(
        'def run_query(sql):\n    return cursor.execute(f"SELECT {sql}")\n')
    result = run_cli("verify", "--baseline", "main", "--format", "json", cwd=repo)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [d["type"] for d in document["drift"]] == ["pattern_absent"]
    assert [c["type"] for c in document["changed_evidence"]] == ["pattern_matches"]
    text = run_cli("verify", "--baseline", "main", cwd=repo).stdout
    assert "DRIFT C1 pattern_absent: passed at main, now fail" in text


def test_an_unrelated_edit_of_the_evidence_file_is_no_change(run_cli, write_model,
                                                             repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    write_model(_model("      - {type: pattern_matches, file: src/db.py, pattern: 'execute\\(sql'}\n"
                       "      - {type: function_exists, file: src/db.py, name: run_query}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    before = (repo / "src" / "db.py").read_text()
    (repo / "src" / "db.py").write_text("# Queries, parameterised.\nimport sqlite3\n\n" + before)
    text = run_cli("verify", "--baseline", "main", cwd=repo).stdout
    assert "CHANGED" not in text and "DRIFT" not in text
    assert "no drift against main" in text
    (repo / "src" / "db.py").write_text(before.replace("execute(sql", "execute(sql, ()"))
    changed = run_cli("verify", "--baseline", "main", "--format", "json", cwd=repo)
    assert [c["type"] for c in json.loads(changed.stdout)["changed_evidence"]] == [
        "pattern_matches"]


def test_missing_baseline_is_a_usage_error(run_cli, write_model, repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    write_model(_model("      - {type: file_exists, file: src/db.py}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    result = run_cli("verify", "--baseline", "no-such-ref", cwd=repo)
    assert result.exit_code == 2
    assert "git reference 'no-such-ref' does not exist" in result.stderr


def test_changed_files_only(run_cli, write_model, repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")
    write_model(_model("      - {type: file_exists, file: src/db.py}\n"
                       "      - {type: test_exists, glob: tests/*.py}\n"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "tests" / "test_new.py").write_text("def test_x():\n    pass\n")
    result = run_cli("verify", "--changed-files", "--format", "json", cwd=repo)
    assert [a["type"] for a in json.loads(result.stdout)["assertions"]] == ["test_exists"]


def test_junit_and_sarif_outputs(run_cli, write_model, repo: Path, tmp_path: Path) -> None:
    write_model(_model("      - {type: file_exists, file: src/db.py}\n"
                       "      - {type: file_exists, file: src/gone.py}\n"))
    junit, sarif = tmp_path / "v.xml", tmp_path / "out" / "v.sarif"
    result = run_cli("verify", "--output", f"junit={junit}", "--output", f"sarif={sarif}",
                     cwd=repo)
    assert result.exit_code == 1
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    document = json.loads(sarif.read_text())
    (run,) = document["runs"]
    (finding,) = run["results"]
    assert finding["ruleId"] == "file_exists"
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == 10
    sarif_validator().validate(document)




def test_sarif_is_valid_and_written_as_the_gate_writes_it(run_cli, write_model,
                                                           repo: Path) -> None:
    """Rules carry full descriptions and help; %SRCROOT% is the repository, not file:///."""
    write_model(_model("      - {type: file_exists, file: src/gone.py}\n"
                       "      - {type: pattern_matches, file: src/db.py, pattern: nowhere}\n"))
    document = json.loads(run_cli("verify", "--format", "sarif", cwd=repo).stdout)
    (run,) = document["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["file_exists", "pattern_matches"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert "security" in rule["properties"]["tags"]
    assert rules[0]["fullDescription"]["text"].startswith("The file exists in the repository.")
    srcroot = run["originalUriBaseIds"]["%SRCROOT%"]
    assert "uri" not in srcroot and srcroot["description"]["text"]
    assert [r["ruleIndex"] for r in run["results"]] == [0, 1]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "threatmodels/model.yaml", "uriBaseId": "%SRCROOT%"}
    validator = sarif_validator()
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"results": []}]})
    assert [error.message for error in validator.iter_errors(document)] == []


def test_github_annotations(run_cli, write_model, repo: Path) -> None:
    write_model(_model("      - {type: file_exists, file: src/gone.py}\n"))
    out = run_cli("verify", "--format", "github", cwd=repo).stdout
    assert out.startswith("::error file=threatmodels/model.yaml,line=9,"
                          "title=threatgate verify C1::file_exists: src/gone.py does not exist")


def test_own_model_assertions_point_into_this_code() -> None:
    """threatgate's own model: every assertion of an implemented control passes here."""
    from threatgate.model.loader import load_text
    from threatgate.verify.runner import planned_assertions, run_assertions

    path = REPO_ROOT / "threatmodels" / "threatgate.yaml"
    document = load_text(path.read_text(encoding="utf-8"), locate=True)
    planned = planned_assertions(document.data, "threatgate.yaml", document.locate)
    results = run_assertions(planned, WorkingTree(REPO_ROOT))
    failing = [(r.planned.control, r.planned.type, r.verdict.reason) for r in results
               if r.verdict.status != "pass" and r.planned.type in REGISTRY]
    assert not failing
    assert os.environ.get("THREATGATE_TODAY")  # the fixture still isolates the run


def test_update_findings_promotes_remediated_findings(run_cli, write_model, repo: Path) -> None:
    model = write_model(_model("      - {type: file_exists, file: src/db.py}\n") + """\
findings:
  - id: F1  # keep this comment
    control: C1
    title: Raw SQL in reports
    severity: high
    status: remediated
    assertions:
      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f"'}
  - id: F2
    control: C1
    title: Still broken
    severity: low
    status: remediated
    assertions:
      - {type: file_exists, file: src/missing.py}
""")
    result = run_cli("verify", "--update-findings", cwd=repo)
    assert result.exit_code == 0, result.output
    assert "finding F1 remediated -> verified" in result.stderr
    text = model.read_text(encoding="utf-8")
    assert "  - id: F1  # keep this comment" in text
    assert text.count("status: verified") == 1
    assert text.count("status: remediated") == 1


def test_file_exists_passes_for_a_file_over_the_size_cap(repo: Path) -> None:
    (repo / "big.bin").write_bytes(b"x" * 4096)
    verdict = _check(WorkingTree(repo, max_bytes=1024), {"type": "file_exists", "file": "big.bin"})
    assert verdict.status == "pass"
    assert "too large" in verdict.reason


def test_assertions_outside_a_control_run_through_the_runner(repo: Path) -> None:
    """A finding's assertions are planned in order and checked like a control's."""
    from threatgate.verify.runner import planned_from, run_assertions

    assertions = [{"type": "file_exists", "file": "src/db.py"},
                  {"type": "file_exists", "file": "src/missing.py"},
                  {"type": "no_such_type"}]
    results = run_assertions(planned_from(assertions), WorkingTree(repo))
    assert [r.planned.index for r in results] == [0, 1, 2]
    assert [r.planned.assertion for r in results] == assertions
    assert [r.verdict.status for r in results] == ["pass", "fail", "error"]
    assert set(results[0].evidence) == {"src/db.py"}  # what the check read is recorded
