"""Dependency manifests: one reader per ecosystem, chosen by file name, and version schemes.

Readers (each module's documentation says what it reads), listed in this order to the
user: ``requirements*.txt``/``*.in`` (:mod:`.requirements`), ``pyproject.toml``
(:mod:`.pyproject`), ``package.json`` (:mod:`.npm`), ``go.mod`` (:mod:`.gomod`),
``Cargo.toml`` (:mod:`.cargo`), ``pom.xml``/``*.pom`` (:mod:`.pom`). A new manifest is one
module registering its reader with :func:`~.base.manifest_format`, named in ``READERS``.

Version schemes: semantic versions and npm/Cargo ranges (:mod:`.semver`), PEP 440 and
Poetry (:mod:`.pep440`), Maven (:mod:`.mavenversion`); :mod:`.floors` compares a
declaration's floor with the model's constraint in the manifest's scheme.
"""

from __future__ import annotations

import importlib

from threatgate.verify.manifests.base import (
    FORMATS,
    Declaration,
    Manifest,
    ManifestError,
    ManifestFormat,
    NoVersion,
    manifest_format,
    manifest_kind,
    read_manifest,
)
from threatgate.verify.manifests.floors import Constraint, declared_floor, matches

#: The reader modules, in the order the manifests are listed to the user.
READERS = ("requirements", "pyproject", "npm", "gomod", "cargo", "pom")
for _reader in READERS:
    importlib.import_module(f"{__name__}.{_reader}")

__all__ = ["FORMATS", "Constraint", "Declaration", "Manifest", "ManifestError",
           "ManifestFormat", "NoVersion", "declared_floor", "manifest_format", "manifest_kind",
           "matches", "read_manifest"]
