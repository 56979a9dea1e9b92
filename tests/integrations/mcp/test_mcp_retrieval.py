"""Retrieval tools, in-process: listings with totals, paging, filters, files and lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp_session import call, call_all, ok, refused

from conftest import VALID_MODEL

SECOND = VALID_MODEL.replace("id: shop", "id: blog").replace("title: Web shop", "title: Blog")


@pytest.fixture
def repo(project: Path, write_model, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_model()
    monkeypatch.chdir(project)
    return project


def test_list_threat_models_gives_figures_and_invalid_models(repo: Path, write_model) -> None:
    write_model(SECOND, "blog.yaml")
    write_model("threatgate: 1\nid: broken\n", "broken.yaml")
    listed = ok(call(repo, "list_threat_models"))
    assert listed["total"] == 3
    ids = {row["id"]: row for row in listed["items"] if row["id"]}
    assert set(ids) == {"shop", "blog"}
    assert ids["shop"]["path"] == "threatmodels/model.yaml"
    assert ids["shop"]["controls"]["implemented"] == 1
    bad = [row for row in listed["items"] if row.get("valid") is False]
    assert bad[0]["path"] == "threatmodels/broken.yaml" and bad[0]["error"]
    paged = ok(call(repo, "list_threat_models", {"offset": 1, "limit": 1}))
    assert paged["total"] == 3 and len(paged["items"]) == 1


def test_get_threat_model_by_id_or_path_with_objectives_and_entities(repo: Path) -> None:
    plain, by_path = (ok(r) for r in call_all(
        repo, ("get_threat_model", {"model_id": "shop"}),
        ("get_threat_model", {"model_id": "threatmodels/model.yaml", "include_cos": True,
                              "include_entities": True})))
    assert "control_objectives" not in plain and "entities" not in plain
    assert by_path["id"] == "shop"
    assert by_path["control_objectives"][0]["id"] == "CO1"
    listed = by_path["entities"]
    assert (listed["offset"], listed["limit"], listed["total"]) == (0, 50, len(listed["items"]))
    entities = {(row["kind"], row["id"]): row for row in listed["items"]}
    assert entities[("asset", "A1")]["line"] == VALID_MODEL.splitlines().index(
        "  - id: A1") + 1
    assert entities[("component", "api")]["path"] == "threatmodels/model.yaml"


def test_get_threat_model_pages_its_entities(repo: Path) -> None:
    whole, first, rest, beyond = (ok(r)["entities"] for r in call_all(
        repo, ("get_threat_model", {"include_entities": True}),
        ("get_threat_model", {"include_entities": True, "limit": 2}),
        ("get_threat_model", {"include_entities": True, "offset": 2, "limit": 500}),
        ("get_threat_model", {"include_entities": True, "offset": 10_000})))
    total = whole["total"]
    assert total >= 3 and first["total"] == rest["total"] == beyond["total"] == total
    assert first["items"] + rest["items"] == whole["items"]
    assert len(first["items"]) == 2 and beyond["items"] == []
    assert refused(call(repo, "get_threat_model", {"include_entities": True, "limit": 0}))


def test_controls_carry_their_evidence_links(repo: Path) -> None:
    added, listed, detailed = call_all(
        repo, ("add_evidence", {"control_id": "C1", "links": ["https://ci/run/7", "d.md"]}),
        ("get_controls", {}), ("get_controls", {"control_id": "C1", "details": True}))
    assert ok(added)["result"]["after"]["x-evidence"] == ["https://ci/run/7", "d.md"]
    counts = {row["id"]: row["evidence_links"] for row in ok(listed)["items"]}
    assert counts == {"C1": 2, "C2": 0}
    assert "x-evidence" not in ok(listed)["items"][0]
    row = ok(detailed)["items"][0]
    assert row["evidence_links"] == row["x-evidence"] == ["https://ci/run/7", "d.md"]
    assert isinstance(row["assertions"], list)  # details: lists where the summary counts


def test_get_controls_filters_and_pages(repo: Path) -> None:
    results = [ok(r) for r in call_all(
        repo, ("get_controls", {}), ("get_controls", {"status": "planned"}),
        ("get_controls", {"control_id": "C1", "details": True}),
        ("get_controls", {"co_id": "CO1", "limit": 1, "offset": 1}),
        ("get_controls", {"component_id": "api"}),
        ("get_controls", {"component_id": "web"}))]
    everything, planned, detailed, paged, on_api, on_web = results
    assert everything["total"] == 2 and "assertions" in everything["items"][0]
    assert "description" not in everything["items"][0]
    assert [row["id"] for row in planned["items"]] == ["C2"]
    assert detailed["items"][0]["assertions"][0]["type"] == "pattern_absent"
    assert detailed["items"][0]["line"] == VALID_MODEL.splitlines().index("  - id: C1") + 1
    assert paged["total"] == 2 and [row["id"] for row in paged["items"]] == ["C2"]
    assert [row["id"] for row in on_api["items"]] == ["C1"]
    assert on_web["total"] == 0


def test_objectives_assessment_and_review_queue(repo: Path, write_model) -> None:
    # An unscored threat is one item of the review queue.
    write_model(VALID_MODEL.replace("    likelihood: 4\n    impact: 5\n", ""))
    objectives, at_risk, summary, threats, queue = (ok(r) for r in call_all(
        repo, ("get_control_objectives", {}),
        ("get_control_objectives", {"status": "at_risk"}),
        ("assess_model", {}),
        ("assess_model", {"status": "mitigated"}),
        ("get_review_queue", {"limit": 1})))
    assert objectives["items"][0]["id"] == "CO1" and at_risk["total"] == 0
    assert summary["models"][0]["id"] == "shop" and "threats" not in summary
    assert [row["id"] for row in threats["threats"]["items"]] == ["T1"]
    assert threats["threats"]["items"][0]["status"] == "mitigated"
    every = ok(call(repo, "assess_model", {"summary_only": False, "limit": 1}))
    assert every["threats"]["total"] == 1
    assert queue["total"] >= 1 and len(queue["items"]) == 1
    assert queue["items"][0]["path"] == "threatmodels/model.yaml"


def test_query_searches_every_entity_ignoring_case(repo: Path) -> None:
    found = ok(call(repo, "query_threat_model", {"query": "SQL"}))
    assert {(row["kind"], row["id"]) for row in found["items"]} == {("threat", "T1")}
    assert found["items"][0]["fields"] == ["title"]
    found = ok(call(repo, "query_threat_model", {"query": "a", "kind": "controls",
                                                 "limit": 1}))
    assert found["total"] == 2 and len(found["items"]) == 1
    assert ok(call(repo, "query_threat_model", {"query": "no such text"}))["total"] == 0


def test_unknown_models_and_bad_filters_are_tool_errors(repo: Path) -> None:
    unknown, status, kind, limit = call_all(
        repo, ("get_controls", {"model_id": "nope"}),
        ("get_controls", {"status": "done"}),
        ("query_threat_model", {"query": "x", "kind": "things"}),
        ("get_controls", {"limit": 0}))
    assert "no model 'nope'" in refused(unknown)
    assert "threatmodels/model.yaml" in refused(unknown)
    for result in (status, kind, limit):
        refused(result)
