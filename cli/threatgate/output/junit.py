"""Gate and verification results as JUnit XML, the test report GitLab, Jenkins, Azure
DevOps and others read.

The gate's report has one ``<testsuite>`` per model (named by the model id) and, for
each gate check that is set, one ``<testcase>`` named by the check when it passes, or one
failing case per entity at fault (``fail_on_critical[T-1]``; the check's name alone for a
failure of the whole model), each failure listed as ``path:line:col message``. A CI
test-report diff then names the entity that newly failed. With no threshold set the gate
only reports, so each model gets one passing ``posture`` test case. A model that cannot
be assessed is a suite with one failing ``valid`` case.

The verification's report has one suite per model and one case per assertion, failing
when it does not hold, in error when it cannot be checked, skipped when it was not run.

Only attributes the common JUnit schema (Jenkins' ``junit-10.xsd``, the superset of
Ant's) defines are written, plus ``file`` on a test case, which GitLab shows.

Everything taken from a model (titles, paths, messages) is escaped; characters XML 1.0
cannot carry at all (most control characters) are written as visible escapes such as
``\\x1b``. Pure: data in, a string out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from threatgate.gate.run import Failure, GateReport, ModelGate, Thresholds, summary_line
from threatgate.output.escape.text import location
from threatgate.output.escape.xml import xml_text
from threatgate.output.registry import register_format
from threatgate.output.verification import evidence_place

if TYPE_CHECKING:
    from threatgate.analysis.assessment import InvalidModel
    from threatgate.verify.results import VerifyReport

COUNTS = ("failure", "error", "skipped")



@dataclass(frozen=True)
class Outcome:
    """Why a test case did not pass: a ``failure``, an ``error`` or ``skipped``."""

    tag: str
    message: str
    type: str | None = None
    lines: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Case:
    classname: str
    name: str
    file: str
    line: int
    outcome: Outcome | None = None


@dataclass
class Suite:
    name: str
    file: str
    cases: list[Case] = field(default_factory=list)
    output: str | None = None


def _case(suite: ET.Element, case: Case, timed: bool) -> None:
    attributes = {"classname": xml_text(case.classname), "name": xml_text(case.name),
                  "file": xml_text(case.file)}
    if timed:
        attributes["time"] = "0"
    element = ET.SubElement(suite, "testcase", attributes)
    outcome = case.outcome
    if outcome is not None:
        details = {"message": xml_text(outcome.message)}
        if outcome.type is not None:
            details["type"] = xml_text(outcome.type)
        child = ET.SubElement(element, outcome.tag, details)
        if outcome.lines is not None:
            child.text = "\n".join(xml_text(text) for text in outcome.lines)


def _counts(element: ET.Element, counts: dict[str, int], timed: bool) -> None:
    element.set("tests", str(counts["tests"]))
    element.set("failures", str(counts["failure"]))
    element.set("errors", str(counts["error"]))
    if element.tag == "testsuite":  # <testsuites> has no skipped count
        element.set("skipped", str(counts["skipped"]))
    if timed:
        element.set("time", "0")


def junit_xml(name: str, suites: list[Suite], timestamp: str | None = None) -> str:
    """The JUnit XML of these suites; with a ``timestamp``, times (zero) are written too."""
    timed = timestamp is not None
    root = ET.Element("testsuites", {"name": name})
    total = dict.fromkeys(("tests", *COUNTS), 0)
    for suite in suites:
        element = ET.SubElement(root, "testsuite", {"name": xml_text(suite.name)})
        for case in suite.cases:
            _case(element, case, timed)
        if suite.output is not None:
            ET.SubElement(element, "system-out").text = suite.output
        counts = {"tests": len(suite.cases)}
        for tag in COUNTS:
            counts[tag] = sum(c.outcome is not None and c.outcome.tag == tag
                              for c in suite.cases)
        _counts(element, counts, timed)
        if timestamp is not None:
            element.set("timestamp", xml_text(timestamp))
        for key, value in counts.items():
            total[key] += value
    _counts(root, total, timed)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


# --- the gate -------------------------------------------------------------------------


def checks_of(thresholds: Thresholds) -> list[str]:
    """The gate checks a threshold turns on, in the order the gate runs them."""
    return [check.name for check in thresholds.enabled]


def _model_suite(result: ModelGate, checks: list[str]) -> Suite:
    a = result.assessment
    suite = Suite(a.model_id, a.path)
    by_check: dict[str, list[Failure]] = {}
    for failure in result.failures:
        by_check.setdefault(failure.check, []).append(failure)
    names = checks + [check for check in by_check if check not in checks]
    classname = f"threatgate.{a.model_id}"
    if not names:
        suite.cases.append(Case(classname, "posture", a.path, a.location[0]))
    for check in names:
        found = by_check.get(check, [])
        if not found:
            suite.cases.append(Case(classname, check, a.path, a.location[0]))
        suite.cases += [_failing_case(classname, check, entity, failures)
                        for entity, failures in _by_entity(found, a.model_id).items()]
    if result.warnings:
        suite.output = "".join(f"warning: {xml_text(w)}\n" for w in result.warnings)
    return suite


def _by_entity(failures: list[Failure], model_id: str) -> dict[str | None, list[Failure]]:
    """The failures of one check grouped by the entity at fault, in the gate's order
    (None: the model as a whole)."""
    grouped: dict[str | None, list[Failure]] = {}
    for failure in failures:
        entity = failure.entity if failure.entity and failure.entity != model_id else None
        grouped.setdefault(entity, []).append(failure)
    return grouped


def _failing_case(classname: str, check: str, entity: str | None,
                  found: list[Failure]) -> Case:
    """The test case of one entity failing one check: its identity (classname and name)
    stays the same from run to run, whatever the wording or line of the failure."""
    lines = tuple(f"{location(f.path, f.line, f.column)} {f.message}" for f in found)
    name = check if entity is None else f"{check}[{entity}]"
    message = found[0].message if len(found) == 1 else summary_line(check, found)
    return Case(classname, name, found[0].path, found[0].line,
                Outcome("failure", message, check, lines))


def _invalid_suite(bad: InvalidModel) -> Suite:
    path, line, column = bad.path, bad.line, bad.column
    text = f"{bad.message} [{bad.rule}]"
    classname = "threatgate." + path.replace(".", "_")
    outcome = Outcome("failure", f"model cannot be assessed: {text}", "invalid_model",
                      (f"{location(path, line, column)} {text}",))
    return Suite(path, path, [Case(classname, "valid", path, line, outcome)])


@register_format("gate", "junit", 50, report_file=True)
def render_junit(report: GateReport) -> str:
    checks = checks_of(report.thresholds)
    suites = [_model_suite(result, checks) for result in report.results]
    suites += [_invalid_suite(bad) for bad in report.invalid]
    stamp = report.generated_at
    return junit_xml("threatgate gate", suites, stamp.removesuffix("Z") if stamp else None)


# --- verification ---------------------------------------------------------------------


@register_format("verify", "junit", 50, report_file=True)
def render_verify_junit(report: VerifyReport) -> str:
    suites: dict[str, Suite] = {}
    for r in report.results:
        p = r.planned
        suite = suites.setdefault(p.model, Suite(p.model, p.model_path))
        outcome = None
        status, reason = r.verdict.status, r.verdict.reason
        if status in ("fail", "error"):
            outcome = Outcome("failure" if status == "fail" else "error", reason, p.type,
                              (reason + evidence_place(r),))
        elif status == "skipped":
            outcome = Outcome("skipped", reason)
        suite.cases.append(Case(f"threatgate.{p.model}.{p.control}", f"{p.type}[{p.index}]",
                                p.model_path, p.line, outcome))
    return junit_xml("threatgate verify", list(suites.values()))

