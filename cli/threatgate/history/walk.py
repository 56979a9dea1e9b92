"""The first-parent line of HEAD, read from git: the commits that changed a model file and
the blobs they changed, in one ``git log`` (no checkout, no blob read).

``git log --first-parent --diff-merges=first-parent --raw`` names, for each commit, the
files that differ from its first parent with their blob ids: a merge counts as the one
change it brings to the main line, and commits on merged branches are not visited.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from threatgate.history.results import Commit
from threatgate.model.config import Config
from threatgate.model.discovery import in_model_folders
from threatgate.support.git import GITLINK_MODE, ZERO_SHA, ChangedFile, GitProgram

#: Marks the start of a commit's header in the log (a header never starts with ':').
HEADER = b"commit "


@dataclass(frozen=True)
class CommitChanges:
    commit: Commit
    parents: tuple[str, ...]
    files: list[ChangedFile]


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: str
    sha: str


def model_pathspecs(config: Config, top: Path) -> list[str]:
    """The configured model folders, relative to the repository's top folder (those
    outside the repository have no history in it)."""
    root = config.root.resolve()
    found: list[str] = []
    for folder in config.models:
        try:
            relative = (root / folder).resolve().relative_to(top).as_posix()
        except ValueError:
            continue
        if relative not in found:
            found.append(relative)
    return found


def is_model_path(config: Config, top: Path, path: str) -> bool:
    return in_model_folders(top / path, config)


def first_parent_changes(git: GitProgram, head: str, since: str | None,
                         max_count: int | None, pathspecs: list[str]) -> list[CommitChanges]:
    """The commits of ``head``'s first-parent line that changed a file under
    ``pathspecs`` (after ``since``, at most ``max_count``, the newest), oldest first.
    ``head`` and ``since`` are full commit ids."""
    if not pathspecs:
        return []
    args = ["log", "--first-parent", "--diff-merges=first-parent", "--raw", "-z",
            "--no-renames", "--no-abbrev", "--no-ext-diff", "--ignore-submodules=all",
            "--format=commit %H %P%x00%cI%x00%s"]
    if max_count is not None:
        args.append(f"--max-count={max_count}")
    args.append(head if since is None else f"{since}..{head}")
    return list(reversed(parse_log(git.run(*args, "--", *pathspecs))))


def parse_log(raw: bytes) -> list[CommitChanges]:
    """The commits of ``git log --raw -z`` with the format of :func:`first_parent_changes`."""
    tokens = raw.split(b"\0")
    found: list[CommitChanges] = []
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip(b"\n")
        if not token.startswith(HEADER):
            index += 1
            continue
        ids = token[len(HEADER):].decode("ascii", "replace").split()
        when = tokens[index + 1].decode("ascii", "replace") if index + 1 < len(tokens) else ""
        subject = os.fsdecode(tokens[index + 2]) if index + 2 < len(tokens) else ""
        index += 3
        files: list[ChangedFile] = []
        while index + 1 < len(tokens) and tokens[index].lstrip(b"\n").startswith(b":"):
            meta = tokens[index].lstrip(b"\n")[1:].decode("ascii", "replace").split(" ")
            old_mode, new_mode, old_sha, new_sha, status = meta[:5]
            files.append(ChangedFile(os.fsdecode(tokens[index + 1]), status[:1],
                                     None if old_sha == ZERO_SHA else old_sha,
                                     None if new_sha == ZERO_SHA else new_sha,
                                     old_mode, new_mode))
            index += 2
        found.append(CommitChanges(Commit(ids[0], when[:10], subject), tuple(ids[1:]), files))
    return found


def tree_entries(git: GitProgram, commit: str, pathspecs: list[str]) -> list[TreeEntry]:
    """The files under ``pathspecs`` in ``commit``'s tree, with their blob ids (submodules
    left out)."""
    if not pathspecs:
        return []
    raw = git.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *pathspecs)
    entries: list[TreeEntry] = []
    for item in raw.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, _kind, sha = meta.decode("ascii", "replace").split(" ")[:3]
        if mode != GITLINK_MODE:
            entries.append(TreeEntry(os.fsdecode(path), mode, sha))
    return entries
