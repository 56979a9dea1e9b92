"""The wiring of generated models is data in the catalogue, checked when loaded."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from threatgate.generate import architecture as architecture_module
from threatgate.generate import dataflows as dataflows_module
from threatgate.generate.architecture import ATTACKERS, architecture
from threatgate.generate.catalogue import builtin_catalogue, builtin_catalogue_data
from threatgate.generate.describe import TIERS, describe, vocabulary
from threatgate.generate.wiring import (
    Boundary,
    Wiring,
    technologies_named,
    wiring,
    wiring_from_data,
    wiring_problems,
)

PACKAGE = Path(architecture_module.__file__).parent


def _shipped() -> Wiring:
    return wiring_from_data(builtin_catalogue_data()["wiring"])


def test_the_shipped_wiring_names_only_known_technologies() -> None:
    assert wiring_problems(_shipped(), vocabulary(), builtin_catalogue().types) == []
    named = {key for _, key in technologies_named(wiring())}
    assert {"web_app", "ci_cd", "llm_service", "developer"} <= named


@pytest.mark.parametrize(("change", "problem"), [
    (lambda w: dataclasses.replace(w, roles={**w.roles, "pipeline": "jenkins_box"}),
     "roles.pipeline: unknown technology 'jenkins_box'"),
    (lambda w: dataclasses.replace(w, groups={**w.groups, "apis": ("rest_api", "soap_api")}),
     "apis: unknown technology 'soap_api'"),
    (lambda w: dataclasses.replace(w, implied_data={"ci_cd": ("secretz",)}),
     "implied_data.ci_cd: unknown data kind 'secretz'"),
    (lambda w: dataclasses.replace(w, boundaries=(*w.boundaries,
                                                  Boundary("x", "X", "X", ("entry",)))),
     "boundaries: tier 'entry' is in 2 boundaries, not one"),
    (lambda w: dataclasses.replace(w, components={
        **w.components, "developer": dataclasses.replace(w.components["developer"],
                                                         type="laptop")}),
     "components.developer: unknown type 'laptop'"),
])
def test_a_misspelt_name_in_the_wiring_is_reported(change: object, problem: str) -> None:
    changed = change(_shipped())  # type: ignore[operator]
    assert problem in wiring_problems(changed, vocabulary(), builtin_catalogue().types)


def test_generation_code_names_no_technology() -> None:
    technologies = set(vocabulary().technologies) | set(builtin_catalogue().types)
    not_technologies = set(TIERS) | set(ATTACKERS)  # tier and attacker names, not types
    for name in ("architecture.py", "dataflows.py", "assemble.py"):
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        literals = {node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        assert not (literals & technologies) - not_technologies, name


def test_a_wiring_change_is_a_data_change(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = wiring()
    changed = dataclasses.replace(
        shipped, store_protocols={**shipped.store_protocols, "database": "postgres"},
        protocols={**shipped.protocols, "web": "http2"})
    monkeypatch.setattr(dataflows_module, "wiring", lambda: changed)
    flows = architecture(describe("A web app with a database")).dataflows
    protocols = {(f["from"], f["to"]): f["protocol"] for f in flows}
    assert protocols[("web_app", "database")] == "postgres"
    assert protocols[("browser", "web_app")] == "http2"
    assert not any(f.get("encrypted") for f in flows)  # only https counts as encrypted
