"""The posture history of the models: the first-parent line of HEAD walked commit by
commit, each model followed by its id (across renames of its file).

Only the blobs that a commit changed are read (their results come from the cache when
a run has seen them before). A model file that cannot be read or is not valid at a
commit is a gap in its series, not a failure; a model whose id no file holds any more
ends there (``removed``); a file that takes over the id of a model whose file went away
in the same commit continues that model's series (``renamed``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from threatgate.errors import InputError
from threatgate.history.blobs import BlobReader, BlobResult, BlobResults, history_salt
from threatgate.history.results import (
    Commit,
    History,
    ModelPoint,
    ModelSeries,
    Reach,
    Skipped,
)
from threatgate.history.walk import (
    CommitChanges,
    TreeEntry,
    first_parent_changes,
    is_model_path,
    model_pathspecs,
    tree_entries,
)
from threatgate.model.config import Config
from threatgate.model.discovery import names_model_id
from threatgate.support.cache import ResultCache, open_cache
from threatgate.support.git import GITLINK_MODE, SYMLINK_MODE, GitProgram


@dataclass(frozen=True)
class HistoryRequest:
    """What to walk: the models (ids or paths; none: all), from after ``since`` (a git
    reference), at most ``max_count`` commits (the newest)."""

    models: tuple[str, ...] = ()
    since: str | None = None
    max_count: int | None = None
    use_cache: bool = True


@dataclass
class Tracker:
    """The model files of the commit being walked, and which file holds which model id."""

    results: BlobResults
    history: History
    #: model id -> the path holding it; path -> the model id it holds.
    holder: dict[str, str] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)
    series: dict[str, ModelSeries] = field(default_factory=dict)

    def apply(self, commit: Commit | None, when: dt.date,
              files: Sequence[TreeEntry | None], touched: Sequence[str]) -> None:
        """Apply one commit's model files (``None`` for a file it deleted) at paths
        ``touched``; ``commit`` None seeds the state the history starts from."""
        before = dict(self.holder)
        holder = {i: p for i, p in self.holder.items() if p not in touched}
        held = {p: i for p, i in self.held.items() if p not in touched}
        for path, entry in zip(touched, files, strict=True):
            if entry is None:
                continue
            if entry.mode == SYMLINK_MODE:
                self.skip(commit, path, "a symbolic link in git, not a model file")
                continue
            result = self.results.get(entry.sha, when)
            model_id = result.model_id or self.held.get(path)
            if model_id is None:
                self.skip(commit, path, f"not a model: {result.problem}")
            elif model_id in holder:
                self.skip(commit, path, f"model id {model_id!r} is already used by "
                                        f"{holder[model_id]}")
            else:
                holder[model_id], held[path] = path, model_id
                self.record(commit, model_id, path, before.get(model_id), result)
        for model_id, path in before.items():
            if model_id not in holder and commit is not None:
                self.series[model_id].points.append(ModelPoint(commit, "removed", path))
        self.holder, self.held = holder, held

    def record(self, commit: Commit | None, model_id: str, path: str,
               previous: str | None, result: BlobResult) -> None:
        series = self.series.setdefault(model_id, ModelSeries(model_id))
        if commit is None:
            series.start, series.start_path = result.posture, path
            series.start_problem = result.problem
            return
        event = ("unreadable" if result.problem else "changed" if previous == path
                 else "renamed" if previous else "added")
        series.points.append(ModelPoint(commit, event, path, result.posture, result.problem,
                                        previous if event == "renamed" else None))

    def skip(self, commit: Commit | None, path: str, reason: str) -> None:
        self.history.skipped.append(Skipped(commit, path, reason))


def build_history(config: Config, request: HistoryRequest, *,
                  read: BlobReader | None = None, cache: ResultCache | None = None,
                  ) -> tuple[History, BlobResults]:
    """The history of the models, and the blob results (how many blobs it read).

    ``read`` reads blobs (default: ``git cat-file``); ``cache`` defaults to the result
    cache when the settings and ``request.use_cache`` allow it.
    """
    git = GitProgram(config.root)
    top = git.top
    try:
        head = git.resolve("HEAD")
    except InputError:  # no commit yet: the history is empty
        return History([], [], Reach(False, None, None, False)), BlobResults(
            config, lambda shas: {}, None)
    since = None if request.since is None else git.resolve(request.since)
    pathspecs = model_pathspecs(config, top)
    changes = first_parent_changes(git, head, since, request.max_count, pathspecs)
    model_path = lru_cache(maxsize=None)(partial(is_model_path, config, top))
    for change in changes:
        change.files[:] = [f for f in change.files if model_path(f.path)
                           and GITLINK_MODE not in (f.base_mode, f.head_mode)]
    # A commit that changed only other files of the model folders changed no model.
    changes = [change for change in changes if change.files]
    base = changes[0].parents[0] if changes and changes[0].parents else None
    seed = [] if base is None else [e for e in tree_entries(git, base, pathspecs)
                                    if model_path(e.path)]
    if cache is None and request.use_cache and config.cache:
        cache = open_cache(history_salt(config))
    results = BlobResults(config, read or partial(git.read_blobs, max_size=config.max_file_size),
                          cache)
    history = History([c.commit for c in changes], [], _reach(git, head, changes, base, request))
    base_day = _commit_day(git, base) if base else dt.date.min
    results.fetch([(e.sha, base_day) for e in seed if e.mode != SYMLINK_MODE]
                  + [(f.head_sha, _day(c.commit)) for c in changes for f in c.files
                     if f.head_sha and f.head_mode != SYMLINK_MODE])
    tracker = Tracker(results, history)
    tracker.apply(None, base_day, seed, [e.path for e in seed])
    for change in changes:
        tracker.apply(change.commit, _day(change.commit), _entries(change),
                      [f.path for f in change.files])
    history.models = sorted(tracker.series.values(), key=lambda s: s.model_id)
    return select(history, request.models, top), results


def _entries(change: CommitChanges) -> list[TreeEntry | None]:
    return [None if f.status == "D" or f.head_sha is None
            else TreeEntry(f.path, f.head_mode, f.head_sha) for f in change.files]


def _day(commit: Commit) -> dt.date:
    try:
        return dt.date.fromisoformat(commit.date)
    except ValueError:
        return dt.date.min


def _commit_day(git: GitProgram, sha: str) -> dt.date:
    raw = git.run("show", "-s", "--format=%cI", sha).decode("ascii", "replace").strip()
    return _day(Commit(sha, raw[:10], ""))


def _reach(git: GitProgram, head: str, changes: list[CommitChanges], base: str | None,
           request: HistoryRequest) -> Reach:
    shallow = git.is_shallow()
    boundary = None
    if shallow:
        raw = git.run("log", "--first-parent", "--max-parents=0", "-1",
                      "--format=%H%x00%cI%x00%s", head).decode("utf-8", "replace").strip()
        sha, _, rest = raw.partition("\0")
        when, _, subject = rest.partition("\0")
        boundary = Commit(sha, when[:10], subject) if sha else None
    limited = request.since is not None or (
        request.max_count is not None and base is not None)
    return Reach(shallow, changes[0].commit if changes else None, base, limited, boundary)


def select(history: History, wanted: Sequence[str], top: Path) -> History:
    """The history of the models named by id or by a path (one of their files, relative
    to the current folder); all of them when none is named."""
    if not wanted:
        return history
    chosen: dict[str, ModelSeries] = {}
    for name in wanted:
        given = Path(name)
        if names_model_id(given):
            found = [s for s in history.models if s.model_id == name]
        else:
            try:
                relative = given.absolute().resolve().relative_to(top).as_posix()
            except ValueError:
                relative = given.as_posix()
            found = [s for s in history.models
                     if relative in {s.start_path, *(p.path for p in s.points)}]
        if not found:
            raise InputError(f"{name}: no model with this id or file in the history")
        chosen.update((s.model_id, s) for s in found)
    models = sorted(chosen.values(), key=lambda s: s.model_id)
    shas = {p.commit.sha for s in models for p in s.points}
    paths = {p for s in models for p in (s.start_path, *(q.path for q in s.points)) if p}
    return History([c for c in history.commits if c.sha in shas], models, history.reach,
                   [k for k in history.skipped if k.path in paths])
