#!/usr/bin/env python3
"""Benchmark ``threatgate import``: a 1 MB Threat Composer workspace in under a second.

1. Generates, deterministically (fixed seed), a Threat Composer JSON export of about
   ``--megabytes`` MB (default 1): threats with full statements, STRIDE and priority
   metadata and tags, mitigations of every status, assumptions, and the links between
   them, plus application, architecture and data-flow descriptions.
2. Checks it, untimed: ``threatgate import`` exits 0 and the model it writes passes
   ``threatgate validate``.
3. Times ``threatgate import FILE --out threatmodels/big.yaml --force`` as a subprocess,
   wall-clock, best of K, and the conversion alone in this process (parse, map, render,
   validate: ``threatgate.importers.convert.import_model``), and prints both against the
   target (< 1 s).

The exit status is 0 when the benchmark ran, even if the target is missed (this is a
report); 1 when a tool fails; 2 for a usage error.

Run from the repository root, with the project's virtualenv active::

    python tests/benchmarks/bench_import.py [--megabytes N] [--repeat K] [--quick] [--json FILE]

Not a pytest module: the file name does not match ``test_*.py`` and it defines no test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchkit import (
    BenchError,
    Job,
    add_json_option,
    add_repeat_option,
    bench_env,
    best_of,
    fill_defaults,
    interleave,
    machine_info,
    print_interleaved,
    run_in_scratch,
    tool,
    write_json,
)

TARGET_SECONDS = 1.0
STATUSES = ["mitigationIdentified", "mitigationInProgress", "mitigationResolved",
            "mitigationResolvedWillNotAction"]
SOURCES = ["external threat actor", "malicious insider", "compromised dependency",
           "unauthenticated user", "support agent with broad access"]
ACTIONS = ["read other tenants' records", "replay a signed request", "exhaust the worker pool",
           "escalate to administrator", "tamper with the audit log", "forge a session token"]
IMPACTS = ["disclosure of personal data", "fraudulent payouts", "an outage of checkout",
           "loss of accountability", "takeover of customer accounts"]


def workspace(megabytes: float, seed: int = 7) -> dict[str, Any]:
    """A Threat Composer export of about ``megabytes`` MB."""
    rng = random.Random(seed)
    threats: list[dict[str, Any]] = []
    mitigations: list[dict[str, Any]] = []
    assumptions: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    assumption_links: list[dict[str, str]] = []
    document: dict[str, Any] = {
        "schema": 1,
        "applicationInfo": {"name": "Generated workspace", "description": "Benchmark. " * 40},
        "architecture": {"description": "Services behind a gateway. " * 40},
        "dataflow": {"description": "Requests, events and batch exports. " * 40},
        "threats": threats, "mitigations": mitigations, "assumptions": assumptions,
        "mitigationLinks": links, "assumptionLinks": assumption_links,
    }
    number = 0
    while len(json.dumps(document)) < megabytes * 1_000_000:
        number += 1
        source, action, impact = rng.choice(SOURCES), rng.choice(ACTIONS), rng.choice(IMPACTS)
        threat_id = f"00000000-0000-4000-8000-{number:012d}"
        threats.append({
            "id": threat_id, "numericId": number, "threatSource": source,
            "prerequisites": f"with access to service {number % 40}", "threatAction": action,
            "threatImpact": impact, "impactedGoal": ["confidentiality", "integrity"],
            "impactedAssets": [f"asset {number % 25}"],
            "statement": f"A {source} with access to service {number % 40} can {action}, "
                         f"which leads to {impact}",
            "status": "threatIdentified", "tags": [f"service-{number % 40}"],
            "metadata": [{"key": "STRIDE", "value": rng.sample("STRIDE", 2)},
                         {"key": "Priority", "value": rng.choice(["High", "Medium", "Low"])},
                         {"key": "Comments", "value": "Reviewed in the design review."}]})
        mitigation_id = f"11111111-0000-4000-8000-{number:012d}"
        mitigations.append({"id": mitigation_id, "numericId": number,
                            "content": f"Control {number}: enforce it at the gateway and log it.",
                            "status": rng.choice(STATUSES), "tags": ["gateway"]})
        links.append({"linkedId": threat_id, "mitigationId": mitigation_id})
        if number % 5 == 0:
            assumption_id = f"22222222-0000-4000-8000-{number:012d}"
            assumptions.append({"id": assumption_id, "numericId": number // 5,
                                "content": f"Service {number % 40} runs in a private subnet."})
            assumption_links.append({"type": "Threat", "linkedId": threat_id,
                                     "assumptionId": assumption_id})
    return document


def run(scratch: Path, args: argparse.Namespace) -> int:
    repository = scratch / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "threatmodels").mkdir()
    source = repository / "workspace.tc.json"
    raw = json.dumps(workspace(args.megabytes), indent=1).encode("utf-8")
    source.write_bytes(raw)
    env = bench_env(scratch, THREATGATE_TODAY="2026-06-01")
    threatgate = tool("threatgate")
    command = [threatgate, "import", source.name, "--out", "threatmodels/big.yaml", "--force"]
    best_of(1, command, repository, env, "threatgate import")
    best_of(1, [threatgate, "validate", "--no-cache", "threatmodels/big.yaml"], repository,
            env, "threatgate validate")
    print(f"workspace: {len(raw) / 1e6:.2f} MB, model "
          f"{(repository / 'threatmodels' / 'big.yaml').stat().st_size / 1e6:.2f} MB")
    results = interleave([Job("import", "threatgate import (process)", command,
                              "threatgate import FILE --out MODEL --force", env)],
                         args.repeat, repository)
    print_interleaved(results, memory=True)
    from threatgate.importers.convert import import_model

    inside = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        import_model(raw, source.name, today=dt.date(2026, 6, 1), max_depth=32)
        inside.append(time.perf_counter() - start)
    print(f"conversion only (in process): median {statistics.median(inside):.3f} s, "
          f"min {min(inside):.3f}, max {max(inside):.3f}")
    median = results["import"].seconds
    verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
    print(f"\nimport of {len(raw) / 1e6:.2f} MB (median): {median:.3f} s  "
          f"< {TARGET_SECONDS:.1f} s  {verdict}")
    if args.json_out:
        write_json(args.json_out, {"machine": machine_info(), "bytes": len(raw),
                                   "process": results["import"].as_json(),
                                   "conversion_runs": inside,
                                   "target_seconds": TARGET_SECONDS})
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0,
                        help="size of the generated workspace (default 1)")
    parser.add_argument("--quick", action="store_true", help="one run of each")
    add_repeat_option(parser, 5, 1)
    add_json_option(parser)
    args = parser.parse_args(argv)
    fill_defaults(args, repeat=(1, 5))
    if args.megabytes <= 0:
        parser.error("--megabytes must be positive")
    try:
        return run_in_scratch("bench-import-", lambda scratch: run(scratch, args))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
