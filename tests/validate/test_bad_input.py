"""`threatgate validate` on bad input: the data-driven corpus and the cases around it.

Every case of tests/cases/bad_input.yaml is written into a fresh project and validated
through the CLI. Whatever the input, the outcome must be a clean report: the expected
exit code, the expected rule at the expected place, one line per problem, and never a
traceback or an internal error.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from conftest import CASES_DIR, VALID_MODEL

CORPUS = CASES_DIR / "bad_input.yaml"
MODEL = "threatmodels/model.yaml"
CASE_KEYS = {
    "name",
    "text",
    "hex",
    "b64",
    "size_cap",
    "max_depth",
    "rule",
    "line",
    "column",
    "exit",
    "message_contains",
    "message_excludes",
    "xfail",
}
#: One problem per line: ``path:line:col: severity: message [rule]``.
PROBLEM_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<severity>error|warning): "
    r"(?P<message>.*) \[(?P<rule>[a-z0-9-]+)\]$"
)
#: C0 controls (but newline) and DEL: nothing from a model file may reach the terminal raw.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def _load_corpus() -> list[dict[str, Any]]:
    cases = YAML(typ="safe", pure=True).load(CORPUS.read_text(encoding="utf-8"))
    assert isinstance(cases, list)
    return cases


CASES = _load_corpus()


def _content(case: dict[str, Any]) -> bytes:
    if "text" in case:
        return str(case["text"]).encode("utf-8")
    if "hex" in case:
        return bytes.fromhex(case["hex"])
    return base64.b64decode(case["b64"], validate=True)


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=" ".join(case["xfail"].split())))
        params.append(pytest.param(case, id=case["name"], marks=marks))
    return params


def test_corpus_is_well_formed() -> None:
    names = [case.get("name") for case in CASES]
    assert len(CASES) >= 45
    assert len(set(names)) == len(names), "case names must be unique"
    for case in CASES:
        name = case.get("name")
        assert isinstance(name, str) and re.fullmatch(r"[a-z0-9-]+", name), name
        assert set(case) <= CASE_KEYS, f"{name}: unknown keys {set(case) - CASE_KEYS}"
        sources = [key for key in ("text", "hex", "b64") if key in case]
        assert len(sources) == 1, f"{name}: give exactly one of text, hex, b64"
        _content(case)  # decodes
        assert isinstance(case.get("rule"), str), f"{name}: rule missing"
        assert case.get("exit") in (0, 1, 2), f"{name}: exit missing"
        assert ("line" in case) == ("column" in case), f"{name}: give line and column together"
        for key in ("line", "column", "size_cap", "max_depth"):
            if key in case:
                assert isinstance(case[key], int) and case[key] >= 1, f"{name}: {key}"


def _write_settings(project: Path, case: dict[str, Any]) -> None:
    settings = []
    if "size_cap" in case:
        settings.append(f"max_file_size = {case['size_cap']}")
    if "max_depth" in case:
        settings.append(f"max_depth = {case['max_depth']}")
    if settings:
        (project / "threatgate.toml").write_text("\n".join(settings) + "\n", encoding="utf-8")


def _assert_clean(result: Result) -> None:
    """No traceback and no internal error, whatever the input."""
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output


def _problem_lines(result: Result) -> list[re.Match[str]]:
    """Parse stdout, requiring each line to be one whole problem."""
    lines = result.stdout.splitlines()
    matches = []
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match is not None, f"not a single-line problem: {line!r}\n{result.stdout}"
        matches.append(match)
    return matches


@pytest.mark.parametrize("case", _params())
def test_bad_input_case(
    case: dict[str, Any], project: Path, run_cli: Callable[..., Result]
) -> None:
    _write_settings(project, case)
    (project / MODEL).write_bytes(_content(case))

    result = run_cli("validate", "--no-cache", MODEL, cwd=project)

    _assert_clean(result)
    rule = case["rule"]
    assert result.exit_code == case["exit"], result.output
    assert f"[{rule}]" in result.stdout, result.output
    assert not CONTROL.search(result.output), f"control character in output: {result.output!r}"
    problems = _problem_lines(result)
    assert problems, result.output
    candidates = [m for m in problems if m["rule"] == rule and m["path"] == MODEL]
    if "line" in case:
        prefix = f"{MODEL}:{case['line']}:{case['column']}: "
        at = [m for m in candidates if m.group(0).startswith(prefix)]
        assert at, f"no [{rule}] problem at {prefix!r}:\n{result.stdout}"
        candidates = at
    if "message_contains" in case:
        assert any(case["message_contains"] in m["message"] for m in candidates), result.stdout
    if "message_excludes" in case:
        assert all(case["message_excludes"] not in m["message"] for m in candidates), result.stdout

    # The JSON report lists the same problems: one text line per diagnostic.
    report = json.loads(run_cli("validate", "--no-cache", "--format", "json", MODEL).stdout)
    diagnostics = report["files"][0]["diagnostics"]
    assert len(diagnostics) == len(problems), result.stdout
    assert any(d["rule"] == rule for d in diagnostics)
    assert report["valid"] is (case["exit"] == 0)


# --- input that cannot be read or found: exit 2 -------------------------------------------


def test_missing_path_is_a_usage_error(project: Path, run_cli: Callable[..., Result]) -> None:
    result = run_cli("validate", "threatmodels/nope.yaml", cwd=project)
    _assert_clean(result)
    assert result.exit_code == 2
    assert "threatmodels/nope.yaml: no such file or folder" in result.output


def test_folder_without_models_is_a_usage_error(
    project: Path, run_cli: Callable[..., Result]
) -> None:
    (project / "threatmodels" / "README.md").write_text("no models here\n", encoding="utf-8")
    result = run_cli("validate", "threatmodels", cwd=project)
    _assert_clean(result)
    assert result.exit_code == 2
    assert "no model files" in result.output


def test_default_folder_without_models_is_a_usage_error(
    project: Path, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("validate", cwd=project)
    _assert_clean(result)
    assert result.exit_code == 2
    assert "no model files" in result.output


def test_symlink_leaving_the_project_is_refused(
    tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "threatmodels").mkdir()
    outside = tmp_path / "elsewhere" / "secret.yaml"
    outside.parent.mkdir()
    outside.write_text(VALID_MODEL, encoding="utf-8")
    (project / "threatmodels" / "model.yaml").write_text(VALID_MODEL, encoding="utf-8")
    link = project / "threatmodels" / "linked.yaml"
    try:
        link.symlink_to(outside)
    except OSError:  # pragma: no cover - e.g. Windows without the privilege
        pytest.skip("cannot create symbolic links here")

    for args in ((), ("threatmodels/linked.yaml",)):
        result = run_cli("validate", *args, cwd=project)
        _assert_clean(result)
        assert result.exit_code == 2, result.output
        assert "threatmodels/linked.yaml:1:1: error: " in result.stdout
        assert "[symlink-escape]" in result.stdout
        assert str(outside.resolve()) in result.stdout
        _problem_lines(result)


def test_symlink_inside_the_project_is_followed(
    project: Path, run_cli: Callable[..., Result]
) -> None:
    target = project / "models" / "shop.yaml"
    target.parent.mkdir()
    target.write_text(VALID_MODEL, encoding="utf-8")
    try:
        (project / "threatmodels" / "shop.yaml").symlink_to(target)
    except OSError:  # pragma: no cover
        pytest.skip("cannot create symbolic links here")
    result = run_cli("validate", cwd=project)
    _assert_clean(result)
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root (or a system without POSIX permissions) reads a chmod 000 file anyway",
)
def test_unreadable_file(project: Path, run_cli: Callable[..., Result]) -> None:
    path = project / MODEL
    path.write_text(VALID_MODEL, encoding="utf-8")
    path.chmod(0)
    try:
        result = run_cli("validate", MODEL, cwd=project)
    finally:
        path.chmod(0o644)
    _assert_clean(result)
    assert result.exit_code == 2
    assert f"{MODEL}:1:1: error: cannot read file" in result.stdout
    assert "[file-unreadable]" in result.stdout


def test_huge_integer_is_reported_not_a_crash(
    project: Path, run_cli: Callable[..., Result]
) -> None:
    """A likelihood of 5000 digits is refused with its location, not an internal error."""
    text = VALID_MODEL.replace("likelihood: 4", "likelihood: " + "9" * 5000)
    (project / MODEL).write_text(text, encoding="utf-8")
    result = run_cli("validate", MODEL, cwd=project)
    _assert_clean(result)
    assert result.exit_code == 1, result.output
    assert f"{MODEL}:34:17: error: integer of 5000 characters" in result.stdout
    assert "[yaml-number]" in result.stdout


# --- machine-readable output on a bad file -------------------------------------------------

BAD_MODEL = VALID_MODEL.replace("status: implemented", "status: implemnted").replace(
    "owner: shop-team", "owner: shop-team\nowner: other-team"
)
DUPLICATE_FREE_BAD_MODEL = VALID_MODEL.replace("status: implemented", "status: implemnted")


def test_json_format_on_a_bad_file(project: Path, run_cli: Callable[..., Result]) -> None:
    (project / MODEL).write_text(DUPLICATE_FREE_BAD_MODEL, encoding="utf-8")
    (project / "threatmodels" / "broken.yaml").write_text(BAD_MODEL, encoding="utf-8")
    result = run_cli("validate", "--format", "json", cwd=project)
    _assert_clean(result)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["summary"] == {"files": 2, "errors": 2, "warnings": 0}
    by_path = {f["path"]: f for f in report["files"]}
    assert set(by_path) == {MODEL, "threatmodels/broken.yaml"}
    assert by_path[MODEL]["model_id"] == "shop"
    assert by_path[MODEL]["diagnostics"] == [
        {
            "line": 42,
            "column": 5,
            "severity": "error",
            "message": "controls[0].status: 'implemnted' is not one of planned, in_progress, "
            "implemented, not_applicable, wont_do; did you mean 'implemented'?",
            "rule": "schema-enum",
        }
    ]
    broken = by_path["threatmodels/broken.yaml"]
    assert broken["model_id"] is None
    assert [(d["rule"], d["line"], d["column"]) for d in broken["diagnostics"]] == [
        ("yaml-duplicate-key", 5, 1)
    ]


def test_github_format_on_a_bad_file(project: Path, run_cli: Callable[..., Result]) -> None:
    (project / MODEL).write_text(BAD_MODEL, encoding="utf-8")
    result = run_cli("validate", "--format", "github", MODEL, cwd=project)
    _assert_clean(result)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"::error file={MODEL},line=5,col=1,title=threatgate yaml-duplicate-key::"
        "duplicate key 'owner' in the same mapping"
    ]


def test_github_format_escapes_properties_and_data(
    project: Path, run_cli: Callable[..., Result]
) -> None:
    name = "a,b:c.yaml"
    (project / "threatmodels" / name).write_text('"x\\ny": 1\n', encoding="utf-8")
    result = run_cli("validate", "--format", "github", f"threatmodels/{name}", cwd=project)
    _assert_clean(result)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines, result.output
    for line in lines:
        match = re.fullmatch(
            r"::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
            r"title=(?P<title>[^,:]+)::(?P<message>.*)",
            line,
        )
        assert match is not None, line
        assert match["file"] == "threatmodels/a%2Cb%3Ac.yaml"
        assert int(match["line"]) >= 1 and int(match["col"]) >= 1
    assert any("x%0Ay" in line for line in lines), lines
