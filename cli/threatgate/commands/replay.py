"""A passing ``threatgate validate`` remembered, and the same run replayed at start-up.

Run again on files that have not changed since it passed, ``threatgate validate`` prints
what it printed then and exits 0 without importing the command line library, the YAML
parser, the schema validator or the rules: a pre-commit hook or an editor that
validates on save pays the interpreter's start-up and a few ``stat`` calls.

**What is remembered.** With the cache on, a run that passed records, under a key made of
its command line, the current folder, the variables of the environment threatgate reads,
today's UTC date, the interpreter and whether its output streams are terminals: what it
printed, and every file and folder it read or looked for (the settings and the folders
searched for them, the files given, the model folders, the compliance folder,
threatgate's own code and data), each with its inode, device, mode, size and
modification and change times in nanoseconds, or the fact that it did not exist.

**When it is replayed.** Only when every one of them is still exactly as recorded. A
file written, touched, added, removed or renamed in a folder that was read, a new
settings file on the way up, an upgrade of threatgate, another day: the run is done in
full (and remembered again if it passes). ``--no-cache`` and ``cache = false`` turn it
off with the rest of the cache.

**Racy files.** A run that read a file or folder changed less than :data:`RACY_NS`
before it started records nothing (:data:`COARSE_RACY_NS` on a file system whose
timestamps are whole seconds): a second change within the file system's timestamp
granularity would otherwise look like none (git's "racy clean" index entries). Linux
stamps files from a clock that ticks every few milliseconds; FAT, HFS+ and ext3 stamp
them to the second or two.

**Trust.** Entries are signed like every other entry of the result cache
(:mod:`threatgate.support.signed`): whoever can write the cache folder but not read the
user's key cannot forge one. An entry of this user's own put back later only replays when
the files carry the very change times they had, which nobody can set.

This module is the program's first step, before the error boundary exists: it imports
only the standard library's ``os``, ``sys``, ``time``, ``marshal`` and BLAKE2 (entries
are marshalled, and read only once their tag checks out, by the interpreter that wrote
them: its version is in the key), and anything that goes wrong while looking up an entry
is a miss.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from threatgate.support import signed

TYPE_CHECKING = False  # typing is not imported at start-up
if TYPE_CHECKING:
    from collections.abc import Iterable

#: Changes to the layout of entries change this, so older entries are never read.
ENTRY_FORMAT = "threatgate-replay-2"
#: A file changed this close (or closer) to the start of a run makes it unrecordable.
RACY_NS = 100_000_000
#: The same where timestamps are whole seconds (FAT stamps to two seconds).
COARSE_RACY_NS = 2_000_000_000
#: A run that read more files and folders than this is not remembered (checking them all
#: would cost more than it saves).
MAX_INPUTS = 20_000
#: Environment variables threatgate reads besides its own ``THREATGATE_*``.
ENVIRONMENT = ("HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
#: The only command remembered.
COMMAND = "validate"
#: Arguments that keep a command line from being remembered: no cache, standard input, help.
NOT_REPLAYED = frozenset({"--no-cache", "-", "--help", "-h"})


class Recording:
    """The run of this process, while it may still be remembered: its command line, when
    it started, and what it printed, in order."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.started_ns = time.time_ns()
        self.printed: list[list[object]] = []  # [to standard error?, text]


#: The run being recorded (set by :func:`recording` around the command line).
current: Recording | None = None


def replayable(argv: list[str]) -> bool:
    """Whether a command line may be remembered and replayed: ``validate`` with neither
    ``--no-cache`` nor standard input among its arguments."""
    return bool(argv) and argv[0] == COMMAND and NOT_REPLAYED.isdisjoint(argv)


def run_key(argv: list[str]) -> str:
    """The key of a command line run here and now (see the module's docstring)."""
    environment = sorted((name, value) for name, value in os.environ.items()
                         if name.startswith("THREATGATE_") or name in ENVIRONMENT)
    streams = [None if stream is None else (stream.isatty(), stream.encoding, stream.errors)
               for stream in (sys.stdout, sys.stderr)]
    utc = time.gmtime()
    text = repr((ENTRY_FORMAT, argv, os.getcwd(), environment, streams,
                 (utc.tm_year, utc.tm_mon, utc.tm_mday), sys.version, sys.executable,
                 os.path.dirname(os.path.abspath(__file__))))
    return signed.digest(text.encode("utf-8", "surrogateescape"))


def entry_path(folder: str, key: str) -> str:
    return os.path.join(folder, "replay", key[:2], key[2:] + ".bin")


def snapshot(path: str) -> list[int] | None:
    """What identifies the state of a file or folder: inode, device, mode, size,
    modification and change times; ``None`` when it does not exist."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return [info.st_ino, info.st_dev, info.st_mode, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns]


def unchanged(inputs: object) -> bool:
    """Whether every recorded file and folder is still as it was."""
    if not isinstance(inputs, list):
        return False
    try:
        return all(snapshot(path) == state for path, state in inputs)
    except (OSError, TypeError, ValueError):
        return False


def replay(argv: list[str]) -> int | None:
    """Print the output of the remembered run of ``argv`` and give its exit code, when
    there is one and nothing it depends on changed; ``None`` otherwise (run it)."""
    if not replayable(argv):
        return None
    try:
        found = lookup(argv)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if found is None:
        return None
    for to_error, text in found:
        stream = sys.stderr if to_error else sys.stdout
        if stream is not None:  # closed by whoever started the program
            stream.write(text)
    return 0


def trusted_cache() -> tuple[str, bytes] | None:
    """The cache folder and the user's key, when both may be trusted (neither is made)."""
    folder = signed.cache_dir()
    if not signed.is_private(folder):
        return None
    secret = signed.load_secret(signed.key_file(), create=False)
    return None if secret is None else (folder, secret)


def lookup(argv: list[str]) -> list[tuple[bool, str]] | None:
    """The output of the remembered run of ``argv`` if it may be replayed."""
    trusted = trusted_cache()
    if trusted is None:
        return None
    folder, secret = trusted
    key = run_key(argv)
    payload = signed.read_entry(entry_path(folder, key), key, secret, signed.keyed_tag)
    if payload is None:
        return None
    entry = marshal.loads(payload)
    if not isinstance(entry, dict) or not unchanged(entry.get("inputs")):
        return None
    printed = entry.get("printed")
    if not isinstance(printed, list) or not all(
            isinstance(item, list) and len(item) == 2 and isinstance(item[0], bool)
            and isinstance(item[1], str) for item in printed):
        return None
    return [(to_error, text) for to_error, text in printed]


class recording:  # a context manager, named as contextlib's are
    """Around the command line: the run of ``argv`` may be remembered while it lasts."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv

    def __enter__(self) -> None:
        global current
        current = Recording(self.argv) if replayable(self.argv) else None

    def __exit__(self, *exc: object) -> None:
        global current
        current = None


def recording_run() -> bool:
    """Whether the run of this process may be remembered (it came through the console
    script, see :mod:`threatgate.commands.entry`)."""
    return current is not None


def note_output(text: str, *, err: bool) -> None:
    """Keep what the running command printed, in case it is remembered."""
    if current is not None:
        current.printed.append([err, text])


def remember(inputs: Iterable[str]) -> None:
    """Remember the run being recorded, which passed after reading ``inputs`` (files and
    folders); nothing when no run is recorded, the inputs are too many or one of them
    changed too recently (see the module's docstring). ``inputs`` is read only as far as
    it takes to decide."""
    run = current
    if run is None:
        return
    try:
        record(run, inputs)
    except (OSError, ValueError):
        return


def racy(state: list[int], started_ns: int) -> bool:
    """Whether a file or folder in ``state`` (a :func:`snapshot`) changed too close to the
    start of a run for a later change to be told apart by its timestamps."""
    modified, changed = state[4], state[5]
    coarse = modified % 1_000_000_000 == 0 or changed % 1_000_000_000 == 0
    return max(modified, changed) >= started_ns - (COARSE_RACY_NS if coarse else RACY_NS)


def record(run: Recording, inputs: Iterable[str]) -> None:
    states: dict[str, list[int] | None] = {}
    for path in inputs:
        if path in states:
            continue
        state = snapshot(path)
        if state is not None and racy(state, run.started_ns):
            return
        states[path] = state
        if len(states) > MAX_INPUTS:
            return
    trusted = trusted_cache()
    if trusted is None:
        return
    folder, secret = trusted
    key = run_key(run.argv)
    payload = marshal.dumps({"inputs": [list(item) for item in states.items()],
                             "printed": run.printed})
    signed.write_entry(entry_path(folder, key), key, payload, secret, signed.keyed_tag)
