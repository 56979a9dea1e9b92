"""An edit of a model file as one transaction: locked, validated, written atomically.

Three checks guard every write:

* the file must load as a model first: anchors, aliases, tags and duplicate keys are
  refused exactly as ``validate`` refuses them;
* the edited text, read back, must hold exactly the data intended (the old data plus
  the change), or nothing is written (:meth:`ModelEditor.check_data`);
* the edit must not introduce a validation error (schema or semantic rule); errors the
  file already had do not block it.

Writes are atomic (:func:`threatgate.support.fsutil.atomic_write`) and serialised by an
exclusive lock on a sidecar file ``<model>.lock``, taken before the file is read: two
concurrent edits of one file run one after the other, and the second sees the first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.diagnostics import Diagnostic, Severity
from threatgate.document.editor import ModelEditor
from threatgate.document.errors import EditError
from threatgate.errors import EXIT_USAGE
from threatgate.model.discovery import display_path
from threatgate.model.loader import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, LoadError, read_bytes
from threatgate.support.fsutil import atomic_write

T = TypeVar("T")

#: Seconds to wait for another edit of the same file to finish.
LOCK_TIMEOUT = 60.0


#: A validation problem: (effective severity, rule, line, column, message).
Problem = tuple[str, str, int, int, str]


def _problems(raw: bytes, today: dt.date, max_depth: int,
              rules: Mapping[str, str], catalogues: CatalogueLibrary | None) -> list[Problem]:
    """Every validation problem of ``raw`` (known to have some: it is loaded once, with
    every position) with its effective severity (settings applied)."""
    from threatgate.model.loader import load_bytes
    from threatgate.validate.files import summarise_document

    document = load_bytes(raw, max_depth=max_depth, locate=True)
    summary = summarise_document(document, today, catalogues or SHIPPED)
    return [(rules.get(rule) or severity, rule, line, column, message)
            for severity, rule, line, column, message in summary["problems"]]


#: A problem without its place: (effective severity, rule, message).
Unlocated = tuple[str, str, str]


def _unlocated(raw: bytes, today: dt.date, max_depth: int, rules: Mapping[str, str],
               catalogues: CatalogueLibrary | None) -> list[Unlocated]:
    """Every validation problem of ``raw``, its severity with the settings applied,
    without locating it (one load of the file)."""
    from threatgate.validate.files import unlocated_problems

    return [(rules.get(rule) or severity, rule, message) for severity, rule, message
            in unlocated_problems(raw, today, max_depth, catalogues or SHIPPED)]


def _data_problems(data: dict[str, Any], today: dt.date, rules: Mapping[str, str],
                   catalogues: CatalogueLibrary | None) -> list[Unlocated]:
    """Every validation problem of a model's loaded data, its severity with the settings
    applied."""
    from threatgate.validate.files import data_problems

    return [(rules.get(rule) or severity, rule, message) for severity, rule, message
            in data_problems(data, today, catalogues or SHIPPED)]


def _any_introduced(old: list[Unlocated], new: list[Unlocated]) -> bool:
    """Whether ``new`` has an error or a warning ``old`` did not have."""
    left = Counter(problem for problem in old if problem[0] in ("error", "warning"))
    left.subtract(problem for problem in new if problem[0] in ("error", "warning"))
    return any(count < 0 for count in left.values())


def _introduced(old: list[Unlocated], new: list[Problem], severity: Severity,
                where: str) -> list[Diagnostic]:
    """Problems of ``severity`` in ``new`` that ``old`` did not have (by rule and message),
    located in ``new``'s text of the file ``where``."""
    seen = Counter((rule, message) for level, rule, message in old if level == severity)
    out = []
    for level, rule, line, column, message in new:
        if level != severity:
            continue
        if seen[(rule, message)]:
            seen[(rule, message)] -= 1
        else:
            out.append(Diagnostic(where, line, column, severity, message, rule))
    return out


def lock_path(path: Path) -> Path:
    """The sidecar file whose lock serialises the edits of ``path``."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (through ``<path>.lock``) while the block runs.

    On POSIX the lock is ``flock`` on the sidecar file, released by the kernel even if
    the process is killed; the sidecar is removed on release (a waiter that locked the
    removed file notices and locks the new one). Where ``fcntl`` is missing (Windows) or
    the file system does not support ``flock``, the sidecar is created exclusively
    instead; a process killed while holding it leaves it behind, and the message says to
    remove it.
    """
    sidecar = lock_path(path)
    deadline = time.monotonic() + timeout
    fd = _flock(sidecar, deadline)
    try:
        yield
    finally:
        # Removed while still held: a waiter that locked this file sees it is gone.
        with contextlib.suppress(OSError):
            os.unlink(sidecar)
        if fd is not None:
            os.close(fd)


def _busy(sidecar: Path, stale_hint: bool) -> EditError:
    hint = (f"; if no threatgate process is running, remove {sidecar}" if stale_hint else "")
    return EditError(f"another edit of this file is still running (lock {sidecar}){hint}",
                     rule="edit-locked")


def _flock(sidecar: Path, deadline: float) -> int | None:
    """Lock with flock; ``None`` when the exclusive-create fallback was used instead."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        _create_lock(sidecar, deadline)
        return None
    while True:
        fd = os.open(sidecar, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _busy(sidecar, False) from None
                    time.sleep(0.01)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                _create_lock(sidecar, deadline)  # pragma: no cover - exotic file systems
                return None  # pragma: no cover
            raise
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), sidecar.stat())
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the previous holder removed the file we locked: lock the new one


def _create_lock(sidecar: Path, deadline: float) -> None:  # pragma: no cover - fallback
    while True:
        try:
            os.close(os.open(sidecar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return
        except FileExistsError:
            if time.monotonic() > deadline:
                raise _busy(sidecar, True) from None
            time.sleep(0.05)


@dataclass
class EditOutcome(Generic[T]):
    """What an edit returned, and the file's bytes before and after it."""

    value: T
    before: bytes
    after: bytes
    #: Warnings the edit introduced (e.g. a wont_do control in a mitigation group: the
    #: group can never complete); the edit is still made, the command reports them.
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def edit_file(path: Path, change: Callable[[ModelEditor], T], *, today: dt.date,
              max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int = DEFAULT_MAX_BYTES,
              rules: Mapping[str, str] | None = None, lock_timeout: float = LOCK_TIMEOUT,
              write: bool = True, display: str | None = None,
              catalogues: CatalogueLibrary | None = None) -> EditOutcome[T]:
    """Apply ``change`` to the model file at ``path`` and write the result atomically.

    The file is read after the lock is taken, so ``change`` always sees the latest
    version. ``change`` may raise (an :class:`EditError`, or any other
    :class:`~threatgate.errors.ThreatgateError`) to refuse the edit. The file is written
    only when the text changed, reads back as the intended data, and gains no validation
    error; otherwise :class:`EditError` is raised and the file is left untouched. With
    ``write=False`` everything happens (lock, checks) except the write: a dry run.

    An :class:`EditError` names the file as ``display`` (default: ``path`` relative to
    the current folder), and its problems are located in that file's edited text.
    ``catalogues`` are the compliance frameworks mappings are checked against (default:
    the shipped ones).
    """
    where = display if display is not None else display_path(path, Path.cwd())
    try:
        if not path.is_file():
            what = "is not a file" if path.exists() else "does not exist"
            raise EditError(f"{path} {what}", rule="file-unreadable", exit_code=EXIT_USAGE)
        # A symbolic link stays a link: its target is edited (and locked).
        target = path.resolve() if path.is_symlink() else path
        try:
            return _edit_locked(target, where, change, today=today, max_depth=max_depth,
                                max_bytes=max_bytes, rules=rules or {},
                                lock_timeout=lock_timeout, write=write,
                                catalogues=catalogues)
        except OSError as exc:  # the lock or the write: a read-only folder, a full disk
            raise EditError(f"cannot write {target}: {exc.strerror or exc}; file left "
                            "unchanged", rule="file-unwritable", exit_code=EXIT_USAGE) from None
    except EditError as exc:
        exc.name_file(where)
        raise


def _check_writable(path: Path) -> None:
    """Refuse to edit a file or folder marked read-only (exit 2, nothing written).

    The atomic write replaces the file by renaming a new one over it, which the folder's
    permissions allow even when the file itself is read-only; and a superuser may write
    anywhere. A model someone made read-only (no write bit for anyone), or one in a
    folder made read-only, is left alone either way.
    """
    for target, what in ((path, "the file is read-only"),
                         (path.parent, f"its folder {path.parent} is read-only")):
        try:
            mode = target.stat().st_mode
        except OSError:
            continue  # reported by the read or the write itself
        if not mode & 0o222 or not os.access(target, os.W_OK):
            raise EditError(f"cannot write: {what}; file left unchanged",
                            rule="file-unwritable", exit_code=EXIT_USAGE)


def _edit_locked(path: Path, where: str, change: Callable[[ModelEditor], T], *,
                 today: dt.date, max_depth: int, max_bytes: int, rules: Mapping[str, str],
                 lock_timeout: float, write: bool,
                 catalogues: CatalogueLibrary | None = None) -> EditOutcome[T]:
    with exclusive_lock(path, lock_timeout):
        try:
            raw = read_bytes(path, max_bytes)
        except LoadError as exc:
            raise EditError(exc.message, line=exc.line, column=exc.column,
                            rule=exc.rule) from None
        except OSError as exc:
            raise EditError(f"cannot read file: {exc.strerror or exc}",
                            rule="file-unreadable", exit_code=EXIT_USAGE) from None
        try:
            editor = ModelEditor(raw, max_depth=max_depth)
        except LoadError as exc:
            raise EditError(f"{exc.message}; the file cannot be edited until it loads",
                            line=exc.line, column=exc.column, rule=exc.rule) from None
        # The problems the file has before the edit, from the data just loaded from it.
        old = _data_problems(editor.data, today, rules, catalogues)
        value = change(editor)
        after = editor.to_bytes()
        warnings: list[Diagnostic] = []
        if after != raw and len(after) > max_bytes:
            raise EditError(f"the edited file would be {len(after)} bytes, over the limit of "
                            f"{max_bytes} (setting max_file_size); file left unchanged",
                            rule="file-too-large")
        if after != raw:
            # The edited text was read back by the last check of the edit (when it was):
            # its data are validated without parsing the file once more.
            read_back = editor.read_back()
            now = (_unlocated(after, today, max_depth, rules, catalogues) if read_back is None
                   else _data_problems(read_back, today, rules, catalogues))
            if _any_introduced(old, now):
                # Only now are the edited file's problems located (one more load of it).
                new = _problems(after, today, max_depth, rules, catalogues)
                problems = _introduced(old, new, Severity.ERROR, where)
                if problems:
                    raise EditError("the edit would make the model invalid; file left "
                                    "unchanged", rule="edit-invalid", problems=problems)
                warnings = _introduced(old, new, Severity.WARNING, where)
            if write:
                _check_writable(path)
                atomic_write(path, after)
    return EditOutcome(value, raw, after, warnings)


def rewrite_file(path: Path, rewrite: Callable[[bytes], bytes], *,
                 max_bytes: int = DEFAULT_MAX_BYTES,
                 lock_timeout: float = LOCK_TIMEOUT) -> tuple[bytes, bytes]:
    """Rewrite a whole model file under the edit lock; return (before, after).

    The file is read after the lock is taken and replaced atomically only when
    ``rewrite`` changed it, so an edit verb running at the same time is never lost: the
    one waits for the other. ``rewrite`` may raise to leave the file untouched. Reading
    errors propagate (:class:`~threatgate.model.loader.LoadError`, ``OSError``).
    """
    target = path.resolve() if path.is_symlink() else path
    with exclusive_lock(target, lock_timeout):
        raw = read_bytes(target, max_bytes)
        after = rewrite(raw)
        if after != raw:
            atomic_write(target, after)
    return raw, after
