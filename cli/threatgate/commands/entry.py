"""The ``threatgate`` console script: a remembered run replayed, or the command line.

A ``validate`` run identical to one that passed, over files and settings that have not
changed since, is replayed before anything else is imported
(:mod:`threatgate.commands.replay`); every other run goes to the Click command line and
its error boundary (:mod:`threatgate.commands.main`).
"""

from __future__ import annotations

import os
import sys

from threatgate.commands import replay


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``threatgate`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if replay.replayable(args):
        code = replay_run(args)
        if code is not None:
            raise SystemExit(code)
    from threatgate.commands.main import main as command_line

    with replay.recording(args):
        command_line(args)


def replay_run(args: list[str]) -> int | None:
    """The exit code of the replayed run of ``args``, ``None`` when it cannot be replayed.
    A reader that went away (``| head``) ends it quietly, as the error boundary does."""
    try:
        code = replay.replay(args)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code
