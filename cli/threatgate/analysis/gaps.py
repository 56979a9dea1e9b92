"""Gaps: for every control not implemented yet, what to build, why, and where to look.

For each control whose status is ``planned`` or ``in_progress`` the checklist gathers:

* the objectives it serves, and what implementing it would do to each: close it (the
  control is the last one missing from a group), advance it (others are missing too),
  add defense in depth (already mitigated), or nothing (every group holding it also
  holds a wont_do control; not_applicable ones are left out of their group);
* the threats it mitigates, with their severity and state;
* the findings recorded for it, with the places checked and the evidence expected;
* the evidence ``threatgate verify`` will look for, one sentence per assertion (of the
  control and of its open findings), e.g. "a function `run_query` defined in
  `src/db.py`" or "no match of `execute\\(f"` in `src/db.py`";
* the places to look: every path its assertions and findings name.

Controls are ordered by remediation leverage (those that close the most at-risk
objectives first), then as the file lists them. The result is plain data; the
renderers turn it into Markdown (for a person or a coding agent) or JSON.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from threatgate.analysis.assess import assess_model
from threatgate.analysis.assessment import Locate, ModelAssessment
from threatgate.model.vocabulary import id_list, items, text

#: Control statuses that count as "not implemented yet" (wont_do and not_applicable are
#: decisions, not gaps).
GAP_STATUSES = ("planned", "in_progress")
#: Findings whose evidence still has to be produced.
OPEN_FINDINGS = frozenset({"discovered", "acknowledged", "remediated"})
#: Assertion parameters that name where the evidence is.
WHERE_PARAMS = ("file", "glob")


@dataclass
class EvidenceHint:
    """What one assertion looks for, as a sentence template and its values."""

    source: str  # the control or finding the assertion belongs to
    type: str
    template: str  # "{name}"-style placeholders, each filled with a value below
    values: dict[str, str]
    where: list[str]
    description: str | None = None

    def text(self, code: Callable[[str], str] = lambda value: f"`{value}`") -> str:
        """The sentence, each value passed through ``code`` (e.g. a Markdown code span)."""
        return self.template.format(**{k: code(v) for k, v in self.values.items()})


@dataclass
class ObjectiveLink:
    id: str
    tier: str
    status: str
    reason: str | None
    #: closes | advances | defense_in_depth | blocked
    effect: str


@dataclass
class ThreatLink:
    id: str
    title: str
    severity: str
    state: str


@dataclass
class FindingLink:
    id: str
    title: str
    severity: str
    status: str
    locations: list[str]
    expected_evidence: str | None
    line: int


@dataclass
class ControlGap:
    """The checklist of one control that is not implemented yet."""

    model: str
    model_title: str
    path: str
    line: int
    id: str
    title: str
    status: str
    owner: str | None
    description: str | None
    compliance: list[str]
    objectives: list[ObjectiveLink] = field(default_factory=list)
    threats: list[ThreatLink] = field(default_factory=list)
    findings: list[FindingLink] = field(default_factory=list)
    evidence: list[EvidenceHint] = field(default_factory=list)
    #: Expected evidence written in words on open findings: (finding id, text).
    expected: list[tuple[str, str]] = field(default_factory=list)
    look_at: list[str] = field(default_factory=list)
    has_assertions: bool = False

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["evidence"] = [{"source": e.source, "type": e.type, "text": e.text(),
                            "where": e.where, "description": e.description,
                            "values": e.values} for e in self.evidence]
        out["expected"] = [{"source": source, "text": words} for source, words in self.expected]
        return out


# --- what an assertion looks for --------------------------------------------------------


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        return shlex.join(str(v) for v in value)
    return str(value)


def _scope(assertion: Mapping[str, Any]) -> str:
    start, end = assertion.get("scope_start"), assertion.get("scope_end")
    if start and end:
        return " between {scope_start} and {scope_end}"
    if start:
        return " after {scope_start}"
    if end:
        return " before {scope_end}"
    return ""


def _template(assertion: Mapping[str, Any]) -> str:
    kind = assertion.get("type")
    in_file, in_glob = " in {file}", " in files matching {glob}"
    if kind == "file_exists":
        return "the file {file}"
    if kind == "function_exists":
        return "a function {name} defined" + in_file
    if kind == "class_exists":
        return "a class {name} defined" + in_file
    if kind == "decorator_present":
        on = " on {function}" if assertion.get("function") else ""
        return "the decorator {name}" + on + in_file
    if kind == "function_calls":
        return "{function} calling {calls}" + in_file
    if kind == "import_present":
        return "an import of {module}" + in_file
    if kind == "pattern_matches":
        count = assertion.get("min_count")
        times = (f" at least {count} times" if isinstance(count, int) and count > 1 else "")
        return "a match of {pattern}" + times + in_file + _scope(assertion)
    if kind == "pattern_absent":
        return "no match of {pattern}" + in_file + _scope(assertion)
    if kind == "no_plaintext_secret":
        allowed = " (allowed: {allow})" if assertion.get("allow") else ""
        return "no plaintext secret" + in_glob + allowed
    if kind == "config_key_exists":
        return "the setting {key}" + in_file
    if kind == "config_value_matches":
        if "value" in assertion:
            return "the setting {key} set to {value}" + in_file
        return "the setting {key} matching {pattern}" + in_file
    if kind == "env_var_referenced":
        return "the environment variable {name} read" + in_glob
    if kind == "dependency_exists":
        return "the dependency {name} declared" + in_file
    if kind == "dependency_version":
        return "the dependency {name} at {constraint} declared" + in_file
    if kind == "http_header_set":
        value = " with a value matching {value}" if assertion.get("value") else ""
        return "the HTTP header {header} set" + value + in_glob
    if kind == "middleware_registered":
        return "the middleware {name} registered" + in_file
    if kind == "test_exists":
        return ("a test {name}" + in_glob) if assertion.get("name") else "files matching {glob}"
    if kind == "file_hash":
        return "{file} with the SHA-256 {sha256}"
    if kind == "command_succeeds":
        return "the command {command} succeeding (run by verify --allow-commands)"
    return "evidence of type {type}"


def describe_assertion(assertion: Mapping[str, Any], source: str) -> EvidenceHint:
    """What ``assertion`` looks for, and where."""
    import string

    template = _template(assertion)
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    values = {name: _value_text(assertion.get(name)) for name in names}
    where = [str(assertion[p]) for p in WHERE_PARAMS if isinstance(assertion.get(p), str)]
    description = assertion.get("description")
    return EvidenceHint(source, str(assertion.get("type")), template, values, where,
                        description if isinstance(description, str) else None)


# --- the checklist of a model ---------------------------------------------------------------


def _effect(objective: Any, closes: Sequence[str], advances: Sequence[str]) -> str:
    if objective.id in closes:
        return "closes"
    if objective.id in advances:
        return "advances"
    if objective.posture.status == "mitigated":
        return "defense_in_depth"
    return "blocked"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def model_gaps(data: Mapping[str, Any], assessment: ModelAssessment) -> list[ControlGap]:
    """The checklist of every planned or in-progress control of one assessed model."""
    model = dict(data)
    leverage = {r.control: r for r in assessment.leverage}
    rank = {r.control: i for i, r in enumerate(assessment.leverage)}
    objectives = {o.id: o for o in assessment.objectives}
    threats = {t.id: t for t in assessment.threats}
    views = {c.id: c for c in assessment.controls}
    lines = {f.id: f.location[0] for f in assessment.findings}
    findings: dict[str, list[dict[str, Any]]] = {}
    for _, finding in items(model, "findings"):
        findings.setdefault(str(finding.get("control")), []).append(finding)

    gaps = []
    for _, control in items(model, "controls"):
        status = control.get("status")
        if status not in GAP_STATUSES:
            continue
        control_id = str(control.get("id"))
        view = views.get(control_id)
        lever = leverage.get(control_id)
        closes, advances = (lever.closes, lever.advances) if lever else ([], [])
        gap = ControlGap(
            model=assessment.model_id, model_title=assessment.title, path=assessment.path,
            line=view.location[0] if view else 1, id=control_id,
            title=str(control.get("title", "")), status=str(status),
            owner=text(control, "owner"), description=text(control, "description"),
            compliance=id_list(control.get("compliance")),
        )
        for objective_id in (view.objectives if view else []):
            objective = objectives.get(objective_id)
            if objective is None:
                continue
            gap.objectives.append(ObjectiveLink(
                objective.id, objective.tier, objective.posture.status,
                objective.posture.reason, _effect(objective, closes, advances)))
        for threat_id in (view.threats if view else []):
            threat = threats.get(threat_id)
            if threat is not None:
                gap.threats.append(ThreatLink(threat.id, threat.title, threat.severity,
                                              threat.state))
        assertions = [a for a in control.get("assertions") or [] if isinstance(a, dict)]
        gap.has_assertions = bool(assertions)
        gap.evidence = [describe_assertion(a, control_id) for a in assertions]
        places = [w for hint in gap.evidence for w in hint.where]
        for finding in findings.get(control_id, []):
            finding_id = str(finding.get("id"))
            locations = [str(x) for x in finding.get("locations") or [] if isinstance(x, str)]
            expected = text(finding, "expected_evidence")
            gap.findings.append(FindingLink(
                finding_id, str(finding.get("title", "")), str(finding.get("severity")),
                str(finding.get("status")), locations, expected, lines.get(finding_id, 1)))
            if finding.get("status") not in OPEN_FINDINGS:
                continue
            if expected:
                gap.expected.append((finding_id, expected))
            hints = [describe_assertion(a, finding_id)
                     for a in finding.get("assertions") or [] if isinstance(a, dict)]
            gap.evidence.extend(hints)
            places += locations + [w for hint in hints for w in hint.where]
        gap.look_at = _unique(places)
        gaps.append(gap)
    order = {gap.id: i for i, gap in enumerate(gaps)}
    return sorted(gaps, key=lambda g: (rank.get(g.id, len(rank)), order[g.id]))


def _gaps_document(data: dict[str, Any], display: str, locate: Locate, *, today: dt.date,
                   expiring_days: int) -> list[ControlGap]:
    assessment = assess_model(data, path=display, today=today, locate=locate,
                              expiring_days=expiring_days)
    return model_gaps(data, assessment)


def gaps_follow(today: dt.date, expiring_days: int = 30) -> Callable[
        [dict[str, Any], str, Locate], list[ControlGap]]:
    """The follow-up step that makes validation also list each valid model's gaps."""
    from functools import partial

    return partial(_gaps_document, today=today, expiring_days=expiring_days)


@dataclass
class GapsPage:
    total: int
    offset: int
    limit: int | None
    models: int
    rows: list[ControlGap]

    def as_json(self) -> dict[str, Any]:
        return {"listing": "gaps", "total": self.total, "offset": self.offset,
                "limit": self.limit, "models": self.models,
                "items": [row.as_json() for row in self.rows]}


def gaps_page(per_model: Sequence[Sequence[ControlGap]], *, control: str | None = None,
              status: str | None = None, offset: int = 0,
              limit: int | None = None) -> GapsPage:
    """Every model's gaps, filtered by control id and status, then paged."""
    rows = [gap for gaps in per_model for gap in gaps]
    if control:
        rows = [gap for gap in rows if gap.id == control]
    if status:
        rows = [gap for gap in rows if gap.status == status]
    page = rows[offset: offset + limit if limit is not None else None]
    return GapsPage(len(rows), offset, limit, len(per_model), page)

