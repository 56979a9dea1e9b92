#!/usr/bin/env python3
"""Benchmark ``threatgate generate``: precision over the corpus, CPU time, and pytm.

1. **Recall and noise** over the precision corpus (tests/cases/generate/corpus.yaml):
   for every description, the threat concepts that must be present and those that must
   be absent; recall is the share of wanted concepts found, noise the share of unwanted
   concepts present. Cases that miss or add a concept are listed.
2. **CPU time** of ``threatgate generate "<a typical description>"`` as a subprocess
   (user + system CPU of the child), minus the CPU of ``python -c pass``: the medians of
   K interleaved rounds, against the target (at most 0.5 s after interpreter start).
3. **pytm**: an architecture of pytm's scale (``--flows`` data flows, default 480,
   between 60 components in four trust boundaries) written both as a threatgate model
   and as a pytm script; ``threatgate generate --model`` on a fresh copy of the model
   against ``python tm.py --json OUT`` on the script, run in turn for K rounds
   (``benchkit.interleave``), and the ratio of the median wall times (target at most
   0.5). Skipped with a message when pytm is not installed.

Before anything is timed, each command runs once untimed: that fills Python's
compiled-module folder and threatgate's cache of its parsed rule packs (as any run but
a user's very first finds them), and gives the model every timed run must write byte
for byte.

The exit status is 0 when the benchmark ran, even if a target is missed (this is a
report); 1 when a tool fails; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_generate.py [--flows N] [--repeat K] [--quick]
                                              [--out DIR] [--json FILE]

``--out DIR`` keeps the architecture (``source.yaml``, ``tm.py``, and the model the
last run wrote in ``threatmodels/bench.yaml``) for profiling one command by hand.

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from benchkit import (  # noqa: E402
    BenchError,
    Done,
    Job,
    Target,
    add_json_option,
    bench_env,
    fill_defaults,
    interleave,
    machine_info,
    print_interleaved,
    print_ratios,
    ratio_rows,
    run_timed,
    tool,
    write_json,
)

from generation_corpus import judge, load_corpus, summary  # noqa: E402

TYPICAL = ("Web shop where customers sign in with a password, pay by card with Stripe and "
           "upload product reviews with photos to S3; orders in PostgreSQL")
CPU_TARGET = 0.5
RATIO_TARGET = 0.5
COMPONENTS = 60
KINDS = [("browser", "client"), ("web_app", "process"), ("rest_api", "process"),
         ("service", "process"), ("database", "datastore"), ("cache", "datastore"),
         ("message_queue", "datastore"), ("object_storage", "datastore"),
         ("saas", "external"), ("worker", "process")]
PROTOCOLS = ["https", "http", "sql", "redis", "amqp", "grpc"]


def corpus_report() -> dict[str, Any]:
    """Generate every corpus description in process and judge it."""
    from threatgate.generate.assemble import assemble
    from threatgate.generate.describe import describe
    from threatgate.generate.engine import apply_packs
    from threatgate.generate.rulepacks import load_packs

    corpus = load_corpus()
    packs = load_packs()
    outcomes = []
    for case in corpus.cases:
        generated = assemble(describe(case.description), packs=packs,
                             run=lambda m: apply_packs(m, packs)).generated
        outcomes.append(judge(corpus, case, [(t.rule, t.entry) for t in generated.threats]))
    figures = summary(outcomes)
    print(f"\ncorpus: {figures['cases']} descriptions, recall {figures['recall']:.3f}, "
          f"noise {figures['noise']:.3f}, {figures['threats_per_case']:.1f} threats each")
    for outcome in outcomes:
        if outcome.missed or outcome.noise:
            print(f"  {outcome.case.description[:70]!r}: missed {outcome.missed}, "
                  f"noise {outcome.noise}")
    return {**figures, "misses": [
        {"description": o.case.description, "missed": o.missed, "noise": o.noise}
        for o in outcomes if o.missed or o.noise]}


def cpu_report(repeat: int, scratch: Path, env: dict[str, str]) -> dict[str, Any]:
    """CPU of a typical ``generate`` minus that of the interpreter's start, medians of
    interleaved rounds."""
    jobs = [Job("start", "python -c pass", [sys.executable, "-c", "pass"],
                "python -c pass", env),
            Job("typical", "generate, typical description",
                [tool("threatgate"), "generate", TYPICAL], "threatgate generate TEXT", env)]
    for job in jobs:  # untimed: fills the compiled modules and the packs' cache
        _seconds, done = run_timed(job.argv, scratch, env)
        if done.returncode != 0:
            raise BenchError(f"{job.shown} exited {done.returncode}: {done.stderr[:500]}")
    print(f"\ngenerate, typical description ({repeat} rounds):")
    results = interleave(jobs, repeat, scratch)
    start, runs = results["start"].cpu_seconds, results["typical"].cpu_seconds
    net = runs - start
    verdict = "PASS" if net <= CPU_TARGET else "MISS"
    print(f"generate, typical description: {runs:.3f} s CPU (median), interpreter start "
          f"{start:.3f} s, net {net:.3f} s  <= {CPU_TARGET}  {verdict}")
    return {"cpu_runs": results["typical"].cpu, "start_runs": results["start"].cpu,
            "interpreter_start": start, "net": net}


def architecture(flows: int) -> tuple[list[tuple[str, str, str, int]], list[tuple[str, str, str, str]]]:
    """Components (id, type, category, boundary number) and flows (id, from, to, protocol)."""
    components = [(f"c{i}", KINDS[i % len(KINDS)][0], KINDS[i % len(KINDS)][1], i % 4)
                  for i in range(COMPONENTS)]
    pairs = [(a, b) for a in range(COMPONENTS) for b in range(COMPONENTS) if a != b]
    step = max(1, len(pairs) // flows)
    chosen = pairs[::step][:flows]
    return components, [(f"DF{n}", f"c{a}", f"c{b}", PROTOCOLS[n % len(PROTOCOLS)])
                        for n, (a, b) in enumerate(chosen, 1)]


def threatgate_model(flows: int) -> str:
    components, edges = architecture(flows)
    lines = ["threatgate: 1", "id: bench", "title: Benchmark architecture", "components:"]
    lines += [f"  - {{id: {cid}, name: Component {cid}, type: {kind}, boundary: b{zone}}}"
              for cid, kind, _, zone in components]
    lines.append("dataflows:")
    lines += [f"  - {{id: {fid}, from: {a}, to: {b}, protocol: {proto}}}"
              for fid, a, b, proto in edges]
    lines.append("trust_boundaries:")
    lines += [f"  - {{id: b{n}, name: Zone {n}}}" for n in range(4)]
    return "\n".join(lines) + "\n"


def pytm_script(flows: int) -> str:
    components, edges = architecture(flows)
    classes = {"client": "Actor", "process": "Server", "datastore": "Datastore",
               "external": "ExternalEntity"}
    lines = ["from pytm import TM, Actor, Boundary, Dataflow, Datastore, ExternalEntity, Server",
             "tm = TM('Benchmark architecture')", "tm.description = 'bench'"]
    lines += [f"b{n} = Boundary('Zone {n}')" for n in range(4)]
    for cid, _, category, zone in components:
        lines.append(f"{cid} = {classes[category]}('Component {cid}')")
        lines.append(f"{cid}.inBoundary = b{zone}")
    for fid, a, b, proto in edges:
        lines.append(f"f = Dataflow({a}, {b}, '{fid}')")
        lines.append(f"f.protocol = '{proto.upper()}'")
    lines += ["if __name__ == '__main__':", "    tm.process()"]
    return "\n".join(lines) + "\n"


def pytm_report(flows: int, repeat: int, scratch: Path, env: dict[str, str]) -> dict[str, Any]:
    if importlib.util.find_spec("pytm") is None:
        print("\npytm is not installed (pip install pytm): comparison skipped")
        return {"skipped": True}
    (scratch / "tm.py").write_text(pytm_script(flows), encoding="utf-8")
    source = scratch / "source.yaml"
    source.write_text(threatgate_model(flows), encoding="utf-8")
    model = scratch / "threatmodels" / "bench.yaml"
    model.parent.mkdir(exist_ok=True)
    ours = Job("threatgate", "threatgate generate --model",
               [tool("threatgate"), "generate", "--model", str(model)],
               "threatgate generate --model threatmodels/bench.yaml", env,
               prepare=lambda: shutil.copyfile(source, model))
    theirs = Job("pytm", "pytm --json", [sys.executable, "tm.py", "--json", "out.json"],
                 "python tm.py --json out.json", env)
    for job in (ours, theirs):  # untimed: compiled modules, the packs' cache, the result
        if job.prepare is not None:
            job.prepare()
        _seconds, done = run_timed(job.argv, scratch, env)
        if done.returncode != 0:
            raise BenchError(f"{job.shown} exited {done.returncode}: "
                             f"{(done.stdout + done.stderr)[:800]}")
    expected = model.read_bytes()

    def same_model(_: Done) -> None:
        if model.read_bytes() != expected:
            raise BenchError("generate --model wrote another model than its first run")

    ours.check = same_model
    print(f"\n{flows} flows, {COMPONENTS} components ({repeat} interleaved rounds):")
    results = interleave([ours, theirs], repeat, scratch)
    print_interleaved(results)
    rows = ratio_rows(results, [Target("pytm", "threatgate / pytm", "threatgate", "pytm",
                                       RATIO_TARGET)])
    print_ratios(rows)
    return {"runs": [m.as_json() for m in results.values()], "ratios": rows,
            "ratio": rows[0]["ratio"], "model_bytes": len(expected)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=480, help="data flows of the pytm "
                        "comparison (default 480)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write the architecture to "
                        "DIR and keep it (source.yaml, tm.py, threatmodels/bench.yaml)")
    parser.add_argument("--repeat", type=int, metavar="K", help="rounds: runs of each "
                        "command, in turn with the others; medians reported (default 5; 1 "
                        "with --quick)")
    add_json_option(parser)
    args = parser.parse_args()
    fill_defaults(args, repeat=(1, 5))
    if args.flows < 1:
        parser.error("--flows must be at least 1")
    if args.out is not None and args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out {args.out}: the folder is not empty")
    info = machine_info()
    print(f"machine: {info}")
    try:
        document: dict[str, Any] = {"machine": info, "corpus": corpus_report()}
        with tempfile.TemporaryDirectory(prefix="bench-generate-") as folder:
            scratch = Path(folder)
            work = args.out.resolve() if args.out is not None else scratch / "work"
            (work / ".git").mkdir(parents=True)
            # A cache folder of its own: the first, untimed run fills it.
            env = bench_env(scratch, THREATGATE_TODAY="2026-01-15",
                            THREATGATE_CACHE_DIR=str(scratch / "cache"))
            document["cpu"] = cpu_report(args.repeat, work, env)
            document["pytm"] = pytm_report(args.flows, args.repeat, work, env)
    except BenchError as exc:
        print(f"bench_generate: {exc}", file=sys.stderr)
        return 1
    if args.json_out:
        write_json(args.json_out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
