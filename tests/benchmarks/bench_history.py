#!/usr/bin/env python3
"""Benchmark ``threatgate history``: 500 commits of a 10-model repository.

Targets (the project's): the whole history in under 10 s from an empty cache, and a
second run, from the cache, in under 1 s.

1. builds a throwaway git repository in one ``git fast-import`` (fixed author, committer
   and dates, no user or system git configuration): 10 distinct, valid models of about
   20 KB under ``threatmodels/`` (``bench_validate.py``'s generator) in the first
   commit, then N-1 commits (default 499) each changing one model (the models in turn):
   a threat's likelihood moved between 1 and 5, or a control's status turned between
   ``implemented`` and ``planned``, so every commit changes the posture numbers a little,
   and its title names the commit, so that every version is a blob of its own (500
   blobs to read and assess, nothing shared);
2. checks, untimed, that the models are valid and that ``threatgate history --format
   json`` lists every commit and each model at each commit that changed it;
3. times, as subprocesses, wall-clock, K rounds each made of one cold run (a fresh,
   empty cache folder) followed by one warm run (the cache the cold run filled), so
   that the two kinds of run interleave and share the machine's load alike; every run
   must print the same document;
   Python's compiled-module cache is on (``PYTHONDONTWRITEBYTECODE`` is dropped), as for
   any installed threatgate;
4. prints the median, minimum and maximum of each kind and PASS or FAIL against its
   target (on the median), and the processor time of the runs (children included), which
   tells a slow machine from a busy one.

The exit status is 0 when the benchmark ran, even if a target is missed (a report, not a
gate); 1 when a tool fails or the history is not what the repository holds; 2 for a
usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_history.py [--commits N] [--repeat K] [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmarks folder is not a package; it shares BenchError and helpers via benchkit.
from bench_validate import render_model
from benchkit import (
    GIT_ENV,
    BenchError,
    add_json_option,
    add_repeat_option,
    failure,
    fill_defaults,
    machine_info,
    output,
    print_header,
    run_in_scratch,
    run_timed,
    source_info,
    tool,
    write_json,
)

MODELS = 10
DEFAULT_COMMITS = 500
QUICK_COMMITS = 100
DEFAULT_REPEAT = 5
QUICK_REPEAT = 2
TARGET_COLD = 10.0
TARGET_WARM = 1.0
MODELS_DIR = "threatmodels"
HISTORY_ARGS = ("history", "--format", "json")
#: One commit a minute from this time on (seconds since the epoch: 2026-01-01 00:00 UTC).
START_TIME = 1767225600


def change(text: str, step: int) -> str:
    """The model one step later: a likelihood or a control status turned, by turns, and
    the revision in its title, so that no two versions of a model are the same blob."""
    text, titled = re.subn(r"^title: .*$", f"title: Revision {step}", text, count=1,
                           flags=re.MULTILINE)
    if not titled:
        raise BenchError("generator bug: a model without a top-level title")
    if (step // MODELS) % 2:
        swapped = re.sub(r"\bstatus: (implemented|planned)\b",
                         lambda m: "status: " + ("planned" if m[1] == "implemented"
                                                 else "implemented"), text, count=1)
        if swapped != text:
            return swapped
    found = re.search(r"\blikelihood: ([1-5])\b", text)
    if found is None:
        raise BenchError("generator bug: a model without a scored threat")
    turned = 1 + int(found[1]) % 5
    return text[:found.start(1)] + str(turned) + text[found.end(1):]


def fast_import_stream(texts: list[str], commits: int) -> tuple[bytes, list[int]]:
    """The ``git fast-import`` input of the history, and per commit the model it changed
    (-1 for the first commit, which adds them all)."""
    parts: list[bytes] = []
    changed: list[int] = []
    seen: set[str] = set()
    current = list(texts)
    for number in range(commits):
        when = START_TIME + 60 * number
        files: list[tuple[int, str]]
        if number == 0:
            files = list(enumerate(current))
            changed.append(-1)
        else:
            index = (number - 1) % len(current)
            current[index] = change(current[index], number)
            files = [(index, current[index])]
            changed.append(index)
        message = f"Commit {number}".encode()
        who = f"{GIT_ENV['GIT_AUTHOR_NAME']} <{GIT_ENV['GIT_AUTHOR_EMAIL']}> {when} +0000"
        head = [b"commit refs/heads/main", f"author {who}".encode(),
                f"committer {who}".encode(), b"data %d" % len(message), message]
        for index, text in files:
            raw = text.encode()
            head += [f"M 100644 inline {MODELS_DIR}/model-{index:02d}.yaml".encode(),
                     b"data %d" % len(raw), raw]
        parts.append(b"\n".join(head) + b"\n\n")
        seen.update(text for _, text in files)
    if len(seen) != MODELS + commits - 1:
        raise BenchError("generator bug: two versions of a model are the same blob")
    return b"".join(parts), changed


def build_repository(root: Path, commits: int, env: dict[str, str]) -> list[int]:
    texts = [render_model(index) for index in range(MODELS)]
    stream, changed = fast_import_stream(texts, commits)
    root.mkdir(parents=True)
    _, done = run_timed(["git", "init", "-q", "-b", "main"], root, env)
    if done.returncode:
        raise failure("git init", done)
    imported = subprocess.run(["git", "fast-import", "--quiet"], input=stream, cwd=root,
                              env=env, capture_output=True, check=False)
    if imported.returncode:
        raise BenchError(f"git fast-import failed: {imported.stderr.decode()[:2000]}")
    _, done = run_timed(["git", "checkout", "-q", "main"], root, env)
    if done.returncode:
        raise failure("git checkout", done)
    return changed


def check(threatgate: str, root: Path, env: dict[str, str], changed: list[int]) -> str:
    """The models are valid and the history holds what the repository does; returns the
    digest of the document every timed run must print."""
    _, done = run_timed([threatgate, "validate", "--no-cache", MODELS_DIR], root, env)
    if done.returncode:
        raise failure("threatgate validate", done)
    _, done = run_timed([threatgate, *HISTORY_ARGS], root, env)
    if done.returncode:
        raise failure("threatgate history", done)
    document = json.loads(done.stdout)
    if len(document["commits"]) != len(changed) or len(document["models"]) != MODELS:
        raise BenchError(f"expected {len(changed)} commits and {MODELS} models, the history "
                         f"has {len(document['commits'])} and {len(document['models'])}")
    points = sum(len(m["points"]) for m in document["models"])
    if points != MODELS + len(changed) - 1 or document["skipped"]:
        raise BenchError(f"expected {MODELS + len(changed) - 1} points and nothing skipped, "
                         f"got {points} and {len(document['skipped'])} skipped")
    return hashlib.sha256(done.stdout.encode()).hexdigest()


def timed_rounds(threatgate: str, root: Path, scratch: Path, env: dict[str, str],
                 repeat: int, digest: str) -> dict[str, list[float]]:
    """K rounds of one cold run (an empty cache) then one warm run (the cache it filled)."""
    runs: dict[str, list[float]] = {"cold": [], "warm": [], "cold cpu": [], "warm cpu": []}
    for round_number in range(repeat):
        cache = scratch / f"cache-{round_number}"
        round_env = {**env, "THREATGATE_CACHE_DIR": str(cache)}
        for kind in ("cold", "warm"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, done = run_timed([threatgate, *HISTORY_ARGS], root, round_env)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            runs[f"{kind} cpu"].append(after.ru_utime - before.ru_utime
                                       + after.ru_stime - before.ru_stime)
            if done.returncode:
                raise failure(f"threatgate history ({kind})", done)
            if hashlib.sha256(done.stdout.encode()).hexdigest() != digest:
                raise BenchError(f"a {kind} run printed another history")
            runs[kind].append(seconds)
            print(f"  round {round_number + 1} {kind}: {seconds:.3f} s "
                  f"(cpu {runs[kind + ' cpu'][-1]:.3f} s)", flush=True)
    return runs


def report(runs: dict[str, list[float]]) -> dict[str, Any]:
    targets = {"cold": TARGET_COLD, "warm": TARGET_WARM}
    print()
    print(f"{'run':<8}  {'median':>8}  {'min':>8}  {'max':>8}  {'target':>8}  result")
    print(f"{'-' * 8}  {'-' * 8}  {'-' * 8}  {'-' * 8}  {'-' * 8}  ------")
    figures: dict[str, Any] = {}
    for kind, seconds in runs.items():
        median = statistics.median(seconds)
        # The targets are wall-clock; the processor time (all processes, children
        # included) is shown for reading a run on a busy machine.
        target = targets.get(kind)
        verdict = "info" if target is None else "PASS" if median < target else "FAIL"
        shown = "-" if target is None else f"{target:.1f}"
        print(f"{kind:<8}  {median:8.3f}  {min(seconds):8.3f}  {max(seconds):8.3f}  "
              f"{shown:>8}  {verdict}")
        figures[kind] = {"median": median, "min": min(seconds), "max": max(seconds),
                         "runs": seconds, "target": target, "result": verdict}
    return figures


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--commits", type=int, metavar="N",
                        help=f"commits in the repository (default {DEFAULT_COMMITS}; "
                             f"{QUICK_COMMITS} with --quick; at least 2)")
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    add_json_option(parser)
    args = parser.parse_args(argv)
    fill_defaults(args, commits=(QUICK_COMMITS, DEFAULT_COMMITS),
                  repeat=(QUICK_REPEAT, DEFAULT_REPEAT))
    if args.commits < 2 or args.repeat < 1:
        parser.error("--commits must be at least 2 and --repeat at least 1")
    return args


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull,
           "THREATGATE_TODAY": "2026-06-01", "XDG_STATE_HOME": str(scratch / "state")}
    # Python's compiled modules are used, as with any installed threatgate (the untimed
    # check writes them).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    threatgate = tool("threatgate")
    root = scratch / "repo"
    print(f"building a repository of {MODELS} models and {args.commits} commits ...",
          flush=True)
    changed = build_repository(root, args.commits, env)
    digest = check(threatgate, root, {**env, "THREATGATE_CACHE_DIR": str(scratch / "c0")},
                   changed)
    print(f"timing {args.repeat} round(s) of a cold and a warm run ...", flush=True)
    runs = timed_rounds(threatgate, root, scratch, env, args.repeat, digest)
    info = {**machine_info(), "threatgate_source": source_info(env)}
    print_header(f"threatgate history: {args.commits} commits, {MODELS} models", info,
                 output(["git", "--version"]))
    figures = report(runs)
    if args.json_out:
        write_json(args.json_out, {"machine": info, "commits": args.commits,
                                   "models": MODELS, "figures": figures})
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_scratch("bench-history-", lambda scratch: run_benchmark(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
