"""Click's usage errors quote what was typed: escaped, like every other line printed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from threatgate.commands.main import cli

HOSTILE = "x\x1b]0;owned\x07\n::error title=forged::y"
ARGUMENTS = [
    pytest.param([f"--bogus{HOSTILE}"], id="unknown-group-option"),
    pytest.param([f"no-such-command{HOSTILE}"], id="unknown-command"),
    pytest.param(["validate", f"--no-such-option{HOSTILE}"], id="unknown-option"),
    pytest.param(["validate", "--format", HOSTILE], id="bad-choice"),
    pytest.param(["validate", "--jobs", HOSTILE], id="bad-integer"),
    pytest.param(["assess", "--expiring-days", HOSTILE], id="bad-range"),
    pytest.param(["diff", "HEAD", HOSTILE, "--worktree"], id="command-usage-error"),
    pytest.param(["gate", "--max-open-findings", HOSTILE], id="bad-custom-value"),
    pytest.param(["validate", "a", "--format"], id="missing-value"),
    pytest.param(["findings", "update", "m.yaml", "F1", "--assertion",
                  '{type: file_exists, "x\\e]0;owned\\a\\n::error title=forged::y": 1}'],
                 id="message-quoting-a-parsed-key"),
    pytest.param(["findings", "update", "m.yaml", "F1", "--assertion",
                  '{type: "x\\e]0;owned\\a\\n::error title=forged::y"}'],
                 id="message-quoting-a-parsed-value"),
]


@pytest.mark.parametrize("arguments", ARGUMENTS)
def test_usage_error_is_escaped(arguments: list[str]) -> None:
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 2, result.output
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1, result.stderr
    for raw in ("\x1b", "\x07"):
        assert raw not in result.output
    assert not any(line.startswith("::") for line in result.stderr.splitlines())
    assert "\\x1b" in error_lines[0] or "forged" not in result.stderr, result.stderr
