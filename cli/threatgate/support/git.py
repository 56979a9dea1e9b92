"""The package's one access to git: references, files at a commit, and what changed.

Everything goes through the ``git`` program's plumbing (``rev-parse``, ``ls-tree``,
``diff --raw``, ``cat-file``), never through a library: a command that reads a revision
pays for a few short git processes rather than for importing one (GitPython's import
alone was most of ``diff``'s start-up). Objects read one at a time go through a
``git cat-file`` process that lives as long as the repository object
(:class:`ObjectReader`); many blobs at once go through one ``cat-file`` run for the lot
(:meth:`Repository.read_blobs`).

References given by users are resolved by ``git rev-parse --verify --end-of-options`` and
only full object ids reach any other git command line, so a reference can never be taken
for an option; one that looks like an option is refused outright. Pathspecs are literal.
"""

from __future__ import annotations

import os
import subprocess
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from threatgate.errors import InputError

ZERO_SHA = "0" * 40
#: Tree entry modes of a symbolic link and of a submodule, as ``git diff --raw`` prints them.
SYMLINK_MODE, GITLINK_MODE = "120000", "160000"
SHALLOW_HINT = (" (this is a shallow clone: fetch more history, e.g. "
                "`git fetch --unshallow` or actions/checkout with fetch-depth: 0)")
HEX_DIGITS = frozenset("0123456789abcdef")


def is_object_id(text: str) -> bool:
    """Whether ``text`` is a full object id (SHA-1 or SHA-256, lower-case hex)."""
    return len(text) in (40, 64) and set(text) <= HEX_DIGITS


def is_null_id(sha: str) -> bool:
    """The all-zero id ``git diff --raw`` gives the missing side of an added or deleted file."""
    return not sha.strip("0")


def checked_id(sha: str) -> str:
    """``sha``, refused unless it is a full object id (the only names given to cat-file)."""
    if not is_object_id(sha):
        raise InputError("git cat-file: not a full object id")
    return sha


def run_git(args: list[str], cwd: Path, data: bytes | None = None) -> bytes:
    """The output of ``git --literal-pathspecs ARGS`` run in ``cwd``; :class:`InputError`
    with git's own message when it fails."""
    try:
        done = subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, input=data,
                              capture_output=True, check=False)
    except OSError as exc:
        raise InputError(f"git is not available: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()
        raise InputError(f"git {args[0]} failed: {detail}")
    return done.stdout


def missing_reference(ref: str, shallow: bool) -> InputError:
    return InputError(f"git reference {ref!r} does not exist (it is not a reference git "
                      f"can resolve here){SHALLOW_HINT if shallow else ''}")


@dataclass(frozen=True)
class ChangedFile:
    """One file that differs between two sides, as ``git diff --raw`` reports it."""

    path: str  # relative to the repository's top folder, POSIX
    status: str  # A, D, M, T
    base_sha: str | None
    head_sha: str | None
    base_mode: str
    head_mode: str


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    processes.clear()


class ObjectReader:
    """Objects read by id through long-lived ``git cat-file`` processes: one for kinds and
    sizes (``--batch-check``), one for contents (``--batch``), each started when first
    needed and kept until :meth:`close` (or until the reader is collected), so that reading
    many objects never costs a process apiece. A request and its answer hold a lock: the
    threads of a run (verify's) share the reader."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self._stopper = weakref.finalize(self, _stop, self._processes)
        LIVE_READERS.add(self)

    def close(self) -> None:
        with self._lock:
            self._stopper()

    def forget(self) -> None:
        """In a forked child: let go of the parent's processes without stopping them (the
        child's copies of the pipes are closed, so that git sees the parent's close)."""
        self._lock = threading.Lock()  # another thread of the parent may have held it
        self._stopper.detach()
        for process in self._processes.values():
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
            process.returncode = 0  # not this process's child: nothing to wait for
        self._processes.clear()

    def _process(self, mode: str) -> subprocess.Popen[bytes]:
        process = self._processes.get(mode)
        if process is None:
            if not self._stopper.alive:  # closed (or forgotten) before: stop these too
                self._stopper = weakref.finalize(self, _stop, self._processes)
            try:
                process = subprocess.Popen(["git", "cat-file", mode], cwd=self.cwd,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                           stderr=subprocess.DEVNULL)
            except OSError as exc:
                raise InputError(f"git is not available: {exc}") from None
            self._processes[mode] = process
        return process

    def _ask(self, mode: str, name: str, contents: bool = False
             ) -> tuple[str, str, int, bytes] | None:
        """One object name through ``cat-file MODE``: the object's id, kind, size and
        (``contents``) bytes, or None when there is no such object. A process that stops
        or answers out of step is dropped; the next request starts another."""
        with self._lock:
            process = self._process(mode)
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(name.encode("ascii") + b"\n")
                process.stdin.flush()
                header = process.stdout.readline().decode("ascii", "replace").split()
                if len(header) == 3 and is_object_id(header[0]) and header[2].isdigit():
                    size = int(header[2])
                    data = process.stdout.read(size + 1) if contents else b"\n"
                    if data[-1:] != b"\n" or len(data) != (size + 1 if contents else 1):
                        raise OSError("short read")
                    return header[0], header[1], size, data[:-1]
                if len(header) == 2 and header[0] == name:
                    return None  # "<name> missing" (or ambiguous)
                raise OSError("no answer")
            except OSError:
                _stop({mode: self._processes.pop(mode)})
                raise InputError("git cat-file stopped unexpectedly") from None

    def info(self, sha: str) -> tuple[str, int] | None:
        """The kind (blob, tree, commit, tag) and size of an object, None when missing."""
        found = self._ask("--batch-check", checked_id(sha))
        return None if found is None else (found[1], found[2])

    def commit_of(self, sha: str) -> str | None:
        """The commit an object peels to (a tag to its commit), None when it does not."""
        found = self._ask("--batch-check", checked_id(sha) + "^{commit}")
        return None if found is None or found[1] != "commit" else found[0]

    def read(self, sha: str) -> bytes:
        """The bytes of an object (:class:`InputError` when it is missing)."""
        found = self._ask("--batch", checked_id(sha), contents=True)
        if found is None:
            raise InputError(f"git object {sha} is missing from the repository")
        return found[3]


#: Every reader whose processes may be running, for :func:`forget_readers`.
LIVE_READERS: weakref.WeakSet[ObjectReader] = weakref.WeakSet()


def forget_readers() -> None:
    for reader in list(LIVE_READERS):
        reader.forget()


if hasattr(os, "register_at_fork"):  # a forked worker must not keep git's pipes open
    os.register_at_fork(after_in_child=forget_readers)


class TreeFile:
    """An entry of a commit's tree (``git ls-tree``): its kind, mode and size, its bytes
    read on demand."""

    def __init__(self, reader: ObjectReader, mode: str, kind: str, sha: str,
                 size: int | None) -> None:
        self._reader = reader
        self.mode, self.kind, self.sha = mode, kind, sha
        self._size = size

    @property
    def is_regular_file(self) -> bool:
        """A blob that is not a symbolic link."""
        return self.kind == "blob" and self.mode != SYMLINK_MODE

    @property
    def size(self) -> int:
        if self._size is None:  # ls-tree gives no size for a folder or a submodule
            info = self._reader.info(self.sha)
            self._size = 0 if info is None else info[1]
        return self._size

    def read(self) -> bytes:
        return self._reader.read(self.sha)


def parse_tree_listing(raw: bytes, reader: ObjectReader) -> Iterator[tuple[str, TreeFile]]:
    """The entries ``git ls-tree -z --long`` printed, as (path, entry)."""
    for item in raw.split(b"\0"):
        meta, tab, path = item.partition(b"\t")
        fields = meta.decode("ascii", "replace").split()
        if not tab or len(fields) != 4:
            continue
        mode, kind, sha, size = fields
        yield os.fsdecode(path), TreeFile(reader, mode, kind, sha,
                                          int(size) if size.isdigit() else None)


class Snapshot:
    """The files of one commit, seen from a folder of the repository (paths relative to it).

    The folder's tree is listed once (``git ls-tree -r``), when first looked at."""

    def __init__(self, repository: Repository, commit: str, prefix: str) -> None:
        self._repository = repository
        self.hexsha = commit
        self.prefix = prefix  # "" or "folder/" relative to the repository's top
        self._entries: dict[str, TreeFile] | None = None

    def _listing(self) -> dict[str, TreeFile]:
        if self._entries is None:
            paths = ["--", self.prefix] if self.prefix else []
            raw = self._repository.run("ls-tree", "-r", "-t", "-z", "--long", "--full-tree",
                                       self.hexsha, *paths)
            reader = self._repository.objects
            self._entries = {path[len(self.prefix):]: entry
                             for path, entry in parse_tree_listing(raw, reader)
                             if path.startswith(self.prefix) and path != self.prefix}
        return self._entries

    def entry(self, path: str) -> TreeFile | None:
        return self._listing().get(path)

    def files(self) -> Iterator[str]:
        """Every blob (symbolic links included) below the folder."""
        return (path for path, entry in self._listing().items() if entry.kind == "blob")


class Repository:
    """The git repository holding ``root`` (``root`` may be any folder inside it)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        if not Path(root).is_dir():
            raise InputError(f"{root} is not inside a git repository")
        try:
            bare, inside, git_dir, *cdup = os.fsdecode(run_git(
                ["rev-parse", "--is-bare-repository", "--is-inside-work-tree",
                 "--absolute-git-dir", "--show-cdup"], root)).split("\n")
        except InputError as exc:
            # git's own words when they say more (a repository git refuses to open:
            # ``safe.directory``, a damaged ``.git``)
            said = () if "not a git repository" in exc.message else (exc.message,)
            raise InputError(f"{root} is not inside a git repository", details=said) from None
        except ValueError:
            raise InputError(f"{root} is not inside a git repository") from None
        self.git_dir = Path(git_dir)
        #: The working tree's top folder, None for a bare repository.
        self._top: Path | None = None
        if inside == "true":
            self._top = (Path(root).resolve() / (cdup[0] if cdup else "")).resolve()
        elif bare != "true" and self.git_dir.name == ".git":
            self._top = self.git_dir.parent  # looked at from inside its .git folder
        self.objects = ObjectReader(self._top or self.git_dir)

    @property
    def top(self) -> Path | None:
        """The working tree's top folder, None for a bare repository."""
        return self._top

    def close(self) -> None:
        """Stop the git processes kept for reading objects."""
        self.objects.close()

    def run(self, *args: str, cwd: Path | None = None, data: bytes | None = None) -> bytes:
        """The output of ``git ARGS`` (pathspecs taken literally, ``data`` on its standard
        input), in ``cwd`` or the top."""
        return run_git(list(args), cwd or self._top or self.git_dir, data)

    def resolve(self, ref: str) -> str:
        """The full id of the commit ``ref`` names (:class:`InputError` when there is none).

        git itself resolves the reference (``rev-parse --verify``), then the object it
        names is peeled to a commit in a second step (``:/text^{commit}`` would search for
        another text)."""
        if ref.startswith("-") or "\0" in ref:
            raise missing_reference(ref, self.is_shallow())
        try:
            sha = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", ref)
            commit = self.objects.commit_of(sha.decode("ascii").strip())
        except (InputError, UnicodeDecodeError):
            commit = None
        if commit is None:
            raise missing_reference(ref, self.is_shallow())
        return commit

    def is_shallow(self) -> bool:
        """Whether the repository is a shallow clone (its history is cut off)."""
        try:
            return self.run("rev-parse", "--is-shallow-repository").strip() == b"true"
        except InputError:
            return (self.git_dir / "shallow").exists()

    def snapshot(self, ref: str) -> Snapshot:
        """The files of ``ref`` below ``root``, with paths relative to ``root``."""
        commit = self.resolve(ref)
        top = self._top or Path(self.root).resolve()
        prefix = Path(self.root).resolve().relative_to(top).as_posix()
        return Snapshot(self, commit, "" if prefix == "." else prefix + "/")

    def changed(self, base_sha: str, head_sha: str | None,
                pathspecs: list[str]) -> list[ChangedFile]:
        """Files under ``pathspecs`` that differ between two commits (None: the working tree)."""
        args = ["diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff",
                "--ignore-submodules=all", base_sha]
        if head_sha is not None:
            args.append(head_sha)
        fields = self.run(*args, "--", *pathspecs).split(b"\0")
        found: list[ChangedFile] = []
        index = 0
        while index + 1 < len(fields):
            meta = fields[index].decode("ascii", "replace")
            if not meta.startswith(":"):
                index += 1
                continue
            path = os.fsdecode(fields[index + 1])
            index += 2
            old_mode, new_mode, old_sha, new_sha, status = meta[1:].split(" ")[:5]
            found.append(ChangedFile(
                path, status[:1],
                None if is_null_id(old_sha) else old_sha,
                None if is_null_id(new_sha) else new_sha,
                old_mode, new_mode,
            ))
        return found

    def untracked(self, pathspecs: list[str], cwd: Path | None = None) -> list[str]:
        """Untracked files that are not ignored, relative to ``cwd`` (default: the top)."""
        raw = self.run("ls-files", "-z", "--others", "--exclude-standard", "--", *pathspecs,
                       cwd=cwd)
        return [os.fsdecode(item) for item in raw.split(b"\0") if item]

    def files(self, commit: str | None, pathspecs: list[str]) -> list[str]:
        """Every file under ``pathspecs`` at ``commit`` (None: the working tree, tracked
        and untracked but not ignored), relative to the top folder."""
        if commit is None:
            raw = self.run("ls-files", "-z", "--cached", "--others", "--exclude-standard",
                           "--", *pathspecs)
        else:
            raw = self.run("ls-tree", "-r", "-z", "--name-only", "--full-tree", commit,
                           "--", *pathspecs)
        return sorted({os.fsdecode(item) for item in raw.split(b"\0") if item})

    def files_at(self, commit: str, paths: Iterable[str]) -> dict[str, TreeFile]:
        """The entries at these paths (relative to the top folder) in ``commit``, by
        path; a path with no entry is left out. One ``git ls-tree`` for them all."""
        wanted = {path for path in paths if path and not path.startswith("/")}
        if not is_object_id(commit) or not wanted:
            return {}
        try:
            raw = self.run("ls-tree", "-z", "--long", "--full-tree", commit, "--",
                           *sorted(wanted))
        except InputError:
            return {}
        return {found: entry for found, entry in parse_tree_listing(raw, self.objects)
                if found in wanted}

    def file_at(self, commit: str, path: str) -> TreeFile | None:
        """The entry at ``path`` (relative to the top folder) in ``commit``, or None."""
        return self.files_at(commit, [path]).get(path)

    def blob_size(self, sha: str) -> int:
        info = self.objects.info(sha)
        if info is None:
            raise InputError(f"git object {sha} is missing from the repository")
        return info[1]

    def read_blob(self, sha: str) -> bytes:
        return self.objects.read(sha)

    def read_blobs(self, shas: Iterable[str], max_size: int) -> dict[str, bytes | int]:
        """The bytes of each blob, or its size when it is over ``max_size`` (not read).

        Two ``git cat-file`` runs for the whole lot, whatever their number: the sizes
        first (``--batch-check``), then the blobs within the limit (``--batch``).
        A missing object is left out.
        """
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        found: dict[str, bytes | int] = {}
        small: list[str] = []
        for line in self._batch("--batch-check", wanted).splitlines():
            sha, kind, size = [*line.decode("ascii", "replace").split(" "), "", ""][:3]
            if kind != "blob" or not size.isdigit():
                continue
            if int(size) > max_size:
                found[sha] = int(size)
            else:
                small.append(sha)
        out = self._batch("--batch", small) if small else b""
        position = 0
        while position < len(out):
            end = out.index(b"\n", position)
            sha, _, size = out[position:end].decode("ascii", "replace").split(" ")[:3]
            start = end + 1
            found[sha] = out[start:start + int(size)]
            position = start + int(size) + 1
        return found

    def _batch(self, mode: str, shas: list[str]) -> bytes:
        """The output of ``git cat-file MODE`` given these object ids (full ids only)."""
        for sha in shas:
            checked_id(sha)
        return self.run("cat-file", mode,
                        data="".join(f"{sha}\n" for sha in shas).encode("ascii"))


class GitProgram(Repository):
    """A repository with a working tree (a bare one is refused): the history's access."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        if self._top is None:
            self.close()
            raise InputError(f"{root}: a bare repository has no working tree")
        self.worktree_top: Path = self._top

    @property
    def top(self) -> Path:
        return self.worktree_top


def head_commit(root: Path) -> str | None:
    """The commit HEAD is at in the repository holding ``root``; None outside a repository
    or before its first commit."""
    try:
        return Repository(root).resolve("HEAD")
    except InputError:
        return None


def changed_paths(root: Path, base: str) -> set[str]:
    """Files below ``root`` (relative to it) that differ from ``base`` in the working tree,
    uncommitted and untracked ones included, as git prints them."""
    repository = Repository(root)
    changed = repository.run("diff", "--name-only", "--relative", repository.resolve(base),
                             cwd=root)
    try:
        untracked = repository.run("ls-files", "--others", "--exclude-standard", cwd=root)
    except InputError:
        untracked = b""
    return {line for output in (changed, untracked)
            for line in os.fsdecode(output).splitlines() if line}
