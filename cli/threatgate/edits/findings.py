"""Findings: gaps found in the code for a control, and the lifecycle they go through.

A finding records what was checked (locations), what should be there once the gap is
closed (expected evidence) and, when it is fixed, the assertions that prove the fix.

Lifecycle (``TRANSITIONS``), forward along discovered -> acknowledged -> remediated ->
verified, with dismissal and reopening:

* ``discovered -> acknowledged | dismissed``
* ``acknowledged -> remediated | dismissed``
* ``remediated -> verified | acknowledged (reopen: the fix is incomplete) | dismissed``
* ``verified -> acknowledged`` (reopen: the gap came back, e.g. the evidence drifted).
  A verified finding is never dismissed: its fix was proven, and dismissing it would
  hide a regression behind a reason.
* ``dismissed -> acknowledged`` (reopen: the dismissal was wrong). The dismissal
  ``reason`` is removed, because the schema gives it meaning only while dismissed; the
  history keeps it.

Rules on top of the transitions: ``dismissed`` needs a reason; ``remediated`` needs at
least one assertion on the finding; ``verified`` needs every assertion of the finding to
pass (:func:`verification_of` decides from verdicts, so ``threatgate verify`` can
promote findings from its own results). Staying in the same status is refused too: it
is almost always a mistake in a script.

Ids are ``F<n>``: one more than the highest ``F<n>`` that appears anywhere in the file
(ids of any entity, and also comments and text), so an id still mentioned in the file
is never handed out again and holes are never filled.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threatgate.document.editor import REMOVE, ModelEditor
from threatgate.document.errors import EditError
from threatgate.errors import EXIT_USAGE
from threatgate.model.loader import LoadError, load_text
from threatgate.model.vocabulary import SEVERITIES, id_index, ids_of, items

STATUSES = ("discovered", "acknowledged", "remediated", "verified", "dismissed")

#: Allowed moves from each status. ``acknowledged`` is also where a reopened finding goes.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "discovered": ("acknowledged", "dismissed"),
    "acknowledged": ("remediated", "dismissed"),
    "remediated": ("verified", "acknowledged", "dismissed"),
    "verified": ("acknowledged",),
    "dismissed": ("acknowledged",),
}
#: Transitions that take a finding back to work (named so in messages).
REOPENING = frozenset({("remediated", "acknowledged"), ("verified", "acknowledged"),
                       ("dismissed", "acknowledged")})

ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
_FINDING_NUMBER = re.compile(r"(?<![A-Za-z0-9_.-])F(\d{1,9})(?![A-Za-z0-9_])")
ASSERTION_SCHEMA = "assertion.schema.json"



# --- lifecycle ------------------------------------------------------------------------------


def allowed_transitions(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def check_transition(finding_id: str, current: str, target: str) -> None:
    """Refuse a move the lifecycle does not allow, saying which moves are allowed."""
    if target not in STATUSES:
        raise EditError(f"'{target}' is not a finding status (one of: "
                        f"{', '.join(STATUSES)})", exit_code=EXIT_USAGE)
    if current == target:
        raise EditError(f"{finding_id} is already {current}; omit --status to change "
                        "other fields")
    allowed = allowed_transitions(current)
    if target not in allowed:
        options = " or ".join(allowed) if allowed else "nothing"
        raise EditError(f"{finding_id} cannot go from {current} to {target}; "
                        f"from {current} a finding can go to {options}")


@dataclass(frozen=True)
class Verification:
    """Whether a finding's assertions prove its fix, from one verdict per assertion."""

    passed: bool
    count: int
    failing: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()

    def explain(self) -> str:
        if self.count == 0:
            return "the finding has no assertions to prove the fix"
        if self.passed:
            return f"all {self.count} assertion(s) pass"
        parts = []
        if self.failing:
            parts.append("not passing: " + ", ".join(f"#{i + 1}" for i in self.failing))
        if self.missing:
            parts.append("not checked: " + ", ".join(f"#{i + 1}" for i in self.missing))
        return "; ".join(parts)


def verification_of(assertions: Sequence[Any], verdicts: Mapping[int, str]) -> Verification:
    """Decide from verdicts (assertion index -> "pass", "fail", "error" or "skipped").

    A finding is proven only when it has assertions and every one of them passed; an
    assertion without a verdict counts as not proven.
    """
    count = len(assertions)
    failing = tuple(i for i in range(count) if i in verdicts and verdicts[i] != "pass")
    missing = tuple(i for i in range(count) if i not in verdicts)
    return Verification(count > 0 and not failing and not missing, count, failing, missing)


def promoted_status(finding: Mapping[str, Any], verdicts: Mapping[int, str]) -> str | None:
    """``"verified"`` when a remediated finding's assertions all pass, else ``None``.

    For ``threatgate verify``: a remediated finding becomes verified when the
    assertions linked to it pass.
    """
    assertions = finding.get("assertions")
    if finding.get("status") != "remediated" or not isinstance(assertions, list):
        return None
    return "verified" if verification_of(assertions, verdicts).passed else None


# --- ids --------------------------------------------------------------------------------------


def next_finding_id(data: Mapping[str, Any], text: str = "") -> str:
    """``F<n>``, one past the highest F-number among the model's ids and in its text."""
    numbers = [int(m.group(1)) for m in _FINDING_NUMBER.finditer(text)]
    for entity_id in id_index(dict(data)):
        match = re.fullmatch(r"F(\d+)", entity_id)
        if match:
            numbers.append(int(match.group(1)))
    return f"F{max(numbers, default=0) + 1}"


def _suggest(word: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.5)
    listed = ", ".join(sorted(known)) if known else "none"
    return (f"; did you mean {close[0]}?" if close else "") + f" (defined: {listed})"


# --- assertions -------------------------------------------------------------------------------


def parse_assertion(text: str) -> dict[str, Any]:
    """An assertion written as a YAML (or JSON) flow mapping on the command line.

    Example: ``{type: pattern_absent, file: src/db.py, pattern: 'execute\\(f"'}``. It is
    read with the model loader (no anchors, tags or duplicate keys) and checked against
    the assertion schema.
    """
    wrapped = "assertion: " + text.strip().replace("\n", "\n  ")
    try:
        value = load_text(wrapped).data.get("assertion")
    except LoadError as exc:
        raise EditError(f"--assertion {text!r}: {exc.message}",
                        exit_code=EXIT_USAGE) from None
    if not isinstance(value, dict):
        raise EditError(f"--assertion {text!r}: expected a mapping such as "
                        "'{type: file_exists, file: src/app.py}'", exit_code=EXIT_USAGE)
    check_assertion(value, f"--assertion {text!r}")
    return value


def check_assertion(assertion: Mapping[str, Any], label: str) -> None:
    from threatgate.model import schema

    problems = schema.check(dict(assertion), ASSERTION_SCHEMA)
    if problems:
        raise EditError(f"{label}: " + "; ".join(p.message for p in problems),
                        exit_code=EXIT_USAGE)


def finding_verdicts(assertions: Sequence[Mapping[str, Any]], root: Path) -> dict[int, Any]:
    """Check each assertion against the working tree at ``root``: index -> Verdict.

    Refuses (exit 1) an assertion whose type the verifier does not know yet, or one that
    runs a command: updating a finding never runs commands. The rest is checked by the
    verifier's runner, exactly as ``threatgate verify`` checks a control's assertions.
    """
    from threatgate.verify import REGISTRY, WorkingTree
    from threatgate.verify.runner import planned_from
    from threatgate.verify.runner import run_assertions as run_planned

    for index, assertion in enumerate(assertions):
        kind = str(assertion.get("type"))
        spec = REGISTRY.get(kind)
        if spec is None:
            raise EditError(
                f"assertion #{index + 1} has type {kind}, which this version of the "
                "verifier cannot check yet; the finding cannot be verified "
                f"(checkable types: {', '.join(sorted(REGISTRY))})")
        if spec.runs_commands:
            raise EditError(
                f"assertion #{index + 1} ({kind}) runs a command; `findings update` never "
                "runs commands, so the finding cannot be verified here")
    results = run_planned(planned_from(assertions), WorkingTree(root))
    return {result.planned.index: result.verdict for result in results}


# --- operations on a model being edited ---------------------------------------------------------


@dataclass
class NewFinding:
    """What ``findings add`` records."""

    control: str
    title: str
    severity: str
    today: dt.date
    locations: Sequence[str] = ()
    expected_evidence: str | None = None
    description: str | None = None
    tags: Sequence[str] = ()
    finding_id: str | None = None


def add_finding(editor: ModelEditor, request: NewFinding) -> dict[str, Any]:
    """Append a new ``discovered`` finding to the model; return the entry written."""
    data = editor.data
    if request.severity not in SEVERITIES:
        raise EditError(f"'{request.severity}' is not a severity (one of: "
                        f"{', '.join(SEVERITIES)})", exit_code=EXIT_USAGE)
    controls = sorted(ids_of(data, "controls"))
    if request.control not in controls:
        raise EditError(f"control {request.control!r} is not defined in this model"
                        + _suggest(request.control, controls))
    if not request.title.strip():
        raise EditError("the title must not be empty", exit_code=EXIT_USAGE)
    if request.finding_id is not None:
        finding_id = request.finding_id
        if not ID_PATTERN.match(finding_id) or len(finding_id) > 64:
            raise EditError(f"{finding_id!r} is not a valid id (a letter, then letters, "
                            "digits, '_', '.' or '-')", exit_code=EXIT_USAGE)
        used = id_index(data).get(finding_id)
        if used:
            raise EditError(f"id {finding_id} is already used by "
                            f"{used[0].collection}[{used[0].index}]; ids are never reused "
                            f"(next free: {next_finding_id(data, editor.text)})")
    else:
        finding_id = next_finding_id(data, editor.text)
    entry: dict[str, Any] = {"id": finding_id, "control": request.control,
                             "title": request.title.strip()}
    if request.description:
        entry["description"] = request.description
    entry["severity"] = request.severity
    entry["status"] = "discovered"
    entry["discovered_on"] = request.today.isoformat()
    locations = [loc.strip() for loc in request.locations if loc.strip()]
    if locations:
        entry["locations"] = locations
    if request.expected_evidence:
        entry["expected_evidence"] = request.expected_evidence
    if request.tags:
        entry["tags"] = list(dict.fromkeys(request.tags))
    editor.append("findings", entry)
    return entry


@dataclass
class FindingUpdate:
    """What ``findings update`` changes: a status, a dismissal reason, more assertions."""

    status: str | None = None
    reason: str | None = None
    assertions: Sequence[Mapping[str, Any]] = ()
    #: Repository root the assertions are checked against when verifying.
    root: Path | None = None


@dataclass
class UpdateResult:
    finding_id: str
    before: str
    after: str
    added_assertions: int = 0
    reason_removed: bool = False
    verdicts: dict[int, Any] = field(default_factory=dict)

    @property
    def reopened(self) -> bool:
        return (self.before, self.after) in REOPENING


def find_finding(data: Mapping[str, Any], finding_id: str) -> tuple[int, dict[str, Any]]:
    found = [(i, f) for i, f in items(dict(data), "findings") if f.get("id") == finding_id]
    if not found:
        known = [str(f.get("id")) for _, f in items(dict(data), "findings")]
        raise EditError(f"no finding {finding_id} in this model" + _suggest(finding_id, known),
                        exit_code=EXIT_USAGE)
    return found[0]


def update_finding(editor: ModelEditor, finding_id: str,
                   request: FindingUpdate) -> UpdateResult:
    """Move a finding through its lifecycle (and/or add assertions) in the model."""
    index, finding = find_finding(editor.data, finding_id)
    current = str(finding.get("status"))
    target = request.status
    if target is None and request.reason is None and not request.assertions:
        raise EditError("nothing to change: give --status, --reason or --assertion",
                        exit_code=EXIT_USAGE)
    if target is not None:
        check_transition(finding_id, current, target)
    final = target or current
    reason = request.reason.strip() if request.reason is not None else None
    if reason is not None and final != "dismissed":
        raise EditError("--reason records why a finding is dismissed; use it with "
                        "--status dismissed (or on a dismissed finding)",
                        exit_code=EXIT_USAGE)
    if target == "dismissed" and not reason:
        raise EditError(f"dismissing {finding_id} needs a reason: add --reason '...' "
                        "saying why the gap is not real or not worth closing")
    existing = finding.get("assertions")
    existing = list(existing) if isinstance(existing, list) else []
    for number, assertion in enumerate(request.assertions, 1):
        check_assertion(assertion, f"assertion {number}")
    new = [dict(a) for a in request.assertions if dict(a) not in existing]
    new = [a for i, a in enumerate(new) if a not in new[:i]]
    merged = existing + new
    if final == "remediated" and not merged:
        raise EditError(
            "a remediated finding links the assertions that prove the fix; add at least "
            "one with --assertion '{type: ..., ...}' (e.g. {type: pattern_absent, "
            "file: src/db.py, pattern: 'execute\\(f\"'})")
    result = UpdateResult(finding_id, current, final, added_assertions=len(new))
    if target == "verified":
        if request.root is None:  # pragma: no cover - the command always passes it
            raise EditError("no repository root to verify against", exit_code=EXIT_USAGE)
        result.verdicts = finding_verdicts(merged, request.root)
        outcome = verification_of(merged, {i: v.status for i, v in result.verdicts.items()})
        if not outcome.passed:
            details = [f"#{i + 1} {merged[i].get('type')}: {v.status}: {v.reason}"
                       for i, v in sorted(result.verdicts.items())]
            raise EditError(f"{finding_id} stays remediated: its assertions do not all "
                            f"pass ({outcome.explain()})", details=details)
    changes: dict[str, Any] = {}
    if target is not None:
        changes["status"] = target
    if reason is not None:
        changes["reason"] = reason
    elif current == "dismissed" and final != "dismissed" and "reason" in finding:
        changes["reason"] = REMOVE
        result.reason_removed = True
    if new:
        changes["assertions"] = merged
    editor.update("findings", index, changes)
    return result


def promote_remediated(editor: ModelEditor, root: Path) -> list[str]:
    """Mark verified every remediated finding whose linked assertions all pass.

    For ``threatgate verify --update-findings``; returns the ids it promoted.
    """
    promoted = []
    for index, finding in items(editor.data, "findings"):
        assertions = finding.get("assertions")
        if finding.get("status") != "remediated" or not isinstance(assertions, list):
            continue
        verdicts = finding_verdicts(assertions, root)
        if promoted_status(finding, {i: v.status for i, v in verdicts.items()}):
            editor.update("findings", index, {"status": "verified"})
            promoted.append(str(finding.get("id")))
    return promoted
