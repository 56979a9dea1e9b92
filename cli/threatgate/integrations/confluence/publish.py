"""Publish models as Confluence pages: one page per model, written only when it changed.

A page is found by its title in the space. Its body ends with a line naming the model
file and a content digest (of the body and the diagram): a page whose digest is the one
we would write is unchanged and is not written, whatever Confluence did to the markup
when it stored it. An update sends ``version.number`` + 1; a 409 (someone else saved
first, or our own update arrived twice) is answered by reading the page again and, unless
it already holds this content, trying once more. A create whose answer was lost is
followed by a look for the page before anything is created again, so a fault never
leaves two pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from threatgate.errors import InputError
from threatgate.integrations.confluence.api import Page, Pages
from threatgate.integrations.confluence.settings import ConfluenceSettings, page_title
from threatgate.integrations.http import HttpError, OutcomeUnknown, ServiceError
from threatgate.integrations.outcome import Outcome
from threatgate.output.confluence.storage import (
    DIAGRAM_ATTACHMENT,
    footer,
    render_report_storage,
)
from threatgate.views.report import Report

#: What the run counts, in the summary's order.
KINDS = ("created", "updated", "unchanged", "failed")
DIGEST_MARK = "threatgate-content "
SVG = "image/svg+xml"


@dataclass(frozen=True)
class Publication:
    """What one model's page should be."""

    report: Report
    title: str
    body: str
    digest: str
    diagram: bytes | None

    def holds(self, page: Page) -> bool:
        """The page already shows this content."""
        return page.body == self.body or f"{DIGEST_MARK}{self.digest}" in page.body


def publication(report: Report, settings: ConfluenceSettings) -> Publication:
    """A model's page: title, body in storage format, digest and diagram."""
    from threatgate.output.svg.dfd import render_dfd_svg

    diagram = render_dfd_svg(report.diagram).encode("utf-8") if report.has_architecture else None
    content = render_report_storage(report, has_diagram=diagram is not None)
    digest = hashlib.sha256(content.encode("utf-8") + b"\0" + (diagram or b"")).hexdigest()[:16]
    source = f"Published by threatgate from {report.path}"
    if settings.site_url:
        source += f"; the full report: {settings.site_url}/models/{report.model_id}.html"
    source += f". {DIGEST_MARK}{digest}"
    body = content + footer(source)
    return Publication(report, page_title(settings.title, report), body, digest, diagram)


def publications(reports: Sequence[Report], settings: ConfluenceSettings) -> list[Publication]:
    """The pages of the models; two models that would share a title are refused (exit 2)
    before anything is written, since one page would overwrite the other."""
    pages = [publication(report, settings) for report in reports]
    seen: dict[str, Publication] = {}
    for page in pages:
        other = seen.setdefault(page.title.casefold(), page)
        if other is not page:
            raise InputError(f"models {other.report.model_id} and {page.report.model_id} "
                             f"would both be published as the page {page.title!r}; set "
                             "[confluence] title to a template with {model_id}")
    return pages


@dataclass
class Publisher:
    pages: Pages
    settings: ConfluenceSettings
    outcome: Outcome
    dry_run: bool = False
    #: Waits before looking again for a page whose create lost its answer.
    pause: Callable[[float], None] = lambda seconds: None

    def publish(self, pub: Publication) -> None:
        """Publish one page; a failure is counted and reported, never raised."""
        where = pub.report.path
        try:
            self.publish_one(pub)
        except HttpError as exc:
            self.outcome.fail(f"{where}: page {pub.title!r} not published: {exc.message}")

    def publish_one(self, pub: Publication) -> None:
        existing = self.pages.find(pub.title)
        where = pub.report.path
        verb = "would " if self.dry_run else ""
        if existing is None:
            if not self.dry_run:
                page = self.create(pub)
                self.attach(page, pub)
            self.outcome.count("created", f"{where}: {verb}create page {pub.title!r}")
        elif pub.holds(existing):
            if not self.dry_run:
                self.ensure_attachment(existing, pub)
            self.outcome.count("unchanged", f"{where}: page {pub.title!r} is unchanged "
                                            f"(id {existing.id})")
        else:
            if not self.dry_run:
                self.attach(existing, pub)
                existing = self.update(existing, pub)
            self.outcome.count("updated", f"{where}: {verb}update page {pub.title!r} "
                                          f"(id {existing.id}, version {existing.version})")

    def create(self, pub: Publication) -> Page:
        try:
            return self.pages.create(pub.title, pub.body, self.settings.parent_page)
        except OutcomeUnknown:
            self.pause(1.0)
            found = self.pages.find(pub.title)
            if found is None:
                return self.pages.create(pub.title, pub.body, self.settings.parent_page)
            return found if pub.holds(found) else self.update(found, pub)

    def update(self, page: Page, pub: Publication) -> Page:
        message = f"threatgate: {pub.report.path}"
        try:
            return self.pages.update(page, pub.title, pub.body, message)
        except ServiceError as exc:
            if exc.status != 409:
                raise
        current = self.pages.read(page.id)
        if pub.holds(current):
            return current
        return self.pages.update(current, pub.title, pub.body, message)

    def attach(self, page: Page, pub: Publication) -> None:
        if pub.diagram is None:
            return
        try:
            self.pages.attach(page.id, DIAGRAM_ATTACHMENT, pub.diagram, SVG)
        except ServiceError as exc:
            if exc.status != 404:
                raise
            self.outcome.warn(f"warning: {pub.report.path}: the diagram was not attached to "
                              f"page {pub.title!r}: the site has no attachment endpoint "
                              "(404)")

    def ensure_attachment(self, page: Page, pub: Publication) -> None:
        """An unchanged page whose diagram upload failed earlier gets it now."""
        if pub.diagram is None:
            return
        try:
            present = self.pages.has_attachment(page.id, DIAGRAM_ATTACHMENT)
        except ServiceError as exc:
            if exc.status != 404:
                raise
            return
        if not present:
            self.attach(page, pub)
