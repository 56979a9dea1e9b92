"""The ``[confluence]`` settings of ``threatgate.toml`` and the credentials from the environment.

A missing setting or credential is a usage error (exit 2) that names it; the credentials
themselves are never printed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from threatgate.errors import InputError
from threatgate.integrations.http.auth import CredentialNames, Credentials, credentials_from_env
from threatgate.integrations.http.client import check_base_url, require_settings
from threatgate.views.report import Report

CREDENTIALS = CredentialNames("Confluence", "CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN",
                              "CONFLUENCE_PAT")
CLOUD = "cloud"
DATA_CENTER = "data_center"
DEFAULT_TITLE = "{title}"
#: The placeholders a title template may use.
TITLE_FIELDS = ("title", "model_id", "system")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: Confluence's limit on a page title.
MAX_TITLE = 255


@dataclass(frozen=True)
class ConfluenceSettings:
    url: str
    space: str
    parent_page: str | None = None
    title: str = DEFAULT_TITLE
    #: ``cloud`` (REST v2), ``data_center`` (REST v1), or ``None`` to find out.
    deployment: str | None = None
    site_url: str | None = None


def confluence_settings(table: Mapping[str, Any], source: str) -> ConfluenceSettings:
    """The settings of the ``[confluence]`` table (already checked against the schema);
    ``source`` names the configuration file in messages."""
    require_settings(table, f"{source}: [confluence]",
                     {"url": "https://acme.atlassian.net", "space": "SEC"}, "docs/confluence.md")
    title = str(table.get("title", DEFAULT_TITLE))
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(title)} - set(TITLE_FIELDS))
    if unknown:
        raise InputError(f"{source}: [confluence] title: unknown placeholder "
                         f"{{{unknown[0]}}}; use {', '.join('{' + f + '}' for f in TITLE_FIELDS)}")
    parent = table.get("parent_page")
    site_url = table.get("site_url")
    return ConfluenceSettings(
        url=check_base_url(str(table["url"]), "[confluence] url").rstrip("/"),
        space=str(table["space"]),
        parent_page=str(parent) if parent not in (None, "") else None,
        title=title,
        deployment=table.get("deployment"),
        site_url=str(site_url).rstrip("/") if site_url else None,
    )


def credentials_from(environ: Mapping[str, str], deployment: str | None) -> Credentials:
    """``CONFLUENCE_EMAIL`` + ``CONFLUENCE_API_TOKEN`` (Cloud) or ``CONFLUENCE_PAT``
    (Data Center); with both, the pair unless the deployment is Data Center."""
    return credentials_from_env(CREDENTIALS, environ, prefer_pat=deployment == DATA_CENTER)


def page_title(template: str, report: Report) -> str:
    """The page title of a model: the template with its placeholders filled, on one line."""
    values = {"title": report.title or report.model_id, "model_id": report.model_id,
              "system": report.system or ""}
    title = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    title = " ".join(title.split())[:MAX_TITLE].strip()
    return title or report.model_id
