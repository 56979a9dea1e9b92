"""``threatgate set FIELD VALUE [MODEL]``: the model's own fields, comments kept, the result
validated, an id change seen by ``diff`` as a rename."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from conftest import git

MODEL = """\
threatgate: 1 # format version
id: shop # unique across the repository
title: Web shop
description: |
  Sells things.
owner: shop-team # who answers for it
assets:
  - {id: A1, name: Orders, properties: [integrity]}
"""


def write(folder: Path) -> Path:
    path = folder / "threatmodels" / "shop.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(MODEL, encoding="utf-8")
    return path


def test_set_replaces_the_value_and_keeps_the_comment(run_cli: Callable[..., Result],
                                                      project: Path) -> None:
    path = write(project)
    done = run_cli("set", "owner", "payments team", cwd=project)
    assert done.exit_code == 0, done.output
    assert "set owner to 'payments team' (was 'shop-team')" in done.output
    assert "owner: payments team # who answers for it\n" in path.read_text(encoding="utf-8")
    assert path.read_text(encoding="utf-8").replace(
        "payments team", "shop-team") == MODEL  # nothing else moved


def test_a_missing_field_goes_where_the_schema_orders_it(run_cli: Callable[..., Result],
                                                         project: Path) -> None:
    path = write(project)
    assert run_cli("set", "system", "checkout", cwd=project).exit_code == 0
    assert run_cli("set", "badge", "public", "shop", cwd=project).exit_code == 0
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines.index("system: checkout") == lines.index("owner: shop-team # who answers "
                                                          "for it") - 1
    assert lines.index("badge: public") == lines.index("assets:") - 1
    assert run_cli("validate", cwd=project).exit_code == 0


def test_values_that_need_quotes_or_lines_stay_the_same_text(
        run_cli: Callable[..., Result], project: Path) -> None:
    import yaml

    path = write(project)
    for field, value in (("title", "Shop: #1 - 'web' @home"), ("description", "One\nTwo\n"),
                         ("owner", "yes")):
        assert run_cli("set", field, value, cwd=project).exit_code == 0
        assert yaml.safe_load(path.read_text(encoding="utf-8"))[field] == value


def test_invalid_results_and_unknown_fields_are_refused(run_cli: Callable[..., Result],
                                                        project: Path) -> None:
    path = write(project)
    bad = run_cli("set", "badge", "maybe", cwd=project)
    assert bad.exit_code == 1 and "'maybe' is not one of public, private" in bad.output
    wrong = run_cli("set", "titel", "x", cwd=project)
    assert wrong.exit_code == 2 and "did you mean title?" in wrong.output
    entity = run_cli("set", "assets", "x", cwd=project)
    assert entity.exit_code == 2 and "edit, add, remove" in entity.output
    assert path.read_text(encoding="utf-8") == MODEL


def test_same_value_dry_run_and_json(run_cli: Callable[..., Result], project: Path) -> None:
    path = write(project)
    same = run_cli("set", "title", "Web shop", cwd=project)
    assert same.exit_code == 0 and "nothing changed" in same.output
    dry = run_cli("set", "title", "Shop", "--dry-run", cwd=project)
    assert "-title: Web shop" in dry.output and "+title: Shop" in dry.output
    assert path.read_text(encoding="utf-8") == MODEL
    report = json.loads(run_cli("set", "title", "Shop", "--format", "json",
                                cwd=project).output)
    assert (report["action"], report["field"], report["from"], report["to"]) == (
        "set", "title", "Web shop", "Shop")


def test_a_new_id_is_a_rename_for_diff(run_cli: Callable[..., Result],
                                       git_repo: Path) -> None:
    write(git_repo)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "model")
    assert run_cli("set", "id", "web-shop", cwd=git_repo).exit_code == 0
    report = json.loads(run_cli("diff", "HEAD", "--worktree", "--format", "json",
                                cwd=git_repo).output)
    [model] = report["models"]
    assert (model["status"], model["base_model"], model["model"]) == (
        "renamed", "shop", "web-shop")
    assert report["regressions"] == []
