"""``threatgate init``: a working start, and nothing existing is ever overwritten."""

from __future__ import annotations

import tomllib
from pathlib import Path


def test_init_creates_a_valid_commented_model_and_settings(run_cli, tmp_path: Path) -> None:
    repo = tmp_path / "Payments Service"
    repo.mkdir()
    (repo / ".git").mkdir()
    result = run_cli("init", cwd=repo)
    assert result.exit_code == 0, result.output
    model = repo / "threatmodels" / "payments-service.yaml"
    text = model.read_text(encoding="utf-8")
    assert "id: payments-service" in text
    assert text.count("#") > 10  # it explains itself
    settings = tomllib.loads((repo / "threatgate.toml").read_text())
    assert settings["models"] == ["threatmodels"]
    assert settings["max_depth"] == 32
    assert "threatgate-validate" in result.stdout
    assert "repos:" in result.stdout
    validated = run_cli("validate", "--strict", cwd=repo)
    assert validated.exit_code == 0, validated.output
    assert run_cli("fmt", "--check", cwd=repo).exit_code == 0
    # Recommended thresholds are written, and the example's planned controls leave two
    # high threats unmitigated, which they catch.
    assert settings["gate"]["fail_on_critical"] is True
    assert settings["gate"]["fail_on_unmitigated_high"] is True
    gated = run_cli("gate", cwd=repo)
    assert gated.exit_code == 1
    assert "2 of" not in gated.stdout
    assert gated.stdout.count("[fail_on_unmitigated_high]") == 2


def test_init_never_overwrites(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "threatgate.toml").write_text("# mine\n")
    models = tmp_path / "threatmodels"
    models.mkdir()
    mine = models / f"{tmp_path.name.lower()}.yaml"
    mine.write_text("mine\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.exit_code == 0
    assert (tmp_path / "threatgate.toml").read_text() == "# mine\n"
    assert mine.read_text() == "mine\n"
    assert result.stdout.count("skipped") == 2


def test_init_into_pyproject_keeps_existing_content(run_cli, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "shop"\n')
    result = run_cli("init", "--pyproject", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    data = tomllib.loads(pyproject.read_text())
    assert data["project"]["name"] == "shop"
    assert data["tool"]["threatgate"]["models"] == ["threatmodels"]
    assert not (tmp_path / "threatgate.toml").exists()
    again = run_cli("init", "--pyproject", cwd=tmp_path)
    assert "skipped" in again.stdout
    assert pyproject.read_text().count("[tool.threatgate]") == 1
    assert run_cli("validate", cwd=tmp_path).exit_code == 0
