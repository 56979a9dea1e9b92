"""Fixtures of the Jira tests (a plugin each test module names in ``pytest_plugins``): a stand-in site (Cloud and Data Center), a repository whose
threatgate.toml points at it, the credentials in the environment, and short retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fakejira import PAT, TOKEN, FakeJira
from jiramodels import model_text

from threatgate.commands.main import cli
from threatgate.integrations.http import RetryPolicy
from threatgate.integrations.jira import session

FAST = RetryPolicy(deadline=30, attempt_timeout=1.0, base_delay=0.01, max_delay=0.05,
                   max_retry_after=5, max_attempts=6)


@pytest.fixture(params=["cloud", "data_center"])
def jira_site(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    site = FakeJira(cloud=request.param == "cloud")
    yield site
    site.close()


@pytest.fixture
def jira_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Short retries, and every wait of a run recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(session, "RETRY_POLICY", FAST)
    monkeypatch.setattr(session, "wait", recorded.append)
    return recorded


@pytest.fixture
def jira_repo(project: Path, jira_site: FakeJira, jira_waits: list[float],
         monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the model of the suite and [jira] settings for ``jira_site``."""
    fake = jira_site
    (project / "threatgate.toml").write_text(
        f'[jira]\nurl = "{fake.url}"\nproject = "SEC"\n'
        'site_url = "https://example.github.io/models"\n', encoding="utf-8")
    (project / "threatmodels" / "shop.yaml").write_text(model_text(), encoding="utf-8")
    for name in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in fake.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(project)
    return project


@pytest.fixture
def run_jira() -> Callable[..., Result]:
    """Run ``threatgate jira ARGS`` and check that no secret reached any output."""
    def run(*args: str) -> Result:
        result = CliRunner().invoke(cli, ["jira", *args], catch_exceptions=False)
        for secret in (TOKEN, PAT):
            assert secret not in result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        return result

    return run
