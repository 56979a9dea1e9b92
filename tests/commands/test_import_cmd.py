"""``threatgate import`` end to end: what it writes, what it refuses, its exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CASES_DIR

CASES = CASES_DIR / "importers"
DRAGON = CASES / "threat-dragon" / "v2.json"


def _source(project: Path, case: Path) -> Path:
    target = project / case.name
    shutil.copy(case, target)
    return target


def test_writes_a_valid_formatted_model_and_reports(run_cli, project: Path) -> None:
    source = _source(project, DRAGON)
    done = run_cli("import", source.name, "--out", "threatmodels/booking.yaml", cwd=project)
    assert done.exit_code == 0, done.output
    assert "mapped (" in done.output and "kept without an equivalent (" in done.output
    assert "-> components/C-5f0c1a77" in done.output
    assert run_cli("validate", cwd=project).exit_code == 0
    assert run_cli("fmt", "--check", cwd=project).exit_code == 0


def test_same_file_twice_gives_the_same_bytes(run_cli, project: Path) -> None:
    source = _source(project, CASES / "threagile" / "complete.yaml")
    out = project / "threatmodels" / "parcels.yaml"
    assert run_cli("import", str(source), "--out", str(out), cwd=project).exit_code == 0
    first = out.read_bytes()
    done = run_cli("import", str(source), "--out", str(out), "--force", cwd=project)
    assert done.exit_code == 0
    assert out.read_bytes() == first


def test_json_report(run_cli, project: Path) -> None:
    source = _source(project, CASES / "pytm" / "complete.json")
    done = run_cli("import", source.name, "--from", "pytm", "--out", "threatmodels/p.yaml",
                   "--format", "json", "--id", "photo-accounts", cwd=project)
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["format"] == "pytm" and report["model"] == "photo-accounts"
    assert report["entities"]["threats"] == 4
    assert {"from": "/flows/0", "to": "dataflows/Login"} in report["mapped"]
    assert any(k["to"].endswith("x-pytm.cvss") for k in report["kept"])


def test_refuses_to_overwrite_without_force(run_cli, project: Path) -> None:
    source = _source(project, DRAGON)
    out = project / "threatmodels" / "booking.yaml"
    out.write_text("keep me\n", encoding="utf-8")
    done = run_cli("import", source.name, "--out", "threatmodels/booking.yaml", cwd=project)
    assert done.exit_code == 2
    assert "--force" in done.output
    assert out.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("out", ["../outside.yaml", "/tmp/threatgate-import-outside.yaml"])
def test_out_must_stay_inside_the_repository(run_cli, project: Path, out: str) -> None:
    source = _source(project, DRAGON)
    done = run_cli("import", source.name, "--out", out, cwd=project)
    assert done.exit_code == 2
    assert "outside the repository" in done.output
    assert not (project.parent / "outside.yaml").exists()


def test_out_must_be_yaml(run_cli, project: Path) -> None:
    source = _source(project, DRAGON)
    done = run_cli("import", source.name, "--out", "threatmodels/booking.json", cwd=project)
    assert done.exit_code == 2


@pytest.mark.parametrize("case", sorted(CASES.glob("*/malformed*")),
                         ids=lambda p: p.parent.name)
def test_malformed_input_is_located_and_nothing_written(run_cli, project: Path,
                                                       case: Path) -> None:
    source = _source(project, case)
    done = run_cli("import", source.name, "--out", "threatmodels/x.yaml", cwd=project)
    assert done.exit_code == 1
    line = done.output.strip().splitlines()[0]
    assert line.startswith(f"{source.name}:") and "(at /" in line and "nothing written" in line
    assert not (project / "threatmodels" / "x.yaml").exists()


def test_unknown_content_and_wrong_format(run_cli, project: Path) -> None:
    (project / "other.json").write_text('{"hello": "world"}', encoding="utf-8")
    done = run_cli("import", "other.json", "--out", "threatmodels/x.yaml", cwd=project)
    assert done.exit_code == 1 and "--from" in done.output
    source = _source(project, DRAGON)
    done = run_cli("import", source.name, "--from", "threagile", "--out",
                   "threatmodels/x.yaml", cwd=project)
    assert done.exit_code == 1 and "does not look like a Threagile" in done.output


def test_syntax_errors_name_the_line(run_cli, project: Path) -> None:
    (project / "bad.json").write_text('{\n  "summary": {},\n  "detail": [1,\n}\n',
                                      encoding="utf-8")
    done = run_cli("import", "bad.json", "--out", "threatmodels/x.yaml", cwd=project)
    assert done.exit_code == 1
    assert done.output.startswith("bad.json:4:")


def test_unreadable_source_is_a_usage_error(run_cli, project: Path) -> None:
    done = run_cli("import", "missing.json", "--out", "threatmodels/x.yaml", cwd=project)
    assert done.exit_code == 2
    assert "cannot read" in done.output
