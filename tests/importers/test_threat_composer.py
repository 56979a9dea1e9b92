"""AWS Threat Composer: statements, mitigations, links, assumptions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from threatgate.importers.convert import Imported, import_model


def imported(**data: Any) -> Imported:
    return import_model(json.dumps({"schema": 1, **data}).encode(), "w.tc.json",
                        today=dt.date(2026, 6, 1), max_depth=32)


@pytest.mark.parametrize(("status", "expect"), [
    ("mitigationIdentified", "planned"), ("mitigationInProgress", "in_progress"),
    ("mitigationResolved", "implemented"), ("mitigationResolvedWillNotAction", "wont_do")])
def test_mitigation_statuses(status: str, expect: str) -> None:
    model = imported(mitigations=[{"id": "m", "numericId": 3, "content": "Do",
                                   "status": status}]).model
    assert model["controls"] == [{"id": "M3", "title": "Do", "status": expect}]


def test_links_metadata_and_unknown_keys() -> None:
    result = imported(
        threats=[{"id": "t", "numericId": 1, "threatSource": "actor", "threatAction": "act",
                  "metadata": [{"key": "STRIDE", "value": ["S", "I"]},
                               {"key": "Priority", "value": "High"},
                               {"key": "Custom", "value": "x"}]}],
        mitigations=[{"id": "m", "numericId": 1, "content": "Do"}],
        assumptions=[{"id": "a", "numericId": 1, "content": "Trust"}],
        mitigationLinks=[{"linkedId": "t", "mitigationId": "m"},
                         {"linkedId": "gone", "mitigationId": "m"}],
        assumptionLinks=[{"type": "Threat", "linkedId": "t", "assumptionId": "a"}],
        newerField={"kept": True})
    model = result.model
    threat = model["threats"][0]
    assert threat["title"] == "A actor can act"
    assert threat["stride"] == ["spoofing", "information_disclosure"]
    assert threat["severity"] == "high" and threat["mitigations"] == ["M1"]
    assert threat["x-threat-composer"]["metadata.Custom"] == "x"
    assert threat["x-threat-composer"]["assumptions"] == ["A1"]
    assert model["assumptions"][0] == {"id": "A1", "description": "Trust"}
    assert model["x-threat-composer"]["newerField"] == {"kept": True}
    assert model["x-threat-composer"]["mitigationLinks/1"]["linkedId"] == "gone"
