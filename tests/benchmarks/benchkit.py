"""Helpers shared by the benchmark scripts in this folder.

Not a test module: pytest does not collect it (the name does not match ``test_*.py``).
The scripts import it as ``benchkit``; Python puts a script's own folder on ``sys.path``,
so ``python tests/benchmarks/bench_X.py`` finds it from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: A fixed identity and date for the git repositories the benchmarks generate.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench Author",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2026-06-01T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "Bench Author",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_DATE": "2026-06-01T12:00:00+00:00",
    # No user or system configuration (hooks, signing, grep.* settings) gets in the way.
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class BenchError(Exception):
    """A tool failed, the tools disagree, or the generated input is not what it should be."""


# --- running and timing ----------------------------------------------------------------


Done = subprocess.CompletedProcess[str]


@dataclass
class Measurement:
    key: str
    label: str
    command: str
    seconds: float  # best run
    runs: list[float] = field(default_factory=list)


def tool(name: str) -> str:
    """The path of a command, preferring the running virtualenv's."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise BenchError(f"'{name}' not found; activate the project's virtualenv first")
    return found


def run_timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, Done]:
    """Run a command to completion; return its wall-clock time and its outcome."""
    start = time.perf_counter()
    done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def failure(what: str, done: Done, stdout_tail: int | None = None) -> BenchError:
    """An error showing the first lines a failed command printed.

    ``stdout_tail`` keeps only that many last characters of its standard output."""
    stdout = done.stdout if stdout_tail is None else done.stdout[-stdout_tail:]
    output = (stdout + done.stderr).strip().splitlines()
    shown = "\n".join(f"    {line}" for line in output[:15])
    more = f"\n    ... ({len(output) - 15} more lines)" if len(output) > 15 else ""
    return BenchError(f"{what} exited with status {done.returncode}:\n{shown}{more}")


def output(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """The first line a command prints, or '?' when it fails."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, cwd=cwd)
    except OSError:
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if done.returncode == 0 and lines else "?"


def best_of(
    repeat: int,
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    what: str,
    ok: tuple[int, ...] = (0,),
    check: Callable[[Done], object] | None = None,
    stdout_tail: int | None = None,
) -> list[float]:
    """Run a command ``repeat`` times; return the wall-clock times of the runs.

    Every run must exit with a status in ``ok`` (else ``what`` failed) and pass ``check``."""
    runs = []
    for _ in range(repeat):
        seconds, done = run_timed(argv, cwd, env)
        if done.returncode not in ok:
            raise failure(what, done, stdout_tail)
        if check is not None:
            check(done)
        runs.append(seconds)
    return runs


def print_runs(label: str, width: int, runs: list[float]) -> None:
    """The progress line for one measurement: its best time and every run."""
    runs_text = ", ".join(f"{r:.3f}" for r in runs)
    print(f"  {label:<{width}} {min(runs):8.3f} s   runs: {runs_text}", flush=True)


# --- report ----------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }


def source_info(env: dict[str, str], paths: Sequence[str] = (".",)) -> str:
    """Which threatgate code ran: its folder, and the git revision when it is a checkout.

    ``paths`` (relative to that folder) are the ones whose uncommitted changes count."""
    where = output(
        [
            sys.executable,
            "-c",
            "import threatgate, os; print(os.path.dirname(threatgate.__file__))",
        ],
        env,
    )
    revision = output(["git", "-C", where, "rev-parse", "--short", "HEAD"])
    if revision == "?":
        return where  # not a git checkout (an installed wheel, a copy)
    # Anything printed means changed files under the given paths.
    changed = output(["git", "-C", where, "status", "--porcelain", "--", *paths])
    return f"{where} (git {revision}{' with uncommitted changes' if changed != '?' else ''})"


def print_header(title: str, info: dict[str, Any], tools: str) -> None:
    """The report's opening lines: what was measured, on which machine, with which tools."""
    print()
    print(title)
    print(
        f"machine: {info['cpu']}, {info['cpu_count']} CPUs ({info['usable_cpus']} usable), "
        f"{info['implementation']} {info['python']}, {info['platform']}"
    )
    print(f"tools: {tools}")
    print(f"threatgate code: {info['threatgate_source']}")


def print_measurements(results: dict[str, Measurement]) -> None:
    """The table of best times, one row per measurement."""
    width = max(len(m.label) for m in results.values())
    print(f"{'measurement':<{width}}  {'seconds':>8}  command")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 7}")
    for m in results.values():
        print(f"{m.label:<{width}}  {m.seconds:8.3f}  {m.command}")


def print_ratio_header(width: int) -> None:
    """The heading of the table of ratios against their targets."""
    print(f"{'ratio':<{width}}  {'value':>7}  {'target':>7}  result")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 7}  ------")


# --- command line ----------------------------------------------------------------------


def add_repeat_option(parser: argparse.ArgumentParser, default: int, quick: int) -> None:
    parser.add_argument(
        "--repeat",
        type=int,
        metavar="K",
        help=f"runs per measurement, best kept (default {default}; {quick} with --quick)",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        dest="json_out",
        help="also write the results as JSON to FILE",
    )


def fill_defaults(args: argparse.Namespace, **defaults: tuple[int, int]) -> None:
    """Give every option left unset its default: ``name=(with --quick, without)``."""
    for name, (quick, full) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {path}")


def run_in_scratch(prefix: str, run: Callable[[Path], int]) -> int:
    """Call ``run`` with a temporary folder; a BenchError becomes exit status 1."""
    with tempfile.TemporaryDirectory(prefix=prefix) as temporary:
        try:
            return run(Path(temporary))
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1


def run_in_root(prefix: str, out: Path | None, name: str, run: Callable[[Path, Path], int]) -> int:
    """Call ``run(root, scratch)`` with a temporary folder ``scratch``; ``root`` is ``out``
    when given, else ``name`` in ``scratch``. A BenchError becomes exit status 1."""

    def in_scratch(scratch: Path) -> int:
        root = out.resolve() if out is not None else scratch / name
        return run(root, scratch)

    return run_in_scratch(prefix, in_scratch)
