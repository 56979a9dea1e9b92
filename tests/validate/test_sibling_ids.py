"""The ids of the models a run does not check (the pre-commit case): read from the top of
each file, kept in the cache for an unchanged set of files, compared by real path."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.model.config import load_config
from threatgate.model.discovery import ModelFile, discover
from threatgate.support.cache import ResultCache, open_cache
from threatgate.validate import siblings as validate_module
from threatgate.validate.siblings import (
    HEAD_BYTES,
    first_model_id,
    real_paths,
    repository_model_ids,
    sibling_model_ids,
)


@pytest.mark.parametrize("padding", [0, 10, HEAD_BYTES - 8, HEAD_BYTES - 3, HEAD_BYTES,
                                     HEAD_BYTES + 5, 3 * HEAD_BYTES])
def test_the_first_id_line_is_found_wherever_it_sits(tmp_path: Path, padding: int) -> None:
    path = tmp_path / "m.yaml"
    comment = ("#" + "x" * max(0, padding - 2) + "\n") if padding else ""
    path.write_text(f"{comment}title: T\nid: payments-api\nother:\n  id: nested\n",
                    encoding="utf-8")
    assert first_model_id(path, 1_000_000) == "payments-api"


def test_an_id_cut_by_the_first_read_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    head = "#" * (HEAD_BYTES - 10) + "\n"  # the id line starts 9 bytes before the cut
    path.write_text(f"{head}id: a-rather-long-model-id\n", encoding="utf-8")
    assert first_model_id(path, 1_000_000) == "a-rather-long-model-id"


def test_no_id_and_oversized_files_give_none(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("title: T\n" * 1000, encoding="utf-8")
    assert first_model_id(path, 1_000_000) is None
    path.write_text("id: big\n" + "#" * 100, encoding="utf-8")
    assert first_model_id(path, 50) is None
    assert first_model_id(tmp_path / "missing.yaml", 1_000) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_or_a_folder_named_like_a_model_is_skipped_without_waiting(
        tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)  # opened normally, this would wait for a writer forever
    (tmp_path / "folder.yaml").mkdir()
    assert first_model_id(pipe, 1_000) is None
    assert first_model_id(tmp_path / "folder.yaml", 1_000) is None


def _cache(tmp_path: Path) -> ResultCache | None:
    cache_dir, key_file = tmp_path / "cache", tmp_path / "state" / "key"
    cache_dir.mkdir(mode=0o700)
    return open_cache("salt", cache_dir, key_file)


def test_an_unchanged_set_of_siblings_is_not_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _cache(tmp_path)
    assert cache is not None
    models = []
    for index in range(3):
        path = tmp_path / f"m{index}.yaml"
        path.write_text(f"id: model-{index}\n", encoding="utf-8")
        models.append(ModelFile(path, path.name))
    expected = {"model-0": "m0.yaml", "model-1": "m1.yaml", "model-2": "m2.yaml"}
    assert sibling_model_ids(models, 1_000, cache) == expected

    def no_reading(path: Path, max_bytes: int) -> str | None:
        raise AssertionError(f"{path} read again")

    monkeypatch.setattr(validate_module, "first_model_id", no_reading)
    assert sibling_model_ids(models, 1_000, cache) == expected
    monkeypatch.undo()
    models[1].path.write_text("id: renamed-model\n", encoding="utf-8")  # another size
    found = sibling_model_ids(models, 1_000, cache)
    assert found == {"model-0": "m0.yaml", "renamed-model": "m1.yaml", "model-2": "m2.yaml"}
    assert sibling_model_ids(models, 1_000) == found  # the same without a cache


def test_real_paths_are_the_resolved_paths(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "a.yaml"
    target.write_text("id: a\n", encoding="utf-8")
    os.symlink(tmp_path / "real", tmp_path / "linked")
    os.symlink(target, tmp_path / "file-link.yaml")
    items = [ModelFile(tmp_path / "linked" / "a.yaml", "x"), ModelFile(target, "y"),
             ModelFile(tmp_path / "file-link.yaml", "z"),
             ModelFile(tmp_path / "real" / ".." / "real" / "a.yaml", "w"),
             ModelFile(target, "v", real_folder=target.parent.resolve())]
    for item, (folder, name) in zip(items, real_paths(items), strict=True):
        assert folder / name == item.path.resolve()


def test_the_checked_file_is_no_sibling_however_it_is_reached(
        project: Path, write_model: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """By real path: given as ./x, absolute or through a link, and reached by the walk
    through a linked folder or a linked file, the checked file is never its own sibling;
    a file of the same name in another folder is one."""
    monkeypatch.chdir(project)
    checked = write_model(VALID_MODEL, "sub/shop.yaml")
    write_model(VALID_MODEL.replace("id: shop\n", "id: other\n"), "elsewhere/shop.yaml")
    folder = project / "threatmodels"
    (folder / "alias.yaml").symlink_to("sub/shop.yaml")
    (folder / "linked").symlink_to("sub", target_is_directory=True)
    config = load_config(project)
    for given in (Path("threatmodels/sub/shop.yaml"), Path("./threatmodels/sub/./shop.yaml"),
                  checked.resolve(), Path("threatmodels/linked/shop.yaml")):
        ids = repository_model_ids(discover([given], config), config)
        assert ids == {"other": "threatmodels/elsewhere/shop.yaml"}, given
