"""What every manifest reader shares: declarations, errors, the registry by file name."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from threatgate.support.registry import Registry
from threatgate.verify.base import Tree
from threatgate.verify.textdata import load_toml


class ManifestError(Exception):
    """The manifest or the constraint cannot be read: the verdict is ``error``."""


class NoVersion(Exception):
    """The declaration states no usable version: the verdict is ``fail``."""


#: Longer version requirements (in a manifest or a model) are refused before any version
#: scheme reads them: a version of thousands of digits is no version (Python does not
#: even convert integers of over 4,300 digits), and each part of it costs work.
MAX_VERSION_LENGTH = 200
#: A requirement shown in a verdict is cut to this many characters.
SHOWN_VERSION_LENGTH = 80


def shown_version(text: str) -> str:
    """``text`` for a verdict: cut to :data:`SHOWN_VERSION_LENGTH` characters."""
    if len(text) <= SHOWN_VERSION_LENGTH:
        return text
    return text[:SHOWN_VERSION_LENGTH - 3] + "..."


def bounded_version(text: str, what: str) -> str:
    """``text``, or :class:`ManifestError` when it is over :data:`MAX_VERSION_LENGTH`."""
    if len(text) > MAX_VERSION_LENGTH:
        raise ManifestError(f"{what} of {len(text)} characters ({text[:40]!r}...) is not "
                            f"read: versions are at most {MAX_VERSION_LENGTH} characters")
    return text


@dataclass(frozen=True)
class Declaration:
    """One place where the manifest names a package."""

    name: str                   # as written
    spec: str | None            # the version requirement as written; None when none
    section: str
    line: int | None = None
    syntax: str = "pep508"      # pep508 poetry semver cargo go maven
    also: str | None = None     # another name that matches (a rename or an alias)
    no_version: str = ""        # why there is no version, when spec is None

    def shown(self) -> str:
        if self.spec is not None:
            joiner = "" if self.syntax == "pep508" or not self.spec else " "
            return f"{self.name}{joiner}{shown_version(self.spec)}"
        return self.name + (f" ({self.no_version})" if self.no_version else "")


@dataclass
class Manifest:
    ecosystem: str              # python npm cargo go maven
    declarations: list[Declaration]
    notes: list[str] = field(default_factory=list)


def find_line(text: str, pattern: str, start: int = 0) -> int | None:
    """The line of the first match of ``pattern`` (built from escaped names) from ``start``.

    When nothing matches after ``start``, the whole text is searched.
    """
    compiled = re.compile(pattern, re.MULTILINE)
    found = compiled.search(text, start) or (compiled.search(text) if start else None)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def toml_header(*parts: str) -> str:
    """A pattern of the dotted TOML table name ``parts`` (each part optionally quoted)."""
    return r"[ \t]*\.[ \t]*".join(rf"[\"']?{re.escape(p)}[\"']?" for p in parts)


def after_table(text: str, parts: tuple[str, ...], key: str | None = None) -> int:
    """Where table ``[parts]`` starts (at ``key`` in it when given); 0 when not found."""
    header = re.compile(rf"^[ \t]*\[[ \t]*{toml_header(*parts)}[ \t]*\]", re.MULTILINE)
    found = header.search(text)
    if found is None:
        return 0
    if key is None:
        return found.end()
    at_key = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    in_table = at_key.search(text, found.end())
    return in_table.start() if in_table else found.end()


Reader = Callable[[str, str], Manifest]


@dataclass(frozen=True)
class ManifestFormat:
    """One kind of manifest: the file names it is chosen by, and its reader."""

    kind: str
    #: How the file is named in the message listing the manifests read.
    shown: str
    read: Reader
    #: Exact file names; a name in no format's ``names`` is matched by ``suffixes``.
    names: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()


#: kind -> format, in the order the formats are listed to the user.
FORMATS: Registry[str, ManifestFormat] = Registry("manifest format")


def manifest_format(kind: str, shown: str, *, names: tuple[str, ...] = (),
                    suffixes: tuple[str, ...] = ()) -> Callable[[Reader], Reader]:
    """Register the reader of a kind of manifest (one module per ecosystem)."""

    def register(read: Reader) -> Reader:
        FORMATS.add(kind, ManifestFormat(kind, shown, read, names, suffixes))
        return read

    return register


def manifest_kind(path: str) -> str:
    name = PurePosixPath(path).name
    for fmt in FORMATS.values():
        if name in fmt.names:
            return fmt.kind
    for fmt in FORMATS.values():
        if fmt.suffixes and name.endswith(fmt.suffixes):
            return fmt.kind
    listed = ", ".join(fmt.shown for fmt in FORMATS.values())
    raise ManifestError(f"{path} is not a manifest this check reads ({listed})")


def read_manifest(tree: Tree, path: str) -> Manifest:
    kind = manifest_kind(path)
    text = tree.read_text(path).removeprefix("\ufeff")
    return FORMATS[kind].read(text, path)


# --- TOML manifests (pyproject.toml, Cargo.toml) -------------------------------------------


def read_toml(text: str, path: str) -> dict[str, Any]:
    return load_toml(text, path, ManifestError)


def toml_table(data: Any, key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {}) if isinstance(data, dict) else {}
    if not isinstance(value, dict):
        raise ManifestError(f"{where}{key} is not a table")
    return value
