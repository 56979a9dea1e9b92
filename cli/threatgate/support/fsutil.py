"""Writing files so that nothing is lost: a reader sees the old file or the new, never half."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically, keeping the file's permission bits.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the
    temporary file is renamed over the target. A process killed at any moment leaves
    either the old file or the new one. ``durable=False`` skips the fsync: readers still
    never see half a file, but a power loss may lose the new content. That suits
    generated output written by the thousand (the static site), where fsyncs would
    dominate the run.

    A symbolic link at ``path`` is replaced by the file, never written through, and its
    target's permissions are not copied.
    """
    import tempfile  # imported where a file is written: reading commands never pay for it

    mode = new_file_mode() if path.is_symlink() else existing_mode(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def new_file_mode() -> int:
    """The permissions a plain open() gives a new file (not the 0600 of a temporary file)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def existing_mode(path: Path) -> int:
    """The permission bits of ``path``, or those of a new file when it does not exist."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return new_file_mode()


def create_new(path: Path, data: bytes) -> bool:
    """Write a file only if it does not exist yet; return whether it was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


#: git's own folder, as some file systems also accept it (the 8.3 short name).
GIT_FOLDER_NAMES = frozenset({".git", "git~1"})
GIT_REFUSAL = "is inside .git/, which is never evidence (it holds credentials)"


def in_git_folder(relative: str) -> bool:
    """Whether a repository-relative path names git's own folder or something in it.

    Case-insensitive, and blind to the trailing dots and spaces, the 8.3 short name
    (``GIT~1``) and the stream suffix (``.git::$INDEX_ALLOCATION``) that some file
    systems ignore or accept for ``.git``.
    """
    return any(part.casefold().split(":", 1)[0].rstrip(". ") in GIT_FOLDER_NAMES
               for part in relative.replace("\\", "/").split("/"))


#: Unicode categories of characters that show nothing or break a line: control, format,
#: surrogate, private use, unassigned, and separators other than the plain space.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def shown_as_is(text: str) -> bool:
    """Whether every character of ``text`` shows as itself on one line (a name with a
    control character, a line break or an invisible character is not)."""
    import unicodedata

    return all(char == " " or unicodedata.category(char) not in _INVISIBLE for char in text)
