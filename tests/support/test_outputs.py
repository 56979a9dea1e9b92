"""The one rule for files a command writes: never over a model, its folder or the settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL
from threatgate.commands.options import protected_paths
from threatgate.errors import InputError
from threatgate.model.config import load_config
from threatgate.support.outputs import (
    STAGING_PREFIX,
    FolderPublication,
    Protected,
    check_file,
    check_folder,
    publish_folder,
    write_file,
    write_into,
)

RunCli = Callable[..., Result]


@pytest.fixture
def protected(project: Path) -> Protected:
    return protected_paths(load_config(project))


@pytest.mark.parametrize("command", [["gate"], ["verify"]])
def test_output_option_never_overwrites_a_model(run_cli: RunCli, write_model: Callable[..., Path],
                                                project: Path, command: list[str]) -> None:
    model = write_model(VALID_MODEL, "x.yaml")
    result = run_cli(*command, "--output", "json=threatmodels/x.yaml", cwd=project)
    assert result.exit_code == 2, result.output
    assert "--output json=threatmodels/x.yaml: is a YAML file (a model?); refusing to " \
           "overwrite it with the report" in result.stderr
    assert model.read_text(encoding="utf-8") == VALID_MODEL


@pytest.mark.parametrize("target", ["threatmodels/report.json", "threatmodels/sub/r.json",
                                    "threatgate.toml", "pyproject.toml"])
def test_output_option_refuses_the_model_folder_and_the_settings(
        run_cli: RunCli, write_model: Callable[..., Path], project: Path, target: str) -> None:
    write_model()
    result = run_cli("gate", "--output", f"json={target}", cwd=project)
    assert result.exit_code == 2, result.output
    assert "refusing" in result.stderr and "Traceback" not in result.output
    assert not (project / target).exists()
    assert sorted(p.name for p in (project / "threatmodels").iterdir()) == ["model.yaml"]


def test_output_option_still_writes_elsewhere(run_cli: RunCli, write_model: Callable[..., Path],
                                              project: Path) -> None:
    write_model()
    result = run_cli("gate", "--output", "json=reports/deep/gate.json", cwd=project)
    assert result.exit_code in (0, 1), result.output
    assert json.loads((project / "reports/deep/gate.json").read_text(encoding="utf-8"))


def test_render_out_refuses_the_model_folder(run_cli: RunCli, write_model: Callable[..., Path],
                                             project: Path) -> None:
    write_model(VALID_MODEL, "shop.yaml")
    result = run_cli("render", "shop", "--out", "threatmodels/shop.md", cwd=project)
    assert result.exit_code == 2
    assert "--out threatmodels/shop.md: is inside the model folder threatmodels" in result.stderr
    assert not (project / "threatmodels" / "shop.md").exists()


def test_badge_out_refuses_the_model_folder(run_cli: RunCli, write_model: Callable[..., Path],
                                            project: Path) -> None:
    write_model()
    result = run_cli("badge", "--out", "threatmodels/badges", cwd=project)
    assert result.exit_code == 2
    assert "refusing to write badges there" in result.stderr
    assert not (project / "threatmodels" / "badges").exists()


def test_badge_write_error_is_a_usage_error(run_cli: RunCli, write_model: Callable[..., Path],
                                            project: Path) -> None:
    write_model()
    (project / "badges" / "unknown.json").mkdir(parents=True)  # in the way of a badge
    result = run_cli("badge", "--out", "badges", cwd=project)
    assert result.exit_code == 2
    assert "--out badges: cannot write: " in result.stderr
    assert "internal error" not in result.stderr


def test_export_out_refuses_the_model_folder(run_cli: RunCli, write_model: Callable[..., Path],
                                             project: Path) -> None:
    write_model()
    result = run_cli("export", "--format", "csv", "--out", "threatmodels/csv", cwd=project)
    assert result.exit_code == 2
    assert "is inside the model folder threatmodels" in result.stderr
    assert not (project / "threatmodels" / "csv").exists()


def test_refusals(project: Path, protected: Protected) -> None:
    (project / "threatmodels" / "m.yaml").write_text("id: m\n", encoding="utf-8")
    (project / "other.yml").write_text("x: 1\n", encoding="utf-8")
    (project / "out").mkdir()
    refused = {
        "threatmodels/m.yaml": "is a YAML file (a model?)",
        "threatmodels/new.json": "is inside the model folder threatmodels",
        "threatmodels": "is a folder",
        "other.yml": "is a YAML file (a model?)",
        "threatgate.toml": "is a configuration file",
        "out": "is a folder",
    }
    for name, reason in refused.items():
        found = protected.refusal(project / name, "the report")
        assert found is not None and found.startswith(reason), (name, found)
    assert protected.refusal(project / "out" / "r.json", "the report") is None
    assert protected.refusal(project / "new.yaml", "the report") is None  # not there yet


def test_write_file_creates_folders_and_replaces_atomically(project: Path,
                                                            protected: Protected) -> None:
    target = project / "a" / "b" / "r.txt"
    write_file(target, b"one", protected, label="r", what="the report")
    write_file(target, b"two", protected, label="r", what="the report")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["r.txt"]
    with pytest.raises(InputError, match="refusing"):
        check_file(project / "threatmodels" / "r.txt", protected, label="r", what="the report")


def test_write_error_names_the_output(project: Path, protected: Protected) -> None:
    (project / "blocked").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"^--out blocked/r\.txt: cannot write: ") as caught:
        write_file(project / "blocked" / "r.txt", b"x", protected, label="--out blocked/r.txt",
                   what="the report")
    assert caught.value.exit_code == 2


def test_folders(project: Path, protected: Protected) -> None:
    with pytest.raises(InputError, match="inside the model folder"):
        check_folder(project / "threatmodels" / "x", protected, label="x", what="badges")
    check_folder(project / "site", protected, label="site", what="badges")
    assert write_into(project / "site", "a/b.txt", b"x").read_bytes() == b"x"
    for name in ("../escape.txt", "/abs.txt", "a//b.txt", ""):
        with pytest.raises(InputError, match="a path outside the folder"):
            write_into(project / "site", name, b"x")
    assert not (project / "escape.txt").exists()


def test_publish_folder_keeps_foreign_files_and_removes_its_stale_ones(project: Path) -> None:
    target = project / "site"
    target.mkdir()
    (target / "mine.txt").write_text("kept", encoding="utf-8")
    first = publish_folder(target, {"a.txt": b"a", "d/b.txt": b"b"}, manifest=".m.json",
                           generator="test")
    assert (first.written, first.removed) == (2, 0)
    again = publish_folder(target, {"a.txt": b"a"}, manifest=".m.json", generator="test")
    assert (again.written, again.removed) == (0, 1)
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        ".m.json", "a.txt", "mine.txt"]
    clean = publish_folder(target, {"a.txt": b"a"}, manifest=".m.json", generator="test",
                           clean=True)
    assert clean.removed == 1 and not (target / "mine.txt").exists()


def test_a_publication_changes_nothing_before_it_is_published(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish_folder(out, {"index.html": b"old\n", "models/a.html": b"a\n"}, manifest="m.json",
                   generator="test")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(RuntimeError), FolderPublication(out, manifest="m.json",
                                                        generator="test") as publication:
        publication.add("index.html", b"new\n")
        publication.add("models/b.html", b"b\n")
        raise RuntimeError("the build fails half-way")
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not any(p.name.startswith(STAGING_PREFIX) for p in out.iterdir())


def test_a_failed_publication_removes_the_folder_it_made(tmp_path: Path) -> None:
    out = tmp_path / "new"
    with pytest.raises(RuntimeError), FolderPublication(out, manifest="m.json",
                                                        generator="test") as publication:
        publication.add("index.html", b"x")
        raise RuntimeError("the build fails")
    assert not out.exists()


def test_adopt_moves_written_files_and_keeps_unchanged_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish_folder(out, {"same.html": b"same", "changed.html": b"old"}, manifest="m.json",
                   generator="test")
    same_before = (out / "same.html").stat().st_mtime_ns
    with FolderPublication(out, manifest="m.json", generator="test") as publication:
        for name, content in {"same.html": b"same", "changed.html": b"new",
                              "models/added.html": b"added"}.items():
            written = publication.staging / ".parts" / name
            written.parent.mkdir(parents=True, exist_ok=True)
            written.write_bytes(content)
            publication.adopt(name, written)
        # The last content given for a name wins, even when it is the unchanged one.
        publication.add("changed.html", b"old")
        publication.add("changed.html", b"newest")
        done = publication.publish()
    assert (done.written, done.removed) == (2, 0)
    assert (out / "same.html").stat().st_mtime_ns == same_before
    assert (out / "changed.html").read_bytes() == b"newest"
    assert (out / "models" / "added.html").read_bytes() == b"added"
    listed = json.loads((out / "m.json").read_text())["files"]
    assert listed == ["changed.html", "models/added.html", "same.html"]
    assert sorted(p.name for p in out.iterdir()) == ["changed.html", "m.json", "models",
                                                     "same.html"]
