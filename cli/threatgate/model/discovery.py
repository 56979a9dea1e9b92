"""Find the model files to work on from the paths a user gives (or the configured folders)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from threatgate.errors import InputError
from threatgate.model.config import Config

MODEL_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A file to check: where it is on disk and how to show it to the user."""

    path: Path
    display: str
    #: Why the file must not be read (a symlink leaving the repository), if anything.
    refused: str | None = None
    #: ``path.resolve().parent`` when the walk that found the file knows it (the file is
    #: not a symbolic link and its folder was resolved): ``real_folder / path.name`` is
    #: the file's real path.
    real_folder: Path | None = None


class Listed(NamedTuple):
    """A model file as a folder walk lists it: what :class:`ModelFile` holds, with the
    path as text (a walk over a thousand files builds no path object per file)."""

    path: str
    display: str
    refused: str | None = None
    real_folder: Path | None = None

    def model_file(self) -> ModelFile:
        return ModelFile(Path(self.path), self.display, self.refused, self.real_folder)


def display_path(path: Path, cwd: Path) -> str:
    """A path relative to the working directory when it lies below it, else absolute."""
    absolute = path if path.is_absolute() else cwd / path
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return absolute.as_posix()


def _escape(path: Path, root: Path) -> str | None:
    """Explain why a symlinked path may not be read, or ``None`` when it stays inside."""
    target = path.resolve()
    if target == root or root in target.parents:
        return None
    return f"symbolic link points outside the repository (to {target}); refusing to read it"


def _named_escape(target: Path, root: Path, configured: bool) -> str | None:
    """Why a top-level path may not be read, or ``None``.

    A configured folder is written by whoever writes the configuration, so it must
    resolve inside the repository. A path given on the command line is the user's own
    choice and is taken as given when it lies outside the repository; when it lies
    inside, whatever it resolves to must stay inside too (the repository's content
    chooses where its own symbolic links lead).
    """
    absolute = Path(os.path.normpath(target.absolute()))  # lexically: links not followed
    if not configured and absolute != root and root not in absolute.parents:
        return None
    return _escape(target, root)


def _excluded(path: Path, config: Config) -> bool:
    if not config.exclude:
        return False
    try:
        relative = path.resolve().relative_to(config.root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return any(fnmatch.fnmatch(relative, pattern) for pattern in config.exclude)


def in_model_folders(path: Path, config: Config) -> bool:
    """Whether ``path`` is a model file by the settings: a ``.yaml``/``.yml`` file under a
    configured model folder, not excluded, with no hidden folder on the way."""
    full = path.absolute().parent.resolve() / path.name
    root = config.root.resolve()
    try:
        relative = full.relative_to(root)
    except ValueError:
        return False
    if not path.name.endswith(MODEL_SUFFIXES) or any(
            part.startswith(".") for part in relative.parts):
        return False
    folders = [(root / folder).resolve() for folder in config.models]
    inside = any(full == folder or folder in full.parents for folder in folders)
    return inside and not _excluded(full, config)


def _walk(folder: Path, config: Config, cwd: Path, found: list[Listed],
          seen: set[Path] | None = None) -> None:
    """Append the model files below ``folder``: its linked folders first (each walked
    where it leads, when that stays inside the repository), then its files, then its
    folders, each in name order. A folder reached twice (a link back to a folder
    already walked) is walked once. Names come from one directory listing per folder,
    so a file costs no system call of its own."""
    seen = set() if seen is None else seen
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=attrgetter("name"))
    except OSError:  # unreadable or vanished: nothing to list, as os.walk does
        return
    shown = display_path(folder, cwd)
    prefix = "" if shown == "." else f"{shown}/"
    base = os.path.join(folder, "")  # noqa: PTH118 - names joined as text, no Path each
    folders, files = [], []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if not _is_folder(entry):
            if name.endswith(MODEL_SUFFIXES):
                files.append(entry)
            continue
        sub = folder / name
        if not entry.is_symlink():
            folders.append(sub)
            continue
        reason = _escape(sub, config.root)
        if reason is not None:
            found.append(Listed(str(sub), display_path(sub, cwd), reason))
        else:
            _walk(sub, config, cwd, found, seen)
    for entry in files:
        name = entry.name
        path = base + name
        if config.exclude and _excluded(Path(path), config):
            continue
        if entry.is_symlink():
            found.append(Listed(path, prefix + name, _escape(Path(path), config.root)))
        else:  # its folder is resolved already: the file is that folder and its name
            found.append(Listed(path, prefix + name, None, real))
    for sub in folders:
        _walk(sub, config, cwd, found, seen)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether a listed name is a folder (a link to one counts), as ``os.walk`` sorts
    names into folders and files."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def discover(paths: list[Path], config: Config, cwd: Path | None = None) -> list[ModelFile]:
    """Expand files and folders into model files, in a stable order, without duplicates.

    With no paths, the configured model folders are searched. A folder without any model
    file, or a path that does not exist, is a usage error.
    """
    return [listed.model_file() for listed in list_models(paths, config, cwd)]


def list_models(paths: list[Path], config: Config, cwd: Path | None = None) -> list[Listed]:
    """What :func:`discover` finds, as :class:`Listed` entries (the same rules and order)."""
    cwd = cwd or Path.cwd()
    targets = paths or config.model_dirs
    if not paths and not any(folder.is_dir() for folder in targets):
        listed = ", ".join(str(f) for f in targets)
        raise InputError(
            f"no model folder found ({listed}); pass the model files or folders "
            "to check, or run 'threatgate init'"
        )
    found: list[Listed] = []
    for target in targets:
        if not paths and not target.is_dir():
            continue
        refused = _named_escape(target, config.root, configured=not paths)
        if refused is not None:
            found.append(Listed(str(target), display_path(target, cwd), refused))
        elif target.is_dir():
            before = len(found)
            _walk(target, config, cwd, found)
            if len(found) == before:
                raise InputError(
                    f"{display_path(target, cwd)}: no model files (*.yaml, *.yml) in this folder"
                )
        elif target.exists():
            found.append(Listed(str(target), display_path(target, cwd)))
        elif target.is_symlink():
            raise InputError(f"{display_path(target, cwd)}: broken symbolic link")
        else:
            raise InputError(f"{display_path(target, cwd)}: no such file or folder")
    if len(targets) == 1:  # one walk lists a file once: a folder reached twice is skipped
        return found
    unique: dict[Path, Listed] = {}
    for item in found:
        unique.setdefault(Path(item.path).absolute(), item)
    return list(unique.values())


def loadable_models(config: Config) -> Iterator[tuple[ModelFile, dict[str, Any]]]:
    """Every model file of the repository that reads and parses, with its data.

    For finding a model by its id or by an id it defines (commands that accept `shop`
    for threatmodels/shop.yaml); files that cannot be read or parsed are skipped.
    """
    from threatgate.model.loader import LoadError, load_bytes, read_bytes

    for model_file in discover([], config):
        if model_file.refused is not None:
            continue
        try:
            data = load_bytes(read_bytes(model_file.path, config.max_file_size),
                              max_depth=config.max_depth).data
        except (LoadError, OSError):
            continue
        if isinstance(data, dict):
            yield model_file, data


def names_model_id(given: Path) -> bool:
    """Whether a MODEL argument is a model's id rather than a path.

    It is an id when no such file or folder exists, it does not end in .yaml or .yml,
    and it has no folder part: ``shop`` and ``payments.v2`` are ids,
    ``threatmodels/shop.yaml`` and ``shop.yaml`` are paths.
    """
    return not given.exists() and given.suffix not in MODEL_SUFFIXES and len(given.parts) == 1


def model_file(given: Path, config: Config) -> Path | None:
    """The file a MODEL argument names: a model file or folder, or a model's id.

    A path comes back unchanged (whether it exists is for the caller to say). An id
    gives the file of the model that has it among the files that parse in the configured
    folders, or ``None`` when none has it; an id used by several files is a usage error.
    """
    if not names_model_id(given):
        return given
    matches = [found for found, data in loadable_models(config) if data.get("id") == str(given)]
    if len(matches) > 1:
        places = ", ".join(found.display for found in matches)
        raise InputError(f"{given}: the model id is used by several files ({places}); "
                         "give the model file")
    return matches[0].path if matches else None
