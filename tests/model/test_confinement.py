"""Every path the configuration names, and every model file found under it, stays inside
the repository: a pull request writes the configuration and the models alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL

SECRET = "OUTSIDE-SECRET-VALUE"
OUTSIDE_MODEL = VALID_MODEL.replace("id: shop\n", f"id: shop\n# {SECRET}\n") + f"x-s: {SECRET}\n"
COMMANDS = [["validate"], ["fmt"], ["fmt", "--check"], ["site", "{out}"]]


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the repository, holding a model with a recognisable value."""
    folder = tmp_path_factory.mktemp("outside")
    (folder / "secret.yaml").write_text(OUTSIDE_MODEL, encoding="utf-8")
    return folder


def _run_all(run_cli: Callable[..., Result], project: Path, outside: Path,
             tmp_path_factory: pytest.TempPathFactory) -> list[Result]:
    out = tmp_path_factory.mktemp("site") / "out"
    results = [run_cli(*(arg.format(out=out) for arg in command), cwd=project)
               for command in COMMANDS]
    if out.exists():
        for page in out.rglob("*"):
            if page.is_file():
                assert SECRET not in page.read_text(encoding="utf-8", errors="replace")
    assert (outside / "secret.yaml").read_text(encoding="utf-8") == OUTSIDE_MODEL
    return results


def _assert_refused(results: list[Result], *needles: str) -> None:
    for result in results:
        assert result.exit_code == 2, result.output
        assert SECRET not in result.output
        for needle in needles:
            assert needle in result.output


@pytest.mark.parametrize("setting", [
    'models = ["../{name}"]', 'models = ["{outside}"]', 'models = ["threatmodels/../../{name}"]',
    'models = ["link"]', 'exclude = ["../*"]', 'exclude = ["/tmp/*"]',
    '[generate]\npacks = ["{outside}"]', '[generate]\npacks = ["../{name}"]',
    'models = ["C:/Windows"]', 'exclude = ["D:/x/*"]',
])
@pytest.mark.parametrize("config_file", ["threatgate.toml", "pyproject.toml"])
def test_a_configured_path_outside_is_refused(
        run_cli: Callable[..., Result], project: Path, outside: Path, setting: str,
        config_file: str, write_model: Callable[..., Path],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    write_model(VALID_MODEL)
    (project / "link").symlink_to(outside, target_is_directory=True)
    text = setting.format(name=f"{outside.name}", outside=outside)
    assert outside.parent == project.parent
    if config_file == "pyproject.toml":
        text = "[tool.threatgate]\n" + text.replace("[generate]", "[tool.threatgate.generate]")
    (project / config_file).write_text(text + "\n", encoding="utf-8")
    name = setting.split(" ", 1)[0].split("\n")[-1]
    expected = "generate.packs" if "packs" in setting else name
    _assert_refused(_run_all(run_cli, project, outside, tmp_path_factory),
                    f"{expected}:", "must stay inside the repository")


def test_a_model_folder_linked_outside_is_refused(
        run_cli: Callable[..., Result], project: Path, outside: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    (project / "threatmodels").rmdir()
    (project / "threatmodels").symlink_to(outside, target_is_directory=True)
    _assert_refused(_run_all(run_cli, project, outside, tmp_path_factory),
                    "models: 'threatmodels' resolves outside the repository")


@pytest.mark.parametrize("link", ["secret.yaml", "nested/secret.yaml", "folder"])
def test_a_linked_file_or_folder_inside_a_model_folder_is_refused(
        run_cli: Callable[..., Result], project: Path, outside: Path, link: str,
        write_model: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> None:
    write_model(VALID_MODEL)
    path = project / "threatmodels" / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(outside / "secret.yaml" if link.endswith(".yaml") else outside)
    _assert_refused(_run_all(run_cli, project, outside, tmp_path_factory),
                    "symbolic link points outside the repository", "[symlink-escape]")


def test_a_command_line_path_inside_the_repository_must_resolve_inside(
        run_cli: Callable[..., Result], project: Path, outside: Path,
        write_model: Callable[..., Path]) -> None:
    """A path inside the repository is the repository's to choose: it may not lead out."""
    write_model(VALID_MODEL)
    (project / "elsewhere").symlink_to(outside, target_is_directory=True)
    (project / "one.yaml").symlink_to(outside / "secret.yaml")
    for given in ("elsewhere", "one.yaml", "elsewhere/secret.yaml"):
        result = run_cli("validate", given, cwd=project)
        assert result.exit_code == 2, result.output
        assert SECRET not in result.output
        assert "outside the repository" in result.output


def test_a_command_line_path_outside_the_repository_is_taken_as_given(
        run_cli: Callable[..., Result], project: Path, outside: Path) -> None:
    """The user who names a path outside the repository chose it; it is checked."""
    result = run_cli("validate", str(outside / "secret.yaml"), cwd=project)
    assert result.exit_code == 0, result.output
