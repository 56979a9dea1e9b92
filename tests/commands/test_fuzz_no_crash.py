"""Fuzzing: mutated models never make a command crash (exit 3 means a bug).

Each example mutates tests/conftest.py's VALID_MODEL (byte flips, inserted tabs, odd line
breaks and odd scalars, deletions) and runs the reading commands on it, and ``diff``
between a commit of the valid model and a commit (or the working tree) of the mutated
one, both ways. The default
number of examples keeps the test to a few seconds; THREATGATE_FUZZ_EXAMPLES asks for more.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VALID_MODEL, git
from threatgate.commands.main import cli

EXAMPLES = int(os.environ.get("THREATGATE_FUZZ_EXAMPLES", "8"))
COMMANDS = (
    ("validate",),
    ("fmt", "--check"),
    ("assess",),
    ("gate",),
    ("render", "threatmodels/model.yaml"),
    ("export", "--format", "json"),
)
#: Text that parsers read differently or that changes the type of a value.
ODD = ["\t", "\x85", "\u2028", "\r", "\ufeff", " 2026-13-01", "<<: off", "!!str ", "&a ",
       "~", "0x", "'", '"', ": ", "- ", "[", "{", "#", "1_000", "%YAML 1.1\n---\n", "\n  ",
       "\x00", "\xff", ".nan", "? ", "*a", "!!binary ", "\\", "\u00e9"]

MODEL = VALID_MODEL.encode("utf-8")


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(MODEL)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "delete"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(ODD)).encode("utf-8", "surrogateescape")
        else:
            del data[at:at + draw(st.integers(1, 8))]
    return bytes(data)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=mutated())
def test_no_command_crashes_on_a_mutated_model(raw: bytes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / ".git").mkdir()
        (root / "threatmodels").mkdir()
        (root / "threatmodels" / "model.yaml").write_bytes(raw)
        monkeypatch.chdir(root)
        for args in COMMANDS:
            result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
            assert result.exit_code != 3, f"{' '.join(args)} on {raw!r}:\n{result.output}"
        assert (root / "threatmodels" / "model.yaml").read_bytes() == raw


DIFFS = (
    ("diff", "HEAD~1", "HEAD"),
    ("diff", "HEAD", "HEAD~1", "--format", "json"),
    ("diff", "HEAD~1", "HEAD", "--format", "markdown", "--fail-on-regression"),
    ("diff", "HEAD~1", "--worktree"),
    ("diff", "HEAD", "--worktree", "--format", "json"),
)


@pytest.mark.filterwarnings("ignore")
@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=mutated(), worktree=mutated())
def test_diff_never_crashes_on_a_mutated_model(raw: bytes, worktree: bytes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Base commit: the valid model; head commit: a mutation; working tree: another."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        model = root / "threatmodels" / "model.yaml"
        model.parent.mkdir()
        git(root, "init", "-q", "-b", "main")
        for content, message in ((MODEL, "base"), (raw, "head")):
            model.write_bytes(content)
            git(root, "add", "-A")
            git(root, "commit", "-q", "--allow-empty", "-m", message)
        model.write_bytes(worktree)
        monkeypatch.chdir(root)
        for args in DIFFS:
            result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
            assert result.exit_code != 3, (
                f"{' '.join(args)} on {raw!r} (worktree {worktree!r}):\n{result.output}")
