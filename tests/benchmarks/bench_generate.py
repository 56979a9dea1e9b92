#!/usr/bin/env python3
"""Benchmark ``threatgate generate``: precision over the corpus, CPU time, and pytm.

1. **Recall and noise** over the precision corpus (tests/cases/generate/corpus.yaml):
   for every description, the threat concepts that must be present and those that must
   be absent; recall is the share of wanted concepts found, noise the share of unwanted
   concepts present. Cases that miss or add a concept are listed.
2. **CPU time** of ``threatgate generate "<a typical description>"`` as a subprocess
   (user + system CPU of the child), minus the CPU of ``python -c pass``, best of K,
   against the target (at most 0.5 s after interpreter start).
3. **pytm**: an architecture of pytm's scale (``--flows`` data flows, default 480,
   between 60 components in four trust boundaries) written both as a threatgate model
   and as a pytm script; ``threatgate generate --model`` on a fresh copy of the model
   against ``python tm.py --json OUT`` on the script, wall-clock, best of K, and the ratio
   (target at most 0.5). Skipped with a message when pytm is not installed.

The exit status is 0 when the benchmark ran, even if a target is missed (this is a
report); 1 when a tool fails; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_generate.py [--flows N] [--repeat K] [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from benchkit import (  # noqa: E402
    BenchError,
    add_json_option,
    add_repeat_option,
    fill_defaults,
    machine_info,
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


def child_cpu(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """User + system CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(argv[:3])} ... exited {done.returncode}: {done.stderr[:500]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cpu_report(repeat: int, scratch: Path, env: dict[str, str]) -> dict[str, Any]:
    threatgate = tool("threatgate")
    start = min(child_cpu([sys.executable, "-c", "pass"], scratch, env) for _ in range(repeat))
    runs = [child_cpu([threatgate, "generate", TYPICAL], scratch, env) for _ in range(repeat)]
    net = min(runs) - start
    verdict = "PASS" if net <= CPU_TARGET else "MISS"
    print(f"\ngenerate, typical description: {min(runs):.3f} s CPU, interpreter start "
          f"{start:.3f} s, net {net:.3f} s  <= {CPU_TARGET}  {verdict}")
    return {"cpu_runs": runs, "interpreter_start": start, "net": net}


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
    threatgate = tool("threatgate")
    (scratch / "tm.py").write_text(pytm_script(flows), encoding="utf-8")
    source = scratch / "source.yaml"
    source.write_text(threatgate_model(flows), encoding="utf-8")
    model = scratch / "threatmodels" / "bench.yaml"
    model.parent.mkdir(exist_ok=True)
    ours, theirs = [], []
    for _ in range(repeat):
        shutil.copyfile(source, model)
        start = time.perf_counter()
        done = subprocess.run([threatgate, "generate", "--model", str(model)], cwd=scratch,
                              env=env, capture_output=True, text=True, check=False)
        ours.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise BenchError(f"threatgate generate --model exited {done.returncode}: "
                             f"{(done.stdout + done.stderr)[:800]}")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "tm.py", "--json", "out.json"], cwd=scratch,
                              env=env, capture_output=True, text=True, check=False)
        theirs.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise BenchError(f"pytm exited {done.returncode}: {done.stderr[:800]}")
    # The two commands ran in turn in every round: the ratio of the medians compares runs
    # that met the same machine.
    ratio = statistics.median(ours) / statistics.median(theirs)
    verdict = "PASS" if ratio <= RATIO_TARGET else "MISS"
    print(f"\n{flows} flows, {COMPONENTS} components (median, min..max of {repeat} rounds):")
    for label, runs in (("threatgate generate --model", ours), ("pytm --json", theirs)):
        print(f"  {label:28} {statistics.median(runs):8.3f} s   "
              f"{min(runs):.3f}..{max(runs):.3f}")
    print(f"  threatgate / pytm            {ratio:8.3f}     <= {RATIO_TARGET}  {verdict}")
    return {"threatgate_runs": ours, "pytm_runs": theirs, "ratio": ratio}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=480, help="data flows of the pytm "
                        "comparison (default 480)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    add_repeat_option(parser, 3, 1)
    add_json_option(parser)
    args = parser.parse_args()
    fill_defaults(args, repeat=(1, 3))
    if args.flows < 1:
        parser.error("--flows must be at least 1")
    env = {**os.environ, "THREATGATE_TODAY": "2026-01-15"}
    info = machine_info()
    print(f"machine: {info}")
    try:
        document: dict[str, Any] = {"machine": info, "corpus": corpus_report()}
        with tempfile.TemporaryDirectory(prefix="bench-generate-") as folder:
            scratch = Path(folder)
            (scratch / ".git").mkdir()
            document["cpu"] = cpu_report(args.repeat, scratch, env)
            document["pytm"] = pytm_report(args.flows, args.repeat, scratch, env)
    except BenchError as exc:
        print(f"bench_generate: {exc}", file=sys.stderr)
        return 1
    if args.json_out:
        write_json(args.json_out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
