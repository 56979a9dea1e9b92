#!/usr/bin/env python3
"""Benchmark ``threatgate compliance report`` against ``threatgate assess`` alone.

The target: the compliance report over the benchmark corpus costs at most 1.5x what
assessing it costs. This script:

1. generates N (default 1,000) distinct, valid models of about 20 KB with
   ``bench_validate.py``'s corpus builder (each lists one to three frameworks among
   asvs-5.0, nist-800-53-r5, pci-dss-4.0, iso-27001-2022 and soc2-2017, and maps its
   controls to requirements of them; the ASVS and NIST ids are real ones);
2. checks, untimed, that both commands exit 0 and that the report covers every model
   answering to ASVS;
3. times, as subprocesses, wall-clock, ``threatgate assess MODELS --no-cache --format
   json`` and ``threatgate compliance report MODELS --no-cache --format json --limit
   100`` (every framework the models list with a catalogue: all the coverage is
   computed, one page of requirement rows per framework is printed), best of K runs,
   the two commands alternating so that a busy spell on a shared machine slows both
   sides of the ratio;
4. prints both times and the ratio report / assess against the target (<= 1.5).

Printing every row (no ``--limit``) is left out: over 1,000 models that is some 700,000
requirement rows, a measure of JSON output rather than of the coverage.

The exit status is 0 when the benchmark ran, even if the target is missed (this is a
report); 1 when a command fails or disagrees with the corpus; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_compliance.py [--models N] [--repeat K] [--quick]
                                                [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmarks folder is not a package; the scripts share helpers through benchkit.
from bench_validate import FIXED_TODAY, MODELS_DIR, build_corpus
from benchkit import (
    BenchError,
    Measurement,
    add_json_option,
    add_repeat_option,
    failure,
    fill_defaults,
    machine_info,
    output,
    print_header,
    print_measurements,
    print_ratio_header,
    print_runs,
    run_in_scratch,
    run_timed,
    source_info,
    tool,
    write_json,
)

DEFAULT_MODELS = 1000
DEFAULT_REPEAT = 3
QUICK_MODELS = 100
QUICK_REPEAT = 1
TARGET_RATIO = 1.5
PAGE = "100"


def commands(threatgate: str) -> dict[str, list[str]]:
    """The timed commands by key (run from the corpus folder)."""
    common = [MODELS_DIR, "--no-cache", "--format", "json"]
    return {
        "assess": [threatgate, "assess", *common],
        "report": [threatgate, "compliance", "report", *common, "--limit", PAGE],
    }


def check(argv: dict[str, list[str]], root: Path, env: dict[str, str], count: int) -> None:
    """Both commands succeed, and the report covers the models that list ASVS."""
    _, assessed = run_timed(argv["assess"], root, env)
    if assessed.returncode != 0:
        raise failure("threatgate assess", assessed, stdout_tail=2000)
    _, reported = run_timed(argv["report"], root, env)
    if reported.returncode != 0:
        raise failure("threatgate compliance report", reported, stdout_tail=2000)
    document = json.loads(reported.stdout)
    frameworks = {f["id"]: f for f in document["frameworks"]}
    if "asvs-5.0" not in frameworks or not frameworks["asvs-5.0"]["models"]:
        raise BenchError("the report has no ASVS coverage: the corpus maps no ASVS id")
    models = len(frameworks["asvs-5.0"]["models"])
    if models > count or frameworks["asvs-5.0"]["requirements"] != 345 * models:
        raise BenchError(f"the ASVS roll-up does not add up ({models} models)")


def measure(argv: dict[str, list[str]], root: Path, env: dict[str, str],
            repeat: int) -> dict[str, Measurement]:
    """``repeat`` rounds, each running every command once, in turn."""
    runs: dict[str, list[float]] = {key: [] for key in argv}
    for _ in range(repeat):
        for key, command in argv.items():
            seconds, done = run_timed(command, root, env)
            if done.returncode != 0:
                raise failure(" ".join(command[1:3]), done, stdout_tail=2000)
            runs[key].append(seconds)
    labels = {"assess": "assess", "report": f"compliance report (--limit {PAGE})"}
    results = {}
    for key, times in runs.items():
        shown = " ".join(["threatgate", *argv[key][1:]])
        results[key] = Measurement(key, labels[key], shown, min(times), times)
        print_runs(labels[key], 32, times)
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time threatgate compliance report against threatgate assess on a "
        f"generated corpus; the ratio must be at most {TARGET_RATIO:g}.")
    parser.add_argument("--models", type=int, metavar="N",
                        help=f"generated models (default {DEFAULT_MODELS}; {QUICK_MODELS} "
                        "with --quick)")
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: {QUICK_MODELS} models, {QUICK_REPEAT} run each")
    add_json_option(parser)
    args = parser.parse_args(argv)
    fill_defaults(args, models=(QUICK_MODELS, DEFAULT_MODELS),
                  repeat=(QUICK_REPEAT, DEFAULT_REPEAT))
    if args.models < 1 or args.repeat < 1:
        parser.error("--models and --repeat must be at least 1")
    return args


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    env = {**os.environ, "THREATGATE_TODAY": FIXED_TODAY}
    env.pop("THREATGATE_DEBUG", None)
    env["THREATGATE_CACHE_DIR"] = str(scratch / "unused-cache")
    threatgate = tool("threatgate")

    print(f"generating {args.models} models ...", flush=True)
    start = time.perf_counter()
    corpus = build_corpus(scratch / "corpus", args.models)
    print(f"  {corpus.total_bytes / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s",
          flush=True)
    argv = commands(threatgate)
    check(argv, corpus.root, env, args.models)
    print(f"timing (best of {args.repeat}, the commands alternating) ...", flush=True)
    results = measure(argv, corpus.root, env, args.repeat)
    value = results["report"].seconds / results["assess"].seconds
    ratio: dict[str, Any] = {
        "label": "compliance report / assess", "ratio": value, "target": TARGET_RATIO,
        "result": "PASS" if value <= TARGET_RATIO else "FAIL",
    }

    info = machine_info()
    info["threatgate"] = output([threatgate, "--version"])
    info["threatgate_source"] = source_info(env, (".",))
    print_header(f"threatgate compliance benchmark: {args.models} models "
                 f"({corpus.total_bytes / 1e6:.1f} MB), best of {args.repeat}", info,
                 info["threatgate"])
    print_measurements(results)
    print()
    print_ratio_header(30)
    print(f"{ratio['label']:<30}  {value:7.2f}  {TARGET_RATIO:7.2f}  {ratio['result']}")
    if args.json_out is not None:
        write_json(args.json_out, {
            "machine": info, "today": FIXED_TODAY, "models": args.models,
            "bytes": corpus.total_bytes, "repeat": args.repeat,
            "measurements": [asdict(m) for m in results.values()], "ratio": ratio})
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_scratch("threatgate-bench-compliance-",
                          lambda scratch: run_benchmark(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
