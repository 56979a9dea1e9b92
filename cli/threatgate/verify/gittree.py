"""A git commit as a :class:`Tree`, read straight from the object database (no checkout)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threatgate.errors import InputError
from threatgate.verify.base import DEFAULT_MAX_EVIDENCE_BYTES, EvidenceError, Tree


class GitTree(Tree):
    """The files of ``ref`` in the repository at ``root``. Symbolic links are not followed."""

    def __init__(self, root: Path, ref: str, max_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES) -> None:
        super().__init__(max_bytes)
        import git  # gitpython: imported only when a baseline is asked for

        try:
            self.repo = git.Repo(root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise InputError(f"{root} is not inside a git repository") from None
        try:
            self.commit = self.repo.commit(ref)
        except (git.BadName, ValueError):
            shallow = Path(self.repo.git_dir, "shallow").exists()
            hint = (" (this is a shallow clone: fetch more history, e.g. "
                    "`git fetch --unshallow` or actions/checkout with fetch-depth: 0)"
                    if shallow else "")
            raise InputError(f"git reference {ref!r} does not exist{hint}") from None
        # Paths in the tree are relative to the repository root; ``root`` may be below it.
        top = Path(self.repo.working_tree_dir or root).resolve()
        prefix = Path(root).resolve().relative_to(top).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"

    def _entry(self, path: str) -> Any:
        try:
            return self.commit.tree / (self.prefix + path)
        except KeyError:
            return None

    def _exists(self, path: str) -> bool:
        entry = self._entry(path)
        return entry is not None and entry.type == "blob" and entry.mode != 0o120000

    def _read(self, path: str) -> bytes:
        entry = self._entry(path)
        if entry is None:
            raise EvidenceError(f"{path} does not exist at {self.commit.hexsha[:12]}")
        if entry.type != "blob" or entry.mode == 0o120000:
            raise EvidenceError(f"{path} is not a regular file at {self.commit.hexsha[:12]}")
        if entry.size > self.max_bytes:
            raise EvidenceError(f"{path} is {entry.size} bytes, over the evidence size limit")
        data: bytes = entry.data_stream.read()
        return data

    def _files(self) -> Iterator[str]:
        for item in self.commit.tree.traverse():
            path = str(getattr(item, "path", ""))
            if getattr(item, "type", None) == "blob" and path.startswith(self.prefix):
                yield path[len(self.prefix):]
