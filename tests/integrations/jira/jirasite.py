"""Fixtures of the Jira tests (a plugin each test module names in ``pytest_plugins``): a stand-in site (Cloud and Data Center), a repository whose
threatgate.toml points at it, the credentials in the environment, and short retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fakejira import PAT, TOKEN, FakeJira
from jiramodels import model_text

from standin import command_runner, record_waits, use_credentials
from threatgate.integrations.jira import session


@pytest.fixture(params=["cloud", "data_center"])
def jira_site(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    site = FakeJira(cloud=request.param == "cloud")
    yield site
    site.close()


@pytest.fixture
def jira_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Short retries, and every wait of a run recorded instead of slept."""
    return record_waits(monkeypatch, session)


@pytest.fixture
def jira_repo(project: Path, jira_site: FakeJira, jira_waits: list[float],
         monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the model of the suite and [jira] settings for ``jira_site``."""
    fake = jira_site
    (project / "threatgate.toml").write_text(
        f'[jira]\nurl = "{fake.url}"\nproject = "SEC"\n'
        'site_url = "https://example.github.io/models"\n', encoding="utf-8")
    (project / "threatmodels" / "shop.yaml").write_text(model_text(), encoding="utf-8")
    use_credentials(monkeypatch, ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT"), fake.env())
    monkeypatch.chdir(project)
    return project


@pytest.fixture
def run_jira() -> Callable[..., Result]:
    """Run ``threatgate jira ARGS`` and check that no secret reached any output."""
    return command_runner("jira", (TOKEN, PAT))
