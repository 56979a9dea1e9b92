"""A folder scanned: the signals its files show, and what the generator makes of them.

:func:`scan_repository` lists the folder (bounded), gives each file to the readers that
claim it, and keeps, per signal, the clues that revealed it; a file that cannot be read
(outside the folder, too large, binary, malformed) is skipped with a note.
:func:`repository_description` turns the signals into the detection result of
:mod:`threatgate.generate.describe`, each detection's words naming the file and line
that triggered it, merged with the detections of a description when one is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from threatgate.errors import InputError
from threatgate.generate.describe import Description, Detection, Trigger, describe, vocabulary
from threatgate.generate.repository.base import (
    MAX_CLUES_PER_FILE,
    MAX_FILES_READ,
    MAX_TOTAL_BYTES,
    MAX_TOTAL_SEPARATORS,
    Clue,
    RepositoryFiles,
    UnreadableFile,
    list_files,
    readers_for,
)
from threatgate.generate.repository.signals import first_known, signals, signals_of
from threatgate.support.fsutil import in_git_folder, shown_as_is

#: Most places kept per signal (the first ones, in file order).
MAX_PLACES = 5
#: Longest name a clue may give (the assertions' package and header names).
MAX_NAME = 200


@dataclass
class RepositoryScan:
    """What a folder shows: clues per signal id (in the order found), and notes."""

    root: Path
    found: dict[str, list[Clue]] = field(default_factory=dict)
    files_read: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Bytes and separators (lines and commas) read so far.
    read_bytes: int = 0
    read_separators: int = 0

    @property
    def name(self) -> str:
        return self.root.name or "repository"

    def add(self, clue: Clue) -> None:
        """Keep a clue under the signals it reveals (a name no model could hold, with
        control characters or over :data:`MAX_NAME` characters, reveals nothing)."""
        if not shown_as_is(clue.value) or len(clue.value) > MAX_NAME:
            return
        for signal in signals_of(clue):
            places = self.found.setdefault(signal, [])
            if len(places) < MAX_PLACES and clue not in places:
                places.append(clue)


def repository_root(folder: Path) -> Path:
    """The folder to scan, resolved; :class:`InputError` when it cannot be one."""
    try:
        root = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError(f"--from-repo {folder}: no such folder (a description goes "
                         "before --from-repo)") from None
    if not root.is_dir():
        raise InputError(f"--from-repo {folder}: not a folder")
    if in_git_folder(root.as_posix()):
        raise InputError(f"--from-repo {folder}: is inside .git/, which is never read")
    return root


def _read(files: RepositoryFiles, path: str, scan: RepositoryScan) -> None:
    readers = readers_for(path)
    if not readers:
        return
    try:
        text = files.read_text(path)
    except UnreadableFile as exc:
        scan.notes.append(f"{path}: skipped: {exc}")
        return
    scan.read_bytes += len(text)
    scan.read_separators += text.count("\n") + text.count(",")
    scan.files_read.append(path)
    for reader in readers:
        try:
            clues = list(islice(reader.read(text, path), MAX_CLUES_PER_FILE + 1))
        except UnreadableFile as exc:
            scan.notes.append(f"{path}: skipped ({reader.name}): {exc}")
            continue
        if len(clues) > MAX_CLUES_PER_FILE:
            scan.notes.append(f"{path}: only the first {MAX_CLUES_PER_FILE} entries were read")
        for clue in clues[:MAX_CLUES_PER_FILE]:
            scan.add(clue)


def scan_repository(folder: Path) -> RepositoryScan:
    """The signals the files of ``folder`` show; no file outside it is read."""
    root = repository_root(folder)
    listing = list_files(root)
    scan = RepositoryScan(root, notes=list(listing.notes))
    files = RepositoryFiles(root)
    candidates = [path for path in listing.files if readers_for(path)]
    if len(candidates) > MAX_FILES_READ:
        scan.notes.append(f"only the first {MAX_FILES_READ} of {len(candidates)} files "
                          "the readers claim were read")
    for path in candidates[:MAX_FILES_READ]:
        if scan.read_bytes > MAX_TOTAL_BYTES or scan.read_separators > MAX_TOTAL_SEPARATORS:
            scan.notes.append(f"{path} and the files after it were not read: "
                              f"{len(scan.files_read)} files read make the most one scan reads")
            break
        _read(files, path, scan)
    return scan


# --- the detection result ------------------------------------------------------------------


@dataclass
class Resolved:
    """What the signals found mean in the generator's vocabulary."""

    technologies: dict[str, list[str]] = field(default_factory=dict)   # key -> signal ids
    data: dict[str, list[str]] = field(default_factory=dict)           # kind -> signal ids
    flags: dict[str, list[str]] = field(default_factory=dict)          # flag -> signal ids
    #: Signals found that the vocabulary has no technology for (reported, not modelled).
    unmodelled: list[str] = field(default_factory=list)


def resolve(scan: RepositoryScan) -> Resolved:
    """Each signal found, as technology keys, data kinds and flags the vocabulary knows."""
    from threatgate.generate.wiring import wiring

    vocab = vocabulary()
    known = [*vocab.technologies, *wiring().components]
    table = signals()
    out = Resolved()
    for signal_id in scan.found:
        signal = table[signal_id]
        keys = [first_known(alternatives, known) for alternatives in signal.technologies]
        if signal.technologies and not any(keys):
            out.unmodelled.append(signal_id)
        for key in filter(None, keys):
            out.technologies.setdefault(key, []).append(signal_id)
        for kind in signal.data:
            if kind in vocab.data:
                out.data.setdefault(kind, []).append(signal_id)
        for flag in signal.flags:
            if flag in vocab.flags:
                out.flags.setdefault(flag, []).append(signal_id)
    return out


def _triggers(scan: RepositoryScan, signal_ids: Iterable[str]) -> list[Trigger]:
    """The places of the signals, as triggers whose words name the file and line.

    Repository triggers have no offset in the description: ``start`` and ``end`` are -1.
    """
    return [Trigger(signal_id, f"{clue.value} ({clue.where})", -1, -1)
            for signal_id in signal_ids for clue in scan.found[signal_id]]


def summary(scan: RepositoryScan) -> str:
    """A sentence saying what the repository shows, for the model's description."""
    table = signals()
    names = list(dict.fromkeys(table[s].name for s in scan.found))
    shown = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return f"Drafted from the repository {scan.name}, which shows {shown}."


def _merge(section: str, detections: list[Detection], found: dict[str, list[str]],
           scan: RepositoryScan) -> list[Detection]:
    merged = {d.key: Detection(d.section, d.key, list(d.triggers)) for d in detections}
    for key, signal_ids in found.items():
        merged.setdefault(key, Detection(section, key)).triggers.extend(
            _triggers(scan, signal_ids))
    return list(merged.values())


def repository_description(scan: RepositoryScan, text: str | None = None) -> Description:
    """The detection result of the repository, merged with that of ``text`` when given."""
    resolved = resolve(scan)
    if not scan.found and text is None:
        raise InputError(f"--from-repo: nothing in {scan.name} that the generator recognises "
                         f"({len(scan.files_read)} files read); describe the system as well")
    base = describe(text) if text is not None else Description(summary(scan), [], [], [])
    return Description(base.text,
                       _merge("technology", base.technologies, resolved.technologies, scan),
                       _merge("data", base.data, resolved.data, scan),
                       _merge("flag", base.flags, resolved.flags, scan),
                       base.negated)
