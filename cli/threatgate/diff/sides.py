"""Reading the two sides of a diff: the model files that changed, each read into a model.

The models are read at both git references straight from the object database (no
checkout), or from the working tree for the HEAD side. Only the model files that differ
between the two sides are read: ``git diff --raw`` between the trees names them with
their blob ids, and unchanged files cannot change anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from threatgate.analysis.assess import assess_model
from threatgate.diff.results import ModelSide
from threatgate.diff.scope import review_scope
from threatgate.errors import InputError
from threatgate.model.config import Config
from threatgate.model.loader import LoadError, load_bytes, read_bytes
from threatgate.support.git import GITLINK_MODE, SYMLINK_MODE, ChangedFile, Repository


class ModelFiles:
    """The model files of a change in the git repository that holds them: those either
    side's configuration reviews (:mod:`threatgate.diff.scope`)."""

    def __init__(self, config: Config, base_ref: str, head_ref: str | None) -> None:
        self.git = Repository(config.root)
        if self.git.top is None:
            raise InputError(f"{config.root}: a bare repository has no working tree")
        self.top: Path = self.git.top
        self.base_commit = self.git.resolve(base_ref)
        self.head_commit = None if head_ref is None else self.git.resolve(head_ref)
        self.scope = review_scope(self.git, self.top, config, self.base_commit,
                                  self.head_commit)
        configs = [side.config for side in self.scope.sides]
        #: Read with the larger of the two sides' limits: a side cannot hide a model
        #: by making it too large to read.
        self.max_file_size = max(c.max_file_size for c in configs)
        self.max_depth = max(c.max_depth for c in configs)
        self.pathspecs: list[str] = []
        for side_config in configs:
            root = side_config.root.resolve()
            for folder in side_config.models:
                try:
                    relative = (root / folder).resolve().relative_to(self.top).as_posix()
                except ValueError:
                    continue  # a model folder outside the repository has no history here
                if relative not in self.pathspecs:
                    self.pathspecs.append(relative)

    def changed(self) -> list[ChangedFile]:
        """Model files that differ between the two sides."""
        if not self.pathspecs:
            return []
        found = self.git.changed(self.base_commit, self.head_commit, self.pathspecs)
        if self.head_commit is None:
            found.extend(ChangedFile(path, "A", None, None, "000000", "100644")
                         for path in self.git.untracked(self.pathspecs))
        return [c for c in found if self.is_model_path(c.path)]

    def is_model_path(self, path: str) -> bool:
        return any(side.is_model_path(self.top, path) for side in self.scope.sides)

    def blob(self, sha: str) -> bytes:
        """A blob's bytes, refused before reading when it is over ``max_file_size``."""
        try:
            size = self.git.blob_size(sha)
            limit = self.max_file_size
            if size > limit:
                raise LoadError("file-too-large",
                                f"file is {size} bytes, over the limit of {limit} bytes "
                                "(setting max_file_size)")
            return self.git.read_blob(sha)
        except InputError as exc:  # a blob missing from a partial or damaged clone
            raise LoadError("file-unreadable", f"cannot read file: {exc}") from None

    def worktree_file(self, path: str) -> bytes:
        target = self.top / path
        real = target.resolve()
        if real != self.top and self.top not in real.parents:
            raise LoadError("symlink-escape",
                            "symbolic link points outside the repository; refusing to read it")
        try:
            return read_bytes(target, self.max_file_size)
        except OSError as exc:
            raise LoadError("file-unreadable",
                            f"cannot read file: {exc.strerror or exc}") from None


def load_side(
    raw_of: Callable[[], bytes], path: str, mode: str, max_depth: int, today: dt.date
) -> ModelSide:
    """One model file read and assessed, or with the reason it cannot be read."""
    side = ModelSide(path, today=today)
    if mode == SYMLINK_MODE:
        side.error = "1:1: a symbolic link in git, not a model file; not read [symlink]"
        return side
    try:
        side.document = load_bytes(raw_of(), max_depth=max_depth, locate=True)
    except LoadError as exc:
        side.error = f"{exc.line}:{exc.column}: {exc.message} [{exc.rule}]"
        return side
    side.assessment = assess_model(side.data, path=path, today=today,
                                   locate=side.document.locate)
    return side


@dataclass
class Sides:
    """The changed model files at BASE and at HEAD, and the commits they were read at."""

    base_commit: str
    head_commit: str | None  # None for the working tree
    base: list[ModelSide]
    head: list[ModelSide]
    files: ModelFiles


def read_sides(config: Config, base_ref: str, head_ref: str | None, today: dt.date) -> Sides:
    """The model files that differ between ``base_ref`` and ``head_ref`` (None: the
    working tree), read on both sides."""
    files = ModelFiles(config, base_ref, head_ref)
    sides = Sides(files.base_commit, files.head_commit, [], [], files)
    depth = files.max_depth
    for item in files.changed():
        if GITLINK_MODE in (item.base_mode, item.head_mode):
            continue
        if item.status != "A" and item.base_sha:
            sides.base.append(load_side(partial(files.blob, item.base_sha), item.path,
                                        item.base_mode, depth, today))
        if item.status == "D":
            continue
        if sides.head_commit is None:
            if (files.top / item.path).is_file():
                sides.head.append(load_side(partial(files.worktree_file, item.path), item.path,
                                            "100644", depth, today))
        elif item.head_sha:
            sides.head.append(load_side(partial(files.blob, item.head_sha), item.path,
                                        item.head_mode, depth, today))
    return sides
