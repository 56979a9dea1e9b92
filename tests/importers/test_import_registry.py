"""The registry of import formats: one module per format, each reachable."""

from __future__ import annotations

import pkgutil

import threatgate.importers as importers
from threatgate.importers import MACHINERY, REGISTRY
from threatgate.importers.convert import detect
from threatgate.importers.mapping import Source


def test_every_format_module_registers_one_format_named_after_it() -> None:
    modules = {m.name for m in pkgutil.iter_modules(importers.__path__)} - MACHINERY
    assert {name.replace("_", "-") for name in modules} == set(REGISTRY)
    for name, entry in REGISTRY.items():
        assert entry.convert.__module__ == f"threatgate.importers.{name.replace('-', '_')}"


def test_each_format_is_detected_by_its_own_detector_only() -> None:
    samples = {
        "threagile": {"threagile_version": "1.0.0", "technical_assets": {}},
        "threat-dragon": {"summary": {}, "detail": {"diagrams": []}},
        "threat-composer": {"schema": 1, "threats": []},
        "pytm": {"name": "x", "elements": [], "flows": [], "findings": []},
    }
    assert set(samples) == set(REGISTRY)
    for name, data in samples.items():
        assert detect(Source(data, "x")).name == name
        assert [n for n, f in REGISTRY.items() if f.detect(data)] == [name]
