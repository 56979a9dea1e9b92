"""Gate results as JUnit XML, the test report GitLab, Jenkins, Azure DevOps and others read.

One ``<testsuite>`` per model (named by the model id), one ``<testcase>`` per gate check
that is set, failing with every failure of that check listed as ``path:line:col message``.
With no threshold set the gate only reports, so each model gets one passing ``posture``
test case. A model that cannot be assessed is a suite with one failing ``valid`` case.

Everything taken from a model (titles, paths, messages) is escaped; characters XML 1.0
cannot carry at all (most control characters) are written as visible escapes such as
``\\x1b``. Pure: data in, a string out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from threatgate.analysis.assessment import InvalidModel
from threatgate.gate.run import Failure, GateReport, ModelGate, Thresholds, summary_line
from threatgate.output.escape import one_line

#: What XML 1.0 cannot carry, even as a character reference. ``one_line`` already turns
#: every such character into a visible escape; this is the last line of defence.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """One line of text that XML 1.0 can carry: control characters become escapes."""
    return _NOT_XML.sub("\ufffd", one_line(text))


def checks_of(thresholds: Thresholds) -> list[str]:
    """The gate checks a threshold turns on, in the order the gate runs them."""
    t = thresholds
    enabled = {
        "fail_on_critical": t.fail_on_critical,
        "fail_on_unmitigated_high": t.fail_on_unmitigated_high,
        "min_mitigation_ratio": t.min_mitigation_ratio is not None,
        "fail_on_at_risk": bool(t.fail_on_at_risk),
        "fail_on_expired": t.fail_on_expired,
        "max_open_findings": bool(t.max_open_findings),
        "require_evidence": t.require_evidence,
        "require_verified": t.require_verified,
        "fail_on_drift": bool(t.fail_on_drift),
        "fail_on_empty": t.fail_on_empty,
    }
    return [check for check, on in enabled.items() if on]


def _counts(element: ET.Element, tests: int, failures: int) -> None:
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", "0")
    element.set("skipped", "0")
    element.set("time", "0")


def _testcase(suite: ET.Element, classname: str, name: str, path: str, line: int,
              failure: tuple[str, str, list[str]] | None = None) -> None:
    """A test case; ``failure`` is (message, type, lines) when it fails."""
    case = ET.SubElement(suite, "testcase", {
        "classname": xml_text(classname), "name": xml_text(name), "file": xml_text(path),
        "line": str(line), "time": "0",
    })
    if failure is not None:
        message, kind, lines = failure
        element = ET.SubElement(case, "failure", {"message": xml_text(message),
                                                   "type": xml_text(kind)})
        element.text = "\n".join(xml_text(text) for text in lines)


def _model_suite(root: ET.Element, result: ModelGate, checks: list[str],
                 timestamp: str) -> int:
    a = result.assessment
    suite = ET.SubElement(root, "testsuite", {"name": xml_text(a.model_id)})
    by_check: dict[str, list[Failure]] = {}
    for failure in result.failures:
        by_check.setdefault(failure.check, []).append(failure)
    names = checks + [check for check in by_check if check not in checks]
    classname = f"threatgate.{a.model_id}"
    if not names:
        _testcase(suite, classname, "posture", a.path, a.location[0])
    for check in names:
        found = by_check.get(check, [])
        if not found:
            _testcase(suite, classname, check, a.path, a.location[0])
            continue
        lines = [f"{f.path}:{f.line}:{f.column} {f.message}" for f in found]
        _testcase(suite, classname, check, found[0].path, found[0].line,
                  (summary_line(check, found), check, lines))
    if result.warnings:
        out = ET.SubElement(suite, "system-out")
        out.text = "".join(f"warning: {xml_text(w)}\n" for w in result.warnings)
    failed = sum(check in by_check for check in names)
    _counts(suite, max(1, len(names)), failed)
    suite.set("timestamp", timestamp)
    suite.set("file", xml_text(a.path))
    return failed


def _invalid_suite(root: ET.Element, bad: InvalidModel, timestamp: str) -> None:
    path, line, column = bad.path, bad.line, bad.column
    text = f"{bad.message} [{bad.rule}]"
    suite = ET.SubElement(root, "testsuite", {"name": xml_text(path)})
    classname = "threatgate." + path.replace(".", "_")
    _testcase(suite, classname, "valid", path, line,
              (f"model cannot be assessed: {text}", "invalid_model",
               [f"{path}:{line}:{column} {text}"]))
    _counts(suite, 1, 1)
    suite.set("timestamp", timestamp)
    suite.set("file", xml_text(path))


def render_junit(report: GateReport) -> str:
    checks = checks_of(report.thresholds)
    timestamp = xml_text(report.generated_at.removesuffix("Z"))
    root = ET.Element("testsuites", {"name": "threatgate gate"})
    failures = sum(_model_suite(root, result, checks, timestamp)
                   for result in report.results)
    for bad in report.invalid:
        _invalid_suite(root, bad, timestamp)
    failures += len(report.invalid)
    tests = sum(int(suite.get("tests", "0")) for suite in root)
    _counts(root, tests, failures)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
