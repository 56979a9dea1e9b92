"""A declaration's floor and the model's constraint, in the manifest's version scheme."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from threatgate.verify.manifests.base import (
    Declaration,
    Manifest,
    ManifestError,
    NoVersion,
    bounded_version,
)
from threatgate.verify.manifests.mavenversion import maven_floor
from threatgate.verify.manifests.pep440 import (
    canonical_python_name,
    packaging_library,
    pep440_admits_above,
    pep440_floor,
    poetry_floor,
)
from threatgate.verify.manifests.semver import Range, SemVer, parse_range, range_admits, range_floor


def matches(manifest: Manifest, declaration: Declaration, wanted: str) -> bool:
    names = [declaration.name] + ([declaration.also] if declaration.also else [])
    if manifest.ecosystem == "python":
        return any(canonical_python_name(n) == canonical_python_name(wanted) for n in names)
    if manifest.ecosystem == "maven":
        if ":" in wanted:
            return declaration.name == wanted
        return declaration.also == wanted
    return wanted in names


@dataclass
class Constraint:
    """The model's constraint, in the manifest's ecosystem."""

    text: str
    ecosystem: str
    python: Any = None
    semver: Range | None = None

    @classmethod
    def parse(cls, text: str, ecosystem: str) -> Constraint:
        bounded_version(text, "the constraint")
        if ecosystem == "python":
            specifiers = packaging_library().specifiers
            version_type = packaging_library().version
            try:
                return cls(text, ecosystem, python=specifiers.SpecifierSet(text))
            except specifiers.InvalidSpecifier:
                try:
                    version_type.Version(text)
                except version_type.InvalidVersion:
                    raise ManifestError(f"constraint {text!r} is not a PEP 440 version "
                                        "specifier (such as >=2.31 or ~=2.31.0)") from None
                return cls(text, ecosystem, python=specifiers.SpecifierSet(f"=={text.strip()}"))
        try:
            return cls(text, ecosystem,
                       semver=parse_range(text, bare_is_caret=ecosystem == "cargo"))
        except ValueError as exc:
            raise ManifestError(f"constraint {text!r} is not a semantic-version range: "
                                f"{exc}") from None

    def admits(self, floor: tuple[Any, bool]) -> bool:
        version, exclusive = floor
        if self.python is not None:
            if exclusive:
                return pep440_admits_above(self.python, version)
            return bool(self.python.contains(version, prereleases=True))
        assert self.semver is not None
        return range_admits(self.semver, version, exclusive=exclusive)


_NOT_A_RANGE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|\.{0,2}/|[\w.-]+/[\w.-]+|[A-Za-z][\w.-]*$")


def declared_floor(manifest: Manifest, declaration: Declaration) -> tuple[Any, bool]:
    """The declaration's floor; :class:`NoVersion` when it has none, ManifestError if bad."""
    spec = declaration.spec
    if spec is None or not spec.strip():
        raise NoVersion(f"declares no version ({declaration.no_version})"
                        if declaration.no_version else "declares no version")
    bounded_version(spec, f"{declaration.name}: a version requirement")
    floor: tuple[Any, bool] | None
    syntax = declaration.syntax
    if syntax == "pep508":
        floor = pep440_floor(packaging_library().specifiers.SpecifierSet(spec))
    elif syntax in ("poetry", "maven"):
        try:
            floor = poetry_floor(spec) if syntax == "poetry" else maven_floor(spec)
        except ManifestError as exc:
            raise ManifestError(f"{declaration.name}: {exc}") from None
    elif syntax == "go":
        try:
            floor = (SemVer.parse(spec), False)
        except ValueError as exc:
            raise ManifestError(f"{declaration.name} {spec}: {exc}") from None
    else:
        try:
            rng = parse_range(spec, bare_is_caret=syntax == "cargo")
        except ValueError as exc:
            if _NOT_A_RANGE.match(spec.strip()):
                raise NoVersion(f"declares {spec!r}, not a version range (a tag, URL, path "
                                "or git source)") from None
            raise ManifestError(f"{declaration.name} {spec!r} is not a valid range: "
                                f"{exc}") from None
        floor = range_floor(rng)
    if floor is None:
        raise NoVersion(f"declares {spec!r}, which has no lower bound")
    return floor
