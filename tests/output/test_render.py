"""Tests of `threatgate render`: Markdown and HTML reports, golden files, escaping."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO_ROOT, VALID_MODEL, check_golden

#: Every section of the report has something to show; posture is mixed on purpose.
RICH_MODEL = """\
threatgate: 1
id: payments-api
title: Payments API
description: |
  Card payments for the **web shop**, see [the runbook](https://example.com/runbook).

  - refunds through `/refund`
  - a [local note](#threat-T1)
system: checkout
owner: payments-team
frameworks: [asvs-5.0]
badge: public
components:
  - {id: web, name: Browser, type: client, boundary: internet}
  - {id: api, name: Payments API, type: service, boundary: dmz}
  - {id: db, name: Payments DB, type: datastore, boundary: internal}
dataflows:
  - {id: DF1, from: web, to: api, protocol: https, data: [A1]}
  - {id: DF2, from: api, to: db, protocol: sql, data: [A1], encrypted: false}
trust_boundaries:
  - {id: internet, name: Internet}
  - {id: dmz, name: DMZ}
  - {id: internal, name: Internal network}
assets:
  - {id: A1, name: Cardholder data, properties: [confidentiality, integrity]}
  - {id: A2, name: Refund ledger, properties: [integrity, availability]}
attackers:
  - id: ATK1
    name: External attacker
    capability: From the internet, holding no credentials, sends arbitrary requests.
    position: external
  - id: ATK2
    name: Malicious insider
    capability: Holds a support account with read access to the ledger.
    position: insider
objectives:
  - {id: CO1, asset: A1, attacker: ATK1, mitigated_by: [[C1, C2], [C3]]}
  - {id: CO2, asset: A2, attacker: ATK2, mitigated_by: [[C4]], assumptions: [AS1]}
  - {id: CO3, asset: A2, attacker: ATK1, assumptions: [AS2]}
threats:
  - id: T1
    title: Card data read through SQL injection
    description: Queries built with f-strings reach the database.
    stride: [information_disclosure]
    cwe: [CWE-89]
    likelihood: 4
    impact: 5
    objectives: [CO1]
    components: [api, db]
    mitigations: [C1]
  - id: T2
    title: Refunds replayed by an insider
    stride: [tampering, repudiation]
    likelihood: 3
    impact: 4
    objectives: [CO2]
    mitigations: [C4]
  - id: T3
    title: Ledger unavailable under load
    stride: [denial_of_service]
    likelihood: 2
    impact: 2
    objectives: [CO3]
  - id: T4
    title: Unrated concern about logging
    objectives: [CO3]
  - id: T5
    title: Refund endpoint brute-forced
    stride: [elevation_of_privilege]
    likelihood: 4
    impact: 4
    objectives: [CO2]
    mitigations: [C4]
controls:
  - id: C1
    title: Parameterised queries only
    status: implemented
    owner: payments-team
    compliance: ["asvs-5.0:V1.2.4"]
    assertions:
      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f"'}
  - id: C2
    title: Database account without DDL rights
    status: in_progress
    compliance: ["asvs-5.0:V1.2.5"]
  - id: C3
    title: Web application firewall
    status: wont_do
  - id: C4
    title: Signed refund requests
    status: planned
    compliance: ["asvs-5.0:V1.2.5"]
assumptions:
  - {id: AS1, description: Support accounts are reviewed quarterly, attested_by: security,
     expires: "2026-01-31"}
  - {id: AS2, description: The ledger runs on a redundant cluster}
acceptances:
  - {threat: T2, owner: cto, justification: until signed requests ship, review_by: "2026-09-30"}
  - {threat: T3, owner: cto, justification: old acceptance, review_by: "2026-03-31"}
findings:
  - {id: F1, control: C2, title: DDL grant still present in migration role, severity: high,
     status: acknowledged, locations: [migrations/0001.sql]}
  - {id: F2, control: C1, title: Raw query in reporting job, severity: medium,
     status: dismissed, reason: the job reads a public view}
"""

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "`code` | pipe | ]] --> end\nclick A call alert(1)",
    "%%{init: {'securityLevel': 'loose'}}%%",
    "{{7*7}} ${7*7} <!-- comment",
    "javascript:alert(1)",
    "<style>body{display:none}</style>",
]
#: One line, within the 200 characters a name may have.
PAYLOAD = ("<script>alert(1)</script><img src=x onerror=alert(1)>\"'><svg onload=alert(1)>"
           "[x](javascript:alert(1)) | `c` ]] --> end {{7*7}} %%{init:{}}%% <!-- x")
MULTILINE = "\n".join(XSS) + "\n\n# heading\n\n```\nfence\n```\n[x](data:text/html,<b>)"


def _q(text: str) -> str:
    """A YAML double-quoted scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def hostile_model(model_id: str = "hostile") -> str:
    """A valid model whose every free-text field carries injection payloads."""
    one, many = _q(PAYLOAD), _q(MULTILINE)
    return f"""\
threatgate: 1
id: {model_id}
title: {one}
description: {many}
system: {one}
owner: {one}
frameworks: [asvs-5.0, xss-1.0]
badge: public
components:
  - {{id: web, name: {one}, description: {many}, type: client, boundary: internet}}
  - {{id: api, name: {one}, type: service}}
dataflows:
  - {{id: DF1, name: {one}, description: {many}, from: web, to: api, protocol: {_q(PAYLOAD[:60])},
     data: [A1]}}
trust_boundaries:
  - {{id: internet, name: {one}, description: {many}}}
assets:
  - {{id: A1, name: {one}, description: {many}, properties: [confidentiality]}}
attackers:
  - {{id: ATK1, name: {one}, description: {many}, capability: {one}, position: external}}
objectives:
  - {{id: CO1, asset: A1, attacker: ATK1, description: {many}, mitigated_by: [[C1], [C2]],
     assumptions: [AS1]}}
threats:
  - {{id: T1, title: {one}, description: {many}, likelihood: 5, impact: 5, objectives: [CO1],
     mitigations: [C2]}}
  - {{id: T2, title: {one}, likelihood: 3, impact: 4, objectives: [CO1], mitigations: [C1]}}
controls:
  - id: C1
    title: {one}
    description: {many}
    status: implemented
    owner: {one}
    compliance: ["xss-1.0:<script>alert(1)</script>", "xss-1.0:javascript:alert(1)"]
    assertions:
      - {{type: pattern_absent, file: "src/<script>.py", pattern: {_q("<img src=x onerror=alert(1)>")}}}
  - {{id: C2, title: {one}, description: {many}, status: planned}}
assumptions:
  - {{id: AS1, description: {many}, attested_by: {one}}}
acceptances:
  - {{threat: T1, owner: {one}, justification: {many}, review_by: "2027-01-01"}}
findings:
  - {{id: F1, control: C2, title: {one}, description: {many}, severity: high,
     status: dismissed, reason: {many}, locations: [{one}]}}
"""


class PageParser(HTMLParser):
    """Collects tags, attributes, ids and link targets of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if found.get("id"):
            self.ids.add(str(found["id"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def links(self) -> list[str]:
        out = []
        for tag, attrs in self.tags:
            for name in ("href", "src"):
                value = attrs.get(name)
                if value is not None and tag != "svg":
                    out.append(value)
        return out


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


#: The favicon every page carries inline (a PNG: no markup, nothing that could run).
FAVICON = re.search(r'<link rel="icon" type="image/png" href="(data:image/png;base64,[A-Za-z0-9+/=]+)">',
                    (REPO_ROOT / "templates" / "site" / "base.html").read_text(encoding="utf-8"))
assert FAVICON is not None

SAFE_HREF = re.compile(r"^(#|\.\./|[a-z0-9]|https?://|mailto:)", re.IGNORECASE)


def assert_inert(parser: PageParser, scripts_allowed: int = 1) -> None:
    """No event handler, no javascript: URL, no unexpected script or style element."""
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert len(scripts) <= scripts_allowed, scripts
    for tag, attrs in parser.tags:
        assert tag not in ("img",) or str(attrs.get("src", "")).startswith(("../badges/",
                                                                            "badges/")), attrs
        assert tag not in ("iframe", "object", "embed", "form", "base"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            if name in ("href", "src", "action", "xlink:href"):
                cleaned = re.sub(r"[\x00-\x20]", "", value or "").lower()
                if tag == "link" and attrs.get("rel") == "icon" and value == FAVICON.group(1):
                    continue  # the page's own inline favicon: an image, never script
                assert not cleaned.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


# --- tests ----------------------------------------------------------------------------



def _golden(name: str, out: str) -> None:
    check_golden(f"render/{name}", out)


def test_markdown_golden(run_cli: Callable[..., Result], project: Path,
                         write_model: Callable[..., Path]) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    result = run_cli("render", "payments-api", cwd=project)
    assert result.exit_code == 0, result.output
    _golden("payments-api.md", result.stdout)


def test_html_golden(run_cli: Callable[..., Result], project: Path,
                     write_model: Callable[..., Path]) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    result = run_cli("render", "threatmodels/payments.yaml", "--format", "html", cwd=project)
    assert result.exit_code == 0, result.output
    _golden("payments-api.html", result.stdout)


def test_markdown_sections_anchors_and_links(run_cli: Callable[..., Result], project: Path,
                                             write_model: Callable[..., Path]) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    text = run_cli("render", "payments-api", cwd=project).stdout
    for heading in ("## Summary", "## Data flow", "## Assets and attackers",
                    "### Control objectives by asset and attacker", "## Control objectives",
                    "## Threats", "### Critical (1)", "### High (2)", "### Low (1)",
                    "### Unscored (1)", "## Controls", "## Assumptions", "## Risk acceptances",
                    "## Findings", "## Compliance"):
        assert f"\n{heading}\n" in text, heading
    # Threats by severity: critical before high before low before unscored.
    assert text.index("### Critical") < text.index("### High") < text.index("### Low")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    assert {"threat-T1", "control-C1", "objective-CO1", "asset-A1", "attacker-ATK1",
            "component-api", "dataflow-DF1", "boundary-dmz", "assumption-AS1",
            "finding-F1", "framework-asvs-5.0"} <= anchors
    targets = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert targets and targets <= anchors, targets - anchors
    # threat -> its controls -> their objectives
    threat_row = next(line for line in text.splitlines() if 'id="threat-T1"' in line)
    assert "[C1](#control-C1) (implemented)" in threat_row
    control_row = next(line for line in text.splitlines() if 'id="control-C1"' in line)
    assert "[CO1](#objective-CO1)" in control_row
    assert "```mermaid\nflowchart" in text and "subgraph" in text
    acceptance_rows = [line for line in text.splitlines() if "acceptance-" in line]
    assert any("2026-03-31" in r and "expired" in r for r in acceptance_rows)
    assert any("2026-09-30" in r and "in force" in r for r in acceptance_rows)
    assert "| Mitigation ratio | 20% |" in text


def test_markdown_statuses_read_as_words(run_cli: Callable[..., Result], project: Path,
                                         write_model: Callable[..., Path]) -> None:
    """Statuses with an underscore show as words, not as ``in\\ progress`` (a backslash
    before a space is no Markdown escape: GitHub would print it)."""
    write_model(RICH_MODEL, "payments.yaml")
    text = run_cli("render", "payments-api", cwd=project).stdout
    control_row = next(line for line in text.splitlines() if 'id="control-C2"' in line)
    assert "| in progress |" in control_row
    assert "| wont do |" in next(line for line in text.splitlines()
                                if 'id="control-C3"' in line)
    assert "\\ " not in text


def test_attacker_capability_in_its_column(run_cli: Callable[..., Result], project: Path,
                                          write_model: Callable[..., Path]) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    text = run_cli("render", "payments-api", cwd=project).stdout
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| Id | Name | Position |"))
    row = next(line for line in lines if 'id="attacker-ATK1"' in line)
    cells = dict(zip(header.split(" | "), row.split(" | "), strict=True))
    assert cells["Capability"].startswith("From the internet")
    assert cells["Description |"].strip(" |") == ""


def test_markdown_leaves_out_a_diagram_mermaid_cannot_draw(
        run_cli: Callable[..., Result], project: Path,
        write_model: Callable[..., Path]) -> None:
    """Past Mermaid's 500 edges GitHub shows an error box: say so instead."""
    flows = "".join(f"  - {{id: DF{i}, from: a, to: b}}\n" for i in range(501))
    write_model("threatgate: 1\nid: busy\ntitle: Busy\ncomponents:\n"
                "  - {id: a, name: A, type: service}\n  - {id: b, name: B, type: service}\n"
                f"dataflows:\n{flows}", "busy.yaml")
    result = run_cli("render", "busy", cwd=project)
    assert result.exit_code == 0, result.output
    assert "```mermaid" not in result.stdout
    assert "with 501 data flows" in result.stdout
    assert 'id="dataflow-DF500"' in result.stdout
    html = run_cli("render", "busy", "--format", "html", cwd=project).stdout
    assert "<svg" in html


def test_acceptance_anchor_survives_reordering(run_cli: Callable[..., Result],
                                               project: Path,
                                               write_model: Callable[..., Path]) -> None:
    """An acceptance is anchored by what it accepts, not by its position."""
    first = '  - {threat: T2, owner: cto, justification: until signed requests ship, review_by: "2026-09-30"}\n'
    second = '  - {threat: T3, owner: cto, justification: old acceptance, review_by: "2026-03-31"}\n'
    assert first + second in RICH_MODEL
    write_model(RICH_MODEL.replace(first + second, second + first + first), "payments.yaml")
    text = run_cli("render", "payments-api", cwd=project).stdout
    anchors = re.findall(r'<a id="(acceptance-[^"]+)"></a>(?:<a id="[^"]+"></a>)?\[(T\d)\]',
                         text)
    assert anchors == [("acceptance-T3", "T3"), ("acceptance-T2", "T2"),
                       ("acceptance-T2-2", "T2")]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_out_never_overwrites_the_model(run_cli: Callable[..., Result], project: Path,
                                        write_model: Callable[..., Path], fmt: str) -> None:
    path = write_model(RICH_MODEL, "payments.yaml")
    result = run_cli("render", "threatmodels/payments.yaml", "--format", fmt,
                     "--out", "threatmodels/payments.yaml", cwd=project)
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.stderr
    assert path.read_text(encoding="utf-8") == RICH_MODEL


def test_markdown_anchors_have_lower_case_twins(run_cli: Callable[..., Result],
                                                project: Path,
                                                write_model: Callable[..., Path]) -> None:
    """GitHub looks a fragment up in lower case: every link must find a lower-case id."""
    write_model(RICH_MODEL, "payments.yaml")
    text = run_cli("render", "payments-api", cwd=project).stdout
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    targets = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert "threat-T1" in targets
    assert {t.lower() for t in targets} <= anchors
    assert targets <= anchors


def test_markdown_escapes_every_field(run_cli: Callable[..., Result], project: Path,
                                     write_model: Callable[..., Path]) -> None:
    from markdown_it import MarkdownIt

    write_model(hostile_model(), "hostile.yaml")
    result = run_cli("render", "hostile", cwd=project)
    assert result.exit_code == 0, result.output
    text = result.stdout
    mermaid = re.search(r"```mermaid\n(.*?)```", text, re.S)
    assert mermaid is not None
    outside = text.replace(mermaid.group(0), "")
    assert "<script" not in outside and "<img" not in outside and "<svg" not in outside
    # Rendered by a permissive Markdown renderer (raw HTML on), the only elements and
    # attributes are the report's own: no script, handler or javascript: link survives.
    html = MarkdownIt("commonmark", {"html": True}).enable("table").render(outside)
    page = parse_page(html)
    allowed = {"h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "a",
               "br", "strong", "em", "s", "pre", "code", "ul", "ol", "li", "div",
               "blockquote", "hr", "h4", "h5", "h6"}
    for tag, attrs in page.tags:
        assert tag in allowed, (tag, attrs)
        if tag == "a":
            assert set(attrs) <= {"id", "href"}, attrs
            assert str(attrs.get("href", "#")).startswith("#"), attrs
    # The description is rendered Markdown in one HTML block that the text cannot leave.
    assert "<div>\n<p>&lt;script&gt;alert(1)&lt;/script&gt;" in outside
    block = outside[outside.index("<div>"):outside.index("</div>")]
    assert "\n\n" not in block
    assert_inert(page, scripts_allowed=0)
    assert "<script>alert(1)</script>" in "".join(page.text)  # shown, as text
    # Every table row has as many cells as its header: no pipe broke out of a cell.
    for block in re.findall(r"(?:^\|.*\|\n)+", outside, re.M):
        counts = {len(re.findall(r"(?<!\\)\|", line)) for line in block.splitlines()}
        assert len(counts) == 1, block


def test_html_escapes_every_field(run_cli: Callable[..., Result], project: Path,
                                  write_model: Callable[..., Path]) -> None:
    write_model(hostile_model(), "hostile.yaml")
    result = run_cli("render", "hostile", "--format", "html", cwd=project)
    assert result.exit_code == 0, result.output
    page = parse_page(result.stdout)
    assert_inert(page, scripts_allowed=1)
    script = [attrs for tag, attrs in page.tags if tag == "script"]
    assert script == [{}]  # the page's own inline script, allowed by its hash
    assert "<script>alert(1)</script>" in "".join(page.text)
    csp = [a["content"] for t, a in page.tags if t == "meta"
           and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in str(csp[0]) and "'unsafe-inline'" not in str(csp[0])
    links = [a.get("href") for t, a in page.tags if t == "a" and a.get("href")]
    assert all(str(h).startswith(("#", "https://", "http://", "mailto:")) for h in links), links


def test_html_is_self_contained_with_hashes(run_cli: Callable[..., Result], project: Path,
                                            write_model: Callable[..., Path]) -> None:
    import base64
    import hashlib

    write_model(RICH_MODEL, "payments.yaml")
    html = run_cli("render", "payments-api", "--format", "html", cwd=project).stdout
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    assert style and script
    for body in (style.group(1), script.group(1)):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"sha256-{digest}" in html
    assert "<svg" in html and "http://www.w3.org/2000/svg" in html  # the diagram, inline
    # Self-contained: the one <link> is the inline favicon.
    assert 'src="http' not in html and "<link" not in html.replace(FAVICON.group(0), "")
    page = parse_page(html)
    fragments = {str(h)[1:] for h in page.links() if str(h).startswith("#")}
    assert fragments <= page.ids, fragments - page.ids
    # Markdown in descriptions, safely: the runbook link gets rel=noopener.
    assert ('<a href="https://example.com/runbook" rel="noopener noreferrer">the runbook</a>'
            in html)
    assert "<strong>web shop</strong>" in html


def test_out_writes_the_file(run_cli: Callable[..., Result], project: Path,
                             write_model: Callable[..., Path]) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    target = project / "reports" / "payments.md"
    result = run_cli("render", "payments-api", "--out", str(target), cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("# <a id=\"model-payments-api\">")


def test_date_only_when_asked(run_cli: Callable[..., Result], project: Path,
                              write_model: Callable[..., Path],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_model(RICH_MODEL, "payments.yaml")
    assert "as of 2026-06-01" in run_cli("render", "payments-api", cwd=project).stdout
    monkeypatch.delenv("THREATGATE_TODAY")
    assert " as of " not in run_cli("render", "payments-api", cwd=project).stdout


def test_invalid_model_exit_1(run_cli: Callable[..., Result], project: Path,
                              write_model: Callable[..., Path]) -> None:
    write_model(VALID_MODEL.replace("likelihood: 4", "likelihood: 9"), "shop.yaml")
    result = run_cli("render", "shop", cwd=project)
    assert result.exit_code == 1
    assert "not a valid model" in result.stderr and "Traceback" not in result.output
    result = run_cli("render", "threatmodels/shop.yaml", cwd=project)
    assert result.exit_code == 1


@pytest.mark.parametrize("args", [["nosuch"], ["threatmodels/missing.yaml"],
                                  ["shop", "--format", "pdf"]])
def test_usage_errors_exit_2(run_cli: Callable[..., Result], project: Path,
                             write_model: Callable[..., Path], args: list[str]) -> None:
    write_model(VALID_MODEL, "shop.yaml")
    result = run_cli("render", *args, cwd=project)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_unreadable_file_exit_2(run_cli: Callable[..., Result], project: Path,
                                write_model: Callable[..., Path]) -> None:
    write_model(b"\xff\xfe\x00garbage", "bad.yaml")
    result = run_cli("render", "threatmodels/bad.yaml", cwd=project)
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output


def test_empty_model_renders(run_cli: Callable[..., Result], project: Path,
                             write_model: Callable[..., Path]) -> None:
    write_model("threatgate: 1\nid: empty\ntitle: Nothing yet\n", "empty.yaml")
    result = run_cli("render", "empty", cwd=project)
    assert result.exit_code == 0, result.output
    assert "No threats." in result.stdout and "## Data flow" not in result.stdout
    html = run_cli("render", "empty", "--format", "html", cwd=project)
    assert html.exit_code == 0 and "No threats." in html.stdout


def test_unicode_survives(run_cli: Callable[..., Result], project: Path,
                          write_model: Callable[..., Path]) -> None:
    model = VALID_MODEL.replace("title: Web shop", "title: Boutique Ünïcødé 网店 🛒")
    write_model(model, "shop.yaml")
    assert "Boutique Ünïcødé 网店 🛒" in run_cli("render", "shop", cwd=project).stdout
    html = run_cli("render", "shop", "--format", "html", cwd=project).stdout
    assert "Boutique Ünïcødé 网店 🛒" in html


def test_verify_shows_assertion_verdicts(run_cli: Callable[..., Result], project: Path,
                                         write_model: Callable[..., Path]) -> None:
    (project / "src").mkdir()
    (project / "src" / "db.py").write_text("def run(q):\n    return q\n", encoding="utf-8")
    write_model(VALID_MODEL, "shop.yaml")
    text = run_cli("render", "shop", "--verify", cwd=project).stdout
    row = next(line for line in text.splitlines() if 'id="control-C1"' in line)
    assert "**pass**" in row and "| verified |" in row


@pytest.mark.parametrize("url, safe", [
    ("https://example.com", True), ("http://x", True), ("mailto:a@b.c", True),
    ("#threat-T1", True), ("docs/x.md", True), ("../up.html", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
    (" javascript:alert(1)", False), ("java\tscript:alert(1)", False),
    ("data:text/html,x", False), ("vbscript:x", False), ("file:///etc/passwd", False),
    ("\\\\evil\\share", False),
])
def test_link_validator(url: str, safe: bool) -> None:
    from threatgate.output.html.markup import safe_link

    assert safe_link(url) is safe


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
       | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_plain_fast_path_matches_markdown_it(text: str) -> None:
    from threatgate.output.html.markup import _parser, _plain, render_markdown

    if _plain(text) and text.strip():
        assert render_markdown(text) == _parser().render(text)
