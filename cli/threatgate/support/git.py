"""The package's one access to git: references, files at a commit, and what changed.

:class:`Repository` goes through GitPython, imported only when a repository is opened so
that the paths that never touch git (validate above all) do not pay for it;
:class:`GitProgram` runs the git program itself, for the plumbing of the history (a run
from the cache is all start-up, and GitPython's import would be most of it). References
given by users are resolved by ``git rev-parse --verify --end-of-options`` and only full
object ids reach any other git command line, so a reference can never be taken for an
option; one that looks like an option is refused outright.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from threatgate.errors import InputError

ZERO_SHA = "0" * 40
#: Tree entry modes of a symbolic link and of a submodule, as ``git diff --raw`` prints them.
SYMLINK_MODE, GITLINK_MODE = "120000", "160000"
SHALLOW_HINT = (" (this is a shallow clone: fetch more history, e.g. "
                "`git fetch --unshallow` or actions/checkout with fetch-depth: 0)")


def _gitpython() -> ModuleType:
    try:
        import git
    except ImportError as exc:  # GitPython refuses to load when no git executable is found
        raise InputError(f"git is not available: {exc}") from None
    return git


@dataclass(frozen=True)
class ChangedFile:
    """One file that differs between two sides, as ``git diff --raw`` reports it."""

    path: str  # relative to the repository's top folder, POSIX
    status: str  # A, D, M, T
    base_sha: str | None
    head_sha: str | None
    base_mode: str
    head_mode: str


class TreeFile:
    """A file of a commit's tree: its kind, mode and size, read on demand."""

    def __init__(self, item: Any) -> None:
        self._item = item

    @property
    def is_regular_file(self) -> bool:
        """A blob that is not a symbolic link."""
        return bool(self._item.type == "blob" and self._item.mode != 0o120000)

    @property
    def size(self) -> int:
        return int(self._item.size)

    def read(self) -> bytes:
        data: bytes = self._item.data_stream.read()
        return data


class Snapshot:
    """The files of one commit, seen from a folder of the repository (paths relative to it)."""

    def __init__(self, commit: Any, prefix: str) -> None:
        self._commit = commit
        self.hexsha: str = commit.hexsha
        self.prefix = prefix  # "" or "folder/" relative to the repository's top

    def entry(self, path: str) -> TreeFile | None:
        try:
            return TreeFile(self._commit.tree / (self.prefix + path))
        except KeyError:
            return None

    def files(self) -> Iterator[str]:
        """Every blob (symbolic links included) below the folder."""
        for item in self._commit.tree.traverse():
            path = str(getattr(item, "path", ""))
            if getattr(item, "type", None) == "blob" and path.startswith(self.prefix):
                yield path[len(self.prefix):]


class Repository:
    """The git repository holding ``root`` (``root`` may be any folder inside it)."""

    def __init__(self, root: Path) -> None:
        self._git = _gitpython()
        self.root = root
        try:
            self._repo = self._git.Repo(root, search_parent_directories=True)
        except (self._git.InvalidGitRepositoryError, self._git.NoSuchPathError):
            raise InputError(f"{root} is not inside a git repository") from None
        working = self._repo.working_tree_dir
        #: The working tree's top folder, None for a bare repository.
        self.top: Path | None = Path(working).resolve() if working else None

    def _commit(self, ref: str) -> Any:
        """The GitPython commit ``ref`` names, or :class:`InputError` when there is none.

        git itself resolves the reference (``rev-parse --verify``): GitPython's parser
        knows only part of the syntax (``HEAD@{yesterday}`` is not implemented there).
        ``--end-of-options`` keeps a reference from being read as an option.
        """
        git = self._git
        if ref.startswith("-") or "\0" in ref:
            raise self._missing(ref)
        try:
            # The object, then peeled to a commit (``:/text^{commit}`` would search for
            # another text).
            sha = self._rev_parse(ref)
            commit = self._repo.commit(self._rev_parse(sha + "^{commit}"))
            commit.tree  # noqa: B018 - a commit whose tree is missing fails here
        except (git.GitCommandError, git.BadName, git.BadObject, ValueError):
            raise self._missing(ref) from None
        return commit

    def _rev_parse(self, name: str) -> str:
        out = self._repo.git.execute(
            ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", name],
            stdout_as_string=True)
        return str(out).strip()

    def resolve(self, ref: str) -> str:
        """The full id of the commit ``ref`` names (:class:`InputError` when there is none)."""
        return str(self._commit(ref).hexsha)

    def _missing(self, ref: str) -> InputError:
        return missing_reference(ref, Path(self._repo.git_dir, "shallow").exists())

    def snapshot(self, ref: str) -> Snapshot:
        """The files of ``ref`` below ``root``, with paths relative to ``root``."""
        commit = self._commit(ref)
        top = self.top or Path(self.root).resolve()
        prefix = Path(self.root).resolve().relative_to(top).as_posix()
        return Snapshot(commit, "" if prefix == "." else prefix + "/")

    def run(self, *args: str, cwd: Path | None = None) -> bytes:
        """The output of ``git ARGS`` (pathspecs taken literally), in ``cwd`` or the top."""
        git = self._git
        runner = git.Git(cwd) if cwd is not None else self._repo.git
        try:
            out: bytes = runner.execute(["git", "--literal-pathspecs", *args],
                                        stdout_as_string=False)
        except git.GitCommandError as exc:
            detail = exc.stderr.strip() if isinstance(exc.stderr, str) else str(exc)
            raise InputError(f"git {args[0]} failed: {detail}") from None
        return out

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
                None if old_sha == ZERO_SHA else old_sha,
                None if new_sha == ZERO_SHA else new_sha,
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

    def file_at(self, commit: str, path: str) -> TreeFile | None:
        """The file at ``path`` (relative to the top folder) in ``commit``, or None."""
        try:
            return TreeFile(self._repo.commit(commit).tree / path)
        except (KeyError, ValueError):
            return None

    def blob_size(self, sha: str) -> int:
        return int(self._repo.odb.info(bytes.fromhex(sha)).size)

    def read_blob(self, sha: str) -> bytes:
        data: bytes = self._repo.odb.stream(bytes.fromhex(sha)).read()
        return data


def missing_reference(ref: str, shallow: bool) -> InputError:
    return InputError(f"git reference {ref!r} does not exist (it is not a reference git "
                      f"can resolve here){SHALLOW_HINT if shallow else ''}")


class GitProgram:
    """The repository holding ``root`` through the ``git`` program alone, without
    GitPython: plumbing for the commands that read history (references, logs, trees and
    blobs by id) and should start quickly. The same rules as :class:`Repository`:
    pathspecs are literal, references are resolved by ``rev-parse --verify
    --end-of-options`` and one that looks like an option is refused."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            bare = self._git(["rev-parse", "--is-bare-repository"], root).strip() == b"true"
        except InputError:
            raise InputError(f"{root} is not inside a git repository") from None
        if bare:
            raise InputError(f"{root}: a bare repository has no working tree")
        self.top = Path(os.fsdecode(self._git(["rev-parse", "--show-toplevel"], root)
                                    .rstrip(b"\n"))).resolve()

    def _git(self, args: list[str], cwd: Path, data: bytes | None = None) -> bytes:
        import subprocess

        try:
            done = subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, input=data,
                                  capture_output=True, check=False)
        except OSError as exc:
            raise InputError(f"git is not available: {exc}") from None
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise InputError(f"git {args[0]} failed: {detail}")
        return done.stdout

    def run(self, *args: str) -> bytes:
        """The output of ``git ARGS`` at the repository's top folder."""
        return self._git(list(args), self.top)

    def resolve(self, ref: str) -> str:
        """The full id of the commit ``ref`` names (:class:`InputError` when there is none)."""
        if ref.startswith("-") or "\0" in ref:
            raise missing_reference(ref, self.is_shallow())
        try:
            sha = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", ref)
            return self.run("rev-parse", "--verify", "--quiet", "--end-of-options",
                            sha.decode("ascii").strip() + "^{commit}").decode("ascii").strip()
        except (InputError, UnicodeDecodeError):
            raise missing_reference(ref, self.is_shallow()) from None

    def is_shallow(self) -> bool:
        """Whether the repository is a shallow clone (its history is cut off)."""
        return self.run("rev-parse", "--is-shallow-repository").strip() == b"true"

    def read_blobs(self, shas: Iterable[str], max_size: int) -> dict[str, bytes | int]:
        """The bytes of each blob, or its size when it is over ``max_size`` (not read).

        Two ``git cat-file`` processes for the whole lot, whatever their number: the
        sizes first (``--batch-check``), then the blobs within the limit (``--batch``).
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
        if any(len(sha) != 40 or not all(c in "0123456789abcdef" for c in sha)
               for sha in shas):
            raise InputError("git cat-file: not a full object id")
        return self._git(["cat-file", mode], self.top,
                         "".join(f"{sha}\n" for sha in shas).encode("ascii"))


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
