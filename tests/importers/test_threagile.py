"""Threagile: what each part of the model becomes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from threatgate.importers import ImportRefused
from threatgate.importers.convert import Imported, import_model


def imported(data: dict[str, Any]) -> Imported:
    raw = json.dumps({"threagile_version": "1.0.0", "title": "T", **data}).encode()
    return import_model(raw, "m.yaml", today=dt.date(2026, 6, 1), max_depth=32)


ASSETS = {"technical_assets": {
    "Web": {"id": "web", "type": "process", "technology": "web-server", "internet": False,
            "communication_links": {"Query": {"target": "db", "protocol": "jdbc-encrypted",
                                              "authentication": "credentials",
                                              "data_assets_sent": ["orders"]}}},
    "DB": {"id": "db", "type": "datastore", "technology": "unknown-technology"}},
    "data_assets": {"Orders": {"id": "orders", "confidentiality": "internal",
                               "integrity": "critical", "availability": "archive"}}}


def test_assets_links_and_ratings() -> None:
    model = imported(ASSETS).model
    web, db = model["components"]
    assert web["type"] == "web_app" and web["flags"] == ["no_internet_facing"]
    assert db["type"] == "datastore" and db["x-threagile"]["technology"] == "unknown-technology"
    flow = model["dataflows"][0]
    assert (flow["from"], flow["to"], flow["encrypted"], flow["authenticated"]) == (
        "web", "db", True, True)
    assert flow["data"] == ["orders"]
    asset = model["assets"][0]
    assert asset["properties"] == ["confidentiality", "integrity"]
    assert asset["classification"] == "internal"


def test_nested_boundaries_are_kept_and_assets_placed() -> None:
    model = imported({**ASSETS, "trust_boundaries": {
        "Outer": {"id": "outer", "trust_boundaries_nested": ["inner"],
                  "technical_assets_inside": ["web"]},
        "Inner": {"id": "inner", "technical_assets_inside": ["db"]}}})
    assert [c["boundary"] for c in model.model["components"]] == ["outer", "inner"]
    outer = model.model["trust_boundaries"][0]
    assert outer["x-threagile"]["trust_boundaries_nested"] == ["inner"]
    assert any("do not nest" in n["note"] for n in model.report.notes)


@pytest.mark.parametrize(("status", "expect"), [
    ("accepted", "acceptances"), ("mitigated", "implemented"), ("in-progress", "in_progress"),
    ("false-positive", "kept"), ("in-discussion", "kept"), ("unchecked", "kept")])
def test_risk_tracking_statuses(status: str, expect: str) -> None:
    result = imported({**ASSETS, "risk_tracking": {"sql-injection@web@db": {
        "status": status, "justification": "why", "date": "2026-01-15", "checked_by": "ana"}}})
    model = result.model
    threat = model["threats"][0]
    assert threat["title"] == "sql-injection@web@db"
    if expect == "acceptances":
        accepted = model["acceptances"][0]
        assert (accepted["threat"], accepted["owner"], accepted["review_by"]) == (
            threat["id"], "ana", "2027-01-15")
    elif expect == "kept":
        assert threat["x-threagile"]["risk_tracking"]["status"] == status
        assert "mitigations" not in threat
    else:
        control = model["controls"][0]
        assert control["status"] == expect and threat["mitigations"] == [control["id"]]


def test_wildcard_tracking_and_abuse_cases_and_requirements() -> None:
    model = imported({"risk_tracking": {"missing-waf@*": {"status": "accepted"}},
                      "abuse_cases": {"Fraud": "Someone cheats."},
                      "security_requirements": {"MFA": "Every admin uses MFA."}}).model
    assert model["x-threagile"]["risk_tracking/missing-waf@*"] == {"status": "accepted"}
    assert model["threats"][0]["tags"] == ["abuse-case"]
    assert model["controls"][0]["status"] == "planned"


def test_individual_risks_become_threats_with_their_category_control() -> None:
    model = imported({**ASSETS, "individual_risk_categories": {"Weird": {
        "id": "weird", "description": "d", "mitigation": "m", "stride": "tampering",
        "cwe": 20, "risks_identified": {"<b>Weird</b> at DB": {
            "severity": "high", "exploitation_likelihood": "likely",
            "exploitation_impact": "very-high", "most_relevant_technical_asset": "db"}}}}}).model
    threat = model["threats"][0]
    assert threat["title"] == "Weird at DB"
    assert (threat["likelihood"], threat["impact"], threat["stride"], threat["cwe"]) == (
        3, 5, ["tampering"], ["CWE-20"])
    assert threat["components"] == ["db"] and threat["mitigations"] == ["weird-mitigation"]


def test_a_link_to_an_unknown_asset_is_refused() -> None:
    data = json.loads(json.dumps(ASSETS))
    data["technical_assets"]["Web"]["communication_links"]["Query"]["target"] = "nope"
    with pytest.raises(ImportRefused, match="/technical_assets/Web/communication_links/Query"):
        imported(data)
