"""The ids of the models a run does not check, so that the files it checks (a pre-commit
hook passes the changed ones) still may not reuse them: read from the top of each file,
never parsed, kept in the cache for an unchanged set of files, compared by real path."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from threatgate.model.config import Config
from threatgate.model.discovery import Listed, ModelFile, list_models
from threatgate.support.cache import ResultCache

_TOP_LEVEL_ID = re.compile(rb"^id:[ \t]*['\"]?([a-z0-9][a-z0-9._-]*)", re.MULTILINE)
#: The id of a model sits near its top: this much is read first, the rest only if needed.
HEAD_BYTES = 4096


def sibling_model_ids(siblings: Sequence[ModelFile | Listed], max_bytes: int,
                      cache: ResultCache | None = None) -> dict[str, str]:
    """Model ids of files that are not being validated, read with a quick scan.

    Used when only some files are checked (a pre-commit hook passes the changed ones) to
    still catch an id that another model of the repository already uses. With a cache,
    the ids of an unchanged set of files (each file's path, size, modification and change
    times and inode) are one entry, so a hook run in a large repository reads no sibling.
    """
    wanted = [item for item in siblings if not item.refused]
    key = ""
    if cache is not None:
        listing = _stat_listing(wanted)
        key = cache.key(b"sibling-ids\0" + listing + f"\0{max_bytes}".encode())
        found = cache.get(key, _is_id_listing)
        if found is not None:
            return dict(found["ids"])
    ids: dict[str, str] = {}
    for item in wanted:
        model_id = first_model_id(item.path, max_bytes)
        if model_id is not None:
            ids.setdefault(model_id, item.display)
    if cache is not None:
        cache.put(key, {"ids": ids})
    return ids


def repository_model_ids(checked: list[ModelFile], config: Config,
                         cache: ResultCache | None = None) -> dict[str, str]:
    """The ids of the repository's models other than ``checked`` (by real path): what the
    files a hook passes must not reuse."""
    try:
        repository = list_models([], config)
    except Exception:  # noqa: BLE001 - the siblings are a bonus check, never a failure
        return {}
    given = set(real_paths(checked))
    names = tuple({separator + name for _, name in given for separator in {"/", os.sep}})
    # Only a link, or a file of the same name, can be one of ``checked``: the others
    # keep their path as text, nothing resolved.
    same_name = [item for item in repository
                 if item.real_folder is None or (os.sep + item.path).endswith(names)]
    checked_too = {id(item) for item, real in zip(same_name, real_paths(same_name),
                                                   strict=True) if real in given}
    siblings = [item for item in repository if id(item) not in checked_too]
    return sibling_model_ids(siblings, config.max_file_size, cache)


def _stat_listing(items: Sequence[ModelFile | Listed]) -> bytes:
    """Each file's display path, size, modification and change times and inode, one a
    line (a file that cannot be stat'ed is listed as missing, and so read afresh if it
    comes back)."""
    lines = []
    for item in items:
        try:
            info = os.stat(item.path)  # noqa: PTH116 - listed as text, kept as text
        except OSError:
            lines.append(f"{item.display}|-")
            continue
        lines.append(f"{item.display}|{info.st_size}|{info.st_mtime_ns}|"
                     f"{info.st_ctime_ns}|{info.st_ino}")
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def _is_id_listing(value: dict[str, Any]) -> bool:
    ids = value.get("ids")
    return isinstance(ids, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in ids.items())


def first_model_id(path: str | os.PathLike[str], max_bytes: int) -> str | None:
    """The model id a file sets at its top level (the first ``id:`` line), reading only
    its first lines when the id is there; None when there is none, or the file is over
    ``max_bytes`` or cannot be read (a hook reads a thousand of these: plain descriptors,
    no file objects)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        head = os.read(descriptor, HEAD_BYTES)
        # Only whole lines of a cut read: the first match among them is the file's.
        end = head.rfind(b"\n") + 1 if len(head) == HEAD_BYTES else len(head)
        match = _TOP_LEVEL_ID.search(head, 0, end)
        if match is None and len(head) == HEAD_BYTES:
            raw = head + _read_up_to(descriptor, max_bytes + 1 - len(head))
            if len(raw) > max_bytes:
                return None
            match = _TOP_LEVEL_ID.search(raw)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return match.group(1).decode() if match else None


def _read_up_to(descriptor: int, limit: int) -> bytes:
    chunks = []
    while limit > 0:
        chunk = os.read(descriptor, min(limit, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)


def real_paths(items: Sequence[ModelFile | Listed]) -> list[tuple[Path, str]]:
    """``item.path.resolve()`` of each item as (folder, name), which compare as the paths
    do: known to discovery, or resolving each folder once (a file that is not a symbolic
    link is its resolved folder and its name)."""
    folders: dict[Path, Path] = {}
    out = []
    for item in items:
        if item.real_folder is not None:
            out.append((item.real_folder, os.path.basename(item.path)))  # noqa: PTH119
            continue
        path = Path(item.path)
        if path.name in ("", ".", "..") or os.path.islink(path):  # noqa: PTH114
            real = path.resolve()
            out.append((real.parent, real.name))
            continue
        parent = folders.get(path.parent)
        if parent is None:
            parent = folders[path.parent] = path.parent.resolve()
        out.append((parent, path.name))
    return out
