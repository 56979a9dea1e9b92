"""Tests of the static JSON API `threatgate site OUT` writes under api/ (docs/api.md)."""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from test_render import RICH_MODEL

from conftest import VALID_MODEL
from threatgate.output.html.api import LISTINGS, published

Run = Callable[..., Result]
Write = Callable[..., Path]

#: Public and failing the configured gate: a critical threat left open.
FAILING = (VALID_MODEL.replace("id: shop", "id: failing").replace("title: Web shop",
                                                                  "title: Failing shop")
           .replace("owner: shop-team", "owner: shop-team\nbadge: public")
           .replace("    mitigations: [C1]\n", "    mitigations: []\n")
           .replace("acceptances:\n  - {threat: T1,", "x-acceptances:\n  - {threat: T1,"))
#: Public and passing.
PASSING = VALID_MODEL.replace("id: shop", "id: passing").replace(
    "owner: shop-team", "owner: shop-team\nbadge: public")
#: Private (no `badge: public`).
PRIVATE = VALID_MODEL
GATE = "[gate]\nfail_on_critical = true\nfail_on_unmitigated_high = true\n"
TODAY = "2026-03-01"
PER_MODEL = ("security-status.json", *(f"{name}.json" for name in LISTINGS),
             "findings/summary.json")


@pytest.fixture
def corpus(project: Path, write_model: Write) -> None:
    (project / "threatgate.toml").write_text(GATE, encoding="utf-8")
    write_model(FAILING, "failing.yaml")
    write_model(PASSING, "passing.yaml")
    write_model(PRIVATE, "team/shop.yaml")
    write_model(RICH_MODEL, "payments.yaml")


def _site(run_cli: Run, project: Path, out: str, *args: str) -> dict[str, bytes]:
    result = run_cli("site", out, "--today", TODAY, *args, cwd=project)
    assert result.exit_code == 0, result.output
    root = project / out
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _api(files: dict[str, bytes]) -> dict[str, Any]:
    return {name: json.loads(body) for name, body in files.items()
            if name.startswith("api/")}


def _links(value: Any) -> Iterator[str]:
    """Every URL a document links to (the values of its ``links`` objects)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "links" and isinstance(item, dict):
                yield from item.values()
            else:
                yield from _links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _links(item)


def test_every_endpoint_exists_and_is_json(run_cli: Run, project: Path,
                                           corpus: None) -> None:
    documents = _api(_site(run_cli, project, "_site"))
    index = documents["api/models.json"]
    assert index["api"] == "threatgate-api/1"
    ids = [m["id"] for m in index["models"]]
    assert ids == sorted(ids)
    assert {"failing", "passing", "shop"} <= set(ids)
    for model_id in ids:
        assert f"api/models/{model_id}.json" in documents
        for name in PER_MODEL:
            assert f"api/models/{model_id}/{name}" in documents, (model_id, name)
        assert f"api/models/{model_id}/verification.json" not in documents
    entry = next(m for m in index["models"] if m["id"] == "failing")
    assert entry["pass"] is False
    assert entry["path"] == "threatmodels/failing.yaml"
    assert entry["posture"]["threats"]["open"] >= 1
    document = documents["api/models/failing.json"]
    assert document["model"]["id"] == "failing"
    assert document["model"]["badge"] == "public"
    assert document["model"]["tags"] == []  # normalised: every list field present
    assert document["assessment"]["id"] == "failing"
    compliance = documents["api/models/passing/compliance.json"]
    [framework] = compliance["frameworks"]
    assert (framework["id"], framework["listed"]) == ("asvs-5.0", True)
    assert [(r["id"], [c["id"] for c in r["controls"]]) for r in framework["requirements"]] \
        == [("V1.2.4", ["C1"])]
    assert framework["controls"] == {"mapped": 1, "implemented": 1}
    assert framework["objectives_served"] == ["CO1"]
    assert framework["badge"]["label"] == "asvs-5.0"


def test_a_model_without_frameworks_has_no_compliance_document(
        run_cli: Run, project: Path, write_model: Write) -> None:
    plain = PASSING.replace("frameworks: [asvs-5.0]\n", "").replace(
        '    compliance: ["asvs-5.0:V1.2.4"]\n', "")
    write_model(plain, "plain.yaml")
    documents = _api(_site(run_cli, project, "_site"))
    assert "api/models/passing/security-status.json" in documents
    assert not [name for name in documents if name.endswith("compliance.json")]
    assert "compliance" not in documents["api/models.json"]["models"][0]["links"]


def test_relative_links_resolve(run_cli: Run, project: Path, corpus: None) -> None:
    files = _site(run_cli, project, "_site")
    checked = 0
    for name, document in _api(files).items():
        for url in _links(document):
            assert not url.startswith(("/", "http:", "https:")), url
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), url))
            assert target in files, (name, url)
            checked += 1
    assert checked > 20


def test_security_status_is_the_gate_json_of_that_model(run_cli: Run, project: Path,
                                                        corpus: None) -> None:
    documents = _api(_site(run_cli, project, "_site"))
    for model_id, file in (("failing", "failing.yaml"), ("passing", "passing.yaml"),
                           ("shop", "team/shop.yaml"), ("payments-api", "payments.yaml")):
        gate = run_cli("gate", f"threatmodels/{file}", "--format", "json", "--today", TODAY,
                       "--exit-zero", cwd=project)
        assert gate.exit_code == 0, gate.output
        status = documents[f"api/models/{model_id}/security-status.json"]
        assert status == json.loads(gate.stdout), model_id
    assert documents["api/models/failing/security-status.json"]["pass"] is False
    assert documents["api/models/failing/security-status.json"]["failures"]
    assert documents["api/models/passing/security-status.json"]["pass"] is True


def test_security_status_bytes_match_the_gate_writer(run_cli: Run, project: Path,
                                                     corpus: None) -> None:
    files = _site(run_cli, project, "_site")
    gate = run_cli("gate", "threatmodels/failing.yaml", "--format", "json", "--today", TODAY,
                   cwd=project)
    assert gate.exit_code == 1
    assert files["api/models/failing/security-status.json"] == gate.stdout.encode("utf-8")


def test_listings_are_those_of_assess(run_cli: Run, project: Path, corpus: None) -> None:
    documents = _api(_site(run_cli, project, "_site"))
    for name in LISTINGS:
        listed = run_cli("assess", "threatmodels/payments.yaml", "--list", name, "--format",
                         "json", "--today", TODAY, cwd=project)
        assert listed.exit_code == 0, listed.output
        assert documents[f"api/models/payments-api/{name}.json"] == json.loads(listed.stdout)
    summary = documents["api/models/payments-api/findings/summary.json"]
    findings = documents["api/models/payments-api/findings.json"]["items"]
    assert summary["total"] == len(findings)
    assert sum(summary["by_status"].values()) == summary["total"]
    assert sum(summary["by_severity"].values()) == summary["total"]


def test_deterministic(run_cli: Run, project: Path, corpus: None) -> None:
    first = _site(run_cli, project, "one")
    second = _site(run_cli, project, "two")
    assert {k: v for k, v in first.items() if k.startswith("api/")} == \
        {k: v for k, v in second.items() if k.startswith("api/")}


def test_no_date_without_today(run_cli: Run, project: Path, corpus: None,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THREATGATE_TODAY")
    result = run_cli("site", "_site", cwd=project)
    assert result.exit_code == 0, result.output
    status = json.loads((project / "_site/api/models/failing/security-status.json")
                        .read_text(encoding="utf-8"))
    assert status["generated_at"] is None
    assert all(m["generated_at"] is None for m in status["models"])


def test_public_only_publishes_public_models_only(run_cli: Run, project: Path,
                                                  corpus: None) -> None:
    files = _site(run_cli, project, "_public", "--public-only")
    index = json.loads(files["api/models.json"])
    ids = {m["id"] for m in index["models"]}
    assert "shop" not in ids
    assert "failing" in ids
    assert all(m["public"] for m in index["models"])
    assert not any(name.startswith(("api/models/shop.", "api/models/shop/")) for name in files)
    html = {name.removeprefix("models/").removesuffix(".html") for name in files
            if name.startswith("models/")}
    assert ids == html  # the same models as the pages


def test_verification_with_verify(run_cli: Run, project: Path, corpus: None) -> None:
    documents = _api(_site(run_cli, project, "_site", "--verify"))
    verification = documents["api/models/payments-api/verification.json"]
    assert {a["model"] for a in verification["assertions"]} <= {"payments-api"}
    entry = next(m for m in documents["api/models.json"]["models"] if m["id"] == "payments-api")
    assert entry["links"]["verification"] == "models/payments-api/verification.json"
    for model_id, file in (("payments-api", "payments.yaml"), ("shop", "team/shop.yaml")):
        verified = run_cli("verify", f"threatmodels/{file}", "--format", "json", cwd=project)
        assert documents[f"api/models/{model_id}/verification.json"] == \
            json.loads(verified.stdout), model_id


def test_gate_thresholds_needing_verification(run_cli: Run, project: Path,
                                              corpus: None) -> None:
    (project / "threatgate.toml").write_text(GATE + "require_verified = true\n",
                                             encoding="utf-8")
    documents = _api(_site(run_cli, project, "_site"))
    gate = run_cli("gate", "threatmodels/payments.yaml", "--format", "json", "--today", TODAY,
                   "--exit-zero", cwd=project)
    assert documents["api/models/payments-api/security-status.json"] == json.loads(gate.stdout)
    assert "api/models/payments-api/verification.json" not in documents


def test_same_api_from_a_subfolder(run_cli: Run, project: Path, corpus: None) -> None:
    first = _site(run_cli, project, "_site")
    (project / "docs").mkdir()
    result = run_cli("site", "../other", "--today", TODAY, cwd=project / "docs")
    assert result.exit_code == 0, result.output
    other = project / "other"
    assert {name: (other / name).read_bytes() for name in first if name.startswith("api/")} \
        == {name: body for name, body in first.items() if name.startswith("api/")}


class _Model:
    """Just enough of an ``ApiModel`` for :func:`published`."""

    def __init__(self, model_id: str, path: str) -> None:
        self.model_id = model_id
        self.site = type("Site", (), {"report": type("Report", (), {"path": path})()})()


def test_ids_that_would_collide_are_left_out() -> None:
    models: list[Any] = [_Model("a", "x.yaml"), _Model("a.json", "y.yaml"),
                         _Model("a", "z.yaml"), _Model("../up", "w.yaml"),
                         _Model("b.json", "v.yaml")]
    kept, left_out = published(models)
    assert [m.model_id for m in kept] == ["a", "b.json"]
    assert [(e["id"], e["path"]) for e in left_out] == [
        ("../up", "w.yaml"), ("a", "z.yaml"), ("a.json", "y.yaml")]


def test_every_endpoint_and_field_is_documented(run_cli: Run, project: Path,
                                                 corpus: None) -> None:
    files = _site(run_cli, project, "_site", "--verify")
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    for name in files:
        if name.startswith("api/models/payments-api"):
            endpoint = name.replace("payments-api", "{id}")
            assert f"`{endpoint}`" in text or f"`{endpoint.rsplit('/', 1)[1]}`" in text, name
    index = json.loads(files["api/models.json"])
    for field in [*index, *index["models"][0], *index["models"][0]["links"]]:
        assert f"`{field}`" in text or f"`models[].{field}`" in text, field
    document = json.loads(files["api/models/payments-api.json"])
    for field in document:
        assert f"`{field}`" in text, field


def test_site_without_gate_status_when_the_gate_cannot_run(run_cli: Run, project: Path,
                                                           corpus: None) -> None:
    (project / "threatgate.toml").write_text(GATE + 'fail_on_drift = "no-such-ref"\n',
                                             encoding="utf-8")
    result = run_cli("site", "_site", "--today", TODAY, cwd=project)
    assert result.exit_code == 0, result.output
    assert "security-status.json" in result.stderr
    api = project / "_site" / "api"
    assert not list(api.rglob("security-status.json"))
    index = json.loads((api / "models.json").read_text(encoding="utf-8"))
    assert all(m["pass"] is None and "security_status" not in m["links"]
               for m in index["models"])
    assert (api / "models" / "failing" / "controls.json").is_file()
