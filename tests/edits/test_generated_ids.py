"""Ids made by hand never take one of the generator's, in any model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threatgate.edits.entities import next_id
from threatgate.edits.fields import KINDS
from threatgate.edits.generation import in_generator_namespace
from threatgate.model.loader import load_text

GENERATED = {
    "threats": [{"id": "T-secrets.hardcoded_credentials-DF7", "origin": "generated"},
                {"id": "T-web.xss-web_app", "origin": "generated"}],
    "controls": [{"id": "C-secrets-from-vault", "origin": "generated"}],
    "generation": {"emitted": ["T-secrets.hardcoded_credentials-DF7", "T-web.xss-web_app",
                               "C-secrets-from-vault"],
                   "removed": ["T-secrets.hardcoded_credentials-DF8"]},
}


@pytest.mark.parametrize(("collection", "kind"), [("threats", "threat"),
                                                  ("controls", "control")])
def test_a_generated_model_gets_dash_numbered_ids_outside_the_namespace(
        collection: str, kind: str) -> None:
    new = next_id(dict(GENERATED), "", KINDS[kind])
    assert new == f"{KINDS[kind].prefix}-1"
    assert not in_generator_namespace(collection, new)


def test_hand_written_ids_set_the_style_and_generated_ones_do_not() -> None:
    data = {**GENERATED, "threats": [*GENERATED["threats"], {"id": "T1"}, {"id": "T2"}]}
    assert next_id(data, "", KINDS["threat"]) == "T3"
    # a hand-written id shaped like a generated one never sets the style either
    data = {"threats": [{"id": "T-web.sqli-DF8"}]}
    assert not in_generator_namespace("threats", next_id(data, "", KINDS["threat"]))


def test_the_namespace() -> None:
    assert in_generator_namespace("threats", "T-web.xss-web_app")
    assert in_generator_namespace("controls", "C-output-encoding")
    assert not in_generator_namespace("threats", "T-1")
    assert not in_generator_namespace("controls", "C-1")
    assert not in_generator_namespace("threats", "T12")


def test_add_in_a_generated_model_takes_ids_outside_the_namespace(
        run_cli, project: Path) -> None:
    model = project / "threatmodels" / "gen.yaml"
    done = run_cli("generate", "Web app storing orders in PostgreSQL", "--out", str(model),
                   cwd=project)
    assert done.exit_code == 0, done.output
    done = run_cli("add", "threat", str(model), "--title", "Insider exports orders",
                   "--format", "json", cwd=project)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["id"] == "T-1"
    done = run_cli("add", "control", str(model), "--title", "Export review", "--format",
                   "json", cwd=project)
    assert json.loads(done.stdout)["id"] == "C-1"


def test_merge_reports_an_id_held_by_an_entry_it_did_not_write(
        run_cli, write_model, project: Path) -> None:
    path = write_model("""\
threatgate: 1
id: shop
title: Shop
components:
  - {id: web_app, name: Web app, type: web_app}
  - {id: db, name: Orders, type: database}
dataflows:
  - {id: F1, from: web_app, to: db, protocol: sql}
threats:
  - {id: T-web.sqli-web_app, title: Written by hand, components: [web_app]}
""")
    done = run_cli("generate", "--model", str(path), "--explain", "--format", "json",
                   cwd=project)
    assert done.exit_code == 0, done.output
    assert "T-web.sqli-web_app" in json.loads(done.stdout)["conflicts"]
    done = run_cli("generate", "--model", str(path), cwd=project)
    assert "T-web.sqli-web_app" in done.output and "did not write" in done.output
    assert load_text(path.read_text(encoding="utf-8")).data["threats"][0]["title"] == (
        "Written by hand")
