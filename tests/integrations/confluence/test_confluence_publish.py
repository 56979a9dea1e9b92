"""``threatgate confluence publish`` against stand-ins of Confluence Cloud (REST v2) and
Data Center (REST v1), with the faults a network brings."""

from __future__ import annotations

import xml.dom.minidom
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from fakeconfluence import FakeConfluence, settings

pytest_plugins = ("confluencesite",)

Run = Callable[..., Result]
SUMMARY = "confluence publish: {} created, {} updated, {} unchanged, {} failed"


def well_formed(body: str) -> None:
    xml.dom.minidom.parseString(
        f'<page xmlns:ac="urn:ac" xmlns:ri="urn:ri">{body}</page>')


def test_one_page_per_model_then_nothing_written_when_nothing_changed(
        wiki_repo: Path, wiki: FakeConfluence, run_confluence: Run) -> None:
    first = run_confluence("publish")
    assert first.exit_code == 0, first.output
    assert first.stdout.rstrip().endswith(SUMMARY.format(2, 0, 0, 0))
    assert sorted(p["title"] for p in wiki.pages.values()) == ["Billing", "Web shop"]
    for page in wiki.pages.values():
        assert page["version"] == 1
        well_formed(page["body"])
        assert 'ri:filename="threatgate-data-flow.svg"' in page["body"]
        assert wiki.attachments[page["id"]]["threatgate-data-flow.svg"].startswith(b"<svg")
    writes = wiki.writes()
    again = run_confluence("publish")
    assert again.exit_code == 0, again.output
    assert again.stdout.rstrip().endswith(SUMMARY.format(0, 0, 2, 0))
    assert wiki.writes() == writes
    assert all(p["version"] == 1 for p in wiki.pages.values())


def test_a_changed_model_bumps_the_version_of_its_page_only(
        wiki_repo: Path, wiki: FakeConfluence, run_confluence: Run) -> None:
    assert run_confluence("publish").exit_code == 0
    shop = wiki_repo / "threatmodels" / "shop.yaml"
    shop.write_text(shop.read_text().replace("title: Customer data read through SQL injection",
                                             "title: Orders read through SQL injection"))
    result = run_confluence("publish")
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith(SUMMARY.format(0, 1, 1, 0))
    (page,) = wiki.by_title("Web shop")
    assert page["version"] == 2
    assert "Orders read through SQL injection" in page["body"]
    assert wiki.by_title("Billing")[0]["version"] == 1


def test_a_site_that_rewrites_the_markup_is_not_updated_again(
        wiki_repo: Path, run_confluence: Run, wiki: FakeConfluence) -> None:
    wiki.normalise = True
    assert run_confluence("publish").exit_code == 0
    result = run_confluence("publish")
    assert result.stdout.rstrip().endswith(SUMMARY.format(0, 0, 2, 0))


def test_an_update_answered_409_reads_the_page_again_and_retries_once(
        wiki_repo: Path, wiki: FakeConfluence, run_confluence: Run) -> None:
    assert run_confluence("publish", "shop").exit_code == 0
    (page,) = wiki.by_title("Web shop")
    page["version"] = 5  # someone edited the page in the meantime
    page["body"] = "<p>edited by hand</p>"
    shop = wiki_repo / "threatmodels" / "shop.yaml"
    shop.write_text(shop.read_text().replace("owner: shop-team", "owner: platform"))
    result = run_confluence("publish", "shop")
    assert result.exit_code == 0, result.output
    assert page["version"] == 6
    assert "platform" in page["body"]


@pytest.mark.parametrize("fault", ["reset-after", "hang-after", "status-after"])
def test_a_create_whose_answer_is_lost_never_makes_two_pages(
        wiki_repo: Path, wiki: FakeConfluence, run_confluence: Run, fault: str) -> None:
    path = "/wiki/api/v2/pages" if wiki.cloud else "/rest/api/content"
    wiki.server.inject(fault, method="POST", path=path, status=502)
    result = run_confluence("publish", "shop")
    assert result.exit_code == 0, result.output
    assert len(wiki.by_title("Web shop")) == 1
    assert result.stdout.rstrip().endswith(SUMMARY.format(1, 0, 0, 0))


def test_rate_limits_and_server_errors_are_waited_out(
        wiki_repo: Path, wiki: FakeConfluence, run_confluence: Run, waits: list[float]) -> None:
    wiki.server.inject("status", status=429, retry_after="2", method="GET")
    wiki.server.inject("status", status=503, method="GET", times=2)
    result = run_confluence("publish")
    assert result.exit_code == 0, result.output
    assert 2.0 in waits
    assert len(wiki.pages) == 2


def test_a_service_that_keeps_failing_counts_as_failed_with_exit_1(
        wiki_repo: Path, wiki: FakeConfluence, run_confluence: Run) -> None:
    path = "/wiki/api/v2/pages" if wiki.cloud else "/rest/api/content"
    wiki.server.inject("status", status=500, method="GET", path=path, times=100)
    result = run_confluence("publish", "shop")
    assert result.exit_code == 1
    assert "page 'Web shop' not published" in result.stderr
    assert result.stdout.rstrip().endswith(SUMMARY.format(0, 0, 0, 1))


def test_dry_run_writes_nothing(wiki_repo: Path, wiki: FakeConfluence,
                                run_confluence: Run) -> None:
    result = run_confluence("publish", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would create page 'Web shop'" in result.stdout
    assert wiki.pages == {}
    assert wiki.writes() == 0
    assert "(dry run: nothing was written)" in result.stdout


@pytest.mark.parametrize("wiki", ["cloud"], indirect=True)
def test_missing_credentials_and_settings_are_usage_errors(
        wiki_repo: Path, run_confluence: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONFLUENCE_API_TOKEN")
    result = run_confluence("publish")
    assert result.exit_code == 2
    assert "CONFLUENCE_API_TOKEN is not set" in result.stderr
    (wiki_repo / "threatgate.toml").write_text('[confluence]\nurl = "https://x.example"\n')
    result = run_confluence("publish")
    assert result.exit_code == 2
    assert "[confluence] space is not set" in result.stderr


@pytest.mark.parametrize("wiki", ["cloud"], indirect=True)
def test_wrong_credentials_fail_without_showing_them(
        wiki_repo: Path, run_confluence: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLUENCE_API_TOKEN", "wrong-SECRET-value")
    result = run_confluence("publish")
    assert result.exit_code == 1
    assert "wrong-SECRET-value" not in result.output
    assert "401" in result.output


def test_an_unknown_space_is_a_failure_naming_it(
        wiki_repo: Path, run_confluence: Run, wiki: FakeConfluence) -> None:
    (wiki_repo / "threatgate.toml").write_text(
        settings(wiki.url).replace('space = "SEC"', 'space = "NOPE"'))
    result = run_confluence("publish")
    assert result.exit_code == 1
    assert "NOPE" in result.output
    assert wiki.pages == {}


@pytest.mark.parametrize("wiki", ["cloud"], indirect=True)
def test_two_models_with_one_title_are_refused_before_any_write(
        wiki_repo: Path, run_confluence: Run, wiki: FakeConfluence) -> None:
    billing = wiki_repo / "threatmodels" / "billing.yaml"
    billing.write_text(billing.read_text().replace("title: Billing", "title: Web shop"))
    result = run_confluence("publish")
    assert result.exit_code == 2
    assert "{model_id}" in result.stderr
    assert wiki.server.requests == []
    (wiki_repo / "threatgate.toml").write_text(
        settings(wiki.url, 'title = "Threat model: {title} ({model_id})"\nparent_page = "42"\n'))
    assert run_confluence("publish").exit_code == 0
    titles = sorted(p["title"] for p in wiki.pages.values())
    assert titles == ["Threat model: Web shop (billing)", "Threat model: Web shop (shop)"]
    assert {p["parentId"] for p in wiki.pages.values()} == {"42"}


def test_hostile_text_stays_well_formed_storage(wiki_repo: Path, wiki: FakeConfluence,
                                                run_confluence: Run) -> None:
    shop = wiki_repo / "threatmodels" / "shop.yaml"
    hostile = "x ]]> <script>alert(1)</script> &amp; \\x01 ```"
    shop.write_text(shop.read_text().replace(
        "title: Customer data read through SQL injection", f"title: '{hostile}'").replace(
        "title: Web shop\n", "title: Web shop\ndescription: \"```\\ncode ]]> here\\n```\\n\\x01\"\n"))
    result = run_confluence("publish", "shop")
    assert result.exit_code == 0, result.output
    (page,) = wiki.by_title("Web shop")
    well_formed(page["body"])
    assert "<script>" not in page["body"]
    assert "]]]]><![CDATA[>" in page["body"]
