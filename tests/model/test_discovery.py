"""One rule turns a MODEL argument (a file, a folder or a model id) into its file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL
from threatgate.errors import InputError
from threatgate.model.config import load_config
from threatgate.model.discovery import discover, model_file, names_model_id


@pytest.mark.parametrize("given, is_id", [
    ("shop", True), ("payments.v2", True), ("shop.yaml", False), ("shop.yml", False),
    ("threatmodels/shop", False), ("threatmodels", False),
])
def test_what_names_an_id(project: Path, monkeypatch: pytest.MonkeyPatch, given: str,
                          is_id: bool) -> None:
    monkeypatch.chdir(project)
    assert names_model_id(Path(given)) is is_id


def test_an_id_gives_its_file_a_path_stays(project: Path, write_model: Callable[..., Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    shop = write_model(VALID_MODEL, "nested/shop.yaml")
    dotted = write_model(VALID_MODEL.replace("id: shop\n", "id: pay.v2\n"), "pay.yaml")
    write_model("threatgate: 1\nid: [broken\n", "broken.yaml")
    config = load_config(project)
    assert model_file(Path("shop"), config) == shop
    assert model_file(Path("pay.v2"), config) == dotted
    assert model_file(Path("nosuch"), config) is None
    for path in ("threatmodels/missing.yaml", "elsewhere/x", "threatmodels"):
        assert model_file(Path(path), config) == Path(path)


def test_an_id_of_several_files_is_refused(project: Path, write_model: Callable[..., Path],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    write_model(VALID_MODEL, "a.yaml")
    write_model(VALID_MODEL, "b.yaml")
    with pytest.raises(InputError, match="shop: the model id is used by several files "
                                         r"\(threatmodels/a.yaml, threatmodels/b.yaml\)"):
        model_file(Path("shop"), load_config(project))


@pytest.mark.parametrize("command", [
    ["render", "{}"], ["export", "{}", "--format", "json"],
    ["set-status", "C2", "implemented", "{}", "--dry-run"],
])
def test_render_export_and_edits_take_the_same_ids(run_cli: Callable[..., Result],
                                                   write_model: Callable[..., Path],
                                                   project: Path, command: list[str]) -> None:
    """A dotted id names a model everywhere; an id of two files is refused everywhere."""
    write_model(VALID_MODEL.replace("id: shop\n", "id: shop.v2\n"), "shop.yaml")
    args = [part.format("shop.v2") for part in command]
    result = run_cli(*args, cwd=project)
    assert result.exit_code == 0, result.output
    write_model(VALID_MODEL.replace("id: shop\n", "id: shop.v2\n"), "copy.yaml")
    result = run_cli(*args, cwd=project)
    assert result.exit_code == 2
    assert "the model id is used by several files" in result.stderr


def test_a_folder_reached_twice_through_links_is_walked_once(
        project: Path, write_model: Callable[..., Path]) -> None:
    """A link back to a model folder (or to a sibling folder) lists each file once, under
    the name the walk reaches it by first: linked folders first, then files, then folders."""
    write_model(VALID_MODEL, "shop.yaml")
    write_model(VALID_MODEL.replace("id: shop\n", "id: pay\n"), "b/pay.yaml")
    folder = project / "threatmodels"
    (folder / "loop").symlink_to(".", target_is_directory=True)
    (folder / "a").symlink_to("b", target_is_directory=True)
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "x.yaml").write_text(VALID_MODEL, encoding="utf-8")
    found = discover([], load_config(project), cwd=project)
    assert [item.display for item in found] == ["threatmodels/a/pay.yaml",
                                                 "threatmodels/shop.yaml"]
    assert all(item.refused is None for item in found)


def test_a_listing_keeps_the_walk_order(project: Path,
                                        write_model: Callable[..., Path]) -> None:
    for name in ("z.yaml", "a.yml", "m/x.yaml", "m/n/y.yaml", "b/w.yaml", "notes.txt"):
        write_model(VALID_MODEL, name)
    found = discover([], load_config(project), cwd=project)
    assert [item.display for item in found] == [
        "threatmodels/a.yml", "threatmodels/z.yaml", "threatmodels/b/w.yaml",
        "threatmodels/m/x.yaml", "threatmodels/m/n/y.yaml"]
