"""The one rule for the files a command writes (reports, exports, badges, the site).

An output never replaces a model: it may not land on a model file, anywhere inside the
configured model folders, or on the configuration. A file written into an output folder
stays inside that folder: no write follows a symbolic link found there (a link where a
folder goes is replaced by a real folder, one where a file goes by the file). Missing
parent folders are created, every file is replaced atomically
(:func:`threatgate.support.fsutil.atomic_write`), and a refusal or a write error is a
usage error (exit 2) naming the output.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from threatgate.errors import InputError
from threatgate.support.fsutil import atomic_write, new_file_mode

#: The suffixes of model files: an existing file with one is never replaced by an output.
YAML_SUFFIXES = (".yaml", ".yml")


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (both resolved)."""
    return path == folder or folder in path.parents


def safe_relative(name: str) -> bool:
    """Whether ``name`` is a relative POSIX path that cannot leave its folder."""
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts


@dataclass(frozen=True)
class Protected:
    """What no output may replace: the model folders and the configuration files."""

    model_dirs: tuple[Path, ...]
    config_files: frozenset[Path]

    @classmethod
    def of(cls, model_dirs: Iterable[Path], config_files: Iterable[Path]) -> Protected:
        return cls(tuple(folder.resolve() for folder in model_dirs),
                   frozenset(path.resolve() for path in config_files))

    def refusal(self, target: Path, what: str) -> str | None:
        """Why ``target`` may not receive ``what`` (e.g. "the report"), or ``None``."""
        if target.is_dir():
            return "is a folder; refusing to overwrite it with a file"
        if target.suffix.lower() in YAML_SUFFIXES and target.exists():
            # Most likely the model itself, named by mistake: never replace it.
            return f"is a YAML file (a model?); refusing to overwrite it with {what}"
        resolved = target.resolve()
        if resolved in self.config_files:
            return f"is a configuration file; refusing to overwrite it with {what}"
        return self.folder_refusal(resolved, what)

    def folder_refusal(self, resolved: Path, what: str) -> str | None:
        """Why nothing may be written at ``resolved``: a model folder, or inside one."""
        for folder in self.model_dirs:
            if inside(resolved, folder):
                return (f"is inside the model folder {folder.name}; refusing to write "
                        f"{what} there")
        return None


def check_file(target: Path, protected: Protected, *, label: str, what: str) -> None:
    """Refuse, before any work, an output file the rule does not allow."""
    reason = protected.refusal(target, what)
    if reason is not None:
        raise InputError(f"{label}: {reason}")


def write_file(target: Path, data: bytes, protected: Protected, *, label: str,
               what: str) -> None:
    """Write one output file under the rule; ``label`` names it in messages."""
    check_file(target, protected, label=label, what=what)
    _write(target, data, label)


def _write(target: Path, data: bytes, label: str) -> None:
    """Create the parent folders and replace ``target`` atomically; a write error is a
    usage error naming ``label``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
    except OSError as exc:
        raise InputError(f"{label}: cannot write: {exc.strerror or exc}") from None


def check_new_model(target: Path, root: Path, *, label: str, replace: bool) -> None:
    """Refuse, before any work, a model file a command would create (``import``): it must
    be a ``.yaml``/``.yml`` file inside the repository ``root`` (links resolved), and an
    existing file is replaced only when ``replace`` is given."""
    if target.suffix.lower() not in YAML_SUFFIXES:
        raise InputError(f"{label}: a model file ends in .yaml or .yml")
    if target.is_dir():
        raise InputError(f"{label}: is a folder")
    real_root = root.resolve()
    if not inside(target.resolve(), real_root):
        raise InputError(f"{label}: is outside the repository ({real_root}); refusing to "
                         "write a model there")
    if (target.exists() or target.is_symlink()) and not replace:
        raise InputError(f"{label}: exists; use --force to overwrite it")


def write_new_model(target: Path, data: bytes, root: Path, *, label: str,
                    replace: bool) -> None:
    """Write a model file a command creates, under :func:`check_new_model`, atomically."""
    check_new_model(target, root, label=label, replace=replace)
    _write(target, data, label)


def check_folder(folder: Path, protected: Protected, *, label: str, what: str) -> None:
    """Refuse, before any work, an output folder the rule does not allow."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{label}: exists and is not a folder")
    reason = protected.folder_refusal(folder.resolve(), what)
    if reason is not None:
        raise InputError(f"{label}: {reason}")


def write_into(folder: Path, name: str, data: bytes, *, durable: bool = True) -> Path:
    """Write ``folder/name`` atomically, creating folders; ``name`` may not leave it.

    ``folder`` is one :func:`check_folder` accepted. Write errors propagate as
    :class:`OSError` so that a command writing many files reports them once.
    """
    if not safe_relative(name):
        raise InputError(f"{folder}: refusing to write {name!r}, a path outside the folder")
    folder.mkdir(parents=True, exist_ok=True)
    path = real_folders(folder, name) / PurePosixPath(name).name
    atomic_write(path, data, durable=durable)
    return path


def real_folders(base: Path, name: str) -> Path:
    """Create the folders of ``base/name`` below ``base`` so that none is a symbolic link.

    A link found where a folder of the output goes (``OUT/models -> /elsewhere``) is
    removed (not followed) and a real folder made in its place, so that nothing is
    written outside ``base``. Returns the folder that will hold the file.
    """
    folder = base
    for part in PurePosixPath(name).parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            folder.unlink()
        folder.mkdir(exist_ok=True)
    return folder


class RealFolders:
    """:func:`real_folders` for the many files of one tree: each folder is made real once
    (the tree is the writer's own while it writes)."""

    def __init__(self, base: Path) -> None:
        self.made: dict[str, Path] = {"": base}

    def holding(self, name: str) -> Path:
        """The folder that holds ``name`` (relative POSIX), made real."""
        parent = name.rpartition("/")[0]
        folder = self.made.get(parent)
        if folder is None:
            folder = self.holding(parent) / parent.rpartition("/")[2]
            if folder.is_symlink():
                folder.unlink()
            folder.mkdir(exist_ok=True)
            self.made[parent] = folder
        return folder


# --- a folder the command owns (the static site) --------------------------------------------


@dataclass(frozen=True)
class Published:
    """What :func:`publish_folder` did: files written (changed or new) and stale removed."""

    written: int
    removed: int


class FolderPublication:
    """A folder the command owns (the static site), filled file by file as the files are
    produced, and published in one step at the end.

    :meth:`add` keeps nothing in memory: a file that differs from the one in ``target``
    goes to a hidden staging folder inside ``target`` (the same file system, so that
    publishing is a rename). Nothing in ``target`` changes before :meth:`publish`: a
    build that fails half-way leaves the previous site as it was (:meth:`discard`
    removes the staged files). Publishing keeps the rules of :func:`publish_folder`.
    """

    def __init__(self, target: Path, *, manifest: str, generator: str, clean: bool = False,
                 what: str = "the site") -> None:
        self.target, self.manifest, self.generator = target, manifest, generator
        self.clean, self.what = clean, what
        #: Every file of the folder, and whether it is staged (True) or unchanged.
        self.names: dict[str, bool] = {}
        #: Where each staged file is until it is published (below :attr:`staging`).
        self.sources: dict[str, Path] = {}
        self.created = not target.exists()
        target.mkdir(parents=True, exist_ok=True)
        import tempfile  # only for a publication: every command imports this module

        self.staging = Path(tempfile.mkdtemp(dir=target, prefix=STAGING_PREFIX))
        self._staged_folders = RealFolders(self.staging)
        #: Folders of ``target`` looked at, by relative path: the folder when it is a real
        #: one (reached without a link), else None.
        self._real: dict[str, Path | None] = {"": target}

    def add(self, name: str, content: bytes | Iterable[bytes]) -> None:
        """Make ``name`` (relative POSIX) hold ``content`` once published; the last
        content given for a name wins. ``content`` may come in pieces, written as they
        come; if they stop with an error, the error propagates and ``name`` is left out."""
        existing = self._existing(name)
        if isinstance(content, bytes) and existing is not None and _same(existing, content):
            self._unchanged(name)
            return
        self._unchanged(name)  # drops what an earlier call staged
        staged = self._staged_folders.holding(name) / name.rpartition("/")[2]
        if isinstance(content, bytes):
            staged.write_bytes(content)
        else:
            try:
                with staged.open("wb") as file:
                    file.writelines(content)
            except BaseException:
                staged.unlink(missing_ok=True)
                del self.names[name]
                raise
            if existing is not None and _same_file(existing, staged):
                staged.unlink()
                return
        self.names[name] = True
        self.sources[name] = staged

    def adopt(self, name: str, written: Path) -> None:
        """As :meth:`add`, with the content already in the file ``written`` (below
        :attr:`staging`), which stays where it is until it is published, or is removed."""
        existing = self._existing(name)
        if existing is not None and _same(existing, written.read_bytes()):
            written.unlink()
            self._unchanged(name)
            return
        self._unchanged(name)
        self.names[name] = True
        self.sources[name] = written

    def _existing(self, name: str) -> Path | None:
        """The regular file ``name`` in ``target`` (reached without a link), if any."""
        if not safe_relative(name):
            raise InputError(f"{self.target}: refusing to write {name!r}, a path outside "
                             f"{self.what}")
        parent, _, leaf = name.rpartition("/")
        folder = self._real_folder(parent)
        if folder is None:
            return None
        path = folder / leaf
        try:
            return path if stat.S_ISREG(os.lstat(path).st_mode) else None
        except OSError:
            return None

    def _real_folder(self, relative: str) -> Path | None:
        if relative in self._real:
            return self._real[relative]
        above, _, leaf = relative.rpartition("/")
        folder = self._real_folder(above)
        if folder is not None:
            folder = folder / leaf
            try:
                real = stat.S_ISDIR(os.lstat(folder).st_mode)
            except OSError:
                real = False
            folder = folder if real else None
        self._real[relative] = folder
        return folder

    def _unchanged(self, name: str) -> None:
        staged = self.sources.pop(name, None)
        if staged is not None:
            staged.unlink()
        self.names[name] = False

    def publish(self) -> Published:
        """Move the staged files into ``target``, remove stale files, write the manifest."""
        target = self.target
        written = 0
        folders = RealFolders(target)
        fresh = new_file_mode()
        for name, staged in sorted(self.names.items()):
            if staged:
                _move_into(self.sources[name],
                           folders.holding(name) / name.rpartition("/")[2], fresh)
                written += 1
        self.sources.clear()
        self.discard()
        stale = _listed(target / self.manifest) - set(self.names)
        if self.clean:
            stale |= _everything(target, self.manifest) - set(self.names)
        removed = _remove(target, stale, links_too=self.clean)
        if self.clean:
            _prune_empty(target)
        else:
            _prune_empty_own(target, stale)
        import json

        listing = json.dumps({"generator": self.generator, "files": sorted(self.names)},
                             indent=1)
        atomic_write(target / self.manifest, (listing + "\n").encode("utf-8"))
        return Published(written, removed)

    def discard(self) -> None:
        """Remove the staging folder and whatever it still holds."""
        import shutil

        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> FolderPublication:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.discard()
        if kind is not None and self.created:
            # A failed build leaves no trace, not even the folder it made.
            with contextlib.suppress(OSError):
                self.target.rmdir()


#: The name the staging folder of a :class:`FolderPublication` starts with.
STAGING_PREFIX = ".threatgate-staging-"


def _same(path: Path, content: bytes) -> bool:
    try:
        return path.stat().st_size == len(content) and path.read_bytes() == content
    except OSError:
        return False


def _same_file(path: Path, other: Path) -> bool:
    import filecmp  # only when a site is published over an older one

    try:
        return filecmp.cmp(path, other, shallow=False)
    except OSError:
        return False


def _move_into(staged: Path, path: Path, fresh: int) -> None:
    """Replace ``path`` (a link is replaced, never written through) with the staged file,
    keeping the permission bits of the file it replaces (``fresh``, those of a new file,
    when there is none), as :func:`atomic_write` does."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        mode = fresh
    else:
        mode = fresh if stat.S_ISLNK(found.st_mode) else found.st_mode & 0o7777
    os.chmod(staged, mode)
    os.replace(staged, path)


def publish_folder(target: Path, files: dict[str, bytes], *, manifest: str, generator: str,
                   clean: bool = False, what: str = "the site") -> Published:
    """Make ``target`` hold ``files`` (relative POSIX name -> bytes), under the write rule.

    Unchanged files are not rewritten. Files an earlier run listed in the ``manifest``
    file and no longer produced are removed; with ``clean``, every other file too. Files
    are written without fsync (thousands of generated pages; readers still never see
    half a file). Write errors propagate as :class:`OSError`.
    """
    with FolderPublication(target, manifest=manifest, generator=generator, clean=clean,
                           what=what) as publication:
        for name, content in files.items():
            publication.add(name, content)
        return publication.publish()


def _listed(manifest: Path) -> set[str]:
    """The files the manifest of the previous run lists (none if it cannot be read)."""
    if manifest.is_symlink():
        return set()
    try:
        import json

        listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {p for p in listed if isinstance(p, str)}


def _everything(target: Path, manifest: str) -> set[str]:
    """Every file and symbolic link below ``target`` (links are never followed)."""
    found = set()
    for current, dirs, files in os.walk(target, followlinks=False):
        here = Path(current)
        links = [d for d in dirs if (here / d).is_symlink()]
        for name in [*files, *links]:
            found.add((here / name).relative_to(target).as_posix())
    found.discard(manifest)
    return found


def _remove(target: Path, names: set[str], *, links_too: bool) -> int:
    removed = 0
    for name in sorted(names):
        if not safe_relative(name):
            continue
        path = target / name
        if not inside(path.parent.resolve(), target):
            continue  # a folder on the way is a link out of the target: leave it alone
        if (path.is_symlink() and links_too) or (path.is_file() and not path.is_symlink()):
            path.unlink()
            removed += 1
    return removed


def _prune_empty(target: Path) -> None:
    for current, _dirs, _files in sorted(os.walk(target), key=lambda x: -len(x[0])):
        folder = Path(current)
        if folder != target and not any(folder.iterdir()):
            folder.rmdir()


def _prune_empty_own(target: Path, stale: set[str]) -> None:
    """Remove folders that held only files of the previous run."""
    folders = {(target / n).parent for n in stale if safe_relative(n)}
    for folder in sorted(folders, key=lambda f: -len(f.parts)):
        if folder != target and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
