"""Every file and folder a validation run reads or looks for.

A passing run is remembered with the state of each of them
(:mod:`threatgate.commands.replay`) and replayed only while none has changed, so this
list may say more than a run reads (which only costs a replay), never less. It holds the
folders searched for the settings (from the current folder up to the repository root),
the settings file, the files and folders given, the model folders (where the ids of the
other models are read), the compliance folder, and threatgate's own code, schemas and
catalogues.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from threatgate.model.config import Config
from threatgate.support.resources import PACKAGE_DIR, schema_dir

#: Folders of threatgate's own code left out: Python writes them; the folder holding
#: one is still recorded, so its first appearance only costs a replay.
BYTECODE = ("__pycache__",)


def validation_inputs(config: Config, given: Iterable[Path], *, start: Path,
                      explicit_settings: bool) -> Iterator[str]:
    """The files and folders a validation of ``given`` (none: the model folders) run
    from ``start`` with the settings ``config`` depends on, as text paths, the files
    given first (the likeliest to have just changed: a reader may stop there)."""
    root = config.root.resolve()
    for path in given:
        real = path.resolve()
        yield from walk(path, inside=root if real.is_relative_to(root) else real)
    if not explicit_settings:
        yield from settings_search(start, config.root)
    if config.source is not None:
        yield str(config.source)
    for folder in (*config.model_dirs, config.compliance_dir):
        yield from walk(folder, inside=root)
    yield from walk(PACKAGE_DIR, inside=PACKAGE_DIR, skip=BYTECODE)
    yield from walk(schema_dir(), inside=schema_dir())


def settings_search(start: Path, root: Path) -> list[str]:
    """The folders looked at for settings: from ``start`` up to ``root``."""
    start, root = start.resolve(), root.resolve()
    folders = []
    for folder in (start, *start.parents):
        folders.append(str(folder))
        if folder == root:
            break
    return folders


def walk(path: Path, *, inside: Path, skip: tuple[str, ...] = ()) -> Iterator[str]:
    """``path`` and, for a folder, everything below it, each real folder once, hidden
    names (which discovery skips) and ``skip`` left out. A link to a folder is followed
    when it leads to a folder within ``inside`` (discovery does not read through a link
    out of the repository; the link itself is listed all the same)."""
    return _walk(os.fspath(path), _Walk(os.path.join(inside, ""), skip, set()))  # noqa: PTH118


class _Walk(NamedTuple):
    inside: str  # a real folder, with a trailing separator
    skip: tuple[str, ...]
    seen: set[tuple[int, int]]


def _walk(path: str, walk: _Walk) -> Iterator[str]:
    yield path
    try:
        info = os.stat(path)  # noqa: PTH116 - text paths, one stat each
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode) or (info.st_dev, info.st_ino) in walk.seen:
        return
    if os.path.islink(path) and not os.path.join(  # noqa: PTH114, PTH118
            os.path.realpath(path), "").startswith(walk.inside):
        return
    walk.seen.add((info.st_dev, info.st_ino))
    try:
        with os.scandir(path) as listing:
            names = sorted(entry.name for entry in listing)
    except OSError:
        return
    for name in names:
        if not name.startswith(".") and name not in walk.skip:
            yield from _walk(os.path.join(path, name), walk)  # noqa: PTH118 - text paths
