#!/usr/bin/env python3
"""Benchmark ``threatgate diff``: its time must not grow with the number of models.

``threatgate diff BASE HEAD`` asks git which files under the model folders differ between
the two trees (``git diff --raw``) and reads only those blobs, so a change to one model
should cost about the same in a repository of 1,000 models as in one of 10. This script
checks that:

1. it builds two throwaway git repositories (fixed author, committer and dates, no user or
   system git configuration), one with 10 and one with N (default 1,000) distinct, valid
   models of about 20 KB under ``threatmodels/``, made by ``bench_validate.py``'s
   generator; the 10 models of the small repository are the first 10 of the large one;
2. commits them, then changes the same model in both (a threat's likelihood lowered by
   one, a control's status ``implemented`` -> ``planned``) and commits again;
3. checks, untimed, that the models are valid and that ``threatgate diff HEAD~1 HEAD
   --format json`` reports exactly one model, modified, with the two regressions planted;
4. times ``threatgate diff HEAD~1 HEAD --format json`` in each repository as a
   subprocess, wall-clock, K interleaved rounds (each run must exit 0 and report the
   same), and prints the medians and the ratio large / small against the target (<= 2.0);
5. with ``--compare-with DIR``, also runs another checkout's code (``DIR/cli`` on
   ``PYTHONPATH``, ``python -m threatgate``) in the same rounds and prints this checkout's
   time over the other's in each repository (in the small one, the diff is nearly all
   start-up: the ratio shows what start-up gained or lost) against the target (<= 1.0).

The exit status is 0 when the benchmark ran, even if the target is missed (this is a
report); 1 when a tool fails or the diff does not report what was changed; 2 for a usage
error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_diff.py [--models N] [--repeat K] [--quick] [--json FILE]
                                          [--compare-with DIR]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmarks folder is not a package; it shares BenchError and helpers via benchkit.
from bench_validate import render_model
from benchkit import (
    GIT_ENV,
    BenchError,
    Done,
    Job,
    Measurement,
    Target,
    Version,
    add_json_option,
    add_repeat_option,
    bench_env,
    checkouts,
    failure,
    fill_defaults,
    interleave,
    machine_info,
    output,
    print_header,
    print_interleaved,
    print_ratios,
    ratio_rows,
    run_in_scratch,
    run_timed,
    source_info,
    tool,
    write_json,
)

DEFAULT_MODELS = 1000
DEFAULT_REPEAT = 5
QUICK_MODELS = 100
QUICK_REPEAT = 3
SMALL_MODELS = 10
#: The model changed by the second commit (the same one in both repositories).
CHANGED_INDEX = 7
TARGET_RATIO = 2.0
#: This checkout against the one given to --compare-with: never slower.
TARGET_COMPARED = 1.0
#: "Today" for threatgate's expiry checks, so that every run sees the same models.
FIXED_TODAY = "2026-06-01"
MODELS_DIR = "threatmodels"
DIFF_ARGS = ("diff", "HEAD~1", "HEAD", "--format", "json")
#: Regressions the change plants; the diff must report at least these.
EXPECTED_REGRESSIONS = frozenset({"threat-score-lowered", "control-status-regressed"})


def change_model(text: str) -> str:
    """Lower the first threat likelihood above 1 by one, and turn the first implemented
    control into a planned one: two regressions, the rest of the file unchanged."""
    text, lowered = re.subn(
        r"(\blikelihood: )([2-5])\b", lambda m: f"{m[1]}{int(m[2]) - 1}", text, count=1
    )
    text, planned = re.subn(r"\bstatus: implemented\b", "status: planned", text, count=1)
    if not (lowered and planned):
        raise BenchError(f"generator bug: model {CHANGED_INDEX} has no threat or control to change")
    return text


def model_id(text: str) -> str:
    found = re.search(r"^id: (\S+)$", text, flags=re.MULTILINE)
    if found is None:
        raise BenchError(f"generator bug: model {CHANGED_INDEX} has no top-level id")
    return found[1]


def _git(root: Path, env: dict[str, str], *args: str) -> None:
    _, done = run_timed(["git", *args], root, env)
    if done.returncode != 0:
        raise failure(f"git {args[0]}", done)


def build_repository(root: Path, texts: list[str], changed: str, env: dict[str, str]) -> int:
    """A git repository with ``texts`` as models, committed, then ``CHANGED_INDEX``'s
    model replaced by ``changed`` and committed again. Returns the bytes of the models."""
    folder = root / MODELS_DIR
    folder.mkdir(parents=True)
    total = 0
    for index, text in enumerate(texts):
        raw = text.encode()
        (folder / f"model-{index:04d}.yaml").write_bytes(raw)
        total += len(raw)
    commit = ["-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m"]
    _git(root, env, "init", "-q", "-b", "main")
    _git(root, env, "add", "-A")
    _git(root, env, *commit, f"{len(texts)} threat models")
    (folder / f"model-{CHANGED_INDEX:04d}.yaml").write_text(changed, encoding="utf-8")
    _git(root, env, "add", "-A")
    _git(root, env, *commit, "Lower a likelihood, plan a control")
    return total


@dataclass
class Repository:
    key: str  # "small" or "large"
    root: Path
    models: int
    bytes: int


def check_repository(
    threatgate: str, repo: Repository, env: dict[str, str], expected_id: str
) -> dict[str, Any]:
    """The models are valid (all of them in the small repository, the changed one in the
    large, whose others bench_validate.py checks), and the diff reports exactly the one
    modified model with the planted regressions. Returns the diff's summary."""
    changed = f"{MODELS_DIR}/model-{CHANGED_INDEX:04d}.yaml"
    targets = [MODELS_DIR] if repo.models <= SMALL_MODELS else [changed]
    _, done = run_timed([threatgate, "validate", "--no-cache", *targets], repo.root, env)
    if done.returncode != 0:
        raise failure(f"threatgate validate in the {repo.key} repository", done)
    _, done = run_timed([threatgate, *DIFF_ARGS], repo.root, env)
    if done.returncode != 0:
        raise failure(f"threatgate {' '.join(DIFF_ARGS)} in the {repo.key} repository", done)
    return check_report(done.stdout, expected_id, repo.key)


def check_report(stdout: str, expected_id: str, where: str) -> dict[str, Any]:
    try:
        report = json.loads(stdout)
    except ValueError as exc:
        raise BenchError(f"{where}: threatgate diff did not print JSON: {exc}") from None
    models = report.get("models", [])
    summary = report.get("summary", {})
    described = [(m.get("model"), m.get("status")) for m in models]
    others = {
        k: v for k, v in summary.items() if k.startswith("models_") and k != "models_modified" and v
    }
    if described != [(expected_id, "modified")] or summary.get("models_modified") != 1 or others:
        raise BenchError(
            f"{where}: expected exactly one modified model ({expected_id}), the diff "
            f"reports {described} (summary {summary})"
        )
    kinds = {r["kind"] for r in report.get("regressions", [])}
    if not kinds >= EXPECTED_REGRESSIONS:
        raise BenchError(
            f"{where}: expected regressions {sorted(EXPECTED_REGRESSIONS)}, got {sorted(kinds)}"
        )
    return {
        "models_reported": len(models),
        "models_modified": summary["models_modified"],
        "entities_changed": summary.get("entities_changed", 0),
        "regressions": sorted(kinds),
    }


# --- timing --------------------------------------------------------------------------------


def diff_job(version: Version, repo: Repository, env: dict[str, str], expected_id: str,
             check: dict[str, Any]) -> Job:
    """``threatgate diff`` in one repository; every run must exit 0 and report the same
    one modified model."""
    key = f"{repo.key}-{version.key}" if version.key else repo.key

    def same_report(done: Done) -> None:
        if check_report(done.stdout, expected_id, key) != check:
            raise BenchError(f"{key}: threatgate diff reported differently from the check")

    label = f"{repo.models} models, 1 changed{', ' + version.key if version.key else ''}"
    return Job(key, label, [*version.argv0, *DIFF_ARGS],
               f"threatgate {' '.join(DIFF_ARGS)}", version.env(env), check=same_report,
               cwd=repo.root)


def targets(repos: list[Repository], compared: bool) -> list[Target]:
    small, large = repos
    found = [Target("large_vs_small", f"{large.models} models / {small.models} models, "
                    "one changed", "large", "small", TARGET_RATIO)]
    if compared:
        found += [Target(f"{repo.key}_vs_compared", f"{repo.models} models: this checkout / "
                         "compared checkout", repo.key, f"{repo.key}-compared", TARGET_COMPARED)
                  for repo in repos]
    return found


# --- report --------------------------------------------------------------------------------


def print_report(info: dict[str, Any], repeat: int, repos: list[Repository],
                 checks: list[dict[str, Any]], results: dict[str, Measurement],
                 rows: list[dict[str, Any]]) -> None:
    print_header(
        f"threatgate diff benchmark: `threatgate {' '.join(DIFF_ARGS)}`, one model of "
        f"{repos[0].models} / {repos[1].models} changed; {repeat} interleaved rounds",
        info,
        f"{info['threatgate']}; {info['git']}",
    )
    if "compared_source" in info:
        print(f"compared with: {info['compared_source']}")
    print()
    print(f"{'repository':<10}  {'models':>6}  {'MB':>5}  {'reported':>8}  {'modified':>8}  "
          "regressions")
    print("  ".join("-" * n for n in (10, 6, 5, 8, 8, 11)))
    for repo, check in zip(repos, checks, strict=True):
        print(f"{repo.key:<10}  {repo.models:>6}  {repo.bytes / 1e6:5.1f}  "
              f"{check['models_reported']:>8}  {check['models_modified']:>8}  "
              f"{', '.join(check['regressions'])}")
    print()
    print_interleaved(results, memory=True)
    print()
    print_ratios(rows)
    if "small-compared" in results:
        saved = results["small-compared"].seconds - results["small"].seconds
        print(f"\nstart-up (the small repository's median) gained against the compared "
              f"checkout: {saved * 1000:.0f} ms")


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time threatgate diff with one changed model among 10 and among N models."
    )
    parser.add_argument(
        "--models",
        type=int,
        metavar="N",
        help=f"models in the large repository (default {DEFAULT_MODELS}; {QUICK_MODELS} "
        f"with --quick; more than {SMALL_MODELS})",
    )
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_MODELS} models, {QUICK_REPEAT} runs each",
    )
    add_json_option(parser)
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also time another checkout of threatgate (its cli/ folder is put on "
        f"PYTHONPATH) in the same rounds; this one must take at most {TARGET_COMPARED:g}x "
        "its time",
    )
    args = parser.parse_args(argv)
    fill_defaults(
        args, models=(QUICK_MODELS, DEFAULT_MODELS), repeat=(QUICK_REPEAT, DEFAULT_REPEAT)
    )
    if args.models <= SMALL_MODELS or args.repeat < 1:
        parser.error(f"--models must be more than {SMALL_MODELS} and --repeat at least 1")
    return args


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    env = bench_env(scratch, **GIT_ENV, THREATGATE_TODAY=FIXED_TODAY)
    threatgate = tool("threatgate")
    tool("git")

    print(f"generating {args.models} models ...", flush=True)
    start = time.perf_counter()
    texts = [render_model(index) for index in range(args.models)]
    changed = change_model(texts[CHANGED_INDEX])
    expected_id = model_id(changed)
    repos = []
    for key, count in (("small", SMALL_MODELS), ("large", args.models)):
        root = scratch / f"{key}-{count}"
        total = build_repository(root, texts[:count], changed, env)
        repos.append(Repository(key, root, count, total))
    print(f"  two repositories built in {time.perf_counter() - start:.1f} s", flush=True)

    print("checking the models and the diff ...", flush=True)
    checks = [check_repository(threatgate, repo, env, expected_id) for repo in repos]

    versions = checkouts(threatgate, args.compare_with)
    for version in versions[1:]:  # untimed: the same answers, and compiled modules
        for repo, check in zip(repos, checks, strict=True):
            _, done = run_timed([*version.argv0, *DIFF_ARGS], repo.root, version.env(env))
            where = f"the compared checkout in the {repo.key} repository"
            if done.returncode != 0:
                raise failure(where, done)
            if check_report(done.stdout, expected_id, where) != check:
                raise BenchError(f"{where}: the diff reports differently from this checkout")
    print(f"timing ({args.repeat} rounds, every command in turn) ...", flush=True)
    jobs = [diff_job(version, repo, env, expected_id, check)
            for repo, check in zip(repos, checks, strict=True) for version in versions]
    results = interleave(jobs, args.repeat, scratch)
    rows = ratio_rows(results, targets(repos, len(versions) > 1))

    info = machine_info()
    info["threatgate"] = output([threatgate, "--version"])
    info["threatgate_source"] = source_info(env)
    info["git"] = output(["git", "--version"])
    if args.compare_with is not None:
        info["compared_source"] = source_info(versions[1].env(env))
    print_report(info, args.repeat, repos, checks, results, rows)

    if args.json_out is not None:
        document = {
            "machine": info,
            "command": f"threatgate {' '.join(DIFF_ARGS)}",
            "changed_model": {"index": CHANGED_INDEX, "id": expected_id},
            "today": FIXED_TODAY,
            "repeat": args.repeat,
            "measurements": [m.as_json() for m in results.values()],
            "ratios": rows,
        }
        write_json(args.json_out, document)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_scratch("threatgate-bench-diff-", lambda scratch: run_benchmark(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
