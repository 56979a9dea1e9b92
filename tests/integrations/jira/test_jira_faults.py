"""Under injected faults (429, 5xx, resets, hangs, before or after the request took effect):
no duplicate issue, no second comment, no lost status update."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from fakejira import FakeJira
from jiramodels import model_text

pytest_plugins = ("jirasite",)

Run = Callable[..., Result]
WORK = [(f"C{n}", "planned") for n in range(3, 8)]
#: (kind, status, Retry-After) of each fault.
FAULTS = [("reset", 500, None), ("hang", 500, None), ("reset-after", 500, None),
          ("hang-after", 500, None), ("status", 500, None), ("status-after", 500, None),
          ("status", 503, None), ("status-after", 502, None), ("status", 429, "1")]


def one_issue_per_control(site: FakeJira, ids: list[str]) -> None:
    for control_id in ids:
        assert len(site.by_label(f"threatgate:shop:{control_id}")) == 1, control_id
    assert len(site.issues) == len(ids)


@pytest.mark.parametrize(("kind", "status", "retry_after"), FAULTS)
def test_creates_never_duplicate(jira_repo: Path, jira_site: FakeJira, run_jira: Run,
                                 kind: str, status: int, retry_after: str | None) -> None:
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(WORK))
    api = "/rest/api/3" if jira_site.cloud else "/rest/api/2"
    jira_site.server.inject(kind, status=status, retry_after=retry_after, method="POST",
                            path=f"{api}/issue", times=2)
    result = run_jira("push")
    assert result.exit_code == 0, result.output
    one_issue_per_control(jira_site, ["C2"] + [c for c, _ in WORK])
    assert "6 created" in result.stdout
    assert run_jira("push").exit_code == 0
    one_issue_per_control(jira_site, ["C2"] + [c for c, _ in WORK])


def test_a_create_lost_every_time_fails_and_the_next_run_finds_it(
        jira_repo: Path, jira_site: FakeJira, run_jira: Run) -> None:
    api = "/rest/api/3" if jira_site.cloud else "/rest/api/2"
    jira_site.server.inject("reset-after", method="POST", path=f"{api}/issue", times=3)
    result = run_jira("push")
    assert result.exit_code in (0, 1)
    again = run_jira("push")
    assert again.exit_code == 0, again.output
    one_issue_per_control(jira_site, ["C2"])


@pytest.mark.parametrize(("kind", "status", "retry_after"), FAULTS)
def test_closing_comments_once(jira_repo: Path, jira_site: FakeJira, run_jira: Run,
                               kind: str, status: int, retry_after: str | None) -> None:
    run_jira("push")
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(c2_status="wont_do"))
    jira_site.server.inject(kind, status=status, retry_after=retry_after, method="POST",
                            times=1, path="/rest/api")
    jira_site.server.inject(kind, status=status, retry_after=retry_after, method="POST",
                            times=1, path="/rest/api")
    result = run_jira("push")
    assert result.exit_code == 0, result.output
    assert jira_site.issues["SEC-1"]["status"] == "Won't Do"
    assert len(jira_site.comments["SEC-1"]) == 1
    assert "1 transitioned" in result.stdout


@pytest.mark.parametrize(("kind", "status", "retry_after"), FAULTS)
def test_sync_loses_no_status_update(jira_repo: Path, jira_site: FakeJira, run_jira: Run,
                                     kind: str, status: int, retry_after: str | None) -> None:
    extra = [(f"C{n}", "planned") for n in range(3, 253)]
    (jira_repo / "threatmodels" / "shop.yaml").write_text(model_text(extra))
    for control_id in ["C2"] + [c for c, _ in extra]:
        jira_site.add_issue(["threatgate:shop", f"threatgate:shop:{control_id}"],
                            status="Done")
    jira_site.server.inject(kind, status=status, retry_after=retry_after, method="GET",
                            path="/rest/api/3/search" if jira_site.cloud else
                            "/rest/api/2/search", times=3)
    result = run_jira("sync")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((jira_repo / "threatmodels" / "shop.yaml").read_text())
    assert {c["status"] for c in data["controls"]} == {"implemented"}
    assert "251 updated" in result.stdout


def test_a_site_that_keeps_failing_ends_with_the_summary(jira_repo: Path, jira_site: FakeJira,
                                                         run_jira: Run) -> None:
    jira_site.server.inject("status", status=503, times=1000)
    result = run_jira("push")
    assert result.exit_code == 1
    assert "gave up" in result.stderr
    assert result.stdout.rstrip().endswith("1 failed")
