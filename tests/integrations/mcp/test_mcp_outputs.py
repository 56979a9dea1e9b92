"""Generation and output tools, in-process."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from mcp_session import call, call_all, ok, refused

from conftest import VALID_MODEL


@pytest.fixture
def repo(project: Path, write_model, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_model()
    monkeypatch.chdir(project)
    return project


def test_generate_returns_a_draft_or_writes_it_in_the_model_folder(repo: Path) -> None:
    text = "A REST API with a Postgres database and OAuth login"
    draft, written, again = call_all(
        repo, ("generate_threat_model", {"description": text}),
        ("generate_threat_model", {"description": text, "model_id": "login",
                                   "write": True}),
        ("generate_threat_model", {"description": text, "model_id": "login",
                                   "write": True}))
    assert ok(draft)["written"] is None and "\nthreatgate: 1\n" in ok(draft)["yaml"]
    assert ok(written)["written"] == "threatmodels/login.yaml"
    assert ok(written)["counts"]["controls"] > 0
    assert (repo / "threatmodels" / "login.yaml").is_file()
    assert "exists" in refused(again)
    escape = call(repo, "generate_threat_model", {"description": text,
                                                  "model_id": "../x", "write": True})
    refused(escape)
    assert not (repo / "x.yaml").exists()


def test_regenerate_controls_merges_the_rule_packs(repo: Path) -> None:
    done = ok(call(repo, "regenerate_controls", {"model_id": "shop"}))
    assert done["path"] == "threatmodels/model.yaml"
    assert set(done["result"]) >= {"added", "kept", "not_restored"}


@pytest.mark.parametrize("fmt", ["csv", "json", "markdown", "html", "docx", "sarif"])
def test_export_every_format(repo: Path, fmt: str) -> None:
    exported = ok(call(repo, "export_threat_model", {"format": fmt, "model_id": "shop"}))
    content = exported["content"]
    assert exported["characters"] == len(content)
    if fmt == "docx":
        assert exported["encoding"] == "base64"
        assert base64.b64decode(content).startswith(b"PK")
    elif fmt in ("json", "sarif"):
        json.loads(content)
    elif fmt == "csv":
        assert content.startswith("model,id,title")
    else:
        assert "Web shop" in content


def test_export_is_refused_past_max_chars_and_for_invalid_models(repo: Path,
                                                                 write_model) -> None:
    assert "max_chars" in refused(call(repo, "export_threat_model",
                                       {"format": "html", "max_chars": 1000}))
    write_model(VALID_MODEL.replace("id: shop", "id: bad").replace("status: planned",
                                                                    "status: nope"), "b.yaml")
    assert "not a valid model" in refused(call(repo, "export_threat_model",
                                               {"format": "json", "model_id": "bad"}))


def test_generate_from_the_repository_reads_its_files(repo: Path) -> None:
    assert "nothing in" in refused(call(repo, "generate_threat_model",
                                        {"from_repository": True}))
    assert "empty" in refused(call(repo, "generate_threat_model", {}))
    (repo / "requirements.txt").write_text("django>=4\nstripe==7.0\nredis\n")
    draft = ok(call(repo, "generate_threat_model", {"from_repository": True,
                                                    "model_id": "code"}))
    assert draft["described"].startswith("Drafted from the repository")
    assert "Django" in draft["described"] and draft["id"] == "code"
    assert "payment" in draft["yaml"].lower()
    assert "'requirements.txt:2'" in draft["yaml"]  # where Stripe was found
    both = ok(call(repo, "generate_threat_model", {
        "from_repository": True, "description": "Staff upload invoices as PDF files"}))
    assert "Staff upload invoices" in both["described"]
