"""A git commit as a :class:`Tree`, read straight from the object database (no checkout)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from threatgate.support.git import Repository, TreeFile
from threatgate.verify.base import DEFAULT_MAX_EVIDENCE_BYTES, EvidenceError, Tree


class GitTree(Tree):
    """The files of ``ref`` in the repository at ``root``. Symbolic links are not followed."""

    def __init__(self, root: Path, ref: str, max_bytes: int = DEFAULT_MAX_EVIDENCE_BYTES) -> None:
        super().__init__(max_bytes)
        # Paths in the tree are relative to ``root``, which may be below the repository's top.
        self.snapshot = Repository(root).snapshot(ref)

    def _exists(self, path: str) -> bool:
        entry = self.snapshot.entry(path)
        return entry is not None and entry.is_regular_file

    def _read(self, path: str) -> bytes:
        entry: TreeFile | None = self.snapshot.entry(path)
        commit = self.snapshot.hexsha[:12]
        if entry is None:
            raise EvidenceError(f"{path} does not exist at {commit}")
        if not entry.is_regular_file:
            raise EvidenceError(f"{path} is not a regular file at {commit}")
        if entry.size > self.max_bytes:
            raise EvidenceError(f"{path} is {entry.size} bytes, over the evidence size limit")
        return entry.read()

    def _files(self) -> Iterator[str]:
        return self.snapshot.files()
