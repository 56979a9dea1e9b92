"""The inline tests of rule packs: each case of a rule run against that rule alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatgate.generate.catalogue import Catalogue
from threatgate.generate.engine import run_compiled
from threatgate.generate.rulepacks import CompiledRule, RulePack, compiled_rules


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one inline test case of a rule."""

    rule: str
    kind: str          # "fires", "silent" or "missing"
    index: int
    name: str
    ok: bool
    message: str = ""
    location: str = ""  # "path:line:col" of the rule, so a failure can be found


def _case_model(case: Mapping[str, Any]) -> dict[str, Any]:
    return {key: case.get(key, []) for key in
            ("components", "dataflows", "assets", "trust_boundaries")}


def test_packs(packs: Sequence[RulePack], selected: Sequence[str] = ()) -> list[CaseResult]:
    """Run the inline ``tests`` of every rule of ``packs`` (or of the packs named in
    ``selected``), each case against its rule alone. A rule without a fires case or
    without a silent case fails as untested."""
    rules, catalogue = compiled_rules(packs)
    names = set(selected)
    results: list[CaseResult] = []
    for rule in rules:
        if names and rule.pack not in names:
            continue
        tests = rule.spec.get("tests", {})
        for kind in ("fires", "silent"):
            if not tests.get(kind):
                results.append(CaseResult(rule.id, "missing", 0, kind, False,
                                          f"no {kind} case: every rule needs one",
                                          rule.location))
            for index, case in enumerate(tests.get(kind, [])):
                results.append(_run_case(rule, catalogue, kind, index, case))
    return results


def _run_case(rule: CompiledRule, catalogue: Catalogue, kind: str, index: int,
              case: Mapping[str, Any]) -> CaseResult:
    name = str(case.get("name") or f"{kind}[{index}]")
    found = [f.elements[0] for f in run_compiled(_case_model(case), [rule], catalogue).fired]
    if kind == "silent":
        ok = not found
        message = "" if ok else f"fired on {', '.join(found)}"
    elif "elements" in case:
        ok = sorted(found) == sorted(case["elements"])
        message = "" if ok else (f"fired on [{', '.join(found)}], expected "
                                 f"[{', '.join(case['elements'])}]")
    else:
        ok = bool(found)
        message = "" if ok else "did not fire"
    return CaseResult(rule.id, kind, index, name, ok, message, rule.location)


test_packs.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
