"""``threatgate validate`` through Click's runner: outputs, exit codes, settings, cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.validate import files as validate_module


def test_valid_model_passes_with_summary(run_cli, write_model, project):
    write_model()
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "1 model file valid" in result.stderr


def test_problem_lines_have_path_line_column_severity_rule(run_cli, write_model, project):
    write_model(VALID_MODEL.replace("status: planned", "status: plannd"))
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 1
    line = result.stdout.strip()
    assert line.startswith("threatmodels/model.yaml:48:5: error: controls[1].status: ")
    assert "did you mean 'planned'?" in line
    assert line.endswith("[schema-enum]")


def test_warnings_pass_unless_strict(run_cli, write_model, project):
    write_model(VALID_MODEL.replace("mitigated_by: [[C1], [C2]]", "mitigated_by: [[C1]]"))
    relaxed = run_cli("validate", cwd=project)
    assert relaxed.exit_code == 0
    assert "warning: control C2 is not used" in relaxed.stdout
    assert "[unused-control]" in relaxed.stdout
    strict = run_cli("validate", "--strict", cwd=project)
    assert strict.exit_code == 1


def test_expiry_follows_today_option(run_cli, write_model, project):
    write_model()
    assert run_cli("validate", "--strict", "--today", "2026-12-31", cwd=project).exit_code == 0
    late = run_cli("validate", "--strict", "--today", "2027-01-01", cwd=project)
    assert late.exit_code == 1
    assert "[expired-acceptance]" in late.stdout


def test_invalid_today_is_a_usage_error(run_cli, write_model, project):
    write_model()
    result = run_cli("validate", "--today", "2026-13-01", cwd=project)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_json_format(run_cli, write_model, project):
    write_model(VALID_MODEL.replace("likelihood: 4", "likelihood: 7"))
    result = run_cli("validate", "--format", "json", cwd=project)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["summary"] == {"files": 1, "errors": 1, "warnings": 0}
    (entry,) = report["files"]
    assert entry["path"] == "threatmodels/model.yaml"
    assert entry["model_id"] == "shop"
    (problem,) = entry["diagnostics"]
    assert problem["rule"] == "schema-maximum"
    assert (problem["line"], problem["column"], problem["severity"]) == (34, 5, "error")


def test_github_format_escapes_and_locates(run_cli, write_model, project):
    write_model(VALID_MODEL.replace("mitigations: [C1]", "mitigations: [C9]"))
    result = run_cli("validate", "--format", "github", cwd=project)
    assert result.exit_code == 1
    assert result.stdout.startswith(
        "::error file=threatmodels/model.yaml,line=38,col=19,"
        "title=threatgate dangling-reference::threat T1, mitigations: no control has id 'C9'")


def test_model_ids_unique_across_files(run_cli, write_model, project):
    write_model(name="a.yaml")
    write_model(name="nested/b.yaml")
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 1
    assert "threatmodels/nested/b.yaml:2:1: error: model id 'shop' is already used by " \
        "threatmodels/a.yaml" in result.stdout


def test_explicit_file_checked_against_other_models_of_the_repository(run_cli, write_model,
                                                                      project):
    write_model(name="a.yaml")
    changed = write_model(name="b.yaml")
    result = run_cli("validate", str(changed.relative_to(project)), cwd=project)
    assert result.exit_code == 1
    assert "[duplicate-model-id]" in result.stdout


def test_models_outside_the_repository_can_be_validated(run_cli, tmp_path, project):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    model = elsewhere / "m.yml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    result = run_cli("validate", str(model), cwd=project)
    assert result.exit_code == 0, result.output


def test_rules_settings_from_config(run_cli, write_model, project):
    write_model(VALID_MODEL.replace("mitigated_by: [[C1], [C2]]", "mitigated_by: [[C1]]"))
    (project / "threatgate.toml").write_text('[rules]\nunused-control = "error"\n')
    assert run_cli("validate", cwd=project).exit_code == 1
    (project / "threatgate.toml").write_text('[rules]\nunused-control = "off"\n')
    result = run_cli("validate", "--strict", cwd=project)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_settings_in_pyproject(run_cli, write_model, project):
    write_model(name="m.yaml")
    (project / "threatmodels" / "m.yaml").rename(project / "models.yaml")
    (project / "docs").mkdir()
    (project / "pyproject.toml").write_text('[tool.threatgate]\nmodels = ["."]\n'
                                            'exclude = ["threatmodels/*"]\n')
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("modles = ['x']\n", "unknown key 'modles'"),
        ("max_depth = 'deep'\n", "max_depth"),
        ("[rules]\nno-such-rule = 'off'\n", "unknown rule id(s) no-such-rule"),
        ("models = [\n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_a_usage_error(run_cli, write_model, project, config, message):
    write_model()
    (project / "threatgate.toml").write_text(config)
    result = run_cli("validate", cwd=project)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_missing_model_folder_is_a_usage_error(run_cli, tmp_path):
    (tmp_path / ".git").mkdir()
    result = run_cli("validate", cwd=tmp_path)
    assert result.exit_code == 2
    assert "threatgate init" in result.stderr


def test_unknown_option_is_a_usage_error(run_cli, project):
    assert run_cli("validate", "--no-such-option", cwd=project).exit_code == 2


def test_internal_error_exits_3_without_traceback(run_cli, write_model, project, monkeypatch):
    write_model()

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(validate_module, "_summarise", broken)
    result = run_cli("validate", "--no-cache", cwd=project)
    assert result.exit_code == 3
    assert "internal error" in result.stderr
    assert "ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    monkeypatch.setenv("THREATGATE_DEBUG", "1")
    assert "Traceback" in run_cli("validate", "--no-cache", cwd=project).stderr


def test_cache_reuses_results_and_notices_changes(run_cli, write_model, project,
                                                  monkeypatch):
    path = write_model()
    assert run_cli("validate", cwd=project).exit_code == 0
    calls: list[object] = []
    original = validate_module._summarise

    def counting(document: object, *args: object) -> object:
        calls.append(document)
        return original(document, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(validate_module, "_summarise", counting)
    assert run_cli("validate", cwd=project).exit_code == 0
    assert calls == []  # served from the cache
    path.write_text(VALID_MODEL.replace("likelihood: 4", "likelihood: 9"), encoding="utf-8")
    assert run_cli("validate", cwd=project).exit_code == 1
    assert len(calls) == 1
    assert run_cli("validate", "--no-cache", cwd=project).exit_code == 1
    assert len(calls) == 2


def test_parallel_run_matches_serial_run(run_cli, write_model, project):
    count = validate_module.PARALLEL_THRESHOLD + 6
    for i in range(count):
        text = VALID_MODEL.replace("id: shop", f"id: shop-{i}")
        if i % 5 == 0:
            text = text.replace("impact: 5", "impact: 0")
        write_model(text, name=f"m{i:02d}.yaml")
    serial = run_cli("validate", "--no-cache", "-j", "1", cwd=project)
    parallel = run_cli("validate", "--no-cache", "-j", "2", cwd=project)
    assert serial.exit_code == parallel.exit_code == 1
    assert serial.stdout == parallel.stdout
    assert serial.stdout.count("[schema-minimum]") == len(range(0, count, 5))


def test_help_reads_like_documentation(run_cli):
    result = run_cli("validate", "--help")
    assert result.exit_code == 0
    for words in ("PATHS", "--format", "--strict", "Exit status", "rule id"):
        assert words in result.stdout


def test_version(run_cli):
    from threatgate import __version__

    result = run_cli("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_schema_command_prints_the_model_schema(run_cli):
    result = run_cli("schema")
    assert json.loads(result.stdout)["title"] == "threatgate threat model"
    folder = Path(run_cli("schema", "--path").stdout.strip())
    assert (folder / "threatmodel.schema.json").is_file()
