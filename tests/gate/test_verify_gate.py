"""Verification feeds assess, gate and badges: verified objectives, --require-verified, drift."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import git

MODEL = """\
threatgate: 1
id: app
title: App
badge: public
assets:
  - {id: A1, name: Data, properties: [integrity]}
attackers:
  - {id: ATK1, name: Outsider, capability: Sends requests, position: external}
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1]]}
threats:
  - {id: T1, title: Injection, likelihood: 4, impact: 4, objectives: [CO1], mitigations: [C1]}
controls:
  - id: C1
    title: Parameterised queries
    status: implemented
    assertions:
      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f"'}
"""


@pytest.fixture
def app(project: Path, write_model) -> Path:  # type: ignore[no-untyped-def]
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text("cursor.execute(sql, args)\n")
    write_model(MODEL)
    return project


def test_assess_verify_reaches_the_verified_level(run_cli, app: Path) -> None:
    plain = json.loads(run_cli("assess", "--format", "json", cwd=app).stdout)
    assert plain["models"][0]["objectives"]["verified"] == 0
    verified = json.loads(run_cli("assess", "--verify", "--format", "json", cwd=app).stdout)
    assert verified["models"][0]["objectives"]["verified"] == 1
    assert verified["models"][0]["controls"]["verified"] == 1


def test_badge_is_verified_only_with_verification(run_cli, app: Path) -> None:
    plain = json.loads(run_cli("badge", cwd=app).stdout)
    assert plain["app"]["message"] == "1/1 objective mitigated, verification pending"
    verified = json.loads(run_cli("badge", "--verify", cwd=app).stdout)
    assert verified["app"]["message"] == "1/1 objective verified"


def test_require_verified(run_cli, app: Path) -> None:
    assert run_cli("gate", "--require-verified", cwd=app).exit_code == 0
    (app / "src" / "db.py").write_text('cursor.execute(f"SELECT {x}")\n')
    result = run_cli("gate", "--require-verified", "--format", "json", cwd=app)
    assert result.exit_code == 1
    (failure,) = json.loads(result.stdout)["models"][0]["failure_details"]
    assert failure["check"] == "require_verified"
    assert failure["message"] == "control C1 is implemented but has failing evidence"
    assert failure["line"] == 14


def test_fail_on_drift(run_cli, app: Path) -> None:
    git(app, "init", "-q", "-b", "main")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "base")
    assert run_cli("gate", "--fail-on-drift", "main", cwd=app).exit_code == 0
    (app / "src" / "db.py").write_text('cursor.execute(f"SELECT {x}")\n')
    result = run_cli("gate", "--fail-on-drift", "main", "--format", "json", cwd=app)
    assert result.exit_code == 1
    checks = [f["check"] for f in json.loads(result.stdout)["models"][0]["failure_details"]]
    assert checks == ["fail_on_drift"]
    missing = run_cli("gate", "--fail-on-drift", "nope", cwd=app)
    assert missing.exit_code == 2
