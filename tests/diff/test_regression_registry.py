"""The registry of regression kinds: every kind registered, found, and adding one is one
module (a registered function) with nothing else to edit."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import REPO_ROOT
from threatgate.diff.compare import compare_sides
from threatgate.diff.regressions import REGISTRY, REGRESSION_KINDS, Comparison, regression_check
from threatgate.diff.results import ModelSide, Regression
from threatgate.diff.sides import load_side
from threatgate.model.vocabulary import FINDING_SEVERITIES

#: Kinds of the change as a whole, found by tests/diff/test_configuration.py.
REPOSITORY_KINDS = ("configuration-weakened",)

TODAY = dt.date(2026, 6, 1)
PACKAGE = REPO_ROOT / "cli" / "threatgate" / "diff" / "regressions"

BASE: dict[str, Any] = {
    "threatgate": 1,
    "id": "shop",
    "title": "Web shop",
    "owner": "shop-team",
    "assets": [{"id": "A1", "name": "Customer data", "properties": ["confidentiality"]}],
    "attackers": [{"id": "ATK1", "name": "External attacker", "capability": "HTTP requests",
                   "position": "external"}],
    "objectives": [
        {"id": "CO1", "asset": "A1", "attacker": "ATK1", "mitigated_by": [["C1", "C2"]]},
        {"id": "CO2", "asset": "A1", "attacker": "ATK1", "mitigated_by": [["C3"]],
         "assumptions": ["AS1"]},
    ],
    "threats": [
        {"id": "T1", "title": "SQL injection", "likelihood": 4, "impact": 5,
         "objectives": ["CO1"], "mitigations": ["C1"]},
        {"id": "T2", "title": "Password guessing", "likelihood": 3, "impact": 4,
         "objectives": ["CO2"], "mitigations": ["C3"]},
    ],
    "controls": [
        {"id": "C1", "title": "Parameterised queries", "status": "implemented",
         "assertions": [{"type": "file_exists", "file": "src/db.py"}]},
        {"id": "C2", "title": "Code review", "status": "implemented"},
        {"id": "C3", "title": "Rate limiting", "status": "planned"},
    ],
    "assumptions": [{"id": "AS1", "description": "The login is behind the VPN"}],
    "acceptances": [{"threat": "T1", "owner": "cto", "justification": "legacy",
                     "review_by": "2026-09-30"}],
    "findings": [{"id": "F1", "control": "C2", "title": "No review", "severity": "low",
                  "status": "discovered"}],
}

Change = Callable[[dict[str, Any]], "dict[str, Any] | str | None"]


def _set(path: tuple[str | int, ...], value: Any) -> Change:
    def change(model: dict[str, Any]) -> dict[str, Any]:
        target: Any = model
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return model

    return change


#: For every kind, a change of BASE that triggers it: the new model, or None for a deleted
#: model, or text for a file that cannot be read.
TRIGGERS: dict[str, Change] = {
    "model-removed": lambda model: None,
    "model-unreadable": lambda model: "threatgate: 1\nid: shop\ntitle: [unclosed\n",
    "control-status-regressed": _set(("controls", 0, "status"), "in_progress"),
    "control-removed": _set(("controls",), [BASE["controls"][0]]),
    "assertion-removed": _set(("controls", 0, "assertions"), []),
    "threat-score-lowered": _set(("threats", 0, "impact"), 3),
    "threat-removed": _set(("threats",), []),
    "acceptance-added": lambda model: {**model, "acceptances": [
        *model["acceptances"], {"objective": "CO1", "owner": "cto", "justification": "later",
                                "review_by": "2026-12-31"}]},
    "acceptance-extended": _set(("acceptances", 0, "review_by"), "2027-03-31"),
    "mitigation-group-shrunk": _set(("objectives", 0, "mitigated_by"), [["C1"]]),
    "objective-at-risk": _set(("objectives", 0, "mitigated_by"), [["C1", "C2", "C3"]]),
    "objective-unassessed": lambda model: {**model, "objectives": [
        model["objectives"][0], {"id": "CO2", "asset": "A1", "attacker": "ATK1"}]},
    "objective-removed": _set(("objectives", 1, "status"), "removed"),
    "control-not-applicable": _set(("controls", 2, "status"), "not_applicable"),
    "threat-unlinked": _set(("threats", 0, "objectives"), []),
    "mitigation-group-added": _set(("objectives", 1, "mitigated_by"), [["C3"], ["C2"]]),
    "assumption-added": lambda model: _set(("objectives", 1, "assumptions"), ["AS1", "AS2"])({
        **model, "assumptions": [*model["assumptions"],
                                 {"id": "AS2", "description": "x", "attested_by": "me"}]}),
    "assumption-attested": _set(("assumptions", 0, "attested_by"), "platform"),
    "threat-mitigation-added": _set(("threats", 1, "mitigations"), ["C3", "C1"]),
    "finding-dismissed": _set(("findings", 0, "status"), "dismissed"),
    "finding-removed": _set(("findings",), []),
    "finding-severity-lowered": _set(("findings", 0, "severity"), "info"),
    "finding-control-changed": _set(("findings", 0, "control"), "C1"),
}


def _side(content: dict[str, Any] | str) -> ModelSide:
    raw = content if isinstance(content, str) else json.dumps(content, indent=2) + "\n"
    return load_side(lambda: raw.encode(), "threatmodels/shop.yaml", "100644", 64, TODAY)


def _regressions(change: Change) -> list[Regression]:
    head = change(copy.deepcopy(BASE))
    heads = [] if head is None else [_side(head)]
    return [r for diff in compare_sides([_side(BASE)], heads) for r in diff.regressions]


def test_every_registered_kind_has_a_trigger_and_a_documented_place() -> None:
    assert set(REGISTRY) - set(REPOSITORY_KINDS) == set(TRIGGERS)
    assert (
        "model-removed", "model-unreadable", "control-status-regressed", "control-removed",
        "control-not-applicable", "assertion-removed", "threat-score-lowered",
        "threat-removed", "threat-unlinked", "acceptance-added", "acceptance-extended",
        "mitigation-group-shrunk", "objective-at-risk", "objective-unassessed",
        "objective-removed", "mitigation-group-added", "assumption-added",
        "assumption-attested", "threat-mitigation-added", "finding-dismissed",
        "finding-removed", "finding-severity-lowered", "finding-control-changed",
        *REPOSITORY_KINDS,
    ) == REGRESSION_KINDS
    for kind, check in REGISTRY.items():
        assert f"``{kind}``" in (importlib.import_module(check.find.__module__).__doc__ or "")


@pytest.mark.parametrize("kind", sorted(TRIGGERS))
def test_each_kind_is_found(kind: str) -> None:
    found = _regressions(TRIGGERS[kind])
    assert kind in {r.kind for r in found}
    regression = next(r for r in found if r.kind == kind)
    assert regression.model == "shop" and regression.message and regression.line >= 1
    assert regression.severity in FINDING_SEVERITIES


def test_unchanged_model_has_no_regression() -> None:
    assert _regressions(lambda model: model) == []


def test_every_module_of_the_package_registers_a_kind() -> None:
    modules = {f"threatgate.diff.regressions.{p.stem}" for p in PACKAGE.glob("*.py")
               if p.stem not in ("__init__", "base")}
    assert modules == {check.find.__module__ for check in REGISTRY.values()}


@pytest.fixture
def title_check() -> Iterator[str]:
    """A kind registered the way a new module registers one, removed afterwards."""
    kind = "title-changed"

    @regression_check(kind, order=99)
    def find_title_change(comparison: Comparison) -> None:
        base, head = comparison.sides()
        if base.data.get("title") != head.data.get("title"):
            comparison.add(kind, comparison.model, "the title changed", head, ("title",))

    try:
        yield kind
    finally:
        del REGISTRY[kind]


def test_a_new_kind_needs_nothing_but_its_registered_check(title_check: str) -> None:
    found = _regressions(_set(("title",), "Shop"))
    assert [(r.kind, r.entity, r.line, r.acknowledged) for r in found] == [
        (title_check, "shop", 4, False)]
    noted = _set(("x-regression-ok",), [{"kind": title_check, "entity": "shop",
                                         "reason": "renamed"}])
    [regression] = _regressions(lambda model: noted(_set(("title",), "Shop")(model)))
    assert regression.acknowledged and regression.reason == "renamed"


def test_a_kind_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        regression_check("threat-removed", order=0)(lambda comparison: None)
