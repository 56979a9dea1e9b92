"""The parts of the Jira integration one by one: labels and JQL, payloads, transitions,
status mapping, settings and credentials, search paging."""

from __future__ import annotations

import pytest
from fakejira import FakeJira

from threatgate.errors import InputError
from threatgate.integrations.http import Credentials, HttpClient
from threatgate.integrations.jira.client import Issue, JiraClient
from threatgate.integrations.jira.labels import (
    control_label,
    jql_string,
    labels_jql,
    parse_control_label,
)
from threatgate.integrations.jira.payloads import (
    IssueContent,
    adf_description,
    has_fingerprint,
    plain_text,
    wiki_description,
    wiki_text,
)
from threatgate.integrations.jira.settings import credentials_from, jira_settings
from threatgate.integrations.jira.sync import mapped_status
from threatgate.integrations.jira.transitions import find_transition

CONTENT = IssueContent("shop", "Web shop", "threatmodels/shop.yaml", "C1", "Escape *all* [x]",
                       "First paragraph.\n\nSecond {code} paragraph.", ("CO1: data",),
                       ("T1: injection (high)",), (), "https://s.example/models/shop.html#c")


def test_labels_read_back_and_jql_quotes() -> None:
    label = control_label("threatgate", "payments.v2", "C-1.a")
    assert parse_control_label("threatgate", label) == ("payments.v2", "C-1.a")
    assert parse_control_label("THREATGATE", label.upper()) == ("PAYMENTS.V2", "C-1.A")
    assert parse_control_label("threatgate", "threatgate:shop") is None
    assert parse_control_label("other", label) is None
    assert jql_string('a"b\\c') == '"a\\"b\\\\c"'
    assert labels_jql("SEC", ["x:y"]) == 'project = "SEC" AND labels in ("x:y")'


def test_the_adf_description_is_a_valid_document() -> None:
    document = adf_description(CONTENT)
    assert document["type"] == "doc" and document["version"] == 1
    kinds = [block["type"] for block in document["content"]]
    assert kinds.count("heading") == 3 and "bulletList" in kinds
    stack = list(document["content"])
    while stack:
        node = stack.pop()
        assert node.get("type")
        if node["type"] == "text":
            assert node["text"]
        stack.extend(node.get("content", []))
    text = plain_text(document)
    assert "Second {code} paragraph." in text and "No assertions yet" in text
    assert has_fingerprint(document, CONTENT)
    assert not has_fingerprint(document, IssueContent(**{**CONTENT.__dict__, "title": "x"}))


def test_wiki_markup_shows_model_text_literally() -> None:
    assert wiki_text("a*b_c [d|e] {f} -g- \\h\nnext") == \
        r"a\*b\_c \[d\|e\] \{f\} \-g\- &#92;h next"
    markup = wiki_description(CONTENT)
    assert "h3. Objectives served" in markup and "* CO1: data" in markup
    assert "[The control on the threat model's page|https://s.example/models/shop.html#c]" \
        in markup
    assert has_fingerprint(markup, CONTENT)


def test_the_summary_is_one_line_within_jiras_limit() -> None:
    long = IssueContent(**{**CONTENT.__dict__, "title": "word\n" * 100})
    assert "\n" not in long.summary and len(long.summary) <= 255
    assert CONTENT.summary == "[shop] C1: Escape *all* [x]"


@pytest.mark.parametrize(("wanted", "expected"), [
    ("won't do", "31"), ("WON’T DO", "31"), ("Rejected", "31"), ("Close", None)])
def test_the_transition_is_found_by_its_name_or_its_target(wanted: str,
                                                           expected: str | None) -> None:
    transitions = [{"id": "21", "name": "Resolve", "to": {"name": "Done"}},
                   {"id": "31", "name": "Won't Do", "to": {"name": "Rejected"}}]
    found = find_transition(transitions, wanted)
    assert (found or {}).get("id") == expected


def test_status_names_win_over_categories() -> None:
    settings = jira_settings({"url": "https://x.example", "project": "SEC",
                              "status_map": {"Blocked": "planned"}}, "threatgate.toml")
    def status(name: str, category: str) -> str | None:
        return mapped_status(Issue("1", "SEC-1", status=name, category=category),
                             settings.status_map)
    assert status("Blocked", "indeterminate") == "planned"
    assert status("In Review", "indeterminate") == "in_progress"
    assert status("Won’t Do", "done") == "wont_do"
    assert status("Closed", "done") == "implemented"
    assert status("Odd", "") is None


def test_credentials_choice() -> None:
    both = {"JIRA_EMAIL": "a@x", "JIRA_API_TOKEN": "t", "JIRA_PAT": "p"}
    assert credentials_from(both).scheme == "basic"
    assert credentials_from(both, "data_center").scheme == "bearer"
    assert credentials_from({"JIRA_PAT": "p"}, "cloud") == Credentials.bearer("p")
    with pytest.raises(InputError, match="JIRA_EMAIL is not set"):
        credentials_from({"JIRA_API_TOKEN": "t"})


def test_settings_refuse_a_url_that_would_leak_the_token() -> None:
    with pytest.raises(InputError, match="plain http is allowed only to a loopback host"):
        jira_settings({"url": "http://jira.example", "project": "SEC"}, "threatgate.toml")


@pytest.mark.parametrize("cloud", [True, False])
def test_search_pages_until_the_end(cloud: bool) -> None:
    site = FakeJira(cloud=cloud)
    try:
        for n in range(250):
            site.add_issue(["m", f"m:{n}"])
        http = HttpClient(site.url, Credentials.basic("bot@example.com", "cloud-token-SECRET")
                          if cloud else Credentials.bearer("dc-pat-SECRET"), service="Jira")
        jira = JiraClient(http, "cloud" if cloud else "data_center")
        found = list(jira.search('project = "SEC" AND labels in ("m")'))
        assert len({issue.key for issue in found}) == 250
        assert site.server.count("GET") == 3
        if cloud:
            assert not any(r.path == "/rest/api/3/search" for r in site.server.requests)
            assert site.server.requests[1].param("nextPageToken")
        else:
            assert [r.param("startAt") for r in site.server.requests] == ["0", "100", "200"]
    finally:
        site.close()
