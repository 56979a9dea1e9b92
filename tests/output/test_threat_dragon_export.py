"""``export --format threat-dragon``: a round trip through Threat Dragon keeps every
element (ids, names, boundaries, flows and the threats on them)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import CASES_DIR
from threatgate.importers.convert import import_model
from threatgate.output.threat_dragon import threat_dragon_model

TODAY = dt.date(2026, 6, 1)


def _import(raw: bytes) -> dict[str, Any]:
    return import_model(raw, "m.json", today=TODAY, max_depth=32).model


def _shape(model: dict[str, Any]) -> dict[str, Any]:
    def ids(collection: str, *keys: str) -> list[tuple[Any, ...]]:
        return sorted((e["id"], *(str(e.get(k)) for k in keys))
                      for e in model.get(collection, []))

    threats = sorted((t["id"], t["title"], str((t.get("components") or t["dataflows"])[:1]))
                     for t in model.get("threats", [])
                     if t.get("components") or t.get("dataflows"))
    return {"components": ids("components", "name", "boundary"),
            "dataflows": ids("dataflows", "name", "from", "to"),
            "trust_boundaries": ids("trust_boundaries", "name"), "threats": threats}


@pytest.mark.parametrize("case", ["threat-dragon/v2.json", "threagile/complete.yaml",
                                  "pytm/complete.json"])
def test_round_trip_keeps_every_element(case: str) -> None:
    model = _import((CASES_DIR / "importers" / case).read_bytes())
    exported = json.dumps(threat_dragon_model(model)).encode()
    again = _import(exported)
    before, after = _shape(model), _shape(again)
    assert after == before
    assert again["title"] == model["title"]


def test_the_export_command_writes_threat_dragon_json(run_cli, project: Path) -> None:
    source = project / "td.json"
    source.write_bytes((CASES_DIR / "importers" / "threat-dragon" / "v2.json").read_bytes())
    assert run_cli("import", "td.json", "--out", "threatmodels/td.yaml",
                   cwd=project).exit_code == 0
    done = run_cli("export", "threatmodels/td.yaml", "--format", "threat-dragon", cwd=project)
    assert done.exit_code == 0, done.output
    exported = json.loads(done.output)
    assert exported["version"] == "2.2.0"
    assert {c["shape"] for c in exported["detail"]["diagrams"][0]["cells"]} == {
        "trust-boundary-box", "actor", "process", "store", "flow"}
