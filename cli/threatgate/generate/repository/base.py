"""What every repository reader shares: clues, the reader registry, the bounded file walk.

A reader turns the text of one kind of file (a dependency manifest, a Dockerfile, a
Terraform file, ...) into :class:`Clue` s: a name the file states (a package, an image, a
resource type, a header) with the file and line that state it. Readers never run
anything and never read another file; which technology a clue means is data
(``signals.yaml``), not code.

Files are listed and read with the rules of ``threatgate verify``
(:class:`~threatgate.verify.base.WorkingTree`): only regular files inside the folder,
symbolic links that lead outside it refused, nothing under ``.git/``, a size cap per
file; on top of that the walk is bounded in depth and in number of files, and binary
files are skipped.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from threatgate.support.fsutil import in_git_folder, shown_as_is
from threatgate.support.registry import Registry
from threatgate.verify.base import SKIPPED_DIRS, EvidenceError, WorkingTree

#: Largest file a reader is given: manifests and configuration files are small.
MAX_FILE_BYTES = 1024 * 1024
#: Most files looked at (listed) in the folder, and most files read by the readers.
MAX_FILES_LISTED = 50_000
MAX_FILES_READ = 2_000
#: Most bytes, and most lines and commas (what the cost of reading grows with), read in
#: one scan; the files after that are not read, and a note says so.
MAX_TOTAL_BYTES = 32 * 1024 * 1024
MAX_TOTAL_SEPARATORS = 300_000
#: Deepest folder the walk enters, counted from the folder scanned.
MAX_DEPTH = 12
#: Most clues a single file may give (a generated lock file is not a list of choices).
MAX_CLUES_PER_FILE = 2_000
#: Folders of other people's code or of build output: what they name is not the project's.
NOT_THE_PROJECT = SKIPPED_DIRS | {"vendor", "target", ".terraform", "bower_components",
                                  "site-packages", ".next", ".nuxt", "coverage"}


class UnreadableFile(Exception):
    """A file a reader claims cannot be read (malformed, not what its name says)."""


@dataclass(frozen=True)
class Clue:
    """One thing a file states, located.

    ``kind`` says which table of ``signals.yaml`` the value is looked up in: a package
    ecosystem (``python``, ``npm``, ``go``, ``cargo``, ``maven``, ``gem``, ``composer``),
    ``image``, ``terraform``, ``cloudformation``, ``kubernetes``, ``helm``, ``ci``,
    ``serverless``, ``webserver`` (a directive), ``header`` (a response header set),
    ``middleware`` or ``project``.
    """

    kind: str
    value: str
    file: str
    line: int
    #: The assertion that would verify what the clue shows (a dependency is declared, a
    #: header is set), for the controls it evidences; ``None`` when there is none.
    proof: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


Read = Callable[[str, str], Iterable[Clue]]


@dataclass(frozen=True)
class RepositoryReader:
    """One family of files: which paths it reads, and how."""

    name: str
    #: Whether a repository-relative path (``/`` separators) is a file of this family.
    claims: Callable[[str], bool]
    read: Read
    #: What the family is, for the documentation and ``--explain``.
    shown: str


#: name -> reader. Every reader claiming a file reads it: the readers of specific files
#: claim them by name, those of generic formats (any YAML file) give nothing for a file
#: that is not theirs.
READERS: Registry[str, RepositoryReader] = Registry("repository reader")


def repository_reader(name: str, shown: str,
                      claims: Callable[[str], bool]) -> Callable[[Read], Read]:
    """Register the reader of a family of files (one module per family)."""

    def register(read: Read) -> Read:
        READERS.add(name, RepositoryReader(name, claims, read, shown))
        return read

    return register


def readers_for(path: str) -> list[RepositoryReader]:
    """The registered readers claiming ``path``."""
    return [reader for reader in READERS.values() if reader.claims(path)]


def file_name(path: str) -> str:
    return PurePosixPath(path).name


class LineIndex:
    """The 1-based line of character offsets of one text, found by bisection (a reader
    locating thousands of entries must not count lines from the start each time)."""

    def __init__(self, text: str) -> None:
        self.breaks = [match.start() for match in re.finditer("\n", text)]

    def line(self, index: int) -> int:
        return bisect.bisect_left(self.breaks, index) + 1


@dataclass
class Listing:
    """The files of the folder a walk found, and what it left out."""

    files: list[str]
    notes: list[str]


def list_files(root: Path) -> Listing:
    """Repository-relative paths of the regular files under ``root``, sorted, bounded.

    Folders of dependencies and build output are not entered, nor ``.git``, nor
    symbolic links to folders; symbolic links to files are kept only when they stay
    inside ``root`` (the reading refuses them otherwise anyway).
    """
    files: list[str] = []
    notes: list[str] = []
    for current, dirs, names in os.walk(root):
        here = Path(current)
        relative = here.relative_to(root)
        depth = len(relative.parts)
        dirs[:] = sorted(d for d in dirs if d not in NOT_THE_PROJECT and shown_as_is(d)
                         and not in_git_folder(d) and not (here / d).is_symlink()
                         and depth < MAX_DEPTH)
        for name in sorted(names):
            if len(files) >= MAX_FILES_LISTED:
                notes.append(f"only the first {MAX_FILES_LISTED} files were looked at")
                return Listing(files, notes)
            path = (relative / name).as_posix()
            if nameable(path):
                files.append(path)
            elif len(notes) < MAX_FILES_READ:
                notes.append(f"{path!r}: skipped: its name cannot be written in a model")
    return Listing(files, notes)


#: Longest path a model can name (the assertions' ``file``).
MAX_PATH = 1000


def nameable(path: str) -> bool:
    """Whether a model can name the path: printable, not too long (a hostile file name
    holding line breaks or control characters is left out, not written into YAML)."""
    return shown_as_is(path) and len(path) <= MAX_PATH


class RepositoryFiles:
    """Confined reading of the files of one folder (the rules of ``verify``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tree = WorkingTree(root, max_bytes=MAX_FILE_BYTES)

    def read_text(self, path: str) -> str:
        """The text of ``path``; :class:`UnreadableFile` when it may not or cannot be read."""
        try:
            return self.tree.read_text(path).removeprefix("\ufeff")
        except EvidenceError as exc:
            raise UnreadableFile(str(exc)) from None
        except OSError as exc:
            raise UnreadableFile(f"{path} cannot be read: {exc.strerror or exc}") from None
        except RuntimeError as exc:  # a loop of symbolic links
            raise UnreadableFile(f"{path} cannot be read: {exc}") from None
