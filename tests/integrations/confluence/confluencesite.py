"""Fixtures of the Confluence tests (a plugin each test module names in ``pytest_plugins``):
a stand-in site (Cloud and Data Center), a repository whose threatgate.toml points at it,
the credentials in the environment, and short retries."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from fakeconfluence import PAT, TOKEN, FakeConfluence, settings

from conftest import VALID_MODEL
from standin import command_runner, record_waits, use_credentials
from threatgate.integrations.confluence import session


@pytest.fixture(params=["cloud", "data_center"])
def wiki(request: pytest.FixtureRequest) -> Iterator[FakeConfluence]:
    site = FakeConfluence(cloud=request.param == "cloud")
    yield site
    site.close()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Short retries, and every wait of a run recorded instead of slept."""
    return record_waits(monkeypatch, session)


@pytest.fixture
def wiki_repo(project: Path, wiki: FakeConfluence, waits: list[float],
              monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two models and [confluence] settings for ``wiki``."""
    (project / "threatgate.toml").write_text(settings(wiki.url), encoding="utf-8")
    models = project / "threatmodels"
    (models / "shop.yaml").write_text(VALID_MODEL, encoding="utf-8")
    (models / "billing.yaml").write_text(
        VALID_MODEL.replace("id: shop\ntitle: Web shop", "id: billing\ntitle: Billing", 1),
        encoding="utf-8")
    use_credentials(monkeypatch, ("CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN", "CONFLUENCE_PAT"),
                    wiki.env())
    monkeypatch.chdir(project)
    return project


@pytest.fixture
def run_confluence() -> Callable[..., Result]:
    """Run ``threatgate confluence ARGS`` and check that no secret reached any output."""
    return command_runner("confluence", (TOKEN, PAT))
