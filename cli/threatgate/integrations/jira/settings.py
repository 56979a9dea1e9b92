"""The ``[jira]`` settings of ``threatgate.toml`` and the credentials from the environment.

A missing setting or credential is a usage error (exit 2) that names it; the credentials
themselves are never printed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatgate.integrations.http.auth import CredentialNames, Credentials, credentials_from_env
from threatgate.integrations.http.client import check_base_url, require_settings

EMAIL_ENV = "JIRA_EMAIL"
TOKEN_ENV = "JIRA_API_TOKEN"
PAT_ENV = "JIRA_PAT"
CREDENTIALS = CredentialNames("Jira", EMAIL_ENV, TOKEN_ENV, PAT_ENV)
CLOUD = "cloud"
DATA_CENTER = "data_center"

#: Jira status names and status categories (keys, lower case) -> control status.
DEFAULT_STATUS_MAP: Mapping[str, str] = {
    "done": "implemented",
    "indeterminate": "in_progress",
    "new": "planned",
    "won't do": "wont_do",
}


def fold(name: str) -> str:
    """A status or transition name compared without regard to case or the kind of
    apostrophe (Jira Cloud writes ``Won’t Do`` as often as ``Won't Do``)."""
    return " ".join(name.replace("\u2019", "'").replace("\u2018", "'").casefold().split())


@dataclass(frozen=True)
class JiraSettings:
    url: str
    project: str
    issue_type: str = "Task"
    parent: str | None = None
    label_prefix: str = "threatgate"
    #: Folded status names and category keys -> control status.
    status_map: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_STATUS_MAP))
    wont_do_transition: str = "Won't Do"
    #: ``cloud``, ``data_center``, or ``None`` to ask the site.
    deployment: str | None = None
    site_url: str | None = None


def jira_settings(table: Mapping[str, Any], source: str) -> JiraSettings:
    """The settings of the ``[jira]`` table (already checked against the schema);
    ``source`` names the configuration file in messages."""
    require_settings(table, f"{source}: [jira]",
                     {"url": "https://acme.atlassian.net", "project": "SEC"}, "docs/jira.md")
    status_map = dict(DEFAULT_STATUS_MAP)
    status_map.update({fold(name): status
                       for name, status in (table.get("status_map") or {}).items()})
    site_url = table.get("site_url")
    return JiraSettings(
        url=check_base_url(str(table["url"]), "[jira] url").rstrip("/"),
        project=str(table["project"]),
        issue_type=str(table.get("issue_type", "Task")),
        parent=table.get("parent"),
        label_prefix=str(table.get("label_prefix", "threatgate")),
        status_map=status_map,
        wont_do_transition=str(table.get("wont_do_transition", "Won't Do")),
        deployment=table.get("deployment"),
        site_url=str(site_url).rstrip("/") if site_url else None,
    )


def credentials_from(env: Mapping[str, str] | None = None,
                     deployment: str | None = None) -> Credentials:
    """Basic credentials (``JIRA_EMAIL`` + ``JIRA_API_TOKEN``, Jira Cloud) or a bearer
    personal access token (``JIRA_PAT``, Data Center). With both, the token pair is used
    unless ``deployment`` is ``data_center``."""
    return credentials_from_env(CREDENTIALS, os.environ if env is None else env,
                                prefer_pat=deployment == DATA_CENTER)
