"""The site's static JSON API: the GET endpoints of hosted threat-modelling tools, as files.

:func:`build_api` returns the files under ``api/`` as ``{relative path: bytes}``, next to
the pages of :func:`threatgate.output.html.site.build_site`. Every document is written by
the writer of the command that prints the same thing, never by a second implementation:

* ``security-status.json`` is the gate JSON (:func:`threatgate.output.gate.render_json`)
  of a gate report that holds only that model;
* ``controls.json``, ``objectives.json``, ``threats.json`` and ``findings.json`` are the
  listings of ``threatgate assess --list NAME --format json`` for that model;
* ``verification.json`` is the verify JSON restricted to that model;
* ``history.json`` is the model's entry of ``threatgate history --format json``;
* the model document holds the model as ``threatgate export --format json`` normalises
  it and the assessment of ``threatgate assess --format json --details``.

Every URL in a document is relative to that document, so the API works from any host,
under any sub-path and from ``file://``. The output is deterministic. ``docs/api.md``
documents every endpoint. Pure: data in, bytes out.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from threatgate.analysis.assessment import FINDING_STATUSES, OPEN_FINDING_STATUSES
from threatgate.analysis.badges import badge_file_stem, framework_badge
from threatgate.analysis.listings import listing
from threatgate.model.vocabulary import FINDING_SEVERITIES
from threatgate.output.assessment import page_json, summary_json
from threatgate.output.gate import render_json as gate_json
from threatgate.output.html.indented_json import indented_json
from threatgate.output.html.site import (
    SAFE_MODEL_ID,
    compliance_frameworks,
    page_bytes,
    posture_summary,
)
from threatgate.output.json_export import normalise_model
from threatgate.output.verification import render_json as verification_json
from threatgate.views.compliance import coverage_counts, coverage_of
from threatgate.views.reports import SiteModel

if TYPE_CHECKING:
    from threatgate.gate.run import GateReport, ModelGate
    from threatgate.verify.results import VerifyReport
    from threatgate.verify.runner import AssertionResult

#: Names the shape of the documents; it changes only when a field is removed or renamed.
API_VERSION = "threatgate-api/1"
#: The folder of the API in the site.
API_ROOT = "api"
#: The listings published per model, each as ``{name}.json``.
LISTINGS = ("threats", "controls", "objectives", "findings")


@dataclass(frozen=True)
class ApiModel:
    """What the API publishes about one model."""

    site: SiteModel
    #: The model as validated (normalised for the model document).
    data: Mapping[str, Any]
    #: The gate report of this model alone, with the repository's configured thresholds
    #: (None when the gate could not run, e.g. its drift reference does not exist here).
    gate: GateReport | None
    #: The verification of this model alone, when the site was built with ``--verify``.
    verification: VerifyReport | None = None
    #: The model's posture history (``history.json``), when built with ``--history N``.
    history: Mapping[str, Any] | None = None

    @property
    def model_id(self) -> str:
        return self.site.assessment.model_id


def endpoints(model: ApiModel) -> dict[str, str]:
    """The files of one model, by endpoint name, relative to ``api/models/``."""
    stem = model.model_id
    files = {"model": f"{stem}.json"}
    if model.gate is not None:
        files["security_status"] = f"{stem}/security-status.json"
    files.update((name, f"{stem}/{name}.json") for name in LISTINGS)
    files["findings_summary"] = f"{stem}/findings/summary.json"
    if model.verification is not None:
        files["verification"] = f"{stem}/verification.json"
    if compliance_document(model) is not None:
        files["compliance"] = f"{stem}/compliance.json"
    if model.history is not None:
        files["history"] = f"{stem}/history.json"
    return files


def published(models: Sequence[ApiModel]) -> tuple[list[ApiModel], list[dict[str, str]]]:
    """The models that get endpoints, and the others with the reason they are left out
    (see :func:`left_out_reasons`)."""
    ordered = sorted(models, key=lambda m: (m.model_id, m.site.report.path))
    reasons = left_out_reasons([(m.model_id, m.site.report.path) for m in ordered])
    kept = [model for model, reason in zip(ordered, reasons, strict=True) if reason is None]
    left_out = [{"id": model.model_id, "path": model.site.report.path, "reason": reason}
                for model, reason in zip(ordered, reasons, strict=True) if reason is not None]
    return kept, left_out


def left_out_reasons(keys: Sequence[ModelKey]) -> list[str | None]:
    """Why each model (id and path, in this order) gets no endpoints; None when it does.

    A model id names files, so only an id that is safe as a file name (the site's rule)
    does; the first model of an id (by id, then path) keeps it; and an id that is
    another's plus ``.json`` is left out, since its folder would be that model's document.
    """
    ids = {model_id for model_id, _ in keys}
    reasons: list[str | None] = [None] * len(keys)
    seen: set[str] = set()
    for position in sorted(range(len(keys)), key=lambda i: (keys[i], i)):
        model_id = keys[position][0]
        if not SAFE_MODEL_ID.fullmatch(model_id):
            reasons[position] = "the model id is not safe as a file name"
        elif model_id in seen:
            reasons[position] = "another model has the same id"
        elif model_id.endswith(".json") and model_id.removesuffix(".json") in ids:
            reasons[position] = f"its endpoints would collide with those of {model_id[:-5]}"
        else:
            seen.add(model_id)
    return reasons


def document_bytes(value: Any) -> bytes:
    """``value`` as indented JSON (``json.dumps(value, indent=2, ensure_ascii=False)``)."""
    return page_bytes(indented_json(value) + "\n")


def index_entry(model: ApiModel) -> dict[str, Any]:
    a = model.site.assessment
    stem = badge_file_stem(a.model_id)
    return {
        "id": a.model_id,
        "title": a.title,
        "system": a.system,
        "owner": a.owner,
        "path": model.site.report.path,
        "public": a.badge_public,
        "pass": None if model.gate is None else model.gate.passed,
        "posture": posture_summary(a),
        "links": {"page": f"../{model.site.page}",
                  "badge": f"../badges/{stem}.json",
                  **{name: f"models/{path}" for name, path in endpoints(model).items()}},
    }


def models_document(models: Sequence[ApiModel],
                    left_out: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """``api/models.json``: every published model with its posture and its endpoints."""
    return models_listing([index_entry(m) for m in models], left_out)


def models_listing(entries: Sequence[Mapping[str, Any]],
                   left_out: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """``api/models.json`` from each published model's :func:`index_entry`."""
    return {"api": API_VERSION, "models": [dict(entry) for entry in entries],
            "left_out": [dict(entry) for entry in left_out]}


def model_document(model: ApiModel) -> dict[str, Any]:
    """``api/models/{id}.json``: the normalised model and its assessment."""
    a = model.site.assessment
    # The --details document of `assess`, without its date: the site shows none.
    assessed = json.loads(summary_json([a], [], "", details=True))["models"][0]
    # The endpoints' paths are relative to api/models/, where this document lies.
    links = {"index": "../models.json", "page": f"../../{model.site.page}",
             **endpoints(model)}
    return {"api": API_VERSION, "id": a.model_id, "path": model.site.report.path,
            "links": links, "model": normalise_model(model.data), "assessment": assessed}


def findings_summary(model: ApiModel) -> dict[str, Any]:
    """``findings/summary.json``: the model's findings counted by status and severity."""
    findings = model.site.assessment.findings
    severities = Counter(f.severity for f in findings)
    still_open = Counter(f.severity for f in findings if f.status in OPEN_FINDING_STATUSES)
    by_status = Counter(f.status for f in findings)
    return {
        "model": model.model_id,
        "total": len(findings),
        "open": sum(still_open.values()),
        "by_status": {name: by_status.get(name, 0) for name in FINDING_STATUSES},
        "by_severity": {name: severities.get(name, 0) for name in FINDING_SEVERITIES},
        "open_by_severity": {name: still_open.get(name, 0) for name in FINDING_SEVERITIES},
    }


def _mapped(model: ApiModel) -> dict[str, dict[str, list[Any]]]:
    """framework -> requirement -> the controls whose ``compliance`` names it."""
    mapped: dict[str, dict[str, list[Any]]] = {}
    for control in model.site.assessment.controls:
        for ref in control.compliance:
            framework, sep, requirement = ref.partition(":")
            if sep and framework and requirement:
                mapped.setdefault(framework, {}).setdefault(requirement, []).append(control)
    return mapped


def compliance_document(model: ApiModel) -> dict[str, Any] | None:
    """``compliance.json``: per framework the model lists or its controls name, the
    requirements mapped, the controls mapping each (status and verification), the
    objectives those controls serve, and the framework's badge. None without any."""
    a = model.site.assessment
    mapped = _mapped(model)
    frameworks = sorted(compliance_frameworks(a))
    if not frameworks:
        return None
    entries = []
    for framework in frameworks:
        requirements = mapped.get(framework, {})
        controls = {c.id: c for listed in requirements.values() for c in listed}
        entries.append({
            "id": framework,
            "listed": framework in a.frameworks,
            "requirements": [
                {"id": requirement, "controls": [
                    {"id": c.id, "title": c.title, "status": c.status,
                     "verification": c.verification} for c in listed]}
                for requirement, listed in sorted(requirements.items())],
            "controls": {"mapped": len(controls),
                         "implemented": sum(c.active for c in controls.values())},
            "objectives_served": sorted({o for c in controls.values() for o in c.objectives}),
            "coverage": coverage_counts(model.site.report.compliance, framework),
            "badge": framework_badge(
                a, framework, coverage_of(model.site.report.compliance, framework)).endpoint(),
        })
    return {"api": API_VERSION, "model": a.model_id, "frameworks": entries}


def model_files(model: ApiModel) -> dict[str, bytes]:
    """Every endpoint of one model, by path relative to the site's root."""
    names = endpoints(model)
    folder = f"{API_ROOT}/models/"
    a = model.site.assessment
    files = {folder + names["model"]: document_bytes(model_document(model)),
             folder + names["findings_summary"]: document_bytes(findings_summary(model))}
    if model.gate is not None:
        files[folder + names["security_status"]] = page_bytes(gate_json(model.gate))
    for name in LISTINGS:
        files[folder + names[name]] = page_bytes(page_json(listing([a], name)))
    if model.verification is not None:
        files[folder + names["verification"]] = page_bytes(
            verification_json(model.verification))
    compliance = compliance_document(model)
    if compliance is not None:
        files[folder + names["compliance"]] = document_bytes(compliance)
    if model.history is not None:
        files[folder + names["history"]] = document_bytes(model.history)
    return files


def build_api(models: Sequence[ApiModel]) -> dict[str, bytes]:
    """Every file of the API, by path relative to the site's root (``/``-separated)."""
    kept, left_out = published(models)
    files = {f"{API_ROOT}/models.json": document_bytes(models_document(kept, left_out))}
    for model in kept:
        files.update(model_files(model))
    return dict(sorted(files.items()))


ModelKey = tuple[str, str]


def key_of(model: SiteModel) -> ModelKey:
    """A model's id and path: two files may declare the same id."""
    return model.assessment.model_id, model.assessment.path


def gate_by_model(report: GateReport, keys: Iterable[ModelKey]) -> dict[ModelKey, GateReport]:
    """The gate report of each of these models alone, as ``threatgate gate MODEL`` writes it."""
    results: dict[ModelKey, list[ModelGate]] = {}
    for result in report.results:
        results.setdefault((result.assessment.model_id, result.assessment.path), []).append(
            result)
    return {k: dataclasses.replace(report, results=results.get(k, []), invalid=[])
            for k in keys}


def verification_by_model(report: VerifyReport,
                          keys: Iterable[ModelKey]) -> dict[ModelKey, VerifyReport]:
    """The verification of each of these models alone: its verdicts and their drift."""
    from threatgate.verify.runner import Drift

    def key(result: AssertionResult) -> ModelKey:
        return result.planned.model, result.planned.model_path

    results: dict[ModelKey, list[AssertionResult]] = {}
    drifted: dict[ModelKey, list[tuple[AssertionResult, AssertionResult]]] = {}
    changed: dict[ModelKey, list[tuple[AssertionResult, AssertionResult]]] = {}
    for result in report.results:
        results.setdefault(key(result), []).append(result)
    for pair in report.drift.drifted:
        drifted.setdefault(key(pair[1]), []).append(pair)
    for pair in report.drift.changed:
        changed.setdefault(key(pair[1]), []).append(pair)
    return {k: dataclasses.replace(report, results=results.get(k, []),
                                   drift=Drift(drifted.get(k, []), changed.get(k, [])))
            for k in keys}
