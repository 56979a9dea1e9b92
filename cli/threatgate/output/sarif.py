"""Gate and verification results as SARIF 2.1.0, the format GitHub code scanning reads.

The gate's log has one run, one rule per gate check (from the check registry) plus one
for models that cannot be assessed, one result per failure. The verification's log has
one rule per assertion type and one result per assertion that fails or cannot be
checked. Both are written by the same code. What GitHub needs from the file, and where
it comes from here:

* ``ruleId`` is the check name (``fail_on_critical``, ...) or the assertion type: stable
  across releases, so alerts are matched from one run to the next;
* ``partialFingerprints.primaryLocationLineHash`` is a hash of the rule, the model id and
  the entity at fault (plus an occurrence number), never the line: moving text around in
  the model keeps the alert open instead of closing it and opening a new one. When it is
  present, GitHub's upload action does not compute its own from the file's lines;
* ``properties.security-severity`` on each rule makes GitHub rank alerts as critical /
  high / medium / low security alerts rather than plain errors and warnings;
* locations are relative to the repository root (``%SRCROOT%``, declared in
  ``originalUriBaseIds`` without a machine-specific ``file:///`` URI), with forward
  slashes, wherever the command ran from; only a file outside the repository gets an
  absolute ``file:`` URI;
* a model that cannot be assessed gets an ``invalid_model`` result at its first problem
  (line 1 when that problem has no position);
* every rule carries a short and a full description and help (text and Markdown).

Pure: data in, a string out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from threatgate import __version__
from threatgate.gate.checks import CHECKS, GateCheck
from threatgate.model.vocabulary import SEVERE
from threatgate.output.registry import register_format

if TYPE_CHECKING:
    from threatgate.gate.run import Failure, GateReport
    from threatgate.verify.results import VerifyReport
    from threatgate.verify.runner import AssertionResult
from threatgate.output.escape.text import utf8_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/threatgate/threatgate"
SRCROOT = "%SRCROOT%"
INVALID_MODEL = "invalid_model"
#: The documentation of this release, linked from every rule (``helpUri``).
DOCS_URI = f"{INFORMATION_URI}/blob/v{__version__}/docs"
GATE_HELP_URI = f"{DOCS_URI}/ci.md#thresholds"
ASSERTION_HELP_URI = f"{DOCS_URI}/schema.md#assertions"


#: GitHub's bands: over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, below low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    short: str
    full: str
    fix: str
    #: When the rule applies, as plain text and as Markdown.
    applies: tuple[str, str]
    tags: tuple[str, ...]
    #: The security-severity score, when not the one of ``severity``.
    score: str | None = None
    help_uri: str = GATE_HELP_URI


ALWAYS_ON = "Always on: a model that cannot be assessed fails the gate."


def check_rule(check: GateCheck) -> Rule:
    """The rule of a gate check, from what the check registers."""
    text = check.text
    applies = (f"Turned on by {text.flag}, or {text.setting} under [gate] in threatgate.toml.",
               f"**Turned on by** `{text.flag}`, or `{text.setting}` under `[gate]` in "
               "`threatgate.toml`.")
    return Rule(check.name, text.title, text.severity, text.short, text.full, text.fix,
                applies, text.tags)


INVALID_MODEL_RULE = Rule(
    INVALID_MODEL, "InvalidThreatModel", "high",
    "Threat model cannot be assessed",
    "The model file is not valid (YAML syntax, schema or cross-reference errors), "
    "so the gate cannot assess it and always fails.",
    "Run `threatgate validate` on the file and fix the errors it reports.",
    (ALWAYS_ON, ALWAYS_ON),
    ("threat-model", "correctness"))


#: One rule per registered gate check, in order, then invalid models: ids and indexes are
#: what GitHub matches alerts by, so they never change between runs.
RULES: tuple[Rule, ...] = (*(check_rule(check) for check in CHECKS), INVALID_MODEL_RULE)


def level_of(severity: str) -> str:
    """SARIF level of a failure: critical and high are errors, the rest warnings."""
    return "error" if severity in SEVERE else "warning"


def security_severity(severity: str) -> str:
    return SECURITY_SEVERITY.get(severity, SECURITY_SEVERITY["medium"])


def _quote(text: str, safe: str) -> str:
    """Percent-encode a path; bytes of an undecodable file name are kept as they were."""
    for candidate, errors in ((text, "strict"), (text, "surrogateescape"),
                              (utf8_text(text), "strict")):
        try:
            return quote(candidate, safe=safe, errors=errors)
        except UnicodeEncodeError:
            continue
    raise AssertionError("unreachable: a cleaned string always encodes")


def repository_path(path: str, root: str | None) -> str:
    """``path`` (as a command shows it: relative to the working directory, or absolute)
    relative to the repository ``root`` when it lies inside it; else unchanged."""
    if root is None or not Path(root).is_absolute():
        return path
    relative = os.path.relpath(os.path.normpath(Path.cwd() / path), root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path
    return Path(relative).as_posix()


def artifact_location(path: str) -> dict[str, str]:
    """A SARIF artifact location: relative to %SRCROOT% when it can be, else a file URI."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    if re.match(r"^[A-Za-z]:/", path):
        return {"uri": "file:///" + _quote(path, "/:")}
    if path.startswith("/"):
        return {"uri": "file://" + _quote(path, "/")}
    return {"uri": _quote(path, "/"), "uriBaseId": SRCROOT}


def fingerprint(*parts: str, digest: str = "sha256") -> str:
    """A stable hex digest (32 digits) of the parts, never of a line or column.

    SARIF and GitLab Code Quality both match results between runs by it; ``digest`` is
    the hashlib algorithm (Code Quality's reports have always used md5).
    """
    data = "\0".join(parts).encode("utf-8", "replace")
    return hashlib.new(digest, data, usedforsecurity=False).hexdigest()[:32]


def _rule_json(rule: Rule) -> dict[str, Any]:
    how_on, how_on_markdown = rule.applies
    help_markdown = (f"**{rule.short}**\n\n{rule.full}\n\n**How to fix:** {rule.fix}\n\n"
                     f"{how_on_markdown}")
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "helpUri": rule.help_uri,
        "help": {"text": f"{rule.full} How to fix: {rule.fix.replace('`', '')} {how_on}",
                 "markdown": help_markdown},
        "defaultConfiguration": {"level": level_of(rule.severity)},
        "properties": {
            "security-severity": rule.score or security_severity(rule.severity),
            "tags": ["security", *rule.tags],
            "precision": "very-high",
        },
    }


def _location(path: str, line: int, column: int | None = None) -> dict[str, Any]:
    region = {"startLine": max(1, line)}
    if column is not None:
        region["startColumn"] = max(1, column)
    return {"physicalLocation": {"artifactLocation": artifact_location(path),
                                 "region": region}}


def _result(rule: int, rule_id: str, level: str, message: str, location: dict[str, Any],
            print_: str, properties: dict[str, Any] | None = None) -> dict[str, Any]:
    result = {
        "ruleId": rule_id,
        "ruleIndex": rule,
        "level": level,
        "message": {"text": utf8_text(message)},
        "locations": [location],
        "partialFingerprints": {"primaryLocationLineHash": print_},
    }
    if properties is not None:
        result["properties"] = properties
    return result


@dataclass(frozen=True)
class Run:
    """What differs between the runs threatgate writes."""

    automation_id: str
    #: What %SRCROOT% is, for people reading the log.
    srcroot: str
    rules: Iterable[Rule]
    results: list[dict[str, Any]]
    end_time: str | None = None
    properties: dict[str, Any] | None = None


def sarif_log(run: Run) -> str:
    """A SARIF 2.1.0 log of one run, as text."""
    body: dict[str, Any] = {
        "tool": {"driver": {
            "name": "threatgate",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule_json(rule) for rule in run.rules],
        }},
        "automationDetails": {"id": run.automation_id},
    }
    if run.end_time is not None:
        body["invocations"] = [{"executionSuccessful": True, "endTimeUtc": run.end_time}]
    body["originalUriBaseIds"] = {SRCROOT: {"description": {"text": run.srcroot}}}
    body["columnKind"] = "unicodeCodePoints"
    body["results"] = run.results
    if run.properties is not None:
        body["properties"] = run.properties
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [body]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- the gate -------------------------------------------------------------------------


def _failure_result(rule: int, model_id: str, failure: Failure,
                    occurrence: int, root: str | None) -> dict[str, Any]:
    entity = failure.entity or ""
    return _result(
        rule, failure.check, level_of(failure.severity), failure.message,
        _location(repository_path(failure.path, root), failure.line, failure.column),
        f"{fingerprint(failure.check, model_id, entity)}:{occurrence}",
        {"model": utf8_text(model_id), "entity": utf8_text(entity), "severity": failure.severity,
         "security-severity": security_severity(failure.severity)},
    )


def _unknown_rule(check: str) -> Rule:
    """A rule for a check no registered check describes (kept valid, never dropped)."""
    return Rule(check, "".join(part.title() for part in check.split("_")), "high",
                f"Gate check {check} failed", f"The gate check {check} failed.",
                "See the failure message.", (ALWAYS_ON, ALWAYS_ON), ("threat-model",))


def gate_results(report: GateReport, rules: list[Rule]) -> list[dict[str, Any]]:
    """One result per failure and per model that cannot be assessed; ``rules`` grows by
    the checks it does not know."""
    index = {rule.id: position for position, rule in enumerate(rules)}
    results = []
    seen: dict[tuple[str, str, str], int] = {}
    for gate in report.results:
        model_id = gate.assessment.model_id
        for failure in gate.failures:
            if failure.check not in index:
                index[failure.check] = len(rules)
                rules.append(_unknown_rule(failure.check))
            key = (failure.check, model_id, failure.entity or "")
            seen[key] = seen.get(key, 0) + 1
            results.append(_failure_result(index[failure.check], model_id, failure,
                                           seen[key], report.root))
    for bad in report.invalid:
        results.append(_result(
            index[INVALID_MODEL], INVALID_MODEL, level_of("high"),
            f"model cannot be assessed: {bad.message} [{bad.rule}]",
            _location(repository_path(bad.path, report.root), bad.line, bad.column),
            f"{fingerprint(INVALID_MODEL, utf8_text(bad.path))}:1",
            {"security-severity": security_severity("high")},
        ))
    return results


@register_format("gate", "sarif", 40, report_file=True)
def render_sarif(report: GateReport) -> str:
    rules = list(RULES)
    results = gate_results(report, rules)
    return sarif_log(Run(
        "threatgate/gate/", "The folder the gate ran in: the root of the repository.",
        rules, results, end_time=report.generated_at,
        properties={"pass": report.passed, "thresholds": report.thresholds.as_json()}))


# --- verification ---------------------------------------------------------------------

VERIFY_FIX = ("Fix the code or the assertion until `threatgate verify` passes for the "
              "control; an assertion that cannot be checked names the reason.")
VERIFY_APPLIES = "Reported by `threatgate verify` for every assertion that does not hold."


def assertion_rule(kind: str) -> Rule:
    """The rule of an assertion type, described by the assertion schema."""
    from threatgate.model.schema import schema_documents

    definitions = schema_documents().get("assertion.schema.json", {}).get("$defs", {})
    full = definitions.get(kind, {}).get("description") or (
        f"An assertion of type {kind} of a control does not hold against the code.")
    # The name differs from the id (SARIF1001): the id stays the assertion type.
    name = "".join(part.title() for part in kind.split("_"))
    return Rule(kind, name, "high", f"{kind} assertion does not hold", full, VERIFY_FIX,
                (VERIFY_APPLIES.replace("`", ""), VERIFY_APPLIES), ("evidence",), score="7.0",
                help_uri=ASSERTION_HELP_URI)


def _assertion_result(rule: int, r: AssertionResult, root: str | None) -> dict[str, Any]:
    p = r.planned
    key = json.dumps([p.model, p.control, p.assertion], sort_keys=True)
    result = _result(rule, p.type, "error" if p.control_status == "implemented" else "warning",
                     f"control {p.control}: {r.verdict.reason}",
                     _location(repository_path(p.model_path, root), p.line), fingerprint(key))
    if r.verdict.file:
        location = _location(r.verdict.file, r.verdict.line or 1)
        if not r.verdict.line:
            del location["physicalLocation"]["region"]
        result["relatedLocations"] = [{"id": 1, **location}]
    return result


@register_format("verify", "sarif", 60, report_file=True)
def render_verify_sarif(report: VerifyReport) -> str:
    types = sorted({r.planned.type for r in report.results})
    index = {name: i for i, name in enumerate(types)}
    results = [_assertion_result(index[r.planned.type], r, report.root) for r in report.results
               if r.verdict.status in ("fail", "error")]
    return sarif_log(Run(
        "threatgate/verify/",
        "The folder the verification ran in: the root of the repository.",
        [assertion_rule(name) for name in types], results))
