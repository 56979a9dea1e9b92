"""Tests of `threatgate site OUT`: structure, links, determinism, escaping, stale files."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import Result
from test_render import RICH_MODEL, assert_inert, hostile_model, parse_page

from conftest import VALID_MODEL

Run = Callable[..., Result]
Write = Callable[..., Path]

PRIVATE = VALID_MODEL  # no `badge: public`
INVALID = VALID_MODEL.replace("id: shop", "id: broken").replace("likelihood: 4",
                                                                "likelihood: 9")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _build(run_cli: Run, project: Path, *args: str) -> Result:
    result = run_cli("site", "_site", *args, cwd=project)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def corpus(write_model: Write) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    write_model(PRIVATE, "team/shop.yaml")
    write_model(INVALID, "broken.yaml")


def test_structure(run_cli: Run, project: Path, corpus: None) -> None:
    result = _build(run_cli, project)
    files = _tree(project / "_site")
    for name in ("index.html", "risks.html", "compliance.html", "index.json",
                 "models/payments-api.html", "models/shop.html", "assets/site.css",
                 "assets/site.js", "badges/payments-api.json", "badges/payments-api.svg",
                 "badges/payments-api--asvs-5.0.json", "badges/shop.json",
                 "badges/unknown.svg", ".threatgate-site.json"):
        assert name in files, name
    assert "models/broken.html" not in files
    assert "broken.yaml" in result.stderr  # invalid models warn


def test_every_link_resolves(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    files = _tree(project / "_site")
    pages = {name: parse_page(body.decode("utf-8")) for name, body in files.items()
             if name.endswith(".html")}
    checked = 0
    for name, page in pages.items():
        inline = [link for link in page.links() if link.startswith("data:")]
        assert len(inline) == 1 and inline[0].startswith("data:image/png;base64,"), \
            (name, "the favicon is the one inline link")
        for link in page.links():
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto") or link == inline[0]:
                continue  # links written by the user in descriptions; the favicon
            assert not parts.scheme and not parts.netloc, (name, link)
            assert not link.startswith("/"), (name, link)  # relative only
            target = name
            if parts.path:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name),
                                                           unquote(parts.path)))
                assert target in files, (name, link)
            if parts.fragment:
                assert target in pages, (name, link)
                assert parts.fragment in pages[target].ids, (name, link)
            checked += 1
    assert checked > 100
    for name, page in pages.items():
        ids = [str(a["id"]) for _, a in page.tags if a.get("id")]
        assert len(ids) == len(set(ids)), name


def test_ids_unique_when_names_collide(run_cli: Run, project: Path, write_model: Write) -> None:
    write_model(VALID_MODEL.replace("owner: shop-team", "system: a b"), "one.yaml")
    write_model(VALID_MODEL.replace("id: shop", "id: two")
                .replace("owner: shop-team", "system: a-b")
                # A framework without a catalogue, declared: its requirement ids are free text.
                .replace("frameworks: [asvs-5.0]", "frameworks: [asvs-5.0, legacy-1.0]")
                .replace('["asvs-5.0:V1.2.4"]', '["legacy-1.0:V1<2", "legacy-1.0:V1>2"]'),
                "two.yaml")
    _build(run_cli, project)
    for name in ("index.html", "models/two.html"):
        page = parse_page((project / "_site" / name).read_text(encoding="utf-8"))
        ids = [str(a["id"]) for _, a in page.tags if a.get("id")]
        assert len(ids) == len(set(ids)), (name, ids)


def test_csp_on_every_page(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    for path in (project / "_site").rglob("*.html"):
        page = parse_page(path.read_text(encoding="utf-8"))
        csp = [a.get("content") for t, a in page.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert csp == ["default-src 'none'; img-src 'self' data:; style-src 'self'; "
                       "script-src 'self'; base-uri 'none'; form-action 'none'"], path
        scripts = [a for t, a in page.tags if t == "script"]
        assert len(scripts) == 1 and str(scripts[0]["src"]).endswith("assets/site.js")
        assert "<style" not in path.read_text(encoding="utf-8")


def test_deterministic(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    first = _tree(project / "_site")
    (project / "_site" / "index.html").unlink()
    run_cli("site", "other", cwd=project)
    _build(run_cli, project, "--no-cache")
    assert _tree(project / "_site") == first
    assert _tree(project / "other") == first


def test_filters_and_stable_ids(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    html = (project / "_site" / "models" / "payments-api.html").read_text(encoding="utf-8")
    page = parse_page(html)
    for needed in ("threats-table", "threats-table-filter", "threats-table-severity-filter",
                   "threats-table-state-filter", "controls-table", "controls-table-filter",
                   "controls-table-status-filter", "threat-T1", "control-C1", "objective-CO1",
                   "summary", "data-flow", "threats", "controls", "compliance"):
        assert needed in page.ids, needed
    rows = [a for t, a in page.tags if t == "tr" and a.get("id") == "threat-T1"]
    assert rows == [{"id": "threat-T1", "data-id": "T1", "data-severity": "critical",
                     "data-state": "mitigated"}]
    assert "<svg" in html  # the diagram, drawn at build time


def test_index_json(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    index = json.loads((project / "_site" / "index.json").read_text(encoding="utf-8"))
    models = {m["id"]: m for m in index["models"]}
    assert sorted(models) == ["payments-api", "shop"]
    payments = models["payments-api"]
    assert payments["page"] == "models/payments-api.html"
    assert payments["system"] == "checkout" and payments["path"] == "threatmodels/payments.yaml"
    assert payments["badge"]["state"] == "gaps"
    assert payments["posture"]["threats"]["by_severity"]["critical"] == 1
    assert models["shop"]["badge"]["state"] == "unknown"  # private
    assert index["invalid"][0]["path"] == "threatmodels/broken.yaml"
    assert "schema" in index["invalid"][0]["problem"]


def test_badges_match_the_badge_command(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    assert run_cli("badge", "--out", "b", cwd=project).exit_code == 0
    site = _tree(project / "_site" / "badges")
    made = _tree(project / "b")
    assert site == made


def test_index_lists_invalid_and_private(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    index = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert "threatmodels/broken.yaml" in index and "likelihood" in index
    assert "System checkout" in index and "No system" in index
    assert 'src="badges/shop.svg"' in index
    shop_badge = json.loads((project / "_site" / "badges" / "shop.json").read_text("utf-8"))
    assert shop_badge["message"] == "unknown"
    assert (project / "_site" / "models" / "shop.html").is_file()


def test_index_shows_each_models_posture(run_cli: Run, project: Path, corpus: None) -> None:
    """The posture is text on the index, private models included (their badge is unknown)."""
    _build(run_cli, project)
    index = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert ">Posture<" in index
    rows = dict(re.findall(r'<tr id="model-([^"]+)".*?<span class="posture[^"]*">([^<]+)<',
                           index, re.S))
    assert rows["payments-api"].endswith("at risk")
    assert rows["shop"] and rows["shop"] != "unknown"


@pytest.mark.parametrize("title", ["", "   ", "\n"])
def test_blank_title_falls_back(run_cli: Run, project: Path, corpus: None, title: str) -> None:
    _build(run_cli, project, "--title", title)
    index = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert "<h1>Threat models</h1>" in index


def test_invalid_id_never_names_a_file(run_cli: Run, project: Path, write_model: Write,
                                       tmp_path: Path) -> None:
    """An invalid model's id may hold a path: its badge must not be written through it."""
    write_model('threatgate: 1\nid: "../../../escaped"\ntitle: X\n', "a.yaml")
    write_model('threatgate: 1\nid: "<b>/x"\ntitle: Y\n', "b.yaml")
    result = run_cli("site", "out/deep/_site", cwd=project)
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.rglob("escaped*"))
    site = project / "out" / "deep" / "_site"
    assert sorted(p.name for p in (site / "badges").iterdir()) == [
        "unknown.json", "unknown.svg"]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "threatmodels/a.yaml" in index and "threatmodels/b.yaml" in index


def test_risks_page(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    risks = (project / "_site" / "risks.html").read_text(encoding="utf-8")
    assert 'href="models/payments-api.html#threat-T5"' in risks  # open, high
    assert 'href="models/payments-api.html#threat-T1"' not in risks  # mitigated
    assert 'href="models/payments-api.html#threat-T2"' not in risks  # accepted
    assert 'href="models/payments-api.html#threat-T3"' not in risks  # low
    assert 'href="models/payments-api.html#objective-CO1"' in risks


def test_hostile_text_is_inert(run_cli: Run, project: Path, write_model: Write) -> None:
    write_model(hostile_model(), "hostile.yaml")
    write_model("id: [<script>alert(1)</script>]\n", "<img src=x onerror=alert(1)>.yaml")
    result = run_cli("site", "_site", "--title", "<script>alert(1)</script>", cwd=project)
    assert result.exit_code == 0, result.output
    for path in (project / "_site").rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "onerror=alert(1)>" not in html
        assert_inert(parse_page(html))
    model = (project / "_site" / "models" / "hostile.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in model


def test_no_models(run_cli: Run, project: Path) -> None:
    # Like every command, an empty model folder is a usage error, not an empty site.
    result = run_cli("site", "_site", cwd=project)
    assert result.exit_code == 2 and "no model files" in result.stderr
    assert not (project / "_site").exists()


def test_no_framework_no_compliance_page(run_cli: Run, project: Path,
                                         write_model: Write) -> None:
    write_model(VALID_MODEL.replace("frameworks: [asvs-5.0]\n", "")
                .replace('    compliance: ["asvs-5.0:V1.2.4"]\n', ""), "shop.yaml")
    _build(run_cli, project)
    assert not (project / "_site" / "compliance.html").exists()
    index = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert "compliance.html" not in index


def test_date_only_when_given(run_cli: Run, project: Path, write_model: Write,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    _build(run_cli, project)
    assert "As of 2026-06-01" in (project / "_site" / "index.html").read_text("utf-8")
    monkeypatch.delenv("THREATGATE_TODAY")
    _build(run_cli, project)
    files = _tree(project / "_site")
    assert not any(re.search(rb"20\d\d-\d\d-\d\d", body) and b"As of" in body
                   for body in files.values())


def test_stale_files_removed_foreign_kept(run_cli: Run, project: Path,
                                          write_model: Write) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    shop = write_model(PRIVATE, "shop.yaml")
    _build(run_cli, project)
    site = project / "_site"
    (site / "CNAME").write_text("example.com\n", encoding="utf-8")
    (site / "models" / "notes.txt").write_text("mine\n", encoding="utf-8")
    shop.unlink()
    result = _build(run_cli, project)
    assert not (site / "models" / "shop.html").exists()
    assert not (site / "badges" / "shop.json").exists()
    assert (site / "CNAME").exists() and (site / "models" / "notes.txt").exists()
    assert "stale removed" in result.stderr
    _build(run_cli, project, "--clean")
    assert not (site / "CNAME").exists() and not (site / "models" / "notes.txt").exists()
    assert (site / "models" / "payments-api.html").exists()


@pytest.mark.parametrize("out", [".", "threatmodels/site", "threatmodels", "..", "models"])
def test_refuses_dangerous_out(run_cli: Run, project: Path, write_model: Write,
                               out: str) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    (project / "models" / "team").mkdir(parents=True)
    (project / "models" / "team" / "x.yaml").write_text(VALID_MODEL, encoding="utf-8")
    result = run_cli("site", out, "models/team", cwd=project)
    assert result.exit_code == 2, result.output
    assert "refusing" in result.stderr
    assert not (project / "index.html").exists()


def test_out_is_a_file(run_cli: Run, project: Path) -> None:
    (project / "out").write_text("x", encoding="utf-8")
    result = run_cli("site", "out", cwd=project)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_verify_flag(run_cli: Run, project: Path, write_model: Write) -> None:
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text("def run(q):\n    return q\n", encoding="utf-8")
    write_model(VALID_MODEL, "shop.yaml")
    _build(run_cli, project, "--verify")
    html = (project / "_site" / "models" / "shop.html").read_text(encoding="utf-8")
    assert 'class="outcome outcome-pass"' in html


def test_many_models_scale(run_cli: Run, project: Path, write_model: Write) -> None:
    for number in range(40):
        write_model(VALID_MODEL.replace("id: shop", f"id: shop-{number:02d}")
                    .replace("owner: shop-team", f"system: s{number % 3}\nbadge: public"),
                    f"m{number:02d}.yaml")
    _build(run_cli, project)
    index = json.loads((project / "_site" / "index.json").read_text(encoding="utf-8"))
    assert len(index["models"]) == 40
    html = (project / "_site" / "index.html").read_text(encoding="utf-8")
    assert html.index("System s0") < html.index("System s1") < html.index("System s2")


def test_paths_limit_the_site(run_cli: Run, project: Path, corpus: None) -> None:
    result = run_cli("site", "_site", "threatmodels/team", cwd=project)
    assert result.exit_code == 0, result.output
    index = json.loads((project / "_site" / "index.json").read_text(encoding="utf-8"))
    assert [m["id"] for m in index["models"]] == ["shop"] and index["invalid"] == []


def test_never_deletes_through_a_link(run_cli: Run, project: Path, write_model: Write,
                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    _build(run_cli, project)
    outside = tmp_path_factory.mktemp("outside")
    (outside / "payments-api.html").write_text("precious\n", encoding="utf-8")
    site = project / "_site"
    manifest = json.loads((site / ".threatgate-site.json").read_text(encoding="utf-8"))
    manifest["files"] += ["elsewhere/payments-api.html", "../escape.txt", "/etc/passwd"]
    (site / ".threatgate-site.json").write_text(json.dumps(manifest), encoding="utf-8")
    (site / "elsewhere").symlink_to(outside, target_is_directory=True)
    (project / "escape.txt").write_text("keep\n", encoding="utf-8")
    _build(run_cli, project)
    assert (outside / "payments-api.html").read_text(encoding="utf-8") == "precious\n"
    assert (project / "escape.txt").exists()


def test_same_site_from_a_subfolder(run_cli: Run, project: Path, corpus: None) -> None:
    _build(run_cli, project)
    (project / "docs").mkdir()
    result = run_cli("site", "../other", cwd=project / "docs")
    assert result.exit_code == 0, result.output
    assert _tree(project / "other") == _tree(project / "_site")


def test_public_only_leaves_private_and_invalid_models_out(run_cli: Run, project: Path,
                                                           corpus: None) -> None:
    result = run_cli("site", "_public", "--public-only", cwd=project)
    assert result.exit_code == 0, result.output
    assert "left out (--public-only)" in result.output
    site = project / "_public"
    index = json.loads((site / "index.json").read_text(encoding="utf-8"))
    assert [m["id"] for m in index["models"]] == ["payments-api"]
    assert index["invalid"] == []
    assert not (site / "models" / "shop.html").exists()
    assert not (site / "badges" / "shop.json").exists()
    every_page = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "models/shop.html" not in every_page and "broken.yaml" not in every_page


def _many_controls_model(count: int) -> str:
    controls = "".join(f"  - {{id: C{n}, title: Control {n}, status: planned}}\n"
                       for n in range(1, count + 1))
    group = ", ".join(f"C{n}" for n in range(1, count + 1))
    return f"""\
threatgate: 1
id: many
title: Many controls
assets:
  - {{id: A1, name: Data, properties: [confidentiality]}}
attackers:
  - {{id: ATK1, name: Outsider, capability: Sends requests from the internet., position: external}}
objectives:
  - id: CO1
    asset: A1
    attacker: ATK1
    properties: [confidentiality]
    mitigated_by: [[{group}], [C1]]
threats:
  - id: T1
    title: Data read
    stride: [information_disclosure]
    likelihood: 3
    impact: 3
    objectives: [CO1]
    mitigations: [{group}]
controls:
{controls}"""


#: Past this many controls a cell shows a summary that opens into the list.
COLLAPSE_AFTER = 8


@pytest.mark.parametrize("count", [7, 8, 12])
def test_cells_with_many_controls_are_collapsed(run_cli: Run, project: Path,
                                                write_model: Write, count: int) -> None:
    write_model(_many_controls_model(count), "many.yaml")
    _build(run_cli, project)
    html = (project / "_site" / "models" / "many.html").read_text(encoding="utf-8")
    objective = re.search(r'<tr id="objective-CO1".*?</tr>', html, re.S)
    threat = re.search(r'<tr id="threat-T1".*?</tr>', html, re.S)
    assert objective and threat
    # The objective lists its groups (count + 1 controls), the threat its controls.
    for row, listed, summary in (
            (objective.group(0), count + 1, f"{count + 1} controls in 2 groups"),
            (threat.group(0), count, f"{count} controls")):
        collapsed = listed > COLLAPSE_AFTER
        assert ('<details class="many">' in row) is collapsed, row
        assert (f"<summary>{summary}</summary>" in row) is collapsed, row
        # Collapsed or not, every control is linked from the cell.
        assert all(f'href="#control-C{n}"' in row for n in range(1, count + 1)), row
