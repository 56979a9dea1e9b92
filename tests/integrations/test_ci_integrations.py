"""The CI surfaces of the gate: the GitHub Action, the GitLab template, the example
workflow and the pre-push hook.

The action's scripts are checked statically (no `${{ }}` inside `run:`, inputs only
through `env:`, `bash -n`) and then run for real with bash in a throwaway project, with
the environment GitHub would give them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import GIT_IDENTITY, REPO_ROOT, VALID_MODEL, PreCommit, git

ACTION = REPO_ROOT / "action.yml"
GITLAB = REPO_ROOT / "templates" / "ci" / "gitlab-ci.yml"
WORKFLOW = REPO_ROOT / "templates" / "ci" / "github-workflow.yml"
HOOKS = REPO_ROOT / ".pre-commit-hooks.yaml"
VENV_BIN = Path(sys.executable).parent

#: What GitHub runs for `shell: bash` (the script file is appended).
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]

EXPECTED_INPUTS = {
    "paths", "version", "python-version", "args", "sarif", "fail-on-critical",
    "fail-on-unmitigated-high", "min-mitigation-ratio", "fail-on-at-risk",
    "fail-on-expired", "require-evidence",
}
INPUT_EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")
#: A critical threat (T1) whose only control is planned and that no acceptance covers.
_ACCEPTANCES = VALID_MODEL[VALID_MODEL.index("acceptances:"):VALID_MODEL.index("findings:")]
FAILING_MODEL = VALID_MODEL.replace(_ACCEPTANCES, "").replace("status: implemented",
                                                              "status: planned")


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def action() -> dict[str, Any]:
    data = load(ACTION)
    assert isinstance(data, dict)
    return data


def run_steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in data["runs"]["steps"] if "run" in s]


def gate_step() -> dict[str, Any]:
    (step,) = [s for s in action()["runs"]["steps"] if s.get("id") == "gate"]
    return step


def renderer_available(*names: str) -> bool:
    return all(importlib.util.find_spec(f"threatgate.output.{n}") is not None
               for n in names)


needs_sarif = pytest.mark.skipif(not renderer_available("sarif"),
                                 reason="the SARIF gate renderer is not there yet")


# --- action.yml, statically -----------------------------------------------------------


def test_action_is_composite_with_documented_inputs_and_outputs() -> None:
    data = action()
    assert data["name"] == "threatgate gate"
    assert data["runs"]["using"] == "composite"
    assert "github/codeql-action/upload-sarif" in data["description"]
    inputs = data["inputs"]
    assert set(inputs) == EXPECTED_INPUTS
    for name, spec in inputs.items():
        assert isinstance(spec.get("description"), str) and spec["description"].strip(), name
        assert isinstance(spec.get("default"), str), f"{name} needs a string default"
        assert spec.get("required", False) is False, name
    assert inputs["python-version"]["default"] == "3.12"
    assert inputs["sarif"]["default"] == "threatgate.sarif"
    assert inputs["paths"]["default"] == inputs["version"]["default"] == ""
    outputs = data["outputs"]
    for name in ("passed", "report"):
        assert outputs[name]["description"].strip()
        assert outputs[name]["value"] == f"${{{{ steps.gate.outputs.{name} }}}}"
    setup = [s for s in data["runs"]["steps"] if str(s.get("uses", "")).startswith(
        "actions/setup-python@")]
    assert setup and re.fullmatch(r"actions/setup-python@[0-9a-f]{40}", setup[0]["uses"])
    assert setup[0]["with"]["python-version"] == "${{ inputs.python-version }}"


def test_no_expression_is_expanded_inside_a_run_script() -> None:
    """`${{ inputs.x }}` or `${{ github.event... }}` in `run:` is script injection."""
    for data in (action(), *(load(WORKFLOW)["jobs"].values())):
        steps = data["runs"]["steps"] if "runs" in data else data["steps"]
        for step in steps:
            script = step.get("run", "")
            assert "${{" not in script, f"expression inside run: of {step.get('name')}"
            assert "inputs." not in script.replace("INPUT_", "")


def test_run_steps_take_inputs_only_through_env() -> None:
    data = action()
    declared = set(data["inputs"])
    used = set()
    for step in run_steps(data):
        assert step["shell"] == "bash"
        env = step.get("env", {})
        for key, value in env.items():
            match = INPUT_EXPRESSION.fullmatch(value)
            if match:
                assert match[1] in declared, value
                assert key == "INPUT_" + match[1].upper().replace("-", "_"), key
                used.add(match[1])
            else:
                assert value == "${{ github.action_path }}", f"{key}: {value}"
        referenced = set(re.findall(r"\$\{?(INPUT_[A-Z_]+)", step["run"]))
        assert referenced <= set(env), f"not passed through env: {referenced - set(env)}"
        assert referenced, f"{step['name']} reads no input"
    for step in data["runs"]["steps"]:
        for value in step.get("with", {}).values():
            used.update(INPUT_EXPRESSION.findall(str(value)))
    assert used == declared, f"inputs never used: {declared - used}"


def test_action_scripts_pass_bash_syntax_check(tmp_path: Path) -> None:
    for index, step in enumerate(run_steps(action())):
        script = tmp_path / f"step{index}.sh"
        script.write_text(step["run"], encoding="utf-8")
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, f"{step['name']}: {done.stderr}"
        if shutil.which("shellcheck"):
            lint = subprocess.run(["shellcheck", "-s", "bash", str(script)],
                                  capture_output=True, text=True)
            assert lint.returncode == 0, lint.stdout


def test_gate_script_quotes_its_variables() -> None:
    """Inputs are expanded in double quotes only (word splitting is done by `read -a`)."""
    script = gate_step()["run"]
    quoted = {m.start(1) for m in re.finditer(
        r'"[^"\s]*(\$\{?INPUT_[A-Z_]+)\}?[^"\s]*"', script)}
    for match in re.finditer(r"\$\{?INPUT_[A-Z_]+", script):
        line = script[:match.end()].rsplit("\n", 1)[-1]
        assert match.start() in quoted, f"unquoted {match[0]} in: {line.strip()}"
    assert "eval" not in script.split()


# --- the action's scripts, run for real ------------------------------------------------


def _resolve_env(step: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """The env GitHub would build for the step: `${{ inputs.x }}` from given or default."""
    inputs = action()["inputs"]
    unknown = set(given) - set(inputs)
    assert not unknown, f"not an input of the action: {unknown}"
    env = {}
    for key, value in step.get("env", {}).items():
        match = INPUT_EXPRESSION.fullmatch(value)
        if match:
            env[key] = given.get(match[1], inputs[match[1]]["default"])
        elif value == "${{ github.action_path }}":
            env[key] = str(REPO_ROOT)
    return env


class StepRun:
    def __init__(self, done: subprocess.CompletedProcess[str], outputs: dict[str, str],
                 summary: str) -> None:
        self.returncode = done.returncode
        self.stdout = done.stdout
        self.stderr = done.stderr
        self.outputs = outputs
        self.summary = summary

    def __repr__(self) -> str:  # shown by failing asserts
        return (f"rc={self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}\n"
                f"outputs: {self.outputs}")


def run_step(step: dict[str, Any], cwd: Path, tmp: Path, path_prefix: Path = VENV_BIN,
             **given: str) -> StepRun:
    """Run one run step of the action with bash, as the runner would, in ``cwd``."""
    tmp.mkdir(parents=True, exist_ok=True)
    script = tmp / "script.sh"
    script.write_text(step["run"], encoding="utf-8")
    output_file, summary_file, runner_temp = tmp / "output", tmp / "summary", tmp / "runner"
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    runner_temp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    env.update({
        "PATH": f"{path_prefix}{os.pathsep}{env.get('PATH', '')}",
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(runner_temp),
        **_resolve_env(step, {k.replace("_", "-"): v for k, v in given.items()}),
    })
    done = subprocess.run([*GITHUB_BASH, str(script)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    outputs = {}
    for line in output_file.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        assert key not in outputs, f"output {key} set twice"
        outputs[key] = value
    return StepRun(done, outputs, summary_file.read_text(encoding="utf-8"))


def run_gate(project: Path, tmp_path: Path, **given: str) -> StepRun:
    given.setdefault("sarif", "" if not renderer_available("sarif") else "threatgate.sarif")
    return run_step(gate_step(), project, tmp_path / "github", **given)


@pytest.fixture
def workspace(project: Path) -> Path:
    """A checked-out repository as the action sees it: one valid model."""
    (project / "threatmodels" / "model.yaml").write_text(VALID_MODEL, encoding="utf-8")
    return project


def test_gate_step_passes_a_good_model(workspace: Path, tmp_path: Path) -> None:
    run = run_gate(workspace, tmp_path, fail_on_critical="true",
                   fail_on_unmitigated_high="true", min_mitigation_ratio="0.5")
    assert run.returncode == 0, run
    assert run.outputs["passed"] == "true", run
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert report["pass"] is True
    assert report["thresholds"]["fail_on_critical"] is True
    assert report["thresholds"]["min_mitigation_ratio"] == 0.5
    assert report["summary"]["total_threats"] == 1
    assert "Threat model gate passed" in run.summary
    assert "threatgate gate passed" in run.stdout
    assert not (workspace / "threatgate-report.json").exists(), "report stays out of the repo"


def test_gate_step_fails_with_annotations_summary_and_report(workspace: Path,
                                                             tmp_path: Path) -> None:
    (workspace / "threatmodels" / "model.yaml").write_text(FAILING_MODEL, encoding="utf-8")
    run = run_gate(workspace, tmp_path, fail_on_critical="true")
    assert run.returncode == 1, run
    assert run.outputs["passed"] == "false", run
    assert re.search(r"^::error file=threatmodels/model\.yaml,line=\d+,col=\d+,"
                     r"title=threatgate fail_on_critical::critical threat T1", run.stdout,
                     re.MULTILINE), run
    assert "Threat model gate failed" in run.summary
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert report["pass"] is False
    assert report["failures"] == ["shop: 1 critical threat(s) neither mitigated nor accepted"]


def test_empty_input_keeps_the_settings_and_false_overrides_them(workspace: Path,
                                                                tmp_path: Path) -> None:
    (workspace / "threatmodels" / "model.yaml").write_text(FAILING_MODEL, encoding="utf-8")
    (workspace / "threatgate.toml").write_text("[gate]\nfail_on_critical = true\n",
                                               encoding="utf-8")
    from_settings = run_gate(workspace, tmp_path / "a")
    assert from_settings.returncode == 1, from_settings
    assert from_settings.outputs["passed"] == "false"
    overridden = run_gate(workspace, tmp_path / "b", fail_on_critical="false")
    assert overridden.returncode == 0, overridden
    assert overridden.outputs["passed"] == "true"


def test_paths_and_args_reach_the_gate(workspace: Path, tmp_path: Path) -> None:
    (workspace / "threatmodels" / "other.yaml").write_text(
        FAILING_MODEL.replace("id: shop", "id: other"), encoding="utf-8")
    (workspace / "ci").mkdir()
    (workspace / "ci" / "gate.toml").write_text("[gate]\nfail_on_critical = true\n",
                                                encoding="utf-8")
    # --config goes to validate too; --max-open-findings must not (validate would exit 2).
    run = run_gate(workspace, tmp_path / "a", paths="threatmodels/model.yaml\n",
                   args="--config ci/gate.toml\n--max-open-findings medium=1")
    assert run.returncode == 0, run
    report = json.loads(Path(run.outputs["report"]).read_text(encoding="utf-8"))
    assert [m["product_id"] for m in report["models"]] == ["shop"]
    assert report["thresholds"]["max_open_findings"] == {"medium": 1}
    assert report["thresholds"]["fail_on_critical"] is True
    both = run_gate(workspace, tmp_path / "b",
                    paths="threatmodels/model.yaml threatmodels/other.yaml",
                    args="--config=ci/gate.toml")
    assert both.returncode == 1, both
    assert both.outputs["passed"] == "false"


@pytest.mark.parametrize("given", [
    {"fail_on_critical": "yes"},
    {"require_evidence": "1"},
    {"min_mitigation_ratio": "lots"},
    {"fail_on_at_risk": "severe"},
    {"args": "--no-such-flag"},
])
def test_bad_input_is_a_usage_error(workspace: Path, tmp_path: Path,
                                    given: dict[str, str]) -> None:
    run = run_gate(workspace, tmp_path, **given)
    assert run.returncode == 2, run
    assert run.outputs["passed"] == "false"


def test_inputs_cannot_inject_shell(workspace: Path, tmp_path: Path) -> None:
    run = run_gate(workspace, tmp_path,
                   paths='$(touch pwned1) ;touch${IFS}pwned2 `touch pwned3` *',
                   args="--today $(touch${IFS}pwned4)", fail_on_at_risk="high;touch pwned5")
    assert run.returncode == 2, run
    assert not list(workspace.glob("pwned*"))
    assert not list(Path.cwd().glob("pwned*"))


@needs_sarif
def test_gate_step_writes_sarif(workspace: Path, tmp_path: Path) -> None:
    (workspace / "threatmodels" / "model.yaml").write_text(FAILING_MODEL, encoding="utf-8")
    run = run_gate(workspace, tmp_path, fail_on_critical="true",
                   sarif=action()["inputs"]["sarif"]["default"])
    assert run.returncode == 1, run
    assert run.outputs["passed"] == "false"
    assert run.outputs["sarif"] == "threatgate.sarif"
    sarif = json.loads((workspace / "threatgate.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"], "the failure is a SARIF result"
    nested = run_gate(workspace, tmp_path / "nested", sarif="reports/gate/out.sarif")
    assert nested.returncode == 0, nested
    assert (workspace / "reports" / "gate" / "out.sarif").is_file()


def test_no_sarif_when_input_is_empty(workspace: Path, tmp_path: Path) -> None:
    run = run_gate(workspace, tmp_path, sarif="")
    assert run.returncode == 0, run
    assert run.outputs["sarif"] == ""
    assert not (workspace / "threatgate.sarif").exists()


@pytest.mark.parametrize(("version", "spec"), [
    ("", None),  # the action's own checkout
    ("0.1.0", "threatgate==0.1.0"),
    ("threatgate>=0.1,<0.2", "threatgate>=0.1,<0.2"),
    ("git+https://example.invalid/threatgate.git@v0", "git+https://example.invalid/threatgate.git@v0"),
])
def test_install_step_turns_version_into_a_pip_requirement(tmp_path: Path, version: str,
                                                          spec: str | None) -> None:
    """A stand-in python on PATH records what pip would have been asked to install."""
    (install,) = [s for s in run_steps(action()) if "pip install" in s["run"]]
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "pip-args"
    (fake / "python").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{log}"\n',
                                 encoding="utf-8")
    (fake / "python").chmod(0o755)
    run = run_step(install, tmp_path, tmp_path / "step", path_prefix=fake, version=version)
    assert run.returncode == 0, run
    args = log.read_text(encoding="utf-8").splitlines()
    assert args[:2] == ["-m", "pip"] and "install" in args
    assert args[-1] == (spec or str(REPO_ROOT))


def test_install_step_refuses_an_option_as_version(tmp_path: Path) -> None:
    (install,) = [s for s in run_steps(action()) if "pip install" in s["run"]]
    run = run_step(install, tmp_path, tmp_path / "step", path_prefix=tmp_path,
                   version="--index-url=https://example.invalid/simple")
    assert run.returncode == 2, run
    assert "::error" in run.stdout


# --- GitLab template, example workflow, pre-push hook ---------------------------------


def test_gitlab_template_job() -> None:
    job = load(GITLAB)["threatgate-gate"]
    assert job["image"].startswith("python:3")
    assert "THREATGATE_GATE_ARGS" in job["variables"]
    reports = job["artifacts"]["reports"]
    assert job["artifacts"]["when"] == "always"
    script = "\n".join(job["script"])
    assert f"--output codequality={reports['codequality']}" in script
    assert f"--output junit={reports['junit']}" in script
    assert reports["codequality"] == "gl-code-quality-report.json"
    assert "--output json=threatgate.json" in script
    assert "threatgate.json" in job["artifacts"]["paths"]
    assert "threatgate validate" in script
    assert any("pip install" in line for line in job["before_script"])
    conditions = " ".join(rule["if"] for rule in job["rules"])
    assert '$CI_PIPELINE_SOURCE == "merge_request_event"' in conditions
    assert "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH" in conditions


def test_gitlab_template_script_passes_bash_syntax_check(tmp_path: Path) -> None:
    job = load(GITLAB)["threatgate-gate"]
    script = tmp_path / "gitlab.sh"
    script.write_text("\n".join([*job["before_script"], *job["script"]]) + "\n",
                      encoding="utf-8")
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not renderer_available("codequality", "junit"),
                    reason="the codequality and junit gate renderers are not there yet")
def test_gitlab_template_script_runs(workspace: Path) -> None:
    job = load(GITLAB)["threatgate-gate"]
    (workspace / "threatmodels" / "model.yaml").write_text(FAILING_MODEL, encoding="utf-8")
    env = {**os.environ, **{k: str(v) for k, v in job["variables"].items()},
           "THREATGATE_GATE_ARGS": "--fail-on-critical",
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}
    # Run in a subshell so that the script's `exit` gives the job's status.
    done = subprocess.run(["bash", "-eo", "pipefail", "-c", "\n".join(job["script"])],
                          cwd=workspace, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    quality = json.loads((workspace / "gl-code-quality-report.json").read_text("utf-8"))
    assert quality and quality[0]["location"]["path"] == "threatmodels/model.yaml"
    assert "<testsuite" in (workspace / "threatgate-junit.xml").read_text("utf-8")
    assert json.loads((workspace / "threatgate.json").read_text("utf-8"))["pass"] is False


def test_example_workflow_uses_the_action_and_uploads_sarif() -> None:
    workflow = load(WORKFLOW)
    assert "on" in workflow and "pull_request" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["contents"] == "read"
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    (gate,) = [s for s in steps if s.get("uses") == "threatgate/threatgate@v0"]
    assert set(gate.get("with", {})) <= EXPECTED_INPUTS
    (upload,) = [s for s in steps
                 if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert re.fullmatch(r"github/codeql-action/upload-sarif@[0-9a-f]{40}", upload["uses"])
    assert "always()" in upload["if"]
    assert upload["with"]["sarif_file"] == gate["with"].get(
        "sarif", action()["inputs"]["sarif"]["default"])
    assert steps.index(upload) > steps.index(gate)


def test_pre_push_hook_is_declared() -> None:
    hooks = {hook["id"]: hook for hook in load(HOOKS)}
    hook = hooks["threatgate-gate"]
    assert hook["name"] == "threatgate gate"
    assert hook["entry"] == "threatgate gate"
    assert hook["language"] == "python"
    assert hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True
    assert hook["description"].strip()


@pytest.mark.slow
def test_pre_push_hook_runs_under_pre_commit(git_repo: Path, pre_commit: PreCommit) -> None:
    """The real pre-commit runs the hook at the pre-push stage, on every model."""
    (git_repo / "threatmodels").mkdir()
    (git_repo / "threatmodels" / "model.yaml").write_text(FAILING_MODEL, encoding="utf-8")
    git(git_repo, "add", "-A")
    env = {**os.environ, **GIT_IDENTITY}

    def push() -> subprocess.CompletedProcess[str]:
        return pre_commit.run(git_repo, "threatgate-gate", "--hook-stage", "pre-push",
                              "--all-files", env=env)

    reporting = push()  # no threshold set: the gate only reports
    assert reporting.returncode == 0, reporting.stdout + reporting.stderr
    assert "No thresholds set" in reporting.stdout
    (git_repo / "threatgate.toml").write_text("[gate]\nfail_on_critical = true\n",
                                              encoding="utf-8")
    git(git_repo, "add", "-A")
    failing = push()
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "threatmodels/model.yaml:" in failing.stdout
    assert "[fail_on_critical]" in failing.stdout


def test_docs_copy_paste_blocks_match_the_templates() -> None:
    """docs/ci.md shows the workflow and the GitLab job; they must not drift apart."""
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [YAML(typ="safe", pure=True).load(block)
              for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]
    assert load(WORKFLOW) in blocks, "docs/ci.md: GitHub workflow differs from the template"
    assert load(GITLAB) in blocks, "docs/ci.md: GitLab job differs from the template"
    hooks = [b for b in blocks if isinstance(b, dict) and "repos" in b]
    assert any(h["id"] == "threatgate-gate" for b in hooks for r in b["repos"]
               for h in r["hooks"])
