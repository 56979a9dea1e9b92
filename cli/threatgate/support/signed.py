"""Signed files of the result cache: where they live, the secret key, the tag.

This module imports only the standard library's ``os``, ``hashlib`` and ``hmac`` (no
``pathlib``): the replay of a passing run (:mod:`threatgate.commands.replay`) reads a
signed entry before anything else of threatgate is imported. The trust rules are those
of :mod:`threatgate.support.cache`: an entry is believed only when its HMAC-SHA256 under
the user's secret key checks out, and nothing is used when the cache folder or the key
file belongs to another user or can be written by others.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat

CACHE_ENV = "THREATGATE_CACHE_DIR"
#: Length of the secret key, in bytes.
KEY_BYTES = 32
#: An entry is its tag (hexadecimal) on the first line, then the payload.
TAG_LENGTH = 64
#: An entry larger than this is not one the cache wrote (results are a few kilobytes).
MAX_ENTRY_BYTES = 64 * 1024 * 1024


def cache_dir() -> str:
    """The cache folder: ``$THREATGATE_CACHE_DIR``, else ``$XDG_CACHE_HOME/threatgate``
    (default ``~/.cache/threatgate``)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "threatgate")


def key_file() -> str:
    """Where the cache's secret key lives: in the state folder, never the cache folder."""
    base = (os.environ.get("XDG_STATE_HOME")
            or os.path.join(os.path.expanduser("~"), ".local", "state"))
    return os.path.join(base, "threatgate", "cache-key")


def is_private(path: str | os.PathLike[str], *, readable_by_others: bool = True) -> bool:
    """Whether ``path`` belongs to the current user and nobody else can write it (nor,
    unless ``readable_by_others``, read it). Always true where there are no POSIX owners."""
    if not hasattr(os, "getuid"):
        return True
    try:
        status = os.stat(path)
    except OSError:
        return False
    others = stat.S_IWGRP | stat.S_IWOTH
    if not readable_by_others:
        others |= stat.S_IRGRP | stat.S_IROTH
    return status.st_uid == os.getuid() and not status.st_mode & others


def load_secret(path: str | os.PathLike[str], *, create: bool = True) -> bytes | None:
    """The secret key in the file ``path``, created on first use unless ``create`` is
    false; ``None`` when it cannot be read or created, or is not private to the user."""
    if create and not os.path.exists(path):
        _create_secret(os.fspath(path))
    if not is_private(path, readable_by_others=False):
        return None
    try:
        with open(path, "rb") as handle:
            secret = handle.read(KEY_BYTES + 1)
    except OSError:
        return None
    return secret if len(secret) == KEY_BYTES else None


def _create_secret(path: str) -> None:
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        import secrets  # only when a key is made
        import tempfile

        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(KEY_BYTES))
            # A link never replaces a key another run has just created.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)


def tag(secret: bytes, key: str, payload: bytes) -> bytes:
    """The tag of an entry: HMAC-SHA256 of its cache key and its payload."""
    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


def read_entry(path: str | os.PathLike[str], key: str, secret: bytes) -> bytes | None:
    """The payload of the entry file ``path`` written under ``key``; ``None`` when there is
    none, it is too large, or its tag does not match."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    found, newline, payload = data[:TAG_LENGTH], data[TAG_LENGTH:TAG_LENGTH + 1], \
        data[TAG_LENGTH + 1:]
    if (len(data) > MAX_ENTRY_BYTES or newline != b"\n"
            or not hmac.compare_digest(found, tag(secret, key, payload))):
        return None
    return payload


def write_entry(path: str | os.PathLike[str], key: str, payload: bytes,
                secret: bytes) -> None:
    """Write an entry: to a temporary file in the same folder, renamed into place, so that
    no reader ever sees half of it. A failure to write only leaves no entry."""
    folder = os.path.dirname(path)
    temporary = None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        import tempfile

        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(tag(secret, key, payload) + b"\n" + payload)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
