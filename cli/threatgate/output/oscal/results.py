"""One model's verification as OSCAL 1.1 assessment results (``export --format oscal-ar``).

One result, started when the verification ran: an observation per assertion of the
model's controls (its verdict and reason, the evidence file it points at), and a finding
per requirement the controls are mapped to, whose target is the requirement's
``control-id``: satisfied when every mapped control is implemented and all of its
assertions pass; not satisfied, for the reason ``fail``, when an assertion of an
implemented control fails or cannot be checked; else not satisfied for the reason
``other`` (a control not implemented, without assertions, or skipped). threatgate has no
separate assessment plan: the assertions written in the model are the plan, so
``import-ap`` points at the model file in the back matter. docs/oscal.md describes the
document. Pure: a model document in, JSON bytes out.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from threatgate.output.escape.text import location
from threatgate.output.oscal.document import (
    back_matter,
    control_line,
    dump,
    line,
    metadata,
    model_title,
    path_href,
    prop,
    props,
    source_uuid,
    timestamp,
)
from threatgate.output.oscal.ids import catalog_href, entity_uuid
from threatgate.output.oscal.requirements import (
    MappedRequirement,
    requirements_in_scope,
    status_words,
)
from threatgate.output.registry import register_format

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ControlView, ModelAssessment
    from threatgate.output.model_export import ModelDocument

Verdict = Mapping[str, Any]
#: Verdict statuses in the order they are counted.
VERDICTS = ("pass", "fail", "error", "skipped")


@register_format("export", "oscal-ar", 60, suffix=".oscal-ar.json", needs_verification=True)
def export_oscal_assessment_results(document: ModelDocument) -> bytes:
    return dump("assessment-results", assessment_results(document))


def assessment_results(document: ModelDocument) -> dict[str, Any]:
    """The assessment results of a model's verification (plain data, before empty fields
    are dropped). Without verification (``document.verification`` is None) the result
    says so and holds no observation."""
    a = document.assessment
    verdicts: list[Verdict] = list(document.verification or [])
    run = entity_uuid(a.model_id, "verification", document.sha256, verdicts_digest(verdicts))
    return {
        "uuid": entity_uuid(a.model_id, "assessment-results", run),
        "metadata": metadata(document, f"Evidence verification of {model_title(document)}"),
        "import-ap": {"href": f"#{source_uuid(document)}",
                      "remarks": "The assertions written in the controls of the threat "
                                 "model are the assessment plan."},
        "results": [result(document, verdicts, run)],
        "back-matter": back_matter(document),
    }


def verdicts_digest(verdicts: list[Verdict]) -> str:
    """SHA-256 of what the verification found, so that another outcome is another run."""
    found = [[v.get("control"), v.get("index"), v.get("status"), v.get("reason"),
              v.get("file"), v.get("evidence_line")] for v in verdicts]
    return hashlib.sha256(json.dumps(found, ensure_ascii=False).encode("utf-8",
                                                                      "replace")).hexdigest()


def result(document: ModelDocument, verdicts: list[Verdict], run: str) -> dict[str, Any]:
    a = document.assessment
    observations = {}
    by_control: dict[str, list[tuple[str, Verdict]]] = {}
    for verdict in verdicts:
        uuid = observation_uuid(a.model_id, verdict)
        observations[uuid] = observation(document, verdict, uuid)
        by_control.setdefault(str(verdict.get("control")), []).append((uuid, verdict))
    requirements = assessed_requirements(a)
    counts = Counter(str(v.get("status")) for v in verdicts)
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in VERDICTS)
    ran = document.verification is not None
    return {
        "uuid": entity_uuid(a.model_id, "result", run),
        "title": f"threatgate verify of {line(a.model_id)}",
        "description": (f"The assertions of the controls of threatgate model "
                        f"{line(a.model_id)}, checked against the repository: {summary}."
                        if ran else "The verification did not run: no assertion was "
                        "checked."),
        "start": timestamp(document),
        "props": props(*(prop(f"assertions-{s}", str(counts.get(s, 0))) for s in VERDICTS)),
        "reviewed-controls": reviewed_controls(requirements),
        "observations": list(observations.values()),
        "findings": [finding(document, r, by_control)
                     for found in requirements.values() for r in found],
    }


def assessed_requirements(assessment: ModelAssessment) -> dict[str, list[MappedRequirement]]:
    """The mapped requirements the model does not exclude: an excluded one is out of
    scope, never a finding (the component definition says it is not applicable)."""
    found = {framework: [r for r in requirements if r.excluded is None]
             for framework, requirements in requirements_in_scope(assessment).items()}
    return {framework: requirements for framework, requirements in found.items()
            if requirements}


def observation_uuid(model_id: str, verdict: Verdict) -> str:
    return entity_uuid(model_id, "observation", str(verdict.get("control")),
                       str(verdict.get("index")))


def observation(document: ModelDocument, verdict: Verdict, uuid: str) -> dict[str, Any]:
    """One assertion's verdict."""
    control = str(verdict.get("control"))
    number = int(verdict.get("index") or 0) + 1
    kind = str(verdict.get("type"))
    own_id = verdict.get("assertion_id")
    status = str(verdict.get("status"))
    reason = str(verdict.get("reason") or "")
    return {
        "uuid": uuid,
        "title": f"{line(control)} assertion {number}: {line(kind)}",
        "description": f"{status.upper()}: {line(reason)}" if reason else status.upper(),
        "props": props(prop("control", control), prop("assertion", str(number)),
                       prop("assertion-id", own_id) if isinstance(own_id, str) else None,
                       prop("assertion-type", kind), prop("verdict", status),
                       prop("control-status", str(verdict.get("control_status")))),
        "methods": ["TEST"],
        "relevant-evidence": evidence(verdict),
        "collected": timestamp(document),
    }


def evidence(verdict: Verdict) -> list[dict[str, Any]]:
    """The file (and line) the verdict points at, relative to the repository root."""
    file = verdict.get("file")
    if not isinstance(file, str) or not file:
        return []
    at = verdict.get("evidence_line")
    place = location(file, at if isinstance(at, int) and at > 0 else None)
    return [{"href": path_href(file), "description": line(place)}]


def reviewed_controls(requirements: dict[str, list[MappedRequirement]]) -> dict[str, Any]:
    """The requirements mapped in the model, one selection per framework."""
    selections = [{
        "description": f"The requirements of {line(framework)} mapped in the model.",
        "props": props(prop("framework", framework)),
        "links": [{"href": catalog_href(framework), "rel": "reference"}],
        "include-controls": [{"control-id": r.control_id} for r in found],
    } for framework, found in requirements.items()]
    return {"control-selections": selections or [
        {"description": "No requirement in the model's scope is mapped to a control."}]}


def control_outcome(control: ControlView, verdicts: list[Verdict]) -> str:
    """pass: implemented, with assertions that all pass; fail: implemented, an assertion
    fails or errs; other: anything else."""
    statuses = [str(v.get("status")) for v in verdicts]
    if not control.active or not statuses:
        return "other"
    if any(s in ("fail", "error") for s in statuses):
        return "fail"
    return "pass" if all(s == "pass" for s in statuses) else "other"


def finding(document: ModelDocument, requirement: MappedRequirement,
            by_control: dict[str, list[tuple[str, Verdict]]]) -> dict[str, Any]:
    """Whether the controls mapped to a requirement hold, by their assertions."""
    a = document.assessment
    outcomes = {c.id: control_outcome(c, [v for _u, v in by_control.get(c.id, [])])
                for c in requirement.controls}
    reason = ("pass" if all(o == "pass" for o in outcomes.values())
              else "fail" if "fail" in outcomes.values() else "other")
    related = [{"observation-uuid": uuid} for c in requirement.controls
               for uuid, _v in by_control.get(c.id, [])]
    return {
        "uuid": entity_uuid(a.model_id, "finding", requirement.framework,
                            requirement.control_id),
        "title": line(f"{requirement.framework} {requirement.requirement}"),
        "description": "\n".join(
            f"- {control_line(c)}: {control_summary(c, by_control.get(c.id, []))}"
            for c in requirement.controls),
        "props": props(*(prop("requirement", r) for r in requirement.references),
                       *(prop("control", c.id, css_class=outcomes[c.id])
                         for c in requirement.controls)),
        "target": {
            "type": "objective-id",
            "target-id": requirement.control_id,
            "props": props(prop("framework", requirement.framework)),
            "status": {"state": "satisfied" if reason == "pass" else "not-satisfied",
                       "reason": reason},
        },
        "related-observations": related,
    }


def control_summary(control: ControlView, verdicts: list[tuple[str, Verdict]]) -> str:
    """``implemented, 2 of 2 assertions passed``."""
    status = status_words(control.status)
    if not verdicts:
        return f"{line(status)}, no assertion checked"
    passed = sum(v.get("status") == "pass" for _u, v in verdicts)
    return f"{line(status)}, {passed} of {len(verdicts)} assertions passed"
