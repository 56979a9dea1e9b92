"""A publishing run's connection to Confluence, with the run's retry bounds."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from threatgate.integrations.confluence.api import open_pages
from threatgate.integrations.confluence.publish import KINDS, Publisher
from threatgate.integrations.confluence.settings import ConfluenceSettings, credentials_from
from threatgate.integrations.http import HttpClient, RetryPolicy
from threatgate.integrations.outcome import Outcome, Say

#: The retry bounds of a run's requests.
RETRY_POLICY = RetryPolicy()


def wait(seconds: float) -> None:
    """How a run waits (between retries, before looking again)."""
    time.sleep(seconds)


def new_outcome(say: Say, dry_run: bool) -> Outcome:
    return Outcome(say, dry_run, service="confluence", kinds=KINDS)


def open_publisher(settings: ConfluenceSettings, outcome: Outcome, dry_run: bool,
                   env: Mapping[str, str] | None = None, *,
                   policy: RetryPolicy | None = None,
                   sleep: Callable[[float], None] | None = None) -> Publisher:
    """A publisher on the configured site; credentials are read (and checked) first, then
    the deployment is found out unless configured."""
    credentials = credentials_from(os.environ if env is None else env, settings.deployment)
    pause = sleep or wait
    http = HttpClient(settings.url, credentials, service="Confluence",
                      policy=policy or RETRY_POLICY, sleep=pause)
    try:
        pages = open_pages(http, settings.space, settings.deployment)
    except BaseException:
        http.close()
        raise
    return Publisher(pages, settings, outcome, dry_run, pause=pause)
