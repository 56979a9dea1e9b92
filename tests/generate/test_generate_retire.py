"""generate --model follows architecture changes: threats and controls of rules that no
longer fire are removed when untouched, kept, tagged and reported otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from threatgate.model.loader import load_text

RunCli = Callable[..., Result]
ARCHITECTURE = """\
threatgate: 1
id: shop
title: Shop
frameworks: [asvs-5.0]
trust_boundaries:
  - {id: internet, name: Internet}
  - {id: dmz, name: DMZ}
components:
  - {id: browser, name: Browser, type: browser, boundary: internet}
  - {id: app, name: Shop, type: web_app, boundary: dmz}
dataflows:
  - {id: F1, from: browser, to: app, protocol: https}
"""


def _ids(path: Path, collection: str) -> list[str]:
    return [e["id"] for e in load_text(path.read_text(encoding="utf-8")).data.get(collection, [])]


def _merge(run_cli: RunCli, path: Path, *extra: str) -> dict[str, list[str]]:
    done = run_cli("generate", "--model", str(path), "--explain", "--format", "json", *extra)
    assert done.exit_code == 0, done.output
    return dict(json.loads(done.stdout))


def test_untouched_entries_of_a_rule_that_stopped_firing_are_removed(
        run_cli: RunCli, write_model: Callable[..., Path], project: Path) -> None:
    path = write_model(ARCHITECTURE, "shop.yaml")
    _merge(run_cli, path)
    assert "T-web.xss-app" in _ids(path, "threats")
    assert "T-identity.weak_passwords-app" in _ids(path, "threats")
    text = path.read_text(encoding="utf-8")
    # nobody signs in any more and the pages render no HTML: the architecture changed
    path.write_text(text.replace("type: web_app, boundary: dmz}",
                                 "type: web_app, boundary: dmz, flags: [no_renders_html, "
                                 "no_authenticates_users]}"), encoding="utf-8")
    summary = _merge(run_cli, path)
    assert "T-web.xss-app" in summary["retired"]
    assert "C-output-encoding" in summary["retired"]
    threats = _ids(path, "threats")
    assert "T-web.xss-app" not in threats and "T-identity.weak_passwords-app" not in threats
    record = load_text(path.read_text(encoding="utf-8")).data["generation"]
    assert "T-web.xss-app" not in record["emitted"]
    assert "T-web.xss-app" not in record.get("removed", [])  # it comes back if it fires again
    done = run_cli("validate", "--strict", str(path))
    assert done.exit_code == 0, done.output
    # the rule fires again: the threat comes back
    path.write_text(path.read_text(encoding="utf-8").replace("no_renders_html, ", ""),
                    encoding="utf-8")
    _merge(run_cli, path)
    assert "T-web.xss-app" in _ids(path, "threats")


def test_edited_entries_are_kept_tagged_and_reported(
        run_cli: RunCli, write_model: Callable[..., Path], project: Path) -> None:
    path = write_model(ARCHITECTURE, "shop.yaml")
    _merge(run_cli, path)
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: Cross-site scripting in Shop", "title: XSS in the shop pages")
    text = text.replace("type: web_app, boundary: dmz}",
                        "type: web_app, boundary: dmz, flags: [no_renders_html]}")
    path.write_text(text, encoding="utf-8")
    summary = _merge(run_cli, path)
    assert "T-web.xss-app" in summary["retired_kept"]
    threat = next(t for t in load_text(path.read_text(encoding="utf-8")).data["threats"]
                  if t["id"] == "T-web.xss-app")
    assert threat["title"] == "XSS in the shop pages" and "retired" in threat["tags"]
    # a control a kept threat still names stays
    assert "C-output-encoding" in _ids(path, "controls")
    done = run_cli("generate", "--model", str(path))
    assert "kept because you edited" in done.output and "T-web.xss-app" in done.output


def test_a_run_with_fewer_packs_retires_nothing(
        run_cli: RunCli, write_model: Callable[..., Path], project: Path,
        tmp_path: Path) -> None:
    path = write_model(ARCHITECTURE, "shop.yaml")
    _merge(run_cli, path)
    before = _ids(path, "threats")
    pack = tmp_path / "tiny.yaml"
    pack.write_text("rulepack: 1\nname: tiny\ntitle: Tiny\nrules: []\n", encoding="utf-8")
    summary = _merge(run_cli, path, "--no-builtin-packs", "--pack", str(pack))
    assert summary["retired"] == [] and _ids(path, "threats") == before
