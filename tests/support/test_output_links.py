"""No output follows a symbolic link found inside its folder: it writes in the folder only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL
from threatgate.support.fsutil import atomic_write, new_file_mode
from threatgate.support.outputs import publish_folder, write_into

VICTIM = b"victim content\n"


@pytest.fixture
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the output, with a file the build must leave alone."""
    folder = tmp_path_factory.mktemp("elsewhere")
    (folder / "victim").write_bytes(VICTIM)
    (folder / "victim").chmod(0o600)
    return folder


def _untouched(elsewhere: Path) -> None:
    assert sorted(p.name for p in elsewhere.iterdir()) == ["victim"]
    assert (elsewhere / "victim").read_bytes() == VICTIM


def test_atomic_write_replaces_a_link_and_does_not_copy_its_mode(tmp_path: Path,
                                                                 elsewhere: Path) -> None:
    link = tmp_path / "page.html"
    link.symlink_to(elsewhere / "victim")
    atomic_write(link, b"page\n")
    assert not link.is_symlink() and link.read_bytes() == b"page\n"
    assert link.stat().st_mode & 0o7777 == new_file_mode()
    _untouched(elsewhere)


@pytest.mark.parametrize("link, destination", [
    ("index.html", "victim"), ("models", "."), ("models/shop.html", "victim"),
    ("assets", "."), ("site.json", "victim"),
])
def test_publish_folder_never_writes_through_a_link(tmp_path: Path, elsewhere: Path,
                                                    link: str, destination: str) -> None:
    out = tmp_path / "out"
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(elsewhere / destination)
    files = {"index.html": b"<p>index</p>\n", "models/shop.html": b"<p>shop</p>\n",
             "assets/site.css": b"p{}\n", "victim": VICTIM}
    publish_folder(out, files, manifest="site.json", generator="test")
    _untouched(elsewhere)
    for name, content in files.items():
        assert not (out / name).is_symlink() and (out / name).read_bytes() == content
    assert not (out / "site.json").is_symlink()


def test_write_into_never_writes_through_a_link(tmp_path: Path, elsewhere: Path) -> None:
    (tmp_path / "badges").symlink_to(elsewhere)
    (tmp_path / "one.json").symlink_to(elsewhere / "victim")
    write_into(tmp_path, "badges/shop.svg", b"<svg/>")
    write_into(tmp_path, "one.json", b"{}")
    _untouched(elsewhere)
    assert (tmp_path / "badges" / "shop.svg").read_bytes() == b"<svg/>"
    assert (tmp_path / "one.json").read_bytes() == b"{}"


def test_site_replaces_links_placed_where_pages_go(
        run_cli: Callable[..., Result], write_model: Callable[..., Path], project: Path,
        tmp_path_factory: pytest.TempPathFactory, elsewhere: Path) -> None:
    write_model(VALID_MODEL, "shop.yaml")
    out = tmp_path_factory.mktemp("site") / "out"
    out.mkdir()
    (out / "index.html").symlink_to(elsewhere / "victim")
    (out / "models").symlink_to(elsewhere)
    result = run_cli("site", str(out), cwd=project)
    assert result.exit_code == 0, result.output
    _untouched(elsewhere)
    assert not (out / "index.html").is_symlink() and not (out / "models").is_symlink()
    assert any((out / "models").iterdir())


@pytest.mark.parametrize("link", ["_site", "docs/_site"])
def test_site_refuses_an_output_folder_in_the_repository_that_leads_outside(
        run_cli: Callable[..., Result], write_model: Callable[..., Path], project: Path,
        elsewhere: Path, link: str) -> None:
    write_model(VALID_MODEL, "shop.yaml")
    if link == "docs/_site":  # a linked parent folder
        (project / "docs").symlink_to(elsewhere, target_is_directory=True)
    else:
        (project / link).symlink_to(elsewhere, target_is_directory=True)
    result = run_cli("site", link, cwd=project)
    assert result.exit_code == 2, result.output
    assert "leads outside" in result.output
    _untouched(elsewhere)


def test_site_outside_the_repository_is_the_users_choice(
        run_cli: Callable[..., Result], write_model: Callable[..., Path], project: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    write_model(VALID_MODEL, "shop.yaml")
    sibling = tmp_path_factory.mktemp("sibling")
    result = run_cli("site", str(sibling / "out"), cwd=project)
    assert result.exit_code == 0, result.output
    assert (sibling / "out" / "index.html").is_file()
