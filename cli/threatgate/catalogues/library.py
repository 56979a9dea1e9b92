"""Where catalogues come from, loaded only when asked for.

The shipped catalogues are JSON files in ``data/`` beside this module; a repository adds
its own in the folder of its ``[compliance] folder`` setting (``threatgate compliance
import`` writes them there). A repository's catalogue may not replace a shipped one: the
id of a shipped framework always means the shipped catalogue.

Nothing is read until a framework is asked for, and a file is parsed once per process
(keyed by its path, size and modification time), so validating a thousand models that
map ASVS requirements reads the ASVS catalogue once per worker.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from threatgate.errors import InputError
from threatgate.model.config import Config

if TYPE_CHECKING:
    from threatgate.catalogues.model import Catalogue

SHIPPED_DIR = Path(__file__).resolve().parent / "data"
SUFFIX = ".json"


@cache
def _parse(path: Path, _size: int, _mtime: int) -> Catalogue:
    # Imported when a catalogue is read: a run whose results come from the cache has none.
    from threatgate.catalogues.model import catalogue_from_json, check_document

    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read catalogue: {exc}", path=str(path)) from None
    problem = check_document(document)
    if problem:
        raise InputError(f"not a valid catalogue: {problem}", path=str(path))
    return catalogue_from_json(document)


def read_catalogue(path: Path) -> Catalogue:
    """The catalogue in ``path`` (parsed once per process while the file is unchanged)."""
    info = path.stat()
    return _parse(path, info.st_size, info.st_mtime_ns)


@cache
def _listing(folder: Path, _mtime: int) -> dict[str, Path]:
    return {p.name[: -len(SUFFIX)]: p for p in sorted(folder.glob(f"*{SUFFIX}"))
            if p.is_file()}


def _ids_in(folder: Path | None) -> dict[str, Path]:
    """Framework id -> file of a folder, listed again only when the folder changes (a
    validation asks for every model)."""
    if folder is None:
        return {}
    try:
        mtime = folder.stat().st_mtime_ns
    except OSError:
        return {}
    return _listing(folder, mtime) if folder.is_dir() else {}


@dataclass(frozen=True)
class CatalogueLibrary:
    """The frameworks available: the shipped ones and those of ``custom`` (a folder).

    Cheap to build and to pickle (it holds paths only), so validation hands it to its
    worker processes.
    """

    custom: Path | None = None

    def files(self) -> dict[str, Path]:
        """Framework id -> catalogue file, shipped ones first."""
        shipped = _ids_in(SHIPPED_DIR)
        found = dict(shipped)
        for framework, path in _ids_in(self.custom).items():
            found.setdefault(framework, path)
        return found

    def ids(self) -> list[str]:
        return sorted(self.files())

    def is_shipped(self, framework: str) -> bool:
        return framework in _ids_in(SHIPPED_DIR)

    def get(self, framework: str) -> Catalogue | None:
        """The catalogue of ``framework``, or None when no catalogue has that id."""
        path = (SHIPPED_DIR / f"{framework}{SUFFIX}")
        if not path.is_file() and self.custom is not None:
            path = self.custom / f"{framework}{SUFFIX}"
        if "/" in framework or not path.is_file():
            return None
        return read_catalogue(path)

    def require(self, framework: str) -> Catalogue:
        """The catalogue of ``framework``; an unknown id is an error naming the known."""
        found = self.get(framework)
        if found is None:
            from threatgate.catalogues.model import did_you_mean

            close = did_you_mean(framework, self.ids())
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise InputError(f"unknown framework {framework!r}{hint} (known: "
                             f"{', '.join(self.ids())})")
        return found

    def digest(self) -> str:
        """What validation results depend on: each catalogue file's name, size and time."""
        digest = hashlib.sha256()
        for framework, path in sorted(self.files().items()):
            info = path.stat()
            digest.update(f"{framework}|{path}|{info.st_size}|{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()


#: The shipped catalogues alone (validation of a file outside any repository, tests).
SHIPPED = CatalogueLibrary()


def library_for(config: Config) -> CatalogueLibrary:
    """The frameworks of the repository of ``config``: shipped and its own folder's."""
    return CatalogueLibrary(config.compliance_dir)
