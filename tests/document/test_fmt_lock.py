"""`fmt` rewrites a model under the edit lock: an edit verb running at the same time, in
another process, is never lost."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import VALID_MODEL
from threatgate.document.transaction import lock_path
from threatgate.model.loader import load_bytes

#: Enough threats for fmt to take a noticeable time; their keys are out of schema order.
THREATS = 1000


def messy_model(count: int) -> str:
    extra = "".join(f"  - title: Threat {i}\n    id: T{i + 100}\n    stride: [tampering]\n"
                    f"    components: [api]\n" for i in range(count))
    return VALID_MODEL.replace("controls:\n", extra + "controls:\n", 1)


def threatgate(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "threatgate", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_add_during_fmt_is_not_lost(project: Path, write_model: Callable[..., Path]) -> None:
    path = write_model(messy_model(THREATS))
    formatting = threatgate("fmt", cwd=project)
    deadline = time.monotonic() + 0.3
    while not lock_path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    adding = threatgate("add", "threat", "--id", "T9999", "--title", "Added meanwhile",
                        cwd=project)
    for process in (formatting, adding):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, out + err
    threats = load_bytes(path.read_bytes()).data["threats"]
    assert "T9999" in [threat["id"] for threat in threats]
    assert len(threats) == THREATS + 2
    assert not lock_path(path).exists()
