"""Run the assertions of every model against a tree, and compare with a baseline.

A control is *verified* when it has assertions and all of them pass. Drift is an
assertion that passed at the baseline and fails now; evidence that changed while the
assertion still passes is worth a second look. The report carries a digest of every
evidence file read (path and content hash), the commit, and a hash of the assertions
and their verdicts, so that it identifies exactly what was verified.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from typing import Any

from threatgate.analysis.posture import Evidence
from threatgate.model.vocabulary import items
from threatgate.verify.base import REGISTRY, EvidenceError, Tree, Verdict

Locate = Callable[[tuple[str | int, ...]], tuple[int, int]]


@dataclass(frozen=True)
class PlannedAssertion:
    """One assertion of one control, where it is written in the model."""

    model: str
    model_path: str
    control: str
    control_status: str
    index: int
    assertion: dict[str, Any]
    line: int

    @property
    def type(self) -> str:
        return str(self.assertion.get("type"))

    @property
    def key(self) -> tuple[str, str, str]:
        """Stable identity across commits: model, control, and the assertion's id or text."""
        own = self.assertion.get("id")
        text = own if isinstance(own, str) else json.dumps(self.assertion, sort_keys=True)
        return (self.model, self.control, text)


def planned_assertions(data: dict[str, Any], display: str,
                       locate: Locate) -> list[PlannedAssertion]:
    """Every assertion of a model's controls (a follow-up step of validation)."""
    model_id = str(data.get("id"))
    out = []
    for c_index, control in items(data, "controls"):
        for a_index, assertion in enumerate(control.get("assertions") or []):
            if isinstance(assertion, dict):
                out.append(PlannedAssertion(
                    model_id, display, str(control.get("id")), str(control.get("status")),
                    a_index, dict(assertion),
                    locate(("controls", c_index, "assertions", a_index))[0]))
    return out


def planned_from(assertions: Sequence[Mapping[str, Any]]) -> list[PlannedAssertion]:
    """Assertions written outside a control (a finding's), planned in their order.

    They belong to no control and have no place in a model to point at (empty names,
    line 0); ``index`` is the position in ``assertions``.
    """
    return [PlannedAssertion("", "", "", "", index, dict(assertion), 0)
            for index, assertion in enumerate(assertions)]


@dataclass(frozen=True)
class AssertionResult:
    planned: PlannedAssertion
    verdict: Verdict
    evidence: dict[str, str] = field(default_factory=dict)  # files read -> sha256
    #: sha256 of the evidence the verdict points at (the text of its line), when it points
    #: at one: what drift compares, so an unrelated edit of the same file is no change.
    matched: str | None = None

    def as_json(self) -> dict[str, Any]:
        p = self.planned
        return {
            "model": p.model, "model_path": p.model_path, "control": p.control,
            "control_status": p.control_status, "index": p.index, "type": p.type,
            "assertion_id": p.assertion.get("id"), "line": p.line,
            "status": self.verdict.status, "reason": self.verdict.reason,
            "file": self.verdict.file, "evidence_line": self.verdict.line,
        }


def check_one(planned: PlannedAssertion, base_tree: Tree,
              allow_commands: bool) -> AssertionResult:
    kind = REGISTRY.get(planned.type)
    if kind is None:
        return AssertionResult(planned, Verdict.error(f"unknown assertion type {planned.type}"))
    if kind.runs_commands and not allow_commands:
        return AssertionResult(planned, Verdict.skipped(
            "runs a command: only with --allow-commands"))
    tree = base_tree.fork()
    try:
        verdict = kind.check(planned.assertion, tree)
    except EvidenceError as exc:
        verdict = Verdict.error(str(exc))
    except (OSError, ValueError, RecursionError, MemoryError) as exc:
        verdict = Verdict.error(f"cannot check: {type(exc).__name__}: {exc}")
    return AssertionResult(planned, verdict, dict(tree.read_files), matched_line(verdict, tree))


def matched_line(verdict: Verdict, tree: Tree) -> str | None:
    """The digest of the line a passing verdict points at (None: it points at none)."""
    if verdict.status != "pass" or not verdict.file or not verdict.line:
        return None
    try:
        lines = tree.read_text(verdict.file).splitlines()
    except (EvidenceError, OSError, ValueError):
        return None
    if not 0 < verdict.line <= len(lines):
        return None
    return hashlib.sha256(lines[verdict.line - 1].strip().encode("utf-8")).hexdigest()


def runs_a_command(planned: PlannedAssertion, allow_commands: bool) -> bool:
    """Whether checking the assertion runs a command (and so mostly waits for it)."""
    kind = REGISTRY.get(planned.type)
    return allow_commands and kind is not None and kind.runs_commands


def run_assertions(planned: Iterable[PlannedAssertion], tree: Tree, *,
                   allow_commands: bool = False, workers: int = 8,
                   progress: Callable[[int], None] | None = None) -> list[AssertionResult]:
    """Check every assertion; the results are in the order of ``planned``.

    Commands run in up to ``workers`` threads, since they wait on other processes. The
    evidence checks are Python and ``regex`` work holding the GIL, so threads only slow
    them down (8 threads took twice the time of one): a large run spreads them over
    worker processes, one per usable core (at most ``workers``), each with its own cache
    of files and parses; a small one checks them in this thread meanwhile.
    """
    todo = list(planned)
    results: list[AssertionResult | None] = [None] * len(todo)
    commands = {index for index, p in enumerate(todo) if runs_a_command(p, allow_commands)}
    evidence = [index for index in range(len(todo)) if index not in commands]
    processes = evidence_processes(workers, len(evidence))
    with ExitStack() as stack:
        # The workers are forked before any command thread starts: a fork copies no lock
        # that another thread holds.
        checked = (check_in_processes(stack, todo, evidence, tree, allow_commands, processes)
                   if processes > 1 else
                   ([(index, check_one(todo[index], tree, allow_commands))]
                    for index in evidence))
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, workers)))
        waiting = {index: pool.submit(check_one, todo[index], tree, allow_commands)
                   for index in sorted(commands)}
        for batch in checked:
            for index, result in batch:
                results[index] = result
            if progress:
                progress(len(batch))
        for index, command in waiting.items():
            results[index] = command.result()
            if progress:
                progress(1)
    return [result for result in results if result is not None]


#: Fewer evidence checks than this run in one process: starting workers would cost more.
PARALLEL_EVIDENCE = 256
#: Work items per worker process: small enough to even out, large enough to keep each
#: worker's file and parse cache useful (neighbouring assertions read the same files).
BATCHES_PER_PROCESS = 8


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def evidence_processes(workers: int, count: int) -> int:
    """How many processes check ``count`` evidence assertions: one per usable core, at
    most ``workers``, for a large run where processes can be forked; else one."""
    if count < PARALLEL_EVIDENCE or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(workers, usable_cores()))


def check_in_processes(stack: ExitStack, todo: list[PlannedAssertion], evidence: list[int],
                       tree: Tree, allow_commands: bool, processes: int,
                       ) -> Iterator[list[tuple[int, AssertionResult]]]:
    """The evidence assertions ``evidence`` (indices into ``todo``) checked by forked
    workers, batch by batch in order. Every batch is handed out (and the workers forked)
    before this returns; the workers inherit the assertions and the tree, so only
    indices go to them and only verdicts come back."""
    size = max(1, -(-len(evidence) // (processes * BATCHES_PER_PROCESS)))
    batches = [evidence[i:i + size] for i in range(0, len(evidence), size)]
    pool = stack.enter_context(ProcessPoolExecutor(
        max_workers=processes, mp_context=multiprocessing.get_context("fork"),
        initializer=adopt_run, initargs=(todo, tree, allow_commands)))
    answers = pool.map(check_batch, batches)
    return ([(index, AssertionResult(todo[index], *outcome))
             for index, outcome in zip(batch, outcomes, strict=True)]
            for batch, outcomes in zip(batches, answers, strict=True))


#: The run a worker process checks (set once in each worker, by :func:`adopt_run`).
WORKER_RUN: list[tuple[list[PlannedAssertion], Tree, bool]] = []


def adopt_run(todo: list[PlannedAssertion], tree: Tree, allow_commands: bool) -> None:
    WORKER_RUN[:] = [(todo, tree, allow_commands)]


def check_batch(batch: list[int]) -> list[tuple[Verdict, dict[str, str], str | None]]:
    """In a worker: the verdict, evidence files and matched line of each assertion."""
    todo, tree, allow_commands = WORKER_RUN[0]
    out = []
    for index in batch:
        result = check_one(todo[index], tree, allow_commands)
        out.append((result.verdict, result.evidence, result.matched))
    return out


def control_evidence(results: Iterable[AssertionResult]) -> dict[str, dict[str, Evidence]]:
    """model id -> control id -> "passed" | "failed", for the assessment.

    A control passes when every one of its assertions passed; any fail or error makes
    it fail; a skipped assertion leaves the control unverified (absent).
    """
    by_control: dict[tuple[str, str], list[str]] = {}
    for result in results:
        key = (result.planned.model, result.planned.control)
        by_control.setdefault(key, []).append(result.verdict.status)
    evidence: dict[str, dict[str, Evidence]] = {}
    for (model, control), statuses in by_control.items():
        if any(s in ("fail", "error") for s in statuses):
            evidence.setdefault(model, {})[control] = "failed"
        elif all(s == "pass" for s in statuses):
            evidence.setdefault(model, {})[control] = "passed"
    return evidence


@dataclass
class Drift:
    """Assertions that passed at the baseline and fail now; evidence that changed."""

    drifted: list[tuple[AssertionResult, AssertionResult]] = field(default_factory=list)
    changed: list[tuple[AssertionResult, AssertionResult]] = field(default_factory=list)


def compare(baseline: Iterable[AssertionResult], current: Iterable[AssertionResult]) -> Drift:
    before = {r.planned.key: r for r in baseline}
    drift = Drift()
    for now in current:
        then = before.get(now.planned.key)
        if then is None or then.verdict.status != "pass":
            continue
        if now.verdict.status in ("fail", "error"):
            drift.drifted.append((then, now))
        elif now.verdict.status == "pass" and evidence_changed(then, now):
            drift.changed.append((then, now))
    return drift


def evidence_changed(then: AssertionResult, now: AssertionResult) -> bool:
    """Whether what a passing assertion rests on changed: the line its verdict points at
    (wherever it moved to), else every file it read."""
    if then.matched is not None or now.matched is not None:
        return then.matched != now.matched or then.verdict.file != now.verdict.file
    return then.evidence != now.evidence


def evidence_digest(results: Iterable[AssertionResult]) -> tuple[str, list[dict[str, str]]]:
    """sha256 over the sorted (path, content hash) of every evidence file read."""
    files: dict[str, str] = {}
    for result in results:
        files.update(result.evidence)
    listing = [{"path": path, "sha256": files[path]} for path in sorted(files)]
    digest = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()
    return digest, listing


def verdicts_digest(results: Iterable[AssertionResult]) -> str:
    """sha256 over every assertion (as written) and its verdict, in a stable order."""
    rows = sorted(
        json.dumps([r.planned.model, r.planned.control, r.planned.assertion,
                     asdict(r.verdict)], sort_keys=True, default=str) for r in results)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()
