"""A missing setting or credential: exit 2 naming it, before any request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from fakejira import FakeJira

pytest_plugins = ("jirasite",)

Run = Callable[..., Result]


@pytest.mark.parametrize(("setting", "named"), [("url", "[jira] url is not set"),
                                                ("project", "[jira] project is not set")])
def test_a_missing_setting_is_named(jira_repo: Path, jira_site: FakeJira, run_jira: Run,
                                    setting: str, named: str) -> None:
    toml = jira_repo / "threatgate.toml"
    toml.write_text("\n".join(line for line in toml.read_text().splitlines()
                              if not line.startswith(setting + " ")) + "\n")
    for verb in ("push", "sync"):
        result = run_jira(verb)
        assert result.exit_code == 2
        assert named in result.stderr
    assert jira_site.server.requests == []


@pytest.mark.parametrize(("keep", "named"), [
    ({}, "no Jira credentials: set JIRA_EMAIL and JIRA_API_TOKEN"),
    ({"JIRA_EMAIL": "a@example.com"}, "JIRA_API_TOKEN is not set"),
    ({"JIRA_API_TOKEN": "t"}, "JIRA_EMAIL is not set"),
])
def test_a_missing_credential_is_named(jira_repo: Path, jira_site: FakeJira, run_jira: Run,
                                       monkeypatch: pytest.MonkeyPatch,
                                       keep: dict[str, str], named: str) -> None:
    for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in keep.items():
        monkeypatch.setenv(name, value)
    result = run_jira("push", "--dry-run")
    assert result.exit_code == 2
    assert named in result.stderr
    assert jira_site.server.requests == []


def test_no_jira_table_at_all(project: Path, run_jira: Run, monkeypatch: pytest.MonkeyPatch,
                              write_model: Callable[..., Path]) -> None:
    write_model()
    monkeypatch.chdir(project)
    result = run_jira("sync")
    assert result.exit_code == 2
    assert "[jira] url is not set" in result.stderr


def test_wrong_credentials_fail_with_jiras_message(jira_repo: Path, jira_site: FakeJira,
                                                   run_jira: Run,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIRA_API_TOKEN", "wrong-token")
    monkeypatch.setenv("JIRA_PAT", "wrong-pat")
    result = run_jira("push")
    assert result.exit_code == 1
    assert "answered 401" in result.stderr
    assert "wrong-token" not in result.output and "wrong-pat" not in result.output
    assert result.stdout.rstrip().endswith("1 failed")


def test_the_deployment_setting_skips_server_info(jira_repo: Path, jira_site: FakeJira,
                                                  run_jira: Run) -> None:
    toml = jira_repo / "threatgate.toml"
    kind = "cloud" if jira_site.cloud else "data_center"
    toml.write_text(toml.read_text() + f'deployment = "{kind}"\n')
    assert run_jira("push").exit_code == 0
    assert not any(r.path.endswith("/serverInfo") for r in jira_site.server.requests)
    assert len(jira_site.issues) == 1
