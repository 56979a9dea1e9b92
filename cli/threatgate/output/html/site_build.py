"""The site of a workspace, written model by model.

Each model's report is built, its page and its API endpoints written, and the report
dropped (with the model's data) before the next model: only a summary of each model (what
the index, risks, compliance and history pages and ``api/models.json`` show) stays in
memory, so memory does not grow with the size of the site's files. The files are the
same as those of :func:`threatgate.output.html.site.build_site` and
:func:`threatgate.output.html.api.build_api` for the same models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from threatgate.catalogues.library import library_for
from threatgate.output.html.api import (
    API_ROOT,
    ApiModel,
    document_bytes,
    gate_by_model,
    left_out_reasons,
    model_files,
    models_document,
    published,
    verification_by_model,
)
from threatgate.output.html.compliance_page import MatrixKeeper
from threatgate.output.html.site import SiteOptions, SiteWriter, compliance_frameworks, page_summary
from threatgate.views.reports import InvalidEntry, SiteModel, ValidModel, report_of

if TYPE_CHECKING:
    from threatgate.gate.run import GateReport
    from threatgate.history.results import History
    from threatgate.verify.results import VerifyReport
    from threatgate.workspace import Workspace

#: Receives each file of the site: its path relative to the root, and its bytes.
Write = Callable[[str, bytes], None]


@dataclass
class SiteBuild:
    """What the site shows besides the models: its title, date, gate, verification, history."""

    workspace: Workspace
    title: str
    #: Shown as "as of" on every page; None shows no date.
    generated: str | None = None
    #: The gate report of the models (paths from the root); None when the gate cannot run.
    gate: GateReport | None = None
    #: The workspace's verification with paths from the root, when the site has --verify.
    verification: VerifyReport | None = None
    history: History | None = None

    def write(self, valid: Sequence[ValidModel], invalid: Sequence[InvalidEntry],
              write: Write, progress: Callable[[int], None] | None = None) -> None:
        """Write every file of the site; each model's data leaves the workspace once its
        files are written."""
        workspace = self.workspace
        # One line, never blank: it heads every page and names it in the browser's tab.
        options = SiteOptions(title=" ".join(self.title.split()) or "Threat models",
                              generated=self.generated, history=self.history)
        ordered = sorted(valid, key=lambda m: m.assessment.model_id)
        keys = [(m.assessment.model_id, m.path) for m in ordered]
        gates = None if self.gate is None else gate_by_model(self.gate, keys)
        verified = (None if self.verification is None
                    else verification_by_model(self.verification, keys))
        histories = {}
        if self.history is not None:
            from threatgate.output.history import model_document

            histories = {s.model_id: model_document(self.history, s)
                         for s in self.history.models}
        writer = SiteWriter(write, options, has_compliance=any(
            compliance_frameworks(m.assessment) for m in ordered))
        catalogues = library_for(workspace.config)
        matrices = MatrixKeeper()
        summaries: list[SiteModel] = []
        api: list[ApiModel] = []
        for model, key, reason in zip(ordered, keys, left_out_reasons(keys), strict=True):
            site_model = report_of(workspace, model, catalogues)
            writer.model_page(site_model)
            rooted = dataclasses.replace(model.assessment, path=model.path)
            endpoints = ApiModel(SiteModel(site_model.report, rooted),
                                 workspace.data.pop(model.display),
                                 None if gates is None else gates[key],
                                 None if verified is None else verified[key],
                                 histories.get(model.assessment.model_id))
            if reason is None:
                for name, content in model_files(endpoints).items():
                    write(name, content)
            summary = page_summary(site_model, matrices)
            summaries.append(summary)
            api.append(dataclasses.replace(endpoints, site=SiteModel(summary.report, rooted),
                                           data={}))
            if progress:
                progress(1)
        writer.finish(summaries, invalid)
        kept, left_out = published(api)
        write(f"{API_ROOT}/models.json", document_bytes(models_document(kept, left_out)))
