"""One model as a document for other tools and auditors: JSON or a Word report.

The writers are registered as ``export`` formats; ``threatgate export`` writes one
document per model with them (the CSV tables, which span models, are its own mode).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threatgate.output.registry import register_format

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ModelAssessment
    from threatgate.output.csv_export import Verdicts


@dataclass(frozen=True)
class ModelDocument:
    """A valid model with its assessment, and what verification found, if it ran."""

    data: Mapping[str, Any]
    assessment: ModelAssessment
    #: SHA-256 of the model file as read.
    sha256: str
    today: dt.date
    #: (control id, assertion index) -> (status, reason), when verification ran.
    verdicts: Verdicts | None = None
    #: The JSON of the model's assertion results, when verification ran.
    verification: list[dict[str, Any]] | None = None
    #: When the export (and its verification) ran, ISO 8601 in UTC; midnight of
    #: ``today`` when not given. Only documents that must carry a time (OSCAL) use it.
    generated_at: str | None = None


@register_format("export", "json", 20, suffix=".json")
def export_json(document: ModelDocument) -> bytes:
    from threatgate.output.json_export import render_json

    a = document.assessment
    return render_json(document.data, a, path=a.path, sha256=document.sha256,
                       today=document.today.isoformat(), verification=document.verification)


@register_format("export", "docx", 30, suffix=".docx", binary=True)
def export_docx(document: ModelDocument) -> bytes:
    from threatgate.output.docx_export import render_docx

    a = document.assessment
    return render_docx(document.data, a, today=document.today, path=a.path,
                       sha256=document.sha256, verdicts=document.verdicts)
