"""OWASP pytm JSON reports: elements, flows, data, findings."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from threatgate.importers import ImportRefused
from threatgate.importers.convert import Imported, import_model

BASE: dict[str, Any] = {
    "name": "P", "boundaries": [{"name": "Net"}],
    "elements": [{"__class__": "Actor", "name": "User", "inBoundary": "Net"},
                 {"__class__": "Datastore", "name": "DB"}],
    "data": [{"name": "Card", "classification": "Classification.SECRET", "isPII": True}],
    "flows": [{"name": "Save", "source": "User", "sink": "DB", "data": ["Card"],
               "controls": {"isEncrypted": True}}],
}


def imported(**changes: Any) -> Imported:
    return import_model(json.dumps({**BASE, **changes}).encode(), "tm.json",
                        today=dt.date(2026, 6, 1), max_depth=32)


def test_architecture() -> None:
    model = imported(findings=[]).model
    user, db = model["components"]
    assert (user["type"], user["boundary"], db["type"]) == ("user", "Net", "datastore")
    assert model["dataflows"][0] == {"id": "Save", "name": "Save", "from": "User", "to": "DB",
                                     "data": ["Card"], "encrypted": True,
                                     "x-pytm": {"controls": {"isEncrypted": True}}}
    card = model["assets"][0]
    assert (card["classification"], card["kind"]) == ("restricted", "personal_data")


def test_findings_become_threats_with_references_and_mitigations() -> None:
    finding = {"target": "DB", "description": "Injection", "details": "d", "severity": "High",
               "likelihood": "Very High", "mitigations": "Prepare", "id": "1",
               "threat_id": "INP02", "response": "mitigated",
               "references": "https://cwe.mitre.org/data/definitions/89.html, CAPEC-66"}
    model = imported(findings=[finding]).model
    threat = model["threats"][0]
    assert (threat["id"], threat["severity"], threat["likelihood"]) == ("INP02-DB", "high", 5)
    assert threat["cwe"] == ["CWE-89"] and threat["tags"] == ["INP02", "CAPEC-66"]
    assert threat["components"] == ["DB"]
    assert model["controls"][0]["status"] == "implemented"


def test_an_unknown_finding_target_is_refused() -> None:
    with pytest.raises(ImportRefused, match="/findings/0/target"):
        imported(findings=[{"target": "Nowhere", "description": "x"}])
