"""Arbitrary JSON and YAML never crash ``threatgate import``: it writes a model (0) or
refuses the content (1) or the file (2), never exit 3.

The values are built from the field names of every format, so that detection picks a
format and its converter meets wrong types, missing references and odd values.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CASES_DIR

EXAMPLES = int(os.environ.get("THREATGATE_FUZZ_EXAMPLES", "60"))
KEYS = [
    # Threagile
    "threagile_version", "title", "author", "name", "technical_assets", "data_assets",
    "trust_boundaries", "communication_links", "target", "id", "technical_assets_inside",
    "risk_tracking", "status", "date", "individual_risk_categories", "risks_identified",
    "abuse_cases", "security_requirements", "cwe", "stride", "internet",
    "data_assets_sent", "most_relevant_technical_asset", "business_overview",
    # Threat Dragon
    "summary", "detail", "diagrams", "diagramJson", "cells", "shape", "data", "type",
    "source", "target", "cell", "threats", "number", "severity", "mitigation", "position",
    "size", "x", "y", "width", "height", "outOfScope",
    # Threat Composer
    "schema", "numericId", "statement", "metadata", "key", "value", "mitigations",
    "mitigationLinks", "assumptionLinks", "linkedId", "mitigationId", "assumptionId",
    "assumptions", "content", "applicationInfo", "impactedGoal", "tags",
    # pytm
    "elements", "flows", "boundaries", "findings", "sink", "inBoundary", "__class__",
    "threat_id", "references", "likelihood", "cwes", "classification", "controls",
]
WORDS = ["tm.Process", "tm.Flow", "tm.Actor", "tm.BoundaryBox", "flow", "process",
         "Spoofing", "High", "Open", "Mitigated", "accepted", "mitigated", "2026-01-15",
         "Server", "Datastore", "a", "", "CWE-89", "T", "x" * 300, "\u2028", "\ud800",
         "mitigationResolved", "STRIDE", "Priority", "*", "a/b~c", "\ufeff", "x?", "a: b",
         "\tx", "l1 \nl2", "yes", "1:20", "\u00e9\U0001f600", "\x85", "#c", "- x", "k" * 130]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS),
                    st.text(max_size=12))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=4)),
                                            inner, max_size=6)),
    max_leaves=40)
documents = st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=8)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=documents, as_yaml=st.booleans(), format_name=st.sampled_from(
    [None, "threagile", "threat-dragon", "threat-composer", "pytm"]))
def test_arbitrary_content_never_crashes(document: dict[str, object], as_yaml: bool,
                                         format_name: str | None, run_cli,
                                         project: Path) -> None:
    text = json.dumps(document)
    if as_yaml:
        from threatgate.generate.assemble import dump_plain

        with contextlib.suppress(Exception):  # a value YAML cannot write: keep the JSON
            text = dump_plain(document)
    source = project / ("source.yaml" if as_yaml else "source.json")
    source.write_bytes(text.encode("utf-8", "surrogatepass"))
    args = ["import", source.name, "--out", "threatmodels/x.yaml", "--force"]
    if format_name:
        args += ["--from", format_name]
    done = run_cli(*args, cwd=project)
    assert done.exit_code in (0, 1, 2), done.output
    assert "would not be valid" not in done.output  # the importer made a bad model
    if done.exit_code == 0:
        assert run_cli("validate", "threatmodels/x.yaml", cwd=project).exit_code == 0
        assert run_cli("fmt", "--check", "threatmodels/x.yaml", cwd=project).exit_code == 0


# --- the fixtures of every format, mutated at random places ------------------------------

FIXTURES = sorted((CASES_DIR / "importers").glob("*/*"))


def _load(path: Path) -> Any:
    from threatgate.model.loader import load_bytes

    return load_bytes(path.read_bytes(), max_depth=64).data


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_places(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_places(item, (*path, index)))
    return found


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(_load(draw(st.sampled_from(FIXTURES))))
    for _ in range(draw(st.integers(1, 4))):
        places = _places(data)[1:]
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(values)
    return data


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=mutated_fixtures())
def test_mutated_fixtures_never_crash(document: dict[str, Any], run_cli,
                                      project: Path) -> None:
    source = project / "source.json"
    source.write_bytes(json.dumps(document).encode("utf-8", "surrogatepass"))
    done = run_cli("import", source.name, "--out", "threatmodels/x.yaml", "--force",
                   cwd=project)
    assert done.exit_code in (0, 1, 2), done.output
    assert "would not be valid" not in done.output
    if done.exit_code == 0:
        assert run_cli("validate", "threatmodels/x.yaml", cwd=project).exit_code == 0
        assert run_cli("fmt", "--check", "threatmodels/x.yaml", cwd=project).exit_code == 0
