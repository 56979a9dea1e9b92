"""``command_succeeds``: the one assertion that runs something, and only when allowed.

A pull request can edit the model, so a command in it is attacker-controlled: it runs
only under ``threatgate verify --allow-commands`` (never by default), without a shell,
in the repository root, with a time limit. Against a git baseline it never runs. Its
output is read as UTF-8 (undecodable bytes replaced) only to quote the tail of it when
the command fails.
"""

from __future__ import annotations

import subprocess
from typing import Any

from threatgate.verify.base import Tree, Verdict, WorkingTree, assertion_type

OUTPUT_TAIL = 300


@assertion_type("command_succeeds", runs_commands=True, path_params=())
def command_succeeds(assertion: dict[str, Any], tree: Tree) -> Verdict:
    if not isinstance(tree, WorkingTree):
        return Verdict.skipped("commands only run against the working tree")
    command = [str(part) for part in assertion["command"]]
    if not command:
        return Verdict.error("no command to run (command is empty)")
    timeout = float(assertion.get("timeout", 60))
    try:
        done = subprocess.run(command, cwd=tree.root, capture_output=True, encoding="utf-8",
                              errors="replace", timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return Verdict.error(f"command not found: {command[0]}")
    except subprocess.TimeoutExpired:
        return Verdict.failed(f"{' '.join(command)} did not finish within {timeout:g} s")
    except OSError as exc:
        return Verdict.error(f"cannot run {command[0]}: {exc.strerror or exc}")
    if done.returncode == 0:
        return Verdict.passed(f"{' '.join(command)} exited 0")
    tail = (done.stderr or done.stdout).strip()[-OUTPUT_TAIL:]
    return Verdict.failed(f"{' '.join(command)} exited {done.returncode}"
                          + (f": {tail}" if tail else ""))
