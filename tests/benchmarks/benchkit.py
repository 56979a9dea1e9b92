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
import statistics
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


def bench_env(scratch: Path, **extra: str) -> dict[str, str]:
    """The environment every timed command runs in: this one, with ``extra``, and with
    Python's compiled modules written (to a folder of ``scratch``) and reused, as an
    installed package has them. A shell that sets ``PYTHONDONTWRITEBYTECODE`` would
    otherwise make every run compile threatgate from source, which the tools it is
    compared with (installed, compiled) never do. The untimed checks before the timed
    runs fill that folder."""
    env = {**os.environ, **extra, "PYTHONPYCACHEPREFIX": str(scratch / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("THREATGATE_DEBUG", None)
    return env


class BenchError(Exception):
    """A tool failed, the tools disagree, or the generated input is not what it should be."""


# --- running and timing ----------------------------------------------------------------


Done = subprocess.CompletedProcess[str]


@dataclass
class Measurement:
    """Every run of one command: wall-clock seconds, the child's CPU seconds (user and
    system, its own waited-for children included) and its peak RSS (KiB)."""

    key: str
    label: str
    command: str
    runs: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """The median run: the figure ratios are computed from."""
        return statistics.median(self.runs)

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def worst(self) -> float:
        return max(self.runs)

    @property
    def cpu_seconds(self) -> float:
        """The median CPU time: steadier than wall time on a machine others share."""
        return statistics.median(self.cpu) if self.cpu else 0.0

    @property
    def peak_mib(self) -> float:
        """The median of the runs' peak resident set sizes, in MiB."""
        return statistics.median(self.peak_kib) / 1024 if self.peak_kib else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label, "command": self.command,
            "median": self.seconds, "min": self.best, "max": self.worst,
            "runs": self.runs, "cpu_runs": self.cpu, "peak_rss_kib": self.peak_kib,
        }


@dataclass
class Job:
    """One command to time among others, in turn with them."""

    key: str
    label: str
    argv: list[str]
    shown: str  # the command as the report shows it
    env: dict[str, str]
    ok: tuple[int, ...] = (0,)
    check: Callable[[Done], object] | None = None
    failure: str = ""  # what a failing status means, when it means more than a crash
    prepare: Callable[[], None] | None = None  # runs, untimed, before each of its runs
    cwd: Path | None = None  # default: the folder given to interleave()


def tool(name: str) -> str:
    """The path of a command, preferring the running virtualenv's."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise BenchError(f"'{name}' not found; activate the project's virtualenv first")
    return found


def run_measured(
    argv: Sequence[str], cwd: Path, env: dict[str, str]
) -> tuple[float, int, Done, float]:
    """Run a command to completion: its wall-clock time, its peak resident set size in
    KiB (from ``wait4``, the child and its own waited-for children), its outcome and its
    CPU time (user and system)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        done = subprocess.CompletedProcess(
            list(argv), child.returncode,
            out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))
    # ru_maxrss is KiB on Linux, bytes on macOS.
    peak = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return seconds, peak, done, usage.ru_utime + usage.ru_stime


def run_timed(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, Done]:
    """Run a command to completion; return its wall-clock time and its outcome."""
    seconds, _peak, done, _cpu = run_measured(argv, cwd, env)
    return seconds, done


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


def interleave(
    jobs: Sequence[Job], repeat: int, cwd: Path, stdout_tail: int | None = None
) -> dict[str, Measurement]:
    """Run every job ``repeat`` times in turn, so that a busy spell on a shared machine
    slows every side of a ratio rather than one. Every other round runs the jobs in the
    reverse order (A, B, C, C, B, A, A, B, C, ...): a job that always ran right after a
    heavy one (whose memory the system is still reclaiming) would otherwise always pay
    for it, and a ratio between neighbours would lean one way.

    Every run must exit with a status in its job's ``ok`` and pass its ``check``."""
    results = {job.key: Measurement(job.key, job.label, job.shown) for job in jobs}
    for round_number in range(repeat):
        for job in (jobs if round_number % 2 == 0 else list(reversed(jobs))):
            if job.prepare is not None:
                job.prepare()
            seconds, peak, done, cpu = run_measured(job.argv, job.cwd or cwd, job.env)
            if done.returncode not in job.ok:
                raise failure(f"{job.failure}{job.label} ({job.shown})", done, stdout_tail)
            if job.check is not None:
                job.check(done)
            results[job.key].runs.append(seconds)
            results[job.key].peak_kib.append(peak)
            results[job.key].cpu.append(cpu)
        print(f"  round {round_number + 1}/{repeat} done", flush=True)
    return results


@dataclass(frozen=True)
class Target:
    """A ratio of two measurements' medians and its limit (None: information only)."""

    key: str
    label: str
    top: str
    bottom: str
    limit: float | None
    #: "seconds" compares median wall time, "memory" median peak RSS.
    kind: str = "seconds"


def ratio_rows(results: dict[str, Measurement], targets: Sequence[Target]) -> list[dict[str, Any]]:
    """Each target whose two measurements exist: the ratio of the medians, the lowest and
    highest ratio of runs made in the same round, the limit and PASS/FAIL (or info)."""
    rows = []
    for target in targets:
        top, bottom = results.get(target.top), results.get(target.bottom)
        if top is None or bottom is None:
            continue
        if target.kind == "memory":
            pairs = list(zip(top.peak_kib, bottom.peak_kib, strict=False))
            value = top.peak_mib / bottom.peak_mib if bottom.peak_mib else float("inf")
        else:
            pairs = list(zip(top.runs, bottom.runs, strict=False))
            value = top.seconds / bottom.seconds if bottom.seconds else float("inf")
        per_round = [a / b for a, b in pairs if b]
        cpu = (top.cpu_seconds / bottom.cpu_seconds
               if target.kind == "seconds" and bottom.cpu_seconds else None)
        verdict = "info" if target.limit is None else (
            "PASS" if value <= target.limit else "FAIL")
        rows.append({
            "key": target.key, "label": target.label, "kind": target.kind, "ratio": value,
            "cpu_ratio": cpu,
            "round_min": min(per_round, default=value), "round_max": max(per_round, default=value),
            "target": target.limit, "result": verdict,
        })
    return rows


def print_interleaved(results: dict[str, Measurement], memory: bool = False) -> None:
    """The table of medians, minima and maxima (and peak RSS), one row per measurement."""
    width = max(len(m.label) for m in results.values())
    rss = f"  {'peak MiB':>8}" if memory else ""
    print(f"{'measurement':<{width}}  {'median':>8}  {'min':>8}  {'max':>8}  {'CPU med':>8}"
          f"{rss}  command")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 8}  {'-' * 8}  {'-' * 8}"
          f"{'  --------' if memory else ''}  -------")
    for m in results.values():
        rss = f"  {m.peak_mib:8.1f}" if memory else ""
        print(f"{m.label:<{width}}  {m.seconds:8.3f}  {m.best:8.3f}  {m.worst:8.3f}  "
              f"{m.cpu_seconds:8.3f}{rss}  {m.command}")


def print_ratios(rows: list[dict[str, Any]]) -> None:
    """Every ratio with the range of its same-round ratios, its target and verdict."""
    if not rows:
        return
    width = max(len(r["label"]) for r in rows)
    print(f"{'ratio (of medians)':<{width}}  {'value':>7}  {'rounds':>15}  {'CPU':>7}  "
          f"{'target':>8}  result")
    print(f"{'-' * width}  {'-' * 7}  {'-' * 15}  {'-' * 7}  {'-' * 8}  ------")
    for r in rows:
        target = "-" if r["target"] is None else f"<= {r['target']:g}"
        spread = f"{r['round_min']:.3f}..{r['round_max']:.3f}"
        cpu = "-" if r.get("cpu_ratio") is None else f"{r['cpu_ratio']:.3f}"
        print(f"{r['label']:<{width}}  {r['ratio']:7.3f}  {spread:>15}  {cpu:>7}  "
              f"{target:>8}  {r['result']}")


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


@dataclass(frozen=True)
class Version:
    """A threatgate to run: this checkout's command, or another checkout's code."""

    key: str  # "" for the command on PATH, else "compared"
    argv0: list[str]
    pythonpath: str | None = None

    def env(self, env: dict[str, str]) -> dict[str, str]:
        return env if self.pythonpath is None else {**env, "PYTHONPATH": self.pythonpath}


def checkouts(threatgate: str, compare_with: Path | None) -> list[Version]:
    """This checkout's ``threatgate`` and, with ``--compare-with DIR``, the code of that
    checkout (``DIR/cli`` first on the path, run as ``python -m threatgate``)."""
    found = [Version("", [threatgate])]
    if compare_with is not None:
        code = compare_with.resolve() / "cli"
        if not (code / "threatgate").is_dir():
            raise BenchError(f"{compare_with}: no cli/threatgate folder there")
        found.append(Version("compared", [sys.executable, "-m", "threatgate"], str(code)))
    return found

