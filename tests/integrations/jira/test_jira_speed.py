"""Requests counted: push reads one search page per 100 issues and makes one create per new
issue; sync reads pages, never one GET per issue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import Result
from fakejira import FakeJira
from jiramodels import model_text

pytest_plugins = ("jirasite",)

Run = Callable[..., Result]


def search_path(site: FakeJira) -> str:
    return "/rest/api/3/search/jql" if site.cloud else "/rest/api/2/search"


def test_push_of_500_controls(jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    extra = [(f"C{n}", "planned") for n in range(3, 502)]  # with C2: 500 controls to do
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(extra))
    result = run_jira("push")
    assert result.exit_code == 0, result.output
    server = jira_site.server
    assert server.count("POST") == 500
    assert server.count("GET", search_path(jira_site)) == 1
    assert server.count("GET") == 2  # serverInfo and the one (empty) search page
    assert len(jira_site.issues) == 500
    before = len(server.requests)
    again = run_jira("push")
    assert "0 created, 0 updated, 0 transitioned, 500 unchanged, 0 failed" in again.stdout
    requests = server.requests[before:]
    assert [r.method for r in requests].count("GET") == 1 + 5
    assert {r.method for r in requests} == {"GET"}


def test_sync_of_1000_issues_reads_pages(jira_repo: Path, jira_site: FakeJira,
                                         run_jira: Run) -> None:
    extra = [(f"C{n}", "planned") for n in range(3, 1002)]
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(extra))
    for control_id in ["C2"] + [c for c, _ in extra]:
        jira_site.add_issue(["threatgate:shop", f"threatgate:shop:{control_id}"],
                            status="In Progress")
    result = run_jira("sync")
    assert result.exit_code == 0, result.output
    server = jira_site.server
    assert server.count("GET", search_path(jira_site)) == 10
    assert not any("/issue/" in r.path for r in server.requests)
    assert len(server.requests) == 11  # and serverInfo
    data = yaml.safe_load((jira_repo / "threatmodels" / "shop.yaml").read_text())
    assert sum(c["status"] == "in_progress" for c in data["controls"]) == 1000
