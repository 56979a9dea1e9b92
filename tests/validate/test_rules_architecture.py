"""missing-component: threats and flows about components that no longer exist."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from threatgate.validate.rules import run_rules

TODAY = dt.date(2026, 1, 15)


def _warnings(data: dict[str, Any]) -> list[str]:
    return [p.message for p in run_rules(data, TODAY) if p.rule == "missing-component"]


BASE: dict[str, Any] = {
    "components": [{"id": "app", "name": "Shop", "type": "web_app"},
                   {"id": "db", "name": "Orders", "type": "database"}],
    "dataflows": [{"id": "DF1", "from": "app", "to": "db", "name": "Shop to Orders"}],
}


def test_a_generated_threat_about_a_gone_component_is_reported() -> None:
    data = {**BASE, "threats": [
        {"id": "T-web.xss-app", "title": "XSS in Shop", "components": ["app"]},
        {"id": "T-upload.bomb-uploader", "title": "Bombs", "components": ["app"]},
        {"id": "T-transport.cleartext-DF1", "title": "Cleartext", "dataflows": ["DF1"]},
    ]}
    messages = _warnings(data)
    assert len(messages) == 1 and "uploader" in messages[0]


def test_a_generated_threat_left_about_nothing_is_reported() -> None:
    data = {**BASE, "threats": [{"id": "T9", "title": "x", "origin": "generated"},
                                {"id": "T10", "title": "hand-written, about the system"}]}
    assert [m for m in _warnings(data) if "T9" in m] and not [
        m for m in _warnings(data) if "T10" in m]


def test_names_of_removed_components_in_threats_and_flows() -> None:
    data = {**BASE,
            "dataflows": [*BASE["dataflows"],
                          {"id": "DF2", "from": "app", "to": "db", "name": "cache to db"}],
            "threats": [{"id": "T1", "title": "Poisoned entries in cache",
                         "components": ["app"]}],
            "generation": {"emitted": ["app", "db"], "removed": ["cache", "C-tls", "DF7"]}}
    messages = _warnings(data)
    assert any("T1" in m and "cache" in m for m in messages)
    assert any("DF2" in m for m in messages)
    assert not any("C-tls" in m or "DF7" in m for m in messages)


def test_a_model_without_problems_has_no_warning(tmp_path: Path) -> None:
    data = {**BASE, "threats": [{"id": "T-web.xss-app", "title": "XSS in Shop",
                                 "components": ["app"], "origin": "generated"}]}
    assert _warnings(data) == []
