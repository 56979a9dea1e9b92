"""The gate check registry: every check reaches every place that needs it, and adding a
threshold is adding one module under gate/checks/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from threatgate.commands.gate_cmd import gate
from threatgate.gate.checks import CHECKS, REGISTRY, GateCheck, Option, RuleText, register
from threatgate.gate.run import Thresholds
from threatgate.output.junit import checks_of
from threatgate.output.sarif import RULES

PACKAGE = REPO_ROOT / "cli" / "threatgate"


def test_every_module_registers_one_check_named_after_it():
    modules = sorted(p.stem for p in (PACKAGE / "gate" / "checks").glob("*.py")
                     if p.stem not in ("__init__", "base"))
    assert sorted(check.name for check in CHECKS) == modules
    assert list(REGISTRY) and set(REGISTRY) == set(modules)
    orders = [check.order for check in CHECKS]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


def test_every_check_reaches_thresholds_flags_junit_and_sarif():
    names = [check.name for check in CHECKS]
    assert [f.name for f in fields(Thresholds)] == names
    assert list(Thresholds().as_json()) == names
    options = {opt for param in gate.params for opt in param.opts}
    assert {check.flag for check in CHECKS} <= options
    on = Thresholds(**{c.name: c.parse(("high=0",)) if c.parse else
                       (0.5 if c.option.kind == "ratio" else
                        c.option.choices[0] if c.option.choices else
                        "main" if c.option.kind == "text" else True)
                       for c in CHECKS})
    assert checks_of(on) == names
    assert [rule.id for rule in RULES][:-1] == names
    for check, rule in zip(CHECKS, RULES, strict=False):
        assert (rule.name, rule.short, rule.full) == (check.text.title, check.text.short,
                                                      check.text.full)


def test_every_check_is_a_setting_of_the_config_schema():
    schema = json.loads((REPO_ROOT / "schemas" / "config.schema.json").read_text("utf-8"))
    assert list(schema["properties"]["gate"]["properties"]) == [c.name for c in CHECKS]


def test_a_name_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        register(GateCheck("fail_on_critical", 1, False, Option("switch", "x"),
                           RuleText("X", "high", "x", "x", "x", "--x", "x = true", ())))


NEW_CHECK = '''
"""fail_on_untitled_threat: a check added by this test only."""

from threatgate.gate.checks.base import GateCheck, GateInput, Option, RuleText, register


def _failures(subject: GateInput, _value: bool):
    for threat in subject.assessment.threats:
        yield subject.failure("fail_on_untitled_threat", f"threat {threat.id} seen",
                              threat.location, threat.id)


CHECK = register(GateCheck(
    name="fail_on_untitled_threat", order=55, default=False,
    option=Option("switch", "Fail on every threat (a test check)."),
    text=RuleText("EveryThreat", "high", "Every threat", "Every threat fails.",
                  "Remove the threat.", "--fail-on-untitled-threat",
                  "fail_on_untitled_threat = true", ("threat-model",),
                  "{count} threat(s) seen"),
    failures=_failures,
))
'''


def test_adding_a_check_is_one_module(tmp_path: Path, project: Path, write_model):
    """A copy of the package with one more module under gate/checks/: the new check has
    its flag, its setting, its failures, its JUnit case and its SARIF rule."""
    checkout = tmp_path / "checkout"
    copy = checkout / "cli"
    shutil.copytree(PACKAGE, copy / "threatgate",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for data in ("schemas", "templates"):
        (checkout / data).symlink_to(REPO_ROOT / data)
    (copy / "threatgate" / "gate" / "checks" / "fail_on_untitled_threat.py").write_text(
        textwrap.dedent(NEW_CHECK), encoding="utf-8")
    write_model()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from threatgate.commands.main import main; main()",
             "gate", *args], capture_output=True, text=True, cwd=project,
            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                 "XDG_CACHE_HOME": str(tmp_path / "cache")})

    assert "--fail-on-untitled-threat / --no-fail-on-untitled-threat" in run("--help").stdout
    done = run("--fail-on-untitled-threat", "--format", "json",
               "--output", "sarif=gate.sarif", "--output", "junit=gate.xml")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["thresholds"]["fail_on_untitled_threat"] is True
    (model,) = report["models"]
    assert model["failures"] and model["failures"][0].endswith("threat(s) seen")
    sarif = json.loads((project / "gate.sarif").read_text(encoding="utf-8"))
    rules = [rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert rules.index("fail_on_untitled_threat") == rules.index("fail_on_expired") + 1
    assert sarif["runs"][0]["results"][0]["ruleId"] == "fail_on_untitled_threat"
    junit = (project / "gate.xml").read_text(encoding="utf-8")
    assert 'name="fail_on_untitled_threat[T1]"' in junit


ORDERED = """\
threatgate: 1
id: ordered
title: Failures in model order
threats:
  - {id: T1, title: High first, likelihood: 3, impact: 4}
  - {id: T2, title: Critical second, likelihood: 5, impact: 5}
  - {id: T3, title: High third, likelihood: 4, impact: 3}
"""

EMPTY_WITH_CONTROL = """\
threatgate: 1
id: hollow
title: Only a control
controls:
  - {id: C1, title: Logging, status: implemented}
"""


def _details(run_cli, project: Path, *flags: str) -> list[tuple[str, str]]:
    result = run_cli("gate", *flags, "--format", "json", cwd=project)
    (model,) = json.loads(result.stdout)["models"]
    return [(d["check"], d["entity"]) for d in model["failure_details"]]


def test_threat_checks_fail_each_threat_once_in_threat_order(run_cli, project, write_model):
    write_model(ORDERED)
    assert _details(run_cli, project, "--fail-on-unmitigated-high", "--fail-on-critical") == [
        ("fail_on_unmitigated_high", "T1"), ("fail_on_critical", "T2"),
        ("fail_on_unmitigated_high", "T3")]


def test_an_empty_model_is_reported_before_other_failures(run_cli, project, write_model):
    write_model(EMPTY_WITH_CONTROL)
    assert _details(run_cli, project, "--require-evidence", "--fail-on-empty") == [
        ("fail_on_empty", "hollow"), ("require_evidence", "C1")]
