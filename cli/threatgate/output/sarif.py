"""Gate results as SARIF 2.1.0, the format GitHub code scanning (and most IDEs) reads.

One run, one rule per gate check plus one for models that cannot be assessed, one
result per failure. What GitHub needs from the file, and where it comes from here:

* ``ruleId`` is the check name (``fail_on_critical``, ...): stable across releases, so
  alerts are matched from one run to the next;
* ``partialFingerprints.primaryLocationLineHash`` is a hash of the rule, the model id and
  the entity at fault (plus an occurrence number), never the line: moving text around in
  the model keeps the alert open instead of closing it and opening a new one. When it is
  present, GitHub's upload action does not compute its own from the file's lines;
* ``properties.security-severity`` on each rule makes GitHub rank alerts as critical /
  high / medium / low security alerts rather than plain errors and warnings;
* locations are the model paths as the gate shows them (relative to the working
  directory, forward slashes) against ``%SRCROOT%``: run the gate from the repository
  root so that they are relative to the repository;
* a model that cannot be assessed gets an ``invalid_model`` result at its first problem
  (line 1 when that problem has no position).

Pure: data in, a string out.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from threatgate import __version__
from threatgate.gate.run import Failure, GateReport
from threatgate.model.vocabulary import SEVERE
from threatgate.output.escape.text import utf8_text

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/threatgate/threatgate"
AUTOMATION_ID = "threatgate/gate/"
SRCROOT = "%SRCROOT%"
INVALID_MODEL = "invalid_model"


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
    #: The flag and the [gate] setting that turn the check on; None: always on.
    setting: tuple[str, str] | None
    tags: tuple[str, ...]


RULES: tuple[Rule, ...] = (
    Rule("fail_on_critical", "CriticalThreatUnhandled", "critical",
         "Critical threat neither mitigated nor accepted",
         "A threat scored critical (likelihood x impact of 20 or more) has no active "
         "mitigating control and no acceptance in force.",
         "Implement a control listed under the threat's `mitigations` (status "
         "`implemented`), or record an acceptance naming the threat with an owner, a "
         "justification and a `review_by` date that has not passed.",
         ("--fail-on-critical", "fail_on_critical = true"),
         ("threat-model", "mitigation")),
    Rule("fail_on_unmitigated_high", "UnmitigatedHighThreat", "high",
         "High or critical threat without an active mitigation",
         "A threat of severity high or critical has no implemented mitigating control, "
         "and no acceptance in force stands in for one.",
         "Implement one of the controls listed under the threat's `mitigations`, link an "
         "implemented control to it, or accept the risk explicitly with a review date.",
         ("--fail-on-unmitigated-high", "fail_on_unmitigated_high = true"),
         ("threat-model", "mitigation")),
    Rule("min_mitigation_ratio", "MitigationRatioBelowMinimum", "medium",
         "Too few threats mitigated",
         "The share of the model's threats that are mitigated by an active control is "
         "below the minimum the gate requires.",
         "Implement the controls that mitigate the open threats (`threatgate assess` "
         "ranks them by what they close), or lower the required ratio deliberately.",
         ("--min-mitigation-ratio RATIO", "min_mitigation_ratio = 0.8"),
         ("threat-model", "mitigation")),
    Rule("fail_on_at_risk", "ControlObjectiveAtRisk", "high",
         "Control objective at risk",
         "A control objective of the configured risk tier or higher is neither mitigated "
         "by a complete mitigation group nor covered by an attested assumption.",
         "Complete one mitigation group of the objective (every control in it "
         "implemented), or cover it by an assumption attested by its owner.",
         ("--fail-on-at-risk TIER", 'fail_on_at_risk = "high"'),
         ("threat-model", "control-objective")),
    Rule("fail_on_expired", "ExpiredAcceptanceOrAttestation", "medium",
         "Risk acceptance or attestation expired",
         "A risk acceptance has passed its `review_by` date, or an attested assumption "
         "has passed its `expires` date: what it covered is open again.",
         "Review the acceptance or assumption with its owner and set a new date, or "
         "remove it and mitigate what it covered.",
         ("--fail-on-expired", "fail_on_expired = true"),
         ("threat-model", "risk-acceptance")),
    Rule("max_open_findings", "TooManyOpenFindings", "high",
         "Too many open findings",
         "More findings of the given severity or above are open (discovered, "
         "acknowledged or remediated but not verified) than the gate allows.",
         "Remediate and verify the findings, or dismiss those that do not apply with a "
         "reason.",
         ("--max-open-findings SEVERITY=N", "max_open_findings = { high = 0 }"),
         ("threat-model", "finding")),
    Rule("require_evidence", "ControlWithoutEvidence", "medium",
         "Implemented control without assertions",
         "A control is marked implemented but carries no assertions, so nothing in CI "
         "can check that the code really contains it.",
         "Add machine-checkable `assertions` to the control (function exists, pattern "
         "present or absent, config value, test exists, ...) that the verifier can check.",
         ("--require-evidence", "require_evidence = true"),
         ("threat-model", "evidence")),
    Rule("require_verified", "ControlNotVerified", "high",
         "Implemented control not verified",
         "A control is marked implemented, but its assertions are missing or do not all "
         "pass against the code, so the claim is not backed by evidence.",
         "Fix the code or the assertions until `threatgate verify` passes for the control.",
         ("--require-verified", "require_verified = true"),
         ("threat-model", "evidence")),
    Rule("fail_on_drift", "EvidenceDrift", "high",
         "Evidence drifted since the baseline",
         "An assertion that passed at the baseline commit fails now: a change removed or "
         "broke the code that implements a control.",
         "Restore the control's implementation, or update the model and its assertions in "
         "a reviewed change.",
         ("--fail-on-drift REF", "fail_on_drift = \"origin/main\""),
         ("threat-model", "evidence", "drift")),
    Rule("fail_on_empty", "EmptyThreatModel", "medium",
         "Threat model without threats or objectives",
         "The model defines neither threats nor control objectives, so there is nothing "
         "to assess and it would pass every other check.",
         "Model the feature's threats and its control objectives (asset x attacker), "
         "or remove the empty model.",
         ("--fail-on-empty", "fail_on_empty = true"),
         ("threat-model",)),
    Rule(INVALID_MODEL, "InvalidThreatModel", "high",
         "Threat model cannot be assessed",
         "The model file is not valid (YAML syntax, schema or cross-reference errors), "
         "so the gate cannot assess it and always fails.",
         "Run `threatgate validate` on the file and fix the errors it reports.",
         None,
         ("threat-model", "correctness")),
)
RULE_INDEX = {rule.id: index for index, rule in enumerate(RULES)}


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


def fingerprint(*parts: str) -> str:
    """A stable hex digest of the parts (never of a line or column)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "replace")).hexdigest()[:32]


def _rule_json(rule: Rule) -> dict[str, Any]:
    if rule.setting:
        flag, setting = rule.setting
        how_on = f"Turned on by {flag}, or {setting} under [gate] in threatgate.toml."
        how_on_markdown = (f"**Turned on by** `{flag}`, or `{setting}` under `[gate]` in "
                           "`threatgate.toml`.")
    else:
        how_on = how_on_markdown = "Always on: a model that cannot be assessed fails the gate."
    help_markdown = (f"**{rule.short}**\n\n{rule.full}\n\n**How to fix:** {rule.fix}\n\n"
                     f"{how_on_markdown}")
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": f"{rule.full} How to fix: {rule.fix.replace('`', '')} {how_on}",
                 "markdown": help_markdown},
        "defaultConfiguration": {"level": level_of(rule.severity)},
        "properties": {
            "security-severity": security_severity(rule.severity),
            "tags": ["security", *rule.tags],
            "precision": "very-high",
        },
    }


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": artifact_location(path),
            "region": {"startLine": max(1, line), "startColumn": max(1, column)},
        }
    }


def _result(rule: int, rule_id: str, level: str, message: str, location: dict[str, Any],
            print_: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": rule,
        "level": level,
        "message": {"text": utf8_text(message)},
        "locations": [location],
        "partialFingerprints": {"primaryLocationLineHash": print_},
        "properties": properties,
    }


def _failure_result(rule: int, model_id: str, failure: Failure,
                    occurrence: int) -> dict[str, Any]:
    entity = failure.entity or ""
    return _result(
        rule, failure.check, level_of(failure.severity), failure.message,
        _location(failure.path, failure.line, failure.column),
        f"{fingerprint(failure.check, model_id, entity)}:{occurrence}",
        {"model": utf8_text(model_id), "entity": utf8_text(entity), "severity": failure.severity,
         "security-severity": security_severity(failure.severity)},
    )


def _unknown_rule(check: str) -> Rule:
    """A rule for a check this module does not describe yet (kept valid, never dropped)."""
    return Rule(check, "".join(part.title() for part in check.split("_")), "high",
                f"Gate check {check} failed", f"The gate check {check} failed.",
                "See the failure message.", None, ("threat-model",))


def sarif_document(report: GateReport) -> dict[str, Any]:
    rules = list(RULES)
    index = dict(RULE_INDEX)
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
                                           seen[key]))
    for bad in report.invalid:
        results.append(_result(
            RULE_INDEX[INVALID_MODEL], INVALID_MODEL, level_of("high"),
            f"model cannot be assessed: {bad.message} [{bad.rule}]",
            _location(bad.path, bad.line, bad.column),
            f"{fingerprint(INVALID_MODEL, utf8_text(bad.path))}:1",
            {"security-severity": security_severity("high")},
        ))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "threatgate",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule_json(rule) for rule in rules],
            }},
            "automationDetails": {"id": AUTOMATION_ID},
            "invocations": [{"executionSuccessful": True,
                             "endTimeUtc": report.generated_at}],
            "originalUriBaseIds": {SRCROOT: {"description": {
                "text": "The folder the gate ran in: the root of the repository."}}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"pass": report.passed,
                           "thresholds": report.thresholds.as_json()},
        }],
    }


def render_sarif(report: GateReport) -> str:
    return json.dumps(sarif_document(report), indent=2, ensure_ascii=False) + "\n"


