"""Signed files of the result cache: where they live, the secret key, the tag.

The trust rules are those of :mod:`threatgate.support.cache`: an entry is believed only
when its tag under the user's secret key checks out, and nothing is used when the cache
folder or the key file belongs to another user or can be written by others. The result
cache tags its entries with HMAC-SHA256 (:func:`tag`); the replay of a passing run
(:mod:`threatgate.commands.replay`), which reads its entry before anything else of
threatgate is imported, with keyed BLAKE2b (:func:`keyed_tag`), a MAC of its own that
needs no OpenSSL. So this module imports only ``os``, ``stat`` and the BLAKE2 module at
start-up (no ``pathlib``, ``hashlib``, ``hmac`` or ``contextlib``).
"""

from __future__ import annotations

import os
import stat

try:  # the C module hashlib takes BLAKE2 from, without loading OpenSSL as hashlib does
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

TYPE_CHECKING = False  # typing is not imported at start-up
if TYPE_CHECKING:
    from collections.abc import Callable

    Signer = Callable[[bytes, str, bytes], bytes]

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
        try:
            _create_secret(os.fspath(path))
        except OSError:
            return None
    if not is_private(path, readable_by_others=False):
        return None
    try:
        with open(path, "rb") as handle:
            secret = handle.read(KEY_BYTES + 1)
    except OSError:
        return None
    return secret if len(secret) == KEY_BYTES else None


def _create_secret(path: str) -> None:
    import contextlib  # only when a key is made
    import secrets
    import tempfile

    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
        # A link never replaces a key another run has just created.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def digest(data: bytes) -> str:
    """A hexadecimal digest of ``data`` (BLAKE2b, 32 bytes): the key of an entry."""
    return blake2b(data, digest_size=32).hexdigest()


def tag(secret: bytes, key: str, payload: bytes) -> bytes:
    """The tag of a result cache entry: HMAC-SHA256 of its cache key and its payload."""
    import hashlib
    import hmac

    return hmac.new(secret, key.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


def keyed_tag(secret: bytes, key: str, payload: bytes) -> bytes:
    """The tag of a replay entry: keyed BLAKE2b (a MAC by design) of its key and payload."""
    mac = blake2b(key=secret, digest_size=TAG_LENGTH // 2)
    mac.update(key.encode() + b"\0" + payload)
    return mac.hexdigest().encode()


def equal_tags(found: bytes, expected: bytes) -> bool:
    """Whether two tags are equal, in a time that tells nothing of where they differ: the
    digests of both under a key drawn for this comparison are compared."""
    salt = os.urandom(16)
    return (blake2b(found, key=salt).digest() == blake2b(expected, key=salt).digest())


def read_entry(path: str | os.PathLike[str], key: str, secret: bytes,
               sign: Signer = tag) -> bytes | None:
    """The payload of the entry file ``path`` written under ``key`` (signed by ``sign``);
    ``None`` when there is none, it is too large, or its tag does not match."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    found, newline, payload = data[:TAG_LENGTH], data[TAG_LENGTH:TAG_LENGTH + 1], \
        data[TAG_LENGTH + 1:]
    if (len(data) > MAX_ENTRY_BYTES or newline != b"\n"
            or not equal_tags(found, sign(secret, key, payload))):
        return None
    return payload


def write_entry(path: str | os.PathLike[str], key: str, payload: bytes, secret: bytes,
                sign: Signer = tag) -> None:
    """Write an entry: to a temporary file in the same folder, renamed into place, so that
    no reader ever sees half of it. A failure to write only leaves no entry."""
    folder = os.path.dirname(path)
    temporary = None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        import tempfile  # only when an entry is written

        fd, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(sign(secret, key, payload) + b"\n" + payload)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None:
            import contextlib

            with contextlib.suppress(OSError):
                os.unlink(temporary)
