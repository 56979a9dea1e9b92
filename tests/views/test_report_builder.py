"""The report view model as its builder makes it: links, anchors and sections agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

from threatgate.analysis.assess import assess_model
from threatgate.model.loader import load_text
from threatgate.model.vocabulary import COLLECTIONS
from threatgate.views.report import Ref, Report
from threatgate.views.report_builder import LINKED_KINDS, ReportIndex, build_report

TODAY = dt.date(2026, 6, 1)

MODEL = """\
threatgate: 1
id: shop
title: Shop
frameworks: [asvs-5.0]
components:
  - {id: web, name: Browser, type: client, boundary: internet}
  - {id: api, name: API, type: service, boundary: nowhere}
dataflows:
  - {id: DF1, from: web, to: api, protocol: https, data: [A1], encrypted: true}
trust_boundaries:
  - {id: internet, name: Internet}
assets:
  - {id: A1, name: Orders, properties: [integrity]}
attackers:
  - {id: ATK1, name: Outsider, capability: sends requests, position: external}
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1, C2]], assumptions: [AS1]}
  - {id: "CO 2", asset: A1, attacker: ATK1, mitigated_by: [[C1]]}
threats:
  - {id: T1, title: Forged order, likelihood: 4, impact: 4, objectives: [CO1], mitigations: [C1]}
  - {id: T2, title: Lost order, likelihood: 1, impact: 1, objectives: ["CO 2"]}
controls:
  - id: C1
    title: Signed orders
    status: implemented
    compliance: ["asvs-5.0:V1.10", "asvs-5.0:V1.9"]
    assertions:
      - {type: file_exists, file: src/sign.py}
  - {id: C2, title: Rate limit, status: planned, compliance: ["asvs-5.0:V1.9"]}
assumptions:
  - {id: AS1, description: Orders are reviewed, attested_by: ops}
acceptances:
  - {threat: T2, owner: cto, justification: cheap, review_by: "2027-01-01"}
  - {threat: T2, owner: cto, justification: again, review_by: "2027-01-01"}
findings:
  - {id: F1, control: C2, title: No limit yet, severity: low, status: discovered}
"""


def built(outcomes: Any = None) -> Report:
    data = load_text(MODEL).data
    return build_report(data, assess_model(data, path="shop.yaml", today=TODAY), TODAY, outcomes)


def walk(value: Any) -> Iterator[Any]:
    """Every dataclass instance, list item and tuple item reachable from ``value``."""
    yield value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from walk(item)


def anchors_of(report: Report) -> list[str]:
    sections: list[Any] = [report.components, report.dataflows, report.boundaries,
                           report.assets, report.attackers, report.objectives, report.threats,
                           report.controls, report.assumptions, report.acceptances,
                           report.findings, report.compliance,
                           [r for s in report.compliance for r in s.requirements]]
    return [row.anchor for section in sections for row in section]


def test_every_anchor_of_a_report_is_unique() -> None:
    anchors = anchors_of(built())
    assert len(anchors) == len(set(anchors))
    assert "acceptance-T2-2" in anchors  # a second acceptance of the same threat


def test_every_link_points_at_an_anchor_of_the_report() -> None:
    report = built()
    anchors = set(anchors_of(report))
    refs = [v for v in walk(report) if isinstance(v, Ref)]
    assert refs
    dangling = [r for r in refs if r.anchor is not None and r.anchor not in anchors]
    assert dangling == []
    # an id the model does not define is shown without a link
    boundary_links = {c.id: c.links[0][1] for c in report.components}
    assert boundary_links["api"] == [Ref("nowhere", "", None)]
    assert boundary_links["web"] == [Ref("internet", "Internet", "boundary-internet")]


def test_every_collection_with_ids_can_be_linked_to() -> None:
    # acceptances are named by what they accept, not linked to by id
    assert {collection for collection, _, _ in LINKED_KINDS} == set(COLLECTIONS) - {"acceptances"}


def test_control_links_carry_the_control_status() -> None:
    index = ReportIndex(load_text(MODEL).data, {"C1": "implemented"})
    assert index.control("C1") == Ref("C1", "Signed orders", "control-C1", "implemented")
    assert index.control("C2") == Ref("C2", "Rate limit", "control-C2", "")
    report = built()
    assert [r.status for r in report.objectives[0].groups[0]] == ["implemented", "planned"]
    assert report.findings[0].control.status == "planned"


def test_sections_follow_the_assessment() -> None:
    report = built({("C1", 0): ("pass", "")})
    assert [t.id for t in report.threats] == ["T1", "T2"]
    assert report.objectives[1].anchor == "objective-CO-2"
    assert report.controls[0].assertions[0].outcome == "pass"
    assert report.controls[0].assertions[0].summary == "file: src/sign.py"
    assert report.summary.verification_ran
    section = report.compliance[0]
    assert [(r.requirement, r.coverage) for r in section.requirements] == [
        ("V1.9", "partial"), ("V1.10", "covered")]
    assert section.coverage == {"covered": 1, "partial": 1, "planned": 0}
    cell = report.matrix.cells[0][0]
    assert [o.id for o in cell.objectives] == ["CO1", "CO 2"]
    assert report.assumptions[0].objectives == [Ref("CO1", "", "objective-CO1")]
