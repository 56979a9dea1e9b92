#!/usr/bin/env python3
"""Benchmark ``threatgate site``: the static site must scale linearly with the models.

The target: building the site for 10x the models takes at most 11x the time. This
script:

1. generates N (default 1,000) distinct, valid models of about 20 KB with
   ``bench_validate.py``'s generator (``render_model``), and puts the first N/10 in a
   small repository and all N in a large one (``threatmodels/`` in a throwaway git
   repository each: a fixed author, committer and dates, no user or system git
   configuration);
2. checks, untimed, that ``threatgate site`` exits 0 in both and writes an
   ``index.html`` that links to a page for every model, each page existing;
3. times ``threatgate site OUT --no-cache`` in each repository as a subprocess,
   wall-clock, best of K runs (every run into a fresh, empty output folder, each
   exiting 0; the runs alternate between the two repositories), with
   ``THREATGATE_TODAY`` fixed;
4. prints both times, the site's size (files, MB), the time per model, the marginal time
   per added model, and the ratio large / small against the target (<= 11.0).

The exit status is 0 when the benchmark ran, even if the target is missed (this is a
report); 1 when a tool fails or the site is not what it should be; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_site.py [--models N] [--repeat K] [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import html.parser
import os
import re
import shutil
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
    add_json_option,
    add_repeat_option,
    best_of,
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
#: "Today" for threatgate's expiry checks, so that every run sees the same models.
FIXED_TODAY = "2026-06-01"
MODELS_DIR = "threatmodels"
SITE_DIR = "_site"


def site_argv(threatgate: str, out: Path) -> list[str]:
    """The command that builds the site of the repository it runs in into ``out``.

    ``--no-cache``: every run validates the models afresh, as in a fresh CI clone; with
    the cache, the small repository's runs would warm it for the large one's."""
    return [threatgate, "site", str(out), "--no-cache"]


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
    seconds: float  # best run
    runs: list[float] = field(default_factory=list)
    site: dict[str, Any] = field(default_factory=dict)


def _shown(repo: Repository) -> str:
    return f"threatgate site {SITE_DIR} --no-cache ({repo.key})"


def check(threatgate: str, repo: Repository, env: dict[str, str]) -> dict[str, Any]:
    """One untimed build; the site must be complete. Returns its size."""
    out = repo.root / SITE_DIR
    _, done = run_timed(site_argv(threatgate, out), repo.root, env)
    if done.returncode != 0:
        raise failure(_shown(repo), done)
    return check_site(out, repo)


def time_once(threatgate: str, repo: Repository, env: dict[str, str]) -> float:
    """One timed build into an empty folder."""
    out = repo.root / SITE_DIR
    shutil.rmtree(out, ignore_errors=True)
    return best_of(1, site_argv(threatgate, out), repo.root, env, _shown(repo))[0]


def measure(
    threatgate: str, repos: list[Repository], env: dict[str, str], repeat: int
) -> list[Measurement]:
    """Check each repository's site, then time ``repeat`` rounds of builds. The rounds
    alternate between the repositories, so that a busy spell on a shared machine slows
    both sides of the ratio rather than one."""
    sites = [check(threatgate, repo, env) for repo in repos]
    runs: list[list[float]] = [[] for _ in repos]
    for _ in range(repeat):
        for repo, times in zip(repos, runs, strict=True):
            times.append(time_once(threatgate, repo, env))
    results = []
    for repo, times, site in zip(repos, runs, sites, strict=True):
        label = f"{repo.models} models"
        results.append(
            Measurement(repo.key, label, repo.models, repo.bytes, min(times), times, site)
        )
        print_runs(label, 12, times)
    return results


# --- report ------------------------------------------------------------------------------------


def print_report(
    info: dict[str, Any], repeat: int, small: Measurement, large: Measurement, ratio: dict[str, Any]
) -> None:
    print_header(
        f"threatgate site benchmark: `threatgate site {SITE_DIR} --no-cache` on "
        f"{small.models} and {large.models} models; best of {repeat}",
        info,
        f"{info['threatgate']}; {info['git']}",
    )
    print()
    widths = (12, 6, 8, 8, 9, 7, 7)
    print(
        f"{'repository':<12}  {'models':>6}  {'YAML MB':>8}  {'seconds':>8}  "
        f"{'ms/model':>9}  {'files':>7}  {'site MB':>7}"
    )
    print("  ".join("-" * n for n in widths))
    for m in (small, large):
        print(
            f"{m.label:<12}  {m.models:>6}  {m.bytes / 1e6:8.1f}  {m.seconds:8.3f}  "
            f"{1000 * m.seconds / m.models:9.2f}  {m.site['files']:>7}  "
            f"{m.site['bytes'] / 1e6:7.1f}"
        )
    print()
    print(
        f"marginal cost per added model: {1000 * ratio['marginal_seconds_per_model']:.2f} ms "
        f"((large - small) / {large.models - small.models} models)"
    )
    print()
    label = ratio["label"]
    print_ratio_header(len(label))
    print(
        f"{label}  {ratio['ratio']:7.3f}  {'<= ' + format(TARGET_RATIO, '.1f'):>7}  "
        f"{ratio['result']}"
    )


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

    print(f"building and checking, then timing (best of {args.repeat}) ...", flush=True)
    small, large = measure(threatgate, repos, env, args.repeat)
    value = large.seconds / small.seconds
    ratio = {
        "label": f"{large.models} models / {small.models} models",
        "ratio": value,
        "target": TARGET_RATIO,
        "result": "PASS" if value <= TARGET_RATIO else "FAIL",
        "marginal_seconds_per_model": (large.seconds - small.seconds)
        / (large.models - small.models),
    }

    info = machine_info()
    info["threatgate"] = output([threatgate, "--version"])
    info["threatgate_source"] = source_info(env, (".", "../../schemas", "../../templates"))
    info["git"] = output(["git", "--version"])
    print_report(info, args.repeat, small, large, ratio)

    if args.json_out is not None:
        document = {
            "machine": info,
            "command": f"threatgate site {SITE_DIR} --no-cache",
            "today": FIXED_TODAY,
            "repeat": args.repeat,
            "measurements": [asdict(m) for m in (small, large)],
            "ratio": ratio,
        }
        write_json(args.json_out, document)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_in_scratch("threatgate-bench-site-", lambda scratch: run_benchmark(args, scratch))


if __name__ == "__main__":
    sys.exit(main())
