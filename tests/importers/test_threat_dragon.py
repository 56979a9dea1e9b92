"""OWASP Threat Dragon: cells, threats, boundaries, versions 1 and 2."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from threatgate.importers.convert import Imported, import_model


def imported(cells: list[dict[str, Any]]) -> Imported:
    data = {"version": "2.2.0", "summary": {"title": "D"},
            "detail": {"diagrams": [{"title": "one", "cells": cells}]}}
    return import_model(json.dumps(data).encode(), "d.json", today=dt.date(2026, 6, 1),
                        max_depth=32)


def node(cell_id: str, kind: str, x: float, y: float, **data: Any) -> dict[str, Any]:
    return {"id": cell_id, "shape": kind.split(".")[1].lower(), "position": {"x": x, "y": y},
            "size": {"width": 10, "height": 10}, "data": {"type": kind, **data}}


def test_smallest_box_holds_the_element() -> None:
    box = {"id": "big", "shape": "trust-boundary-box", "position": {"x": 0, "y": 0},
           "size": {"width": 500, "height": 500}, "data": {"type": "tm.BoundaryBox"}}
    small = {**box, "id": "small", "size": {"width": 100, "height": 100}}
    model = imported([box, small, node("p", "tm.Process", 20, 20, name="P"),
                      node("s", "tm.Store", 300, 300, name="S")]).model
    assert [c["boundary"] for c in model["components"]] == ["small", "big"]


@pytest.mark.parametrize(("status", "control"), [
    ("Open", "planned"), ("Mitigated", "implemented"), ("NotApplicable", "not_applicable")])
def test_threat_status_sets_the_control_status(status: str, control: str) -> None:
    threat = {"id": "t", "title": "T", "status": status, "severity": "Low",
              "type": "Denial of service", "mitigation": "Do it", "number": 7}
    model = imported([node("p", "tm.Process", 0, 0, name="P", threats=[threat])]).model
    assert model["threats"][0]["id"] == "T7"
    assert model["threats"][0]["stride"] == ["denial_of_service"]
    assert model["controls"][0]["status"] == control


def test_non_stride_types_and_out_of_scope_are_kept() -> None:
    threat = {"title": "Linkable", "type": "Linkability", "status": "Open"}
    model = imported([node("a", "tm.Actor", 0, 0, name="A", outOfScope=True,
                           reasonOutOfScope="Not ours", threats=[threat])]).model
    actor = model["components"][0]
    assert actor["tags"] == ["out-of-scope"]
    assert actor["x-threat-dragon"]["data"]["reasonOutOfScope"] == "Not ours"
    assert model["threats"][0]["x-threat-dragon"]["type"] == "Linkability"


def test_loose_flows_and_text_blocks_are_kept_on_the_model() -> None:
    flow = {"id": "f", "shape": "flow", "source": {"x": 1, "y": 1}, "target": {"cell": "p"},
            "data": {"type": "tm.Flow", "name": "F"}}
    text = {"id": "t", "shape": "td-text-block", "data": {"type": "tm.Text", "name": "note"}}
    model = imported([node("p", "tm.Process", 0, 0, name="P"), flow, text]).model
    assert "dataflows" not in model
    assert set(model["x-threat-dragon"]) >= {"flows/f", "cells/t"}
