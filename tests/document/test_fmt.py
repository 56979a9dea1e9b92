"""``threatgate fmt``: canonical key order and indentation, every comment kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GOLDEN_DIR, VALID_MODEL
from threatgate.document.canonical import FormatError, format_text
from threatgate.model.loader import load_text

GOLDEN = GOLDEN_DIR

MESSY = """\
# Payments model: top comment stays on top
title: Payments API   # the title
owner: payments-team
id: payments-api
threatgate: 1
controls:
- status: implemented  # claimed
  title: Parameterised queries only
  id: C1
  assertions:
  - {pattern: 'execute\\(f"', file: src/db.py, type: pattern_absent}
  - file: src/db.py
    name: run_query
    type: function_exists
assets:
    -   properties: [confidentiality]
        name: "Cardholder data"
        id: A1

threats:
  - title: Card data read through SQL injection
    id: T1
    impact: 5
    likelihood: 4   # likely
    mitigations: [C1]
"""


def test_golden_layout() -> None:
    expected = (GOLDEN / "fmt_messy.yaml").read_text(encoding="utf-8")
    assert format_text(MESSY) == expected


def test_every_comment_is_kept() -> None:
    out = format_text(MESSY)
    for comment in ("# Payments model: top comment stays on top", "# the title", "# claimed",
                    "# likely"):
        assert comment in out


def test_idempotent_and_data_preserving() -> None:
    once = format_text(MESSY)
    assert format_text(once) == once
    assert load_text(once).data == load_text(MESSY).data


def test_valid_model_fixture_is_already_canonical_or_becomes_stable() -> None:
    once = format_text(VALID_MODEL)
    assert format_text(once) == once
    assert load_text(once).data == load_text(VALID_MODEL).data


def test_refuses_unsafe_yaml() -> None:
    with pytest.raises(FormatError) as caught:
        format_text("threatgate: 1\nid: a\nid: b\n")
    assert caught.value.rule == "yaml-duplicate-key"
    assert (caught.value.line, caught.value.column) == (3, 1)


_KEYS = ["threatgate", "id", "title", "owner", "assets", "controls", "x-note", "frameworks"]


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(_KEYS), comments=st.lists(st.booleans(), min_size=8, max_size=8))
def test_any_key_order_formats_stably(order: list[str], comments: list[bool]) -> None:
    values = {
        "threatgate": "1", "id": "m", "title": "T", "owner": "o",
        "assets": "\n  - {id: A1, name: N, properties: [integrity]}",
        "controls": "\n  - id: C1\n    status: planned\n    title: C",
        "x-note": "free", "frameworks": "[asvs-5.0]",
    }
    lines = []
    for key, comment in zip(order, comments, strict=True):
        lines.append(f"{key}: {values[key]}" + (f"  # about {key}" if comment else ""))
    text = "\n".join(lines) + "\n"
    out = format_text(text)
    assert load_text(out).data == load_text(text).data
    assert format_text(out) == out
    assert out.splitlines()[0].startswith("threatgate: 1")
    for key, comment in zip(order, comments, strict=True):
        if comment:
            assert f"# about {key}" in out


def test_cli_check_reports_and_fails_without_writing(run_cli, write_model, project):
    path = write_model(MESSY)
    result = run_cli("fmt", "--check", cwd=project)
    assert result.exit_code == 1
    assert "would reformat threatmodels/model.yaml" in result.stdout
    assert path.read_text(encoding="utf-8") == MESSY


def test_cli_diff(run_cli, write_model, project):
    write_model(MESSY)
    result = run_cli("fmt", "--diff", cwd=project)
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/threatmodels/model.yaml\n+++ b/threatmodels/model.yaml")


def test_cli_rewrites_then_check_passes(run_cli, write_model, project):
    path = write_model(MESSY)
    mode = 0o640
    os.chmod(path, mode)
    result = run_cli("fmt", cwd=project)
    assert result.exit_code == 0
    assert "reformatted threatmodels/model.yaml" in result.stdout
    assert path.read_text(encoding="utf-8") == (GOLDEN / "fmt_messy.yaml").read_text()
    assert path.stat().st_mode & 0o777 == mode
    assert run_cli("fmt", "--check", cwd=project).exit_code == 0
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_cli_reports_files_it_cannot_format(run_cli, write_model, project):
    write_model("threatgate: 1\nid: &a x\n", name="bad.yaml")
    write_model(MESSY, name="ok.yaml")
    result = run_cli("fmt", cwd=project)
    assert result.exit_code == 1
    assert "threatmodels/bad.yaml:2:5: error:" in result.stderr
    assert "[yaml-anchor]" in result.stderr
    assert "reformatted threatmodels/ok.yaml" in result.stdout


def test_killed_writer_leaves_old_or_new_file(tmp_path: Path) -> None:
    """A writer killed at random moments never leaves a truncated file behind."""
    target = tmp_path / "model.yaml"
    old, new = b"old\n" * 50_000, b"new\n" * 50_000
    target.write_bytes(old)
    script = (
        "import sys; from pathlib import Path; from threatgate.support.fsutil import atomic_write\n"
        "p = Path(sys.argv[1]); data = [b'new\\n' * 50_000, b'old\\n' * 50_000]\n"
        "i = 0\n"
        "while True:\n"
        "    atomic_write(p, data[i % 2]); i += 1\n"
    )
    for delay in (0.05, 0.1, 0.2):
        process = subprocess.Popen([sys.executable, "-c", script, str(target)])
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
        assert target.read_bytes() in (old, new)
