"""The repository a server works on: its settings, its model files, the pipeline and the
edit transaction, reached only through names the client cannot turn into other paths.

A client names a model by its id or by its path relative to the repository root, and
either is looked up among the discovered model files: a name is never joined to a
folder, so nothing outside the configured model folders is read or written. Reads go
through :func:`threatgate.workspace.load_workspace` (memoised while the files are
unchanged, so that a listing after the first costs no validation), writes through
:func:`threatgate.document.transaction.edit_file` (lock, validation, atomic write).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from threatgate.errors import InputError
from threatgate.model.config import Config, load_config
from threatgate.model.dates import today
from threatgate.model.discovery import ModelFile, discover

if TYPE_CHECKING:
    from threatgate.document.editor import ModelEditor
    from threatgate.document.transaction import EditOutcome
    from threatgate.model.loader import LoadedDocument
    from threatgate.workspace import Workspace

T = TypeVar("T")

#: Longest model name a client may send (an id is at most 64 characters).
MAX_NAME = 512

#: Memoised workspaces kept at once (one per model selection and verification flag).
MAX_MEMO = 32


def _stamp(files: list[ModelFile]) -> tuple[tuple[str, int, int], ...]:
    """What says a file is unchanged: its path, modification time and size."""
    out = []
    for found in files:
        try:
            stat = found.path.stat()
        except OSError:
            out.append((str(found.path), -1, -1))
            continue
        out.append((str(found.path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@dataclass
class Repository:
    """The repository of one server: settings read once, models found on each call."""

    config: Config
    _memo: dict[tuple[Any, ...], Workspace] = field(default_factory=dict, repr=False)
    _documents: dict[tuple[Any, ...], LoadedDocument] = field(default_factory=dict,
                                                              repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _load_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def at(cls, start: Path) -> Repository:
        """The repository holding ``start`` (its settings, as every command finds them)."""
        return cls(load_config(start.resolve()))

    @property
    def root(self) -> Path:
        return self.config.root

    def today(self) -> dt.date:
        return today()

    def shown(self, path: Path | str) -> str:
        """A path as results name it: relative to the repository root, '/'-separated (a
        symbolic link is named as found, not by its target)."""
        absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
        for candidate, root in ((absolute, self.root), (absolute.resolve(), self.root.resolve())):
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                continue
        return Path(path).as_posix()

    # --- models -----------------------------------------------------------------------

    def model_files(self) -> list[ModelFile]:
        """Every model file of the configured folders that may be read."""
        return [f for f in discover([], self.config) if f.refused is None]

    def model_path(self, model_id: str | None, entity_id: str | None = None) -> Path:
        """The file of the model a client names (its id or its repository path).

        Without a name: the repository's only model, or the one model defining
        ``entity_id``. A name that is no discovered model is an error listing the models.
        """
        if model_id is None or not model_id.strip():
            from threatgate.edits.entities import resolve_model

            return resolve_model(None, self.config, entity_id)
        if len(model_id) > MAX_NAME:
            raise InputError(f"model name is longer than {MAX_NAME} characters")
        files = self.model_files()
        wanted = model_id.strip().replace("\\", "/")
        by_shown = {self.shown(f.path): f.path for f in files}
        if wanted in by_shown:
            return by_shown[wanted]
        # Every readable model, parsed once while unchanged (as the warm-up leaves them).
        by_id = [path for path, document in self.documents()
                 if document.data.get("id") == wanted]
        if len(by_id) == 1 and by_id[0] in by_shown:
            return by_shown[by_id[0]]
        if by_id:
            places = ", ".join(by_id)
            raise InputError(f"the model id {wanted!r} is used by several files ({places}); "
                             "give the model file")
        known = ", ".join(self.shown(f.path) for f in files[:20]) or "none"
        raise InputError(f"no model {wanted!r} in this repository (give a model id or the "
                         f"path of a model file; model files: {known})")

    def workspace(self, model_id: str | None = None, *, verify: bool = False,
                  keep_data: bool = False) -> Workspace:
        """The validated, assessed models (one when named), memoised while unchanged."""
        from threatgate.workspace import load_workspace

        paths = (self.model_path(model_id),) if model_id else ()
        files = discover(list(paths), self.config)
        day = self.today()
        key = (paths, verify, keep_data, day, _stamp(files))
        # One load at a time: a call arriving during the warm-up (or another call's load
        # of the same models) waits for it and reuses the result.
        with self._load_lock:
            with self._memo_lock:
                found = self._memo.get(key)
            if found is not None and not verify:
                return found
            loaded = load_workspace(paths, self.config, day, verify=verify,
                                    keep_data=keep_data)
            with self._memo_lock:
                if len(self._memo) >= MAX_MEMO:
                    self._memo.clear()
                self._memo[key] = loaded
        return loaded

    def warm_up(self) -> None:
        """Validate and assess every model once, so that the first listing is quick.

        Run in the background when the server starts; a model that cannot be read is
        reported by the call that asks for it, not here.
        """
        from threatgate.errors import ThreatgateError

        try:
            self.workspace()
            self.documents()
        except ThreatgateError:
            return

    # --- edits ------------------------------------------------------------------------

    def edit(self, model_id: str | None, change: Callable[[ModelEditor], T], *,
             entity_id: str | None = None) -> tuple[str, EditOutcome[T]]:
        """Run ``change`` on a model as the edit verbs do: locked, validated, atomic."""
        from threatgate.catalogues.library import library_for
        from threatgate.document.transaction import edit_file

        path = self.model_path(model_id, entity_id)
        shown = self.shown(path)
        outcome = edit_file(path, change, today=self.today(), max_depth=self.config.max_depth,
                            max_bytes=self.config.max_file_size, rules=self.config.rules,
                            display=shown, catalogues=library_for(self.config))
        return shown, outcome

    # --- raw documents ----------------------------------------------------------------

    def documents(self, model_id: str | None = None) -> list[tuple[str, LoadedDocument]]:
        """Each readable model file (or the one named) with its data and locations;
        files that do not load are left out (the listings say why they are invalid)."""
        from threatgate.model.loader import LoadError, load_bytes, read_bytes

        files = ([self.model_path(model_id)] if model_id
                 else [f.path for f in self.model_files()])
        out = []
        for path in files:
            key = ("document", _stamp([ModelFile(path, str(path))]))
            with self._memo_lock:
                cached = self._documents.get(key)
            if cached is None:
                try:
                    cached = load_bytes(read_bytes(path, self.config.max_file_size),
                                        max_depth=self.config.max_depth, locate=True)
                except (LoadError, OSError):
                    continue
                with self._memo_lock:
                    if len(self._documents) >= MAX_MEMO * 4:
                        self._documents.clear()
                    self._documents[key] = cached
            out.append((self.shown(path), cached))
        return out
