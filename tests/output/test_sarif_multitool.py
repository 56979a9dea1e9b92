"""The SARIF that gate and verify write, checked by Microsoft's SARIF Multitool with its
SARIF and GitHub (code scanning) rules, the checker GitHub points SARIF producers to.

The Multitool is a self-contained binary published on the npm registry
(``@microsoft/sarif-multitool-linux``); ``.ci/run`` installs it and names it in
``THREATGATE_SARIF_MULTITOOL``. Without it the tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from browser_support import in_ci
from conftest import VALID_MODEL

MULTITOOL = os.environ.get("THREATGATE_SARIF_MULTITOOL", "")


def multitool() -> Path:
    path = Path(MULTITOOL) if MULTITOOL else None
    if path is None or not (path.is_file() and os.access(path, os.X_OK)):
        reason = ("the SARIF Multitool is not installed: set THREATGATE_SARIF_MULTITOOL to "
                  "the Sarif.Multitool binary of @microsoft/sarif-multitool-linux")
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def problems(sarif: Path, tmp_path: Path) -> list[tuple[str, str, str]]:
    """(level, rule, message) of every finding of the Multitool's SARIF and GitHub rules."""
    report = tmp_path / (sarif.stem + ".validation.sarif")
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    done = subprocess.run([str(multitool()), "validate", "--rule-kind", "Sarif;Gh",
                           "--output", str(report), str(sarif)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert report.is_file(), done.stdout + done.stderr
    results = json.loads(report.read_text(encoding="utf-8"))["runs"][0].get("results", [])
    return [(r.get("level", "warning"), r["ruleId"], json.dumps(r.get("message")))
            for r in results if r.get("level", "warning") in ("error", "warning")]


def failing_project(project: Path) -> Path:
    unverified = VALID_MODEL.replace("    mitigations: [C1]\n", "    mitigations: []\n")
    (project / "threatmodels" / "shop.yaml").write_text(unverified, encoding="utf-8")
    return project


def test_gate_sarif_passes_the_multitool(run_cli: Callable[..., Result], project: Path,
                                         tmp_path: Path) -> None:
    failing_project(project)
    out = tmp_path / "gate.sarif"
    done = run_cli("gate", "--min-mitigation-ratio", "1", "--require-evidence",
                   "--output", f"sarif={out}", cwd=project)
    assert done.exit_code == 1, done.output
    assert json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert problems(out, tmp_path) == []


def test_verify_sarif_passes_the_multitool(run_cli: Callable[..., Result], project: Path,
                                           tmp_path: Path) -> None:
    failing_project(project)
    done = run_cli("verify", "--format", "sarif", cwd=project)
    out = tmp_path / "verify.sarif"
    out.write_text(done.stdout, encoding="utf-8")
    assert problems(out, tmp_path) == []


def test_the_multitool_does_find_problems(tmp_path: Path) -> None:
    """The check can fail: a SARIF without rule descriptions and with an absolute file URI."""
    broken = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "R1"}]}},
                  "results": [{"ruleId": "R1", "message": {"text": "m"}, "locations": [
                      {"physicalLocation": {"artifactLocation": {"uri": "file:///abs/x.yaml"},
                                            "region": {"startLine": 1}}}]}]}],
    }
    path = tmp_path / "broken.sarif"
    path.write_text(json.dumps(broken), encoding="utf-8")
    assert problems(path, tmp_path)
