"""Verification results as text, JSON, GitHub annotations, Markdown, JUnit XML and SARIF."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from threatgate import __version__
from threatgate.output.escape import md_cell, one_line, workflow_data, workflow_property
from threatgate.verify.results import VerifyReport
from threatgate.verify.runner import AssertionResult

FORMATS = ("text", "json", "github", "markdown", "junit", "sarif")


def _where(r: AssertionResult) -> str:
    v = r.verdict
    if v.file and v.line:
        return f" ({v.file}:{v.line})"
    return f" ({v.file})" if v.file else ""


def render_text(report: VerifyReport) -> str:
    lines = []
    for r in report.results:
        p = r.planned
        lines.append(f"{p.model_path}:{p.line}: {r.verdict.status.upper()} {p.control} "
                     f"{p.type}: {one_line(r.verdict.reason)}{one_line(_where(r))}")
    for _then, now in report.drift.drifted:
        lines.append(f"{now.planned.model_path}:{now.planned.line}: DRIFT {now.planned.control}"
                     f" {now.planned.type}: passed at {report.baseline}, now "
                     f"{now.verdict.status}: {one_line(now.verdict.reason)}")
    for _then, now in report.drift.changed:
        lines.append(f"{now.planned.model_path}:{now.planned.line}: CHANGED "
                     f"{now.planned.control} {now.planned.type}: still passes, but its "
                     f"evidence changed since {report.baseline}")
    c = report.counts
    verified = sum(row["verified"] for row in report.controls())
    lines.append(f"{len(report.results)} assertions: {c['pass']} passed, {c['fail']} failed, "
                 f"{c['error']} errors, {c['skipped']} skipped; {verified} of "
                 f"{len(report.controls())} controls verified")
    return "\n".join(lines) + "\n"


def render_github(report: VerifyReport) -> str:
    lines = []
    for r in report.results:
        if r.verdict.status not in ("fail", "error"):
            continue
        p = r.planned
        level = "error" if p.control_status == "implemented" else "warning"
        lines.append(f"::{level} file={workflow_property(p.model_path)},line={p.line},"
                     f"title={workflow_property('threatgate verify ' + p.control)}::"
                     f"{workflow_data(p.type + ': ' + r.verdict.reason + _where(r))}")
    for _then, now in report.drift.drifted:
        p = now.planned
        lines.append(f"::error file={workflow_property(p.model_path)},line={p.line},"
                     f"title={workflow_property('threatgate drift ' + p.control)}::"
                     f"{workflow_data('passed at the baseline, fails now: ' + now.verdict.reason)}")
    return "\n".join(lines) + ("\n" if lines else "") + render_text(report).splitlines()[-1] + "\n"


def render_markdown(report: VerifyReport) -> str:
    c = report.counts
    out = [f"## Evidence verification: {c['pass']} passed, {c['fail']} failed, "
           f"{c['error']} errors, {c['skipped']} skipped", "",
           "| Model | Control | Assertion | Result | Reason |", "| --- | --- | --- | --- | --- |"]
    for r in report.results:
        p = r.planned
        out.append(f"| {md_cell(p.model)} | {md_cell(p.control)} | {md_cell(p.type)} | "
                   f"{r.verdict.status} | {md_cell(r.verdict.reason + _where(r))} |")
    if report.drift.drifted:
        out += ["", f"### Drift since {md_cell(report.baseline or '')}", ""]
        out += [f"- {md_cell(now.planned.control)} {md_cell(now.planned.type)}: "
                f"{md_cell(now.verdict.reason)}" for _t, now in report.drift.drifted]
    return "\n".join(out) + "\n"


def _xml(text: str) -> str:
    return "".join(ch for ch in one_line(text)
                   if ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD)


def render_junit(report: VerifyReport) -> str:
    root = ET.Element("testsuites", {"name": "threatgate verify"})
    suites: dict[str, ET.Element] = {}
    for r in report.results:
        p = r.planned
        suite = suites.get(p.model)
        if suite is None:
            suite = suites[p.model] = ET.SubElement(root, "testsuite", {
                "name": _xml(p.model), "file": _xml(p.model_path)})
        case = ET.SubElement(suite, "testcase", {
            "classname": _xml(f"threatgate.{p.model}.{p.control}"),
            "name": _xml(f"{p.type}[{p.index}]"), "file": _xml(p.model_path),
            "line": str(p.line)})
        if r.verdict.status in ("fail", "error"):
            tag = "failure" if r.verdict.status == "fail" else "error"
            ET.SubElement(case, tag, {"message": _xml(r.verdict.reason), "type": p.type}).text = (
                _xml(r.verdict.reason + _where(r)))
        elif r.verdict.status == "skipped":
            ET.SubElement(case, "skipped", {"message": _xml(r.verdict.reason)})
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        cases = list(suite)
        counts = {"tests": len(cases),
                  "failures": sum(c.find("failure") is not None for c in cases),
                  "errors": sum(c.find("error") is not None for c in cases),
                  "skipped": sum(c.find("skipped") is not None for c in cases)}
        for key, value in counts.items():
            suite.set(key, str(value))
            total[key] += value
    for key, value in total.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _fingerprint(r: AssertionResult) -> str:
    import hashlib

    key = json.dumps([r.planned.model, r.planned.control, r.planned.assertion], sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def render_sarif(report: VerifyReport) -> str:
    types = sorted({r.planned.type for r in report.results})
    index = {name: i for i, name in enumerate(types)}
    results = []
    for r in report.results:
        if r.verdict.status not in ("fail", "error"):
            continue
        p = r.planned
        result: dict[str, Any] = {
            "ruleId": p.type, "ruleIndex": index[p.type],
            "level": "error" if p.control_status == "implemented" else "warning",
            "message": {"text": f"control {p.control}: {r.verdict.reason}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": p.model_path, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": p.line}}}],
            "partialFingerprints": {"primaryLocationLineHash": _fingerprint(r)},
        }
        if r.verdict.file:
            region = {"startLine": r.verdict.line} if r.verdict.line else {}
            result["relatedLocations"] = [{"id": 1, "physicalLocation": {
                "artifactLocation": {"uri": r.verdict.file, "uriBaseId": "%SRCROOT%"},
                **({"region": region} if region else {})}}]
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "threatgate", "version": __version__,
                "informationUri": "https://github.com/threatgate/threatgate",
                "rules": [{"id": name, "name": name,
                           "shortDescription": {"text": f"{name} assertion does not hold"},
                           "properties": {"security-severity": "7.0", "tags": ["security"]}}
                          for name in types]}},
            "automationDetails": {"id": "threatgate/verify/"},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///"}},
            "results": results,
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render(report: VerifyReport, kind: str) -> str:
    if kind == "json":
        return json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"
    renderer = {"text": render_text, "github": render_github, "markdown": render_markdown,
                "junit": render_junit, "sarif": render_sarif}[kind]
    return renderer(report)
