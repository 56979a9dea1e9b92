"""Hostile inputs checked under hard limits: the harness of ``tests/cases/bounded/``.

A case names its input as a small spec rather than as a huge committed file: a text is a
string, ``{repeat: "/[", times: 15000, prefix: "...", suffix: "..."}``, or a list of
those (concatenated). :func:`run_bounded` runs the check in a child Python process whose
CPU time (``RLIMIT_CPU``) and address space (``RLIMIT_AS``) are capped by the kernel, so
a quadratic loop or a memory blow-up fails the test by killing the child, whatever the
speed of the machine; no wall-clock threshold is asserted.

Case files have this shape::

    description: what the file covers
    cases:
      - name: js-unclosed-regex-classes
        cpu_seconds: 5          # optional (default 5)
        memory_mb: 600          # optional (default 600)
        ...                     # what the check of the file needs (see the test module)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

TESTS_DIR = Path(__file__).resolve().parent
BOUNDED_CASES = TESTS_DIR / "cases" / "bounded"
DEFAULT_CPU_SECONDS = 5
DEFAULT_MEMORY_MB = 600


def expand(spec: Any) -> str:
    """The text a spec stands for (see the module docstring)."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, list):
        return "".join(expand(part) for part in spec)
    if isinstance(spec, dict) and set(spec) <= {"repeat", "times", "prefix", "suffix",
                                                "counter"}:
        unit, times = expand(spec["repeat"]), int(spec["times"])
        counter = spec.get("counter")  # a placeholder replaced by 1, 2, ... in each copy
        body = ("".join(unit.replace(counter, str(n)) for n in range(1, times + 1))
                if counter else unit * times)
        return expand(spec.get("prefix", "")) + body + expand(spec.get("suffix", ""))
    raise ValueError(f"not a text spec: {spec!r}")


def expand_all(value: Any) -> Any:
    """``value`` with every mapping holding ``repeat`` expanded (recursively)."""
    if isinstance(value, dict):
        if "repeat" in value:
            return expand(value)
        return {key: expand_all(item) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_all(item) for item in value]
    return value


def run_bounded(function: str, argument: Any, *, cpu_seconds: float = DEFAULT_CPU_SECONDS,
                memory_mb: int = DEFAULT_MEMORY_MB) -> Any:
    """``function(argument)`` (``"module:name"``, importable from tests/) in a child process
    limited to ``cpu_seconds`` of CPU and ``memory_mb`` of address space; its JSON result.

    The test fails, naming the limit, if the child is killed or runs out of memory.
    """
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(TESTS_DIR), *filter(None, [environment.get("PYTHONPATH", "")])])
    payload = json.dumps({"function": function, "argument": argument,
                          "cpu": cpu_seconds, "memory": memory_mb})
    child = subprocess.run([sys.executable, str(Path(__file__)), "--child"], input=payload,
                           capture_output=True, text=True, env=environment, check=False,
                           timeout=max(60.0, cpu_seconds * 10))
    limits = f"{cpu_seconds:g} s of CPU, {memory_mb} MB"
    assert child.returncode == 0, (
        f"{function} did not finish within {limits} (exit {child.returncode}): "
        f"{child.stderr[-2000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def case_params(file_name: str) -> list[Any]:
    """One ``pytest.param`` per case of ``tests/cases/bounded/<file_name>``."""
    import pytest

    from casefiles import read_yaml

    cases = read_yaml(BOUNDED_CASES / file_name)["cases"]
    return [pytest.param(case, id=case["name"]) for case in cases]


def run_case_bounded(function: str, case: dict[str, Any]) -> Any:
    """:func:`run_bounded` with the case's own limits (``cpu_seconds``, ``memory_mb``)."""
    return run_bounded(function, case,
                       cpu_seconds=case.get("cpu_seconds", DEFAULT_CPU_SECONDS),
                       memory_mb=case.get("memory_mb", DEFAULT_MEMORY_MB))


def _child() -> None:
    payload = json.loads(sys.stdin.read())
    module_name, _, name = payload["function"].partition(":")
    module = __import__(module_name, fromlist=[name])  # imports count against the limits
    usage = resource.getrusage(resource.RUSAGE_SELF)
    limit = int(usage.ru_utime + usage.ru_stime + payload["cpu"] + 0.999)
    resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))
    memory = payload["memory"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    result = getattr(module, name)(expand_all(payload["argument"]))
    print(json.dumps(result))


def verify_case(case: dict[str, Any]) -> dict[str, Any]:
    """Check a ``tests/cases/verify``-shaped case (files already expanded); its verdict."""
    import tempfile

    from verifycases import run_case

    case["files"] = {path: expand(text) for path, text in case["files"].items()}
    with tempfile.TemporaryDirectory() as base:
        verdict = run_case(case, Path(base)).verdict
    return {"status": verdict.status, "reason": verdict.reason}


def load_case(case: dict[str, Any]) -> dict[str, Any]:
    """Load a model text as ``validate`` reads a file; the refusal, if any."""
    from threatgate.model.loader import LoadError, load_bytes

    try:
        load_bytes(expand(case["model"]).encode("utf-8"), locate=True)
    except LoadError as exc:
        return {"rule": exc.rule, "line": exc.line, "column": exc.column,
                "message": exc.message}
    return {"rule": None}


def validate_case(case: dict[str, Any]) -> dict[str, int]:
    """Validate a model text as ``validate`` does one file; how many problems per rule."""
    import datetime as dt

    from threatgate.validate.files import check_bytes

    summary = check_bytes(expand(case["model"]).encode("utf-8"), dt.date(2026, 6, 1),
                          case.get("max_depth", 64))
    counts: dict[str, int] = {}
    for _severity, rule, *_rest in summary["problems"]:
        counts[rule] = counts.get(rule, 0) + 1
    return counts


if __name__ == "__main__" and sys.argv[1:] == ["--child"]:
    _child()

