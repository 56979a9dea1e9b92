#!/usr/bin/env python3
"""Benchmark ``threatgate mcp``: its start-up, and ``get_controls`` on a large model.

The project's targets: ``get_controls`` on a model of 1,000 controls answers in under
0.2 s once the server has started, and the server starts in at most 1.5 times the time
``threatgate validate`` takes on one file. This script:

1. writes a throwaway git repository with one valid model of N controls (default 1,000),
   each mitigating its own threat, in objectives of ten controls each;
2. runs, K times and interleaved (so that a busy moment of a shared machine weighs on
   both alike): ``threatgate validate --no-cache FILE`` as a subprocess, then one start
   of the server with the SDK's client (``stdio_client`` + ``ClientSession``), timing
   the start-up (spawn until the server has answered ``initialize`` and
   ``tools/list``), the first ``get_controls`` after it (which waits for the SDK, loaded
   in the background, and for the warm-up: the models validated and assessed once), and
   ``get_controls`` calls on the warm server (first page of 50, a status filter, one
   control with details);
3. prints the median, minimum and maximum of each, and PASS or FAIL against the
   targets: the median start-up over the median ``validate``, and the median warm call.

The exit status is 0 when the benchmark ran, even if a target is missed (this is a
report); 1 when a tool fails or answers wrongly; 2 for a usage error.

Run from the repository root, with the project's virtualenv active (``pip install -e
".[mcp]"``)::

    python tests/benchmarks/bench_mcp.py [--controls N] [--repeat K] [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmarks folder is not a package; it shares BenchError and helpers via benchkit.
from benchkit import (
    GIT_ENV,
    BenchError,
    add_json_option,
    add_repeat_option,
    best_of,
    failure,
    fill_defaults,
    machine_info,
    print_header,
    print_ratio_header,
    run_in_scratch,
    run_timed,
    source_info,
    write_json,
)

DEFAULT_CONTROLS = 1000
QUICK_CONTROLS = 200
DEFAULT_REPEAT = 5
QUICK_REPEAT = 2
#: Calls on the warm server per start, best kept.
WARM_CALLS = 5
TARGET_CALL = 0.2
TARGET_START_RATIO = 1.5
FIXED_TODAY = "2026-06-01"
MODEL = Path("threatmodels") / "big.yaml"
STATUSES = ("planned", "in_progress", "implemented")


def render_model(controls: int) -> str:
    """A valid model: ``controls`` controls, one threat each, ten per objective."""
    groups = max(1, controls // 10)
    lines = ["threatgate: 1", "id: big", "title: A model of many controls", "owner: team",
             "assets:"]
    for k in range(1, groups + 1):
        lines += [f"  - id: A{k}", f"    name: Asset {k}", "    properties: [confidentiality]"]
    lines += ["attackers:", "  - id: ATK1", "    name: External attacker",
              "    capability: Sends arbitrary requests.", "    position: external",
              "objectives:"]
    for k in range(groups):
        members = ", ".join(f"C{i + 1}" for i in range(k * 10, min(controls, k * 10 + 10)))
        lines += [f"  - id: CO{k + 1}", f"    asset: A{k + 1}", "    attacker: ATK1",
                  "    properties: [confidentiality]", f"    mitigated_by: [[{members}]]"]
    lines.append("threats:")
    for i in range(controls):
        lines += [f"  - id: T{i + 1}", f"    title: Threat number {i + 1} # why it matters",
                  "    likelihood: 3", "    impact: 4",
                  f"    objectives: [CO{min(i // 10, groups - 1) + 1}]",
                  f"    mitigations: [C{i + 1}]"]
    lines.append("controls:")
    for i in range(controls):
        lines += [f"  - id: C{i + 1}", f"    title: Control number {i + 1}",
                  f"    status: {STATUSES[i % 3]}",
                  f"    description: What control {i + 1} does, in a sentence or two."]
    return "\n".join(lines) + "\n"


def build_repository(root: Path, controls: int, env: dict[str, str]) -> None:
    (root / MODEL).parent.mkdir(parents=True)
    (root / MODEL).write_text(render_model(controls), encoding="utf-8")
    _, done = run_timed(["git", "init", "-q", "-b", "main"], root, env)
    if done.returncode != 0:
        raise failure("git init", done)


async def _timed_call(session: Any, args: dict[str, Any], total: int | None) -> float:
    start = time.perf_counter()
    result = await session.call_tool("get_controls", args)
    seconds = time.perf_counter() - start
    if result.is_error:
        raise BenchError(f"get_controls {args} failed: {result.content}")
    found = (result.structured_content or {}).get("total")
    if total is not None and found != total:
        raise BenchError(f"get_controls {args} listed {found} controls, expected {total}")
    return seconds


async def _one_start(root: Path, env: dict[str, str], controls: int) -> dict[str, Any]:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "threatgate", "mcp"],
                                   cwd=root, env=env)
    with open(os.devnull, "w", encoding="utf-8") as errlog:
        start = time.perf_counter()
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            listed = await session.list_tools()
            started = time.perf_counter() - start
            if not any(tool.name == "get_controls" for tool in listed.tools):
                raise BenchError("the server does not list get_controls")
            first = await _timed_call(session, {"limit": 50}, controls)
            warm = {
                "first page": [await _timed_call(session, {"limit": 50}, controls)
                               for _ in range(WARM_CALLS)],
                "status filter": [await _timed_call(session, {"status": "planned"},
                                                    len(range(0, controls, 3)))
                                  for _ in range(WARM_CALLS)],
                "one control, details": [await _timed_call(
                    session, {"control_id": f"C{controls}", "details": True}, 1)
                    for _ in range(WARM_CALLS)],
            }
    return {"start_up": started, "first_call": first, "warm": warm}


def interleaved(root: Path, env: dict[str, str], controls: int, repeat: int,
                validate_argv: list[str]) -> tuple[list[float], list[dict[str, Any]]]:
    """``validate`` and a server start, one after the other, ``repeat`` times."""
    validate, runs = [], []
    for number in range(1, repeat + 1):
        validate += best_of(1, validate_argv, root, env, "threatgate validate")
        runs.append(asyncio.run(_one_start(root, env, controls)))
        print(f"  run {number}: validate {validate[-1]:.3f} s, server start-up "
              f"{runs[-1]['start_up']:.3f} s, first get_controls "
              f"{runs[-1]['first_call']:.3f} s", flush=True)
    return validate, runs


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def report(validate: list[float], runs: list[dict[str, Any]]) -> dict[str, Any]:
    rows = {"validate one file": spread(validate),
            "server start-up (initialize + tools/list)": spread([r["start_up"] for r in runs]),
            "first get_controls after start-up": spread([r["first_call"] for r in runs]),
            "start-up + first get_controls": spread([r["start_up"] + r["first_call"]
                                                     for r in runs])}
    for label in runs[0]["warm"]:
        rows[f"warm get_controls: {label}"] = spread([c for r in runs for c in r["warm"][label]])
    width = max(len(k) for k in rows)
    print()
    print(f"{'measurement (seconds)':<{width}}  {'median':>7}  {'min':>7}  {'max':>7}")
    for key, row in rows.items():
        print(f"{key:<{width}}  {row['median']:7.3f}  {row['min']:7.3f}  {row['max']:7.3f}")
    print()
    start_up = rows["server start-up (initialize + tools/list)"]
    checks = [("get_controls on the warm server (median)",
               rows["warm get_controls: first page"]["median"], TARGET_CALL),
              ("start-up / validate one file (medians)",
               start_up["median"] / rows["validate one file"]["median"], TARGET_START_RATIO),
              ("start-up / validate one file (minimums)",
               start_up["min"] / rows["validate one file"]["min"], TARGET_START_RATIO)]
    width = max(len(c[0]) for c in checks)
    print_ratio_header(width)
    for label, value, target in checks:
        verdict = "PASS" if value <= target else "FAIL"
        print(f"{label:<{width}}  {value:7.3f}  {target:7.2f}  {verdict}")
    return {"measurements": rows,
            "targets": {label: {"value": value, "target": target,
                                "result": "PASS" if value <= target else "FAIL"}
                        for label, value, target in checks}}


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise BenchError('the MCP SDK is missing: pip install "threatgate[mcp]"') from None
    env = {**os.environ, **GIT_ENV, "THREATGATE_TODAY": FIXED_TODAY,
           "THREATGATE_CACHE_DIR": str(scratch / "cache")}
    root = scratch / "repo"
    root.mkdir()
    build_repository(root, args.controls, env)
    info = {**machine_info(), "threatgate_source": source_info(env, ("cli",))}
    print_header(f"threatgate mcp: start-up, and get_controls on {args.controls} controls",
                 info, f"python {sys.version.split()[0]}")
    validate_argv = [sys.executable, "-m", "threatgate", "validate", "--no-cache", str(MODEL)]
    best_of(1, validate_argv, root, env, "threatgate validate")  # untimed: the model is valid
    validate, runs = interleaved(root, env, args.controls, args.repeat, validate_argv)
    figures = report(validate, runs)
    if args.json_out:
        write_json(args.json_out, {"machine": info, "controls": args.controls,
                                   "validate_runs": validate, "server_runs": runs,
                                   "figures": figures})
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--controls", type=int, metavar="N",
                        help=f"controls in the model (default {DEFAULT_CONTROLS}; "
                             f"{QUICK_CONTROLS} with --quick)")
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    add_json_option(parser)
    args = parser.parse_args(argv)
    fill_defaults(args, controls=(QUICK_CONTROLS, DEFAULT_CONTROLS),
                  repeat=(QUICK_REPEAT, DEFAULT_REPEAT))
    if args.controls < 10 or args.repeat < 1:
        parser.error("--controls must be at least 10 and --repeat at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_scratch("threatgate-bench-mcp-", lambda scratch: run_benchmark(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
