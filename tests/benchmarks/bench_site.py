#!/usr/bin/env python3
"""Benchmark ``threatgate site``: time and memory must scale with the models.

The targets: building the site for 10x the models takes at most 11x the time, and its
peak memory (the peak resident set size of the command's process and its workers) at
most 2x; with ``--compare-with DIR`` (another checkout), 1,000 models take at most 0.6x
that checkout's time. This script:

1. generates N (default 1,000) distinct, valid models of about 20 KB with
   ``bench_validate.py``'s generator (``render_model``), and puts the first N/10 in a
   small repository and all N in a large one (``threatmodels/`` in a throwaway git
   repository each: a fixed author, committer and dates, no user or system git
   configuration);
2. checks, untimed, that ``threatgate site`` exits 0 in both and writes an
   ``index.html`` that links to a page for every model, each page existing;
3. times ``threatgate site OUT --no-cache`` in each repository as a subprocess,
   wall-clock, K runs (every run into a fresh, empty output folder, each exiting 0;
   the runs are interleaved: small, large, and with --compare-with the other checkout
   after each), with ``THREATGATE_TODAY`` fixed, recording each run's peak RSS
   (``wait4``: the process and the workers it waited for);
4. prints the median, min and max time and peak RSS of each, the site's size (files,
   MB), the load average when the runs started, the time per model, the marginal time per added model, and the ratios against
   their targets: time large / small (<= 11.0), peak RSS large / small (<= 2.0), and
   with --compare-with, time large / the other checkout's (<= 0.6).

The exit status is 0 when the benchmark ran, even if the target is missed (this is a
report); 1 when a tool fails or the site is not what it should be; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_site.py [--models N] [--repeat K] [--quick] [--json FILE]
        [--compare-with DIR]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import html.parser
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The benchmarks folder is not a package; it shares BenchError and helpers via benchkit.
from bench_validate import render_model
from benchkit import (
    GIT_ENV,
    BenchError,
    Version,
    add_json_option,
    add_repeat_option,
    checkouts,
    failure,
    fill_defaults,
    machine_info,
    output,
    print_header,
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
#: The small repository holds this fraction of the models: the target is about 10x.
SCALE = 10
TARGET_RATIO = 11.0
#: Peak memory of the large build against the small one's.
TARGET_MEMORY_RATIO = 2.0
#: Time of the large build against the compared checkout's.
TARGET_SPEEDUP = 0.6
#: "Today" for threatgate's expiry checks, so that every run sees the same models.
FIXED_TODAY = "2026-06-01"
MODELS_DIR = "threatmodels"
SITE_DIR = "_site"


def site_argv(version: Version, out: Path) -> list[str]:
    """The command that builds the site of the repository it runs in into ``out``.

    ``--no-cache``: every run validates the models afresh, as in a fresh CI clone; with
    the cache, the small repository's runs would warm it for the large one's."""
    return [*version.argv0, "site", str(out), "--no-cache"]


def run_measured(argv: Sequence[str], cwd: Path, env: dict[str, str]
                 ) -> tuple[float, int, int, str]:
    """Run a command; its wall-clock seconds, peak RSS in KiB (the process and every
    worker it waited for, as ``wait4`` reports it), exit status and error output."""
    start = time.perf_counter()
    process = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    assert process.stderr is not None
    stderr = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss, process.returncode, stderr


def model_id(text: str) -> str:
    found = re.search(r"^id: ['\"]?([a-z0-9][a-z0-9._-]*)", text, flags=re.MULTILINE)
    if found is None:
        raise BenchError("generator bug: a model has no top-level id")
    return found[1]


def _git(root: Path, env: dict[str, str], *args: str) -> None:
    _, done = run_timed(["git", *args], root, env)
    if done.returncode != 0:
        raise failure(f"git {args[0]}", done)


def build_repository(root: Path, texts: list[str], env: dict[str, str]) -> int:
    """A git repository with ``texts`` as models, committed. Returns their bytes."""
    folder = root / MODELS_DIR
    folder.mkdir(parents=True)
    total = 0
    for index, text in enumerate(texts):
        raw = text.encode()
        (folder / f"model-{index:04d}.yaml").write_bytes(raw)
        total += len(raw)
    _git(root, env, "init", "-q", "-b", "main")
    _git(root, env, "add", "-A")
    _git(root, env, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "models")
    return total


@dataclass
class Repository:
    key: str  # "small" or "large"
    root: Path
    models: int
    bytes: int
    ids: list[str]


# --- checking the site -----------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    """The relative hrefs of a page's <a> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not urlsplit(href).scheme and not href.startswith(("#", "//")):
                self.hrefs.append(href)


def site_size(out: Path) -> tuple[int, int]:
    """Files and bytes under ``out``."""
    files = [p for p in out.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def check_site(out: Path, repo: Repository) -> dict[str, Any]:
    """The index exists and links to one existing page per model, each naming its id."""
    index = out / "index.html"
    if not index.is_file():
        raise BenchError(f"{repo.key}: threatgate site wrote no {index.name}")
    parser = _Links()
    parser.feed(index.read_text(encoding="utf-8"))
    targets = {}
    for href in parser.hrefs:
        path = (out / unquote(urlsplit(href).path)).resolve()
        if path.is_file():
            targets[path] = href
        elif path.is_dir() and (path / "index.html").is_file():
            targets[path / "index.html"] = href
        else:
            raise BenchError(f"{repo.key}: the index links to {href}, which does not exist")
    # A model's page is named after its id: <id>.html, or <id>/index.html.
    named = {p.stem for p in targets} | {p.parent.name for p in targets}
    missing = [model for model in repo.ids if model not in named]
    if missing:
        raise BenchError(
            f"{repo.key}: the index links to no page for {len(missing)} of {len(repo.ids)} "
            f"models, e.g. {', '.join(missing[:5])}"
        )
    files, size = site_size(out)
    return {"pages_linked": len(targets), "files": files, "bytes": size}


# --- timing ------------------------------------------------------------------------------------


@dataclass
class Measurement:
    key: str
    label: str
    models: int
    bytes: int
    seconds: float  # median run
    runs: list[float] = field(default_factory=list)
    site: dict[str, Any] = field(default_factory=dict)
    #: Peak RSS of each run, KiB.
    peaks: list[int] = field(default_factory=list)
    #: The machine's load average (1 minute) when each run started.
    loads: list[float] = field(default_factory=list)

    @property
    def peak_mb(self) -> float:
        return statistics.median(self.peaks) / 1024


def _shown(repo: Repository, version: Version) -> str:
    where = f", {version.key}" if version.key else ""
    return f"threatgate site {SITE_DIR} --no-cache ({repo.key}{where})"


def check(version: Version, repo: Repository, env: dict[str, str]) -> dict[str, Any]:
    """One untimed build; the site must be complete. Returns its size."""
    out = repo.root / SITE_DIR
    _, done = run_timed(site_argv(version, out), repo.root, version.env(env))
    if done.returncode != 0:
        raise failure(_shown(repo, version), done)
    return check_site(out, repo)


def time_once(version: Version, repo: Repository, env: dict[str, str]
              ) -> tuple[float, int, float]:
    """One timed build into an empty folder: its seconds, peak RSS (KiB) and the load
    average when it started (other jobs on the machine slow it down)."""
    out = repo.root / SITE_DIR
    shutil.rmtree(out, ignore_errors=True)
    load = os.getloadavg()[0]
    seconds, peak, code, stderr = run_measured(site_argv(version, out), repo.root,
                                               version.env(env))
    if code != 0:
        raise BenchError(f"{_shown(repo, version)} exited with status {code}:\n{stderr[-2000:]}")
    return seconds, peak, load


def measure(versions: list[Version], repos: list[Repository], env: dict[str, str],
            repeat: int) -> list[Measurement]:
    """Check each repository's site, then time ``repeat`` rounds of builds. Each round
    runs every repository with every version in turn, so that a busy spell on a shared
    machine slows every side of a ratio rather than one."""
    pairs = [(version, repo) for repo in repos for version in versions]
    sites = {repo.key: check(versions[0], repo, env) for repo in repos}
    runs: list[list[tuple[float, int, float]]] = [[] for _ in pairs]
    for _ in range(repeat):
        for (version, repo), done in zip(pairs, runs, strict=True):
            done.append(time_once(version, repo, env))
    results = []
    for (version, repo), done in zip(pairs, runs, strict=True):
        label = f"{repo.models} models" + (f" ({version.key})" if version.key else "")
        times = [seconds for seconds, _, _ in done]
        results.append(Measurement(repo.key + (f"-{version.key}" if version.key else ""),
                                   label, repo.models, repo.bytes, statistics.median(times),
                                   times, sites[repo.key], [peak for _, peak, _ in done],
                                   [load for _, _, load in done]))
        print_runs(label, 22, times)
    return results


def ratio_of(label: str, value: float, target: float) -> dict[str, Any]:
    return {"label": label, "ratio": value, "target": target,
            "result": "PASS" if value <= target else "FAIL"}


# --- report ------------------------------------------------------------------------------------


def print_report(info: dict[str, Any], repeat: int, measured: list[Measurement],
                 ratios: list[dict[str, Any]], marginal: float) -> None:
    small, large = measured[0], measured[-1]
    print_header(
        f"threatgate site benchmark: `threatgate site {SITE_DIR} --no-cache` on "
        f"{small.models} and {large.models} models; median of {repeat} (min-max)",
        info,
        f"{info['threatgate']}; {info['git']}",
    )
    print()
    print(f"{'repository':<22}  {'models':>6}  {'seconds (min-max)':>23}  {'ms/model':>8}  "
          f"{'peak MB (min-max)':>21}  {'files':>6}  {'site MB':>7}")
    for m in measured:
        spread = f"{m.seconds:7.2f} ({min(m.runs):.2f}-{max(m.runs):.2f})"
        peaks = f"{m.peak_mb:6.0f} ({min(m.peaks) / 1024:.0f}-{max(m.peaks) / 1024:.0f})"
        print(f"{m.label:<22}  {m.models:>6}  {spread:>23}  {1000 * m.seconds / m.models:8.2f}  "
              f"{peaks:>21}  {m.site['files']:>6}  {m.site['bytes'] / 1e6:7.1f}")
    loads = [load for m in measured for load in m.loads]
    print(f"load average (1 min) when the runs started: median {statistics.median(loads):.2f}, "
          f"min {min(loads):.2f}, max {max(loads):.2f}")
    print()
    print(f"marginal cost per added model: {1000 * marginal:.2f} ms "
          f"((large - small) / {large.models - small.models} models)")
    print()
    width = max(len(r["label"]) for r in ratios)
    print_ratio_header(width)
    for r in ratios:
        print(f"{r['label']:<{width}}  {r['ratio']:7.3f}  "
              f"{'<= ' + format(r['target'], '.1f'):>7}  {r['result']}")


# --- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=f"Time threatgate site on N/{SCALE} and N models; the ratio must be "
        f"at most {TARGET_RATIO:g}."
    )
    parser.add_argument(
        "--models",
        type=int,
        metavar="N",
        help=f"models in the large repository (default {DEFAULT_MODELS}; {QUICK_MODELS} "
        f"with --quick; at least {SCALE}); the small one holds N/{SCALE}",
    )
    add_repeat_option(parser, DEFAULT_REPEAT, QUICK_REPEAT)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_MODELS} models, {QUICK_REPEAT} run each",
    )
    add_json_option(parser)
    parser.add_argument(
        "--compare-with",
        type=Path,
        metavar="DIR",
        help="also time another checkout of threatgate (its cli/ folder is put on "
        f"PYTHONPATH) in the same rounds; the large build must take at most "
        f"{TARGET_SPEEDUP:g}x its time",
    )
    args = parser.parse_args(argv)
    fill_defaults(
        args, models=(QUICK_MODELS, DEFAULT_MODELS), repeat=(QUICK_REPEAT, DEFAULT_REPEAT)
    )
    if args.models < SCALE or args.repeat < 1:
        parser.error(f"--models must be at least {SCALE} and --repeat at least 1")
    return args


def run_benchmark(args: argparse.Namespace, scratch: Path) -> int:
    env = {**os.environ, **GIT_ENV, "THREATGATE_TODAY": FIXED_TODAY}
    env.pop("THREATGATE_DEBUG", None)
    env["THREATGATE_CACHE_DIR"] = str(scratch / "unused-cache")
    threatgate = tool("threatgate")
    tool("git")

    print(f"generating {args.models} models ...", flush=True)
    start = time.perf_counter()
    texts = [render_model(index) for index in range(args.models)]
    ids = [model_id(text) for text in texts]
    repos = []
    for key, count in (("small", args.models // SCALE), ("large", args.models)):
        root = scratch / f"{key}-{count}"
        total = build_repository(root, texts[:count], env)
        repos.append(Repository(key, root, count, total, ids[:count]))
    print(f"  two repositories built in {time.perf_counter() - start:.1f} s", flush=True)

    versions = checkouts(threatgate, args.compare_with)
    print(f"building and checking, then timing ({args.repeat} rounds) ...", flush=True)
    measured = measure(versions, repos, env, args.repeat)
    small, large = measured[0], measured[len(versions)]
    ratios = [
        ratio_of(f"time: {large.models} models / {small.models} models",
                 large.seconds / small.seconds, TARGET_RATIO),
        ratio_of(f"peak RSS: {large.models} models / {small.models} models",
                 large.peak_mb / small.peak_mb, TARGET_MEMORY_RATIO),
    ]
    if len(versions) > 1:
        compared = measured[len(versions) + 1]
        ratios.append(ratio_of(f"time: {large.models} models / compared checkout",
                               large.seconds / compared.seconds, TARGET_SPEEDUP))
        ratios.append(ratio_of(f"peak RSS: {large.models} models / compared checkout",
                               large.peak_mb / compared.peak_mb, 1.0))
    marginal = (large.seconds - small.seconds) / (large.models - small.models)

    info = machine_info()
    info["threatgate"] = output([threatgate, "--version"])
    info["threatgate_source"] = source_info(env, (".", "../../schemas", "../../templates"))
    info["git"] = output(["git", "--version"])
    print_report(info, args.repeat, measured, ratios, marginal)

    if args.json_out is not None:
        document = {
            "machine": info,
            "command": f"threatgate site {SITE_DIR} --no-cache",
            "today": FIXED_TODAY,
            "repeat": args.repeat,
            "measurements": [asdict(m) for m in measured],
            "ratios": ratios,
            "marginal_seconds_per_model": marginal,
        }
        write_json(args.json_out, document)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_scratch("threatgate-bench-site-", lambda scratch: run_benchmark(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
