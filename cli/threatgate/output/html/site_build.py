"""The site of a workspace, rendered where each model is validated and written as it comes.

:class:`ModelPages` is the step the workspace runs on each valid model in the worker that
validated it: it builds the model's report, writes its page, its API endpoints and its
badges into the parts folder and returns a :class:`RenderedModel`: a compact summary of
what the pages about every model need (:mod:`threatgate.output.html.summary`).
:func:`write_site` then publishes the files of the models the site shows (they stay where
the workers wrote them until the site is published) and writes those pages. Neither a
model's data nor its whole report or assessment reaches the parent process, so its
memory grows only with these summaries. The files are those
:func:`threatgate.output.html.site.build_site` and
:func:`threatgate.output.html.api.build_api` give for the same models.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from threatgate.gate.run import DriftedAssertion, GateReport, Thresholds, gate_model
from threatgate.output.html.api import (
    API_ROOT,
    ApiModel,
    ModelKey,
    gate_by_model,
    index_entry,
    left_out_reasons,
    model_files,
    models_listing,
    verification_by_model,
)
from threatgate.output.html.compliance_page import with_requirements
from threatgate.output.html.site import (
    BADGES,
    UNKNOWN_STEM,
    SiteOptions,
    SiteWriter,
    badge_file_names,
    badge_files,
    json_pieces,
    page_summary,
    write_pieces,
)
from threatgate.output.html.summary import ModelSummary, shared
from threatgate.views.compliance import MatrixRow
from threatgate.views.report import AssertionOutcomes
from threatgate.views.report_builder import build_report
from threatgate.views.reports import InvalidEntry, SiteModel, ValidModel, repo_path

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ModelAssessment
    from threatgate.catalogues.library import CatalogueLibrary
    from threatgate.support.outputs import FolderPublication
    from threatgate.verify.results import VerifyReport

#: The link every page's navigation has to the compliance page when there is one. A
#: model's page is rendered with it before it is known whether any model maps a
#: framework; it is removed when none does. Text from the models is escaped on every
#: page, so this markup can only be the navigation's.
COMPLIANCE_LINK = b'<a href="../compliance.html" data-nav="compliance">Compliance</a>'


@dataclass(frozen=True)
class ModelGating:
    """How each model is gated where it is rendered, when the site's workspace is the
    gate's (the same verification): as ``threatgate gate MODEL`` with the repository's
    thresholds."""

    thresholds: Thresholds
    drifted: dict[str, list[DriftedAssertion]]
    generated_at: str | None
    root: str

    def report(self, assessment: ModelAssessment, catalogues: CatalogueLibrary) -> GateReport:
        result = gate_model(assessment, self.thresholds, self.drifted.get(assessment.model_id),
                            catalogues)
        return GateReport([result], [], self.thresholds, self.generated_at, None,
                          root=self.root)


@dataclass(frozen=True)
class RenderedModel:
    """What the parent keeps of a model whose files are written."""

    #: What the index, risks, compliance and history pages show of it.
    summary: ModelSummary
    #: Its id and path from the root.
    key: ModelKey
    #: The stem of its files in the parts folder (``<stem>-<position in files>``).
    stem: str
    #: The site paths of its files.
    files: tuple[str, ...]
    #: Its entry in ``api/models.json``.
    entry: dict[str, Any]

    def written(self, parts: Path) -> dict[str, Path]:
        """Where each of its files (by site path) was written."""
        return {name: parts / f"{self.stem}-{position}"
                for position, name in enumerate(self.files)}


@dataclass(frozen=True)
class ModelPages:
    """Renders one model's page and API endpoints where it is validated (picklable).

    Its result is the model's assessment reduced to what identifies it (:func:`header`)
    and a :class:`RenderedModel`: the workspace keeps no model's whole assessment."""

    parts: Path
    root: Path
    today: dt.date
    catalogues: CatalogueLibrary
    options: SiteOptions
    has_history: bool
    #: Each assertion's verdict by model id; None without verification.
    outcomes: dict[str, AssertionOutcomes] | None = None
    #: The verification with paths from the root (``verification.json``), with --verify.
    verification: VerifyReport | None = None
    #: The gate, computed here or (``gate``) beforehand; neither when it cannot run.
    gating: ModelGating | None = None
    gate: GateReport | None = None
    #: ``history.json`` by model id, with --history.
    histories: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def __call__(self, assessment: ModelAssessment, data: dict[str, Any],
                 display: str) -> tuple[ModelAssessment, RenderedModel]:
        path = repo_path(display, self.root)
        outcomes = None if self.outcomes is None else self.outcomes.get(assessment.model_id, {})
        report = build_report(data, assessment, self.today, outcomes, self.catalogues)
        report.path = path
        rooted = dataclasses.replace(assessment, path=path)
        key = (assessment.model_id, path)
        gate = (self.gating.report(rooted, self.catalogues) if self.gating is not None
                else None if self.gate is None else gate_by_model(self.gate, [key])[key])
        verification = (None if self.verification is None
                        else verification_by_model(self.verification, [key])[key])
        endpoints = ApiModel(SiteModel(report, rooted), data, gate, verification,
                             self.histories.get(assessment.model_id))
        files: dict[str, bytes] = {}
        SiteWriter(files.__setitem__, self.options, has_compliance=True,
                   has_history=self.has_history).model_page(SiteModel(report, assessment))
        files.update(model_files(endpoints))
        summary = page_summary(SiteModel(report, assessment))
        for badge_stem, badge in summary.badges:
            files.update(badge_files(badge_stem, badge))
        stem = hashlib.sha256(display.encode("utf-8", "surrogateescape")).hexdigest()
        self.parts.mkdir(parents=True, exist_ok=True)
        for position, content in enumerate(files.values()):
            (self.parts / f"{stem}-{position}").write_bytes(content)
        # The posture is the index row's: one object, sent once.
        entry = {**index_entry(endpoints), "posture": summary.row["posture"]}
        return header(assessment), RenderedModel(summary, key, stem, tuple(files), entry)


def header(assessment: ModelAssessment) -> ModelAssessment:
    """The assessment without its entities: what names the model (id, title, path,
    system, owner, frameworks, whether its badge is public)."""
    return dataclasses.replace(assessment, threats=[], objectives=[], controls=[],
                               findings=[], dated=[], review_queue=[], leverage=[],
                               exclusions=[])


def write_site(publication: FolderPublication, parts: Path, rendered: Sequence[RenderedModel],
               invalid: Sequence[InvalidEntry], options: SiteOptions,
               catalogues: CatalogueLibrary) -> None:
    """Publish the files of the rendered models (those the site shows, in model id order)
    and write the pages and documents about every model."""
    has_compliance = any(r.summary.answers_compliance for r in rendered)
    keys = [r.key for r in rendered]
    # A badge's files are those of the first model (by id) that makes them, as
    # SiteWriter.finish chooses them; the "unknown" badge is never a model's.
    badges = {UNKNOWN_STEM}
    for model, reason in zip(rendered, left_out_reasons(keys), strict=True):
        files = model.written(parts)
        for name, written in files.items():
            if name == model.summary.page and not has_compliance:
                publication.add(name, written.read_bytes().replace(COMPLIANCE_LINK, b"", 1))
            elif name.startswith(BADGES):
                continue
            elif reason is None or not name.startswith(f"{API_ROOT}/"):
                publication.adopt(name, written)
        for stem in (stem for stem, _ in model.summary.badges if stem not in badges):
            badges.add(stem)
            for name in badge_file_names(stem):
                publication.adopt(name, files[name])

    summaries = with_requirements(sorted((shared(r.summary) for r in rendered),
                                         key=lambda m: m.model_id),
                                  partial(requirement_rows, catalogues))
    SiteWriter(publication.add, options, has_compliance,
               stream=publication.add).finish(summaries, invalid, badges - {UNKNOWN_STEM})
    ordered = sorted(zip(keys, rendered, left_out_reasons(keys), strict=True),
                     key=lambda item: item[0])
    entries = [r.entry for _, r, reason in ordered if reason is None]
    left_out = [{"id": key[0], "path": key[1], "reason": reason}
                for key, _, reason in ordered if reason is not None]
    write_pieces(publication.add, publication.add, f"{API_ROOT}/models.json",
                 lambda: json_pieces(models_listing(entries, left_out)))


def requirement_rows(catalogues: CatalogueLibrary, framework: str) -> list[MatrixRow] | None:
    """The requirements in scope of a framework's catalogue as its matrix lists them (id,
    text, section, levels; no status); None without a catalogue."""
    catalogue = catalogues.get(framework)
    if catalogue is None:
        return None
    titles = catalogue.group_titles
    return [MatrixRow(r.id, r.text, titles.get(r.parent or "", r.parent or ""), r.levels,
                      "", False, ()) for r in catalogue.scope(None)]


def rendered_models(valid: Sequence[ValidModel], results: dict[str, Any]
                    ) -> list[RenderedModel]:
    """The rendered models of the valid ones, by model id (stable)."""
    ordered = sorted(valid, key=lambda m: m.assessment.model_id)
    return [results[m.display] for m in ordered]
