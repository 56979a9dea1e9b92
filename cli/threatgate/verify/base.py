"""The parts every assertion type shares: safe evidence access, verdicts, the registry.

Assertions are checked without running the repository's code. Evidence is read through
a :class:`Tree`, which only ever serves regular files inside the repository: absolute
paths, ``..`` segments and symbolic links that lead outside are refused, files over a
size cap are refused, nothing under ``.git/`` is ever evidence (it holds credentials, such
as a checkout token in ``.git/config``), and every file read is recorded so that a digest
can say exactly what was verified. A working tree and a git commit (for drift) are both trees.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import os
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from threatgate.support.fsutil import GIT_REFUSAL, in_git_folder
from threatgate.support.registry import Registry

DEFAULT_MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
#: The most bytes of file content a run keeps to serve repeated reads of the same file.
READ_CACHE_BYTES = 64 * 1024 * 1024
#: The most values (parsed files and the like) a run keeps in :meth:`Tree.memo`.
MEMO_ENTRIES = 256
Status = Literal["pass", "fail", "error", "skipped"]


class EvidenceError(Exception):
    """Evidence cannot be read: the assertion's verdict is ``error`` with this reason."""


class GitFolderError(EvidenceError):
    """The path names, or resolves into, ``.git/``: refused even where a miss is quiet."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of one assertion, with where the evidence was (or was not) found."""

    status: Status
    reason: str
    file: str | None = None
    line: int | None = None

    @classmethod
    def passed(cls, reason: str, file: str | None = None, line: int | None = None) -> Verdict:
        return cls("pass", reason, file, line)

    @classmethod
    def failed(cls, reason: str, file: str | None = None, line: int | None = None) -> Verdict:
        return cls("fail", reason, file, line)

    @classmethod
    def error(cls, reason: str, file: str | None = None) -> Verdict:
        return cls("error", reason, file)

    @classmethod
    def skipped(cls, reason: str) -> Verdict:
        return cls("skipped", reason)


@lru_cache(maxsize=65_536)
def clean_path(path: str) -> str:
    """A repository-relative POSIX path, or :class:`EvidenceError` if it could leave.

    A path into ``.git/`` is refused as well: git's own files are never evidence. The
    same paths come back from every assertion of a glob, so answers are kept (a refusal
    is raised again each time: exceptions are not cached).
    """
    text = path.replace("\\", "/")
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise EvidenceError(f"{path!r} is not a relative path inside the repository")
    parts = PurePosixPath(text).parts
    if any(part == ".." for part in parts):
        raise EvidenceError(f"{path!r} leaves the repository ('..' is not allowed)")
    if in_git_folder(text):
        raise GitFolderError(f"{path!r} {GIT_REFUSAL}")
    return "/".join(part for part in parts if part != ".")


class ReadCache:
    """The content and sha256 of recently read files, up to a total size (least recently
    used first out). Shared by the forks of a tree, so by threads: guarded by a lock."""

    def __init__(self, max_bytes: int = READ_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str) -> tuple[bytes, str] | None:
        with self._lock:
            entry = self._entries.get(path)
            if entry is not None:
                self._entries.move_to_end(path)
            return entry

    def put(self, path: str, entry: tuple[bytes, str]) -> None:
        if len(entry[0]) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(path, None)
            if old is not None:
                self.size -= len(old[0])
            self._entries[path] = entry
            self.size += len(entry[0])
            while self.size > self.max_bytes:
                _path, (data, _digest) = self._entries.popitem(last=False)
                self.size -= len(data)


class Tree:
    """Read-only access to the files of one version of the repository.

    Within a run (a tree and its forks) a file's content is read once while it stays in
    the bounded :class:`ReadCache`, and each distinct glob is matched once; every read is
    still recorded in the fork's ``read_files``.
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES) -> None:
        self.max_bytes = max_bytes
        #: path -> sha256 of every file read, for the evidence digest.
        self.read_files: dict[str, str] = {}
        self.read_cache = ReadCache()
        self._globbed: dict[str, list[str]] = {}
        self._sorted_files: list[str] | None = None
        self._memo: OrderedDict[Hashable, Any] = OrderedDict()
        self._memo_lock = threading.Lock()

    # To implement: _exists(path), _read(path) -> bytes, _files() -> iterator of paths.
    def _exists(self, path: str) -> bool:
        raise NotImplementedError

    def _read(self, path: str) -> bytes:
        raise NotImplementedError

    def _files(self) -> Iterator[str]:
        raise NotImplementedError

    def fork(self) -> Tree:
        """The same files, with a fresh record of what is read (one per assertion)."""
        clone = copy.copy(self)
        clone.read_files = {}
        return clone

    def exists(self, path: str) -> bool:
        return self._exists(clean_path(path))

    def memo(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value of ``make()`` computed once per run for ``key`` and shared by every
        fork (a parsed file: key it by the content's digest), the most recently used
        :data:`MEMO_ENTRIES` kept. ``make`` raising leaves nothing behind."""
        with self._memo_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = make()
        with self._memo_lock:
            self._memo[key] = value
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def digest_of(self, path: str) -> str:
        """The sha256 of a file this fork has read (:meth:`read_bytes` first)."""
        return self.read_files[clean_path(path)]

    def read_bytes(self, path: str) -> bytes:
        relative = clean_path(path)
        entry = self.read_cache.get(relative)
        if entry is None:
            data = self._read(relative)
            entry = (data, hashlib.sha256(data).hexdigest())
            self.read_cache.put(relative, entry)
        self.read_files[relative] = entry[1]
        return entry[0]

    def read_text(self, path: str) -> str:
        data = self.read_bytes(path)
        if b"\x00" in data[:8192]:
            raise EvidenceError(f"{path} is a binary file")
        return data.decode("utf-8", "replace")

    def glob(self, pattern: str) -> list[str]:
        """Files matching a glob ('*' within a folder, '**' across folders), sorted.

        Files under ``.git/`` never match (``.gi?/config`` finds nothing).
        """
        clean = clean_path(pattern)
        found = self._globbed.get(clean)
        if found is None:
            if self._sorted_files is None:
                self._sorted_files = sorted(self._files())
            found = self._globbed[clean] = glob_files(clean, self._sorted_files,
                                                      presorted=True)
        return list(found)


def glob_files(pattern: str, files: Iterable[str], *, presorted: bool = False) -> list[str]:
    """The files matching a clean glob, sorted, none under ``.git/``.

    Only the files under the glob's leading literal folders (no ``*``, ``?`` or ``[``)
    are matched against it: a literal segment matches only itself. Given a sorted list
    (``presorted``), only the run of files under those folders is looked at.
    """
    parts = pattern.split("/")
    literal: list[str] = []
    for part in parts[:-1]:
        if any(char in part for char in "*?["):
            break
        literal.append(part)
    prefix = "/".join(literal) + "/" if literal else ""
    matches = glob_matcher(pattern)
    if prefix and presorted:
        listed = files if isinstance(files, list) else list(files)
        # The paths that start with "a/b/" sort between "a/b/" and "a/b0" ("0" follows "/").
        files = listed[bisect_left(listed, prefix):bisect_left(listed, prefix[:-1] + "0")]
    return sorted(p for p in files
                  if p.startswith(prefix) and matches(p) and not in_git_folder(p))


def glob_matcher(pattern: str) -> Callable[[str], bool]:
    parts = pattern.split("/")

    def match(path: str) -> bool:
        return _match_parts(parts, path.split("/"))

    return match


def _match_parts(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match_parts(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _match_parts(rest, path[1:])


SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv",
                          "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                          ".tox", "dist", "build"})


class WorkingTree(Tree):
    """The files on disk under ``root``; symbolic links must stay inside it."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES) -> None:
        super().__init__(max_bytes)
        self.root = root.resolve()
        self._listing: dict[str, list[str]] = {}
        #: folder -> its resolved path, resolved once per run and shared by every fork.
        self._folders: dict[str, Path] = {}

    def _real_path(self, path: str) -> Path:
        """``(root / path).resolve()``, resolving each folder once per run: the result is
        the resolved folder joined with the name, unless the name is a symbolic link."""
        folder, _, name = path.rpartition("/")
        parent = self._folders.get(folder)
        if parent is None:
            try:
                parent = self._folders[folder] = (self.root / folder).resolve()
            except (OSError, RuntimeError):
                return (self.root / path).resolve()  # raises as it always did
        candidate = parent / name if name else parent
        # os.path.islink, like resolve(), treats an lstat error as "not a link" (is_symlink
        # raises on some).
        return candidate.resolve() if os.path.islink(candidate) else candidate  # noqa: PTH114

    def _resolve(self, path: str) -> Path:
        target = self._real_path(path)
        if target != self.root and not target.is_relative_to(self.root):
            raise EvidenceError(f"{path} resolves outside the repository (a symbolic link)")
        if in_git_folder(target.relative_to(self.root).as_posix()):
            raise GitFolderError(f"{path} resolves to {target.relative_to(self.root)}, which "
                                 f"{GIT_REFUSAL}")
        return target

    def _exists(self, path: str) -> bool:
        try:
            return self._resolve(path).is_file()
        except GitFolderError:
            raise
        except EvidenceError:
            return False

    def _read(self, path: str) -> bytes:
        target = self._resolve(path)
        if not target.is_file():
            raise EvidenceError(f"{path} does not exist" if not target.exists()
                                else f"{path} is not a regular file")
        size = target.stat().st_size
        if size > self.max_bytes:
            raise EvidenceError(f"{path} is {size} bytes, over the evidence size limit of "
                                f"{self.max_bytes} bytes")
        return target.read_bytes()

    def _files(self) -> Iterator[str]:
        # Walked once per run and shared by every fork: glob assertions are many.
        cached = self._listing.get("files")
        if cached is None:
            cached = self._listing["files"] = list(self._walk())
        return iter(cached)

    def _walk(self) -> Iterator[str]:
        for current, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not in_git_folder(d))
            here = Path(current)
            for name in sorted(files):
                path = here / name
                if path.is_symlink():
                    try:
                        self._resolve(path.relative_to(self.root).as_posix())
                    except EvidenceError:
                        continue
                yield path.relative_to(self.root).as_posix()


@dataclass(frozen=True)
class AssertionType:
    """One kind of evidence: its name, its check, and whether it runs a command."""

    name: str
    check: Callable[[dict[str, Any], Tree], Verdict]
    runs_commands: bool = False
    #: The parameters naming the files it reads (for --changed-files).
    path_params: tuple[str, ...] = ("file",)


REGISTRY: Registry[str, AssertionType] = Registry("assertion type")


def assertion_type(name: str, *, runs_commands: bool = False,
                   path_params: tuple[str, ...] = ("file",)) -> Callable[
        [Callable[[dict[str, Any], Tree], Verdict]], Callable[[dict[str, Any], Tree], Verdict]]:
    """Register the check of an assertion type (one module per family of types)."""

    def register(check: Callable[[dict[str, Any], Tree], Verdict]) -> Callable[
            [dict[str, Any], Tree], Verdict]:
        REGISTRY.add(name, AssertionType(name, check, runs_commands, path_params))
        return check

    return register
