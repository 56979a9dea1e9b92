"""Maven versions and version ranges (``[1.2,2.0)``), read as semantic versions."""

from __future__ import annotations

import re

from threatgate.verify.manifests.base import ManifestError, bounded_version
from threatgate.verify.manifests.semver import SemVer

_MAVEN = re.compile(r"(\d{1,30})(?:\.(\d{1,30}))?(?:\.(\d{1,30}))?"
                    r"(?:[.-](?:(final|ga|release)|(snapshot)))?", re.IGNORECASE)
_MAVEN_RANGE = re.compile(r"\s*([\[(])\s*([^,\[\]()]*?)\s*(?:(,)\s*([^,\[\]()]*?)\s*)?([\])])\s*")


def _bounded(text: str) -> str:
    return bounded_version(text, "a Maven version")


def maven_version(text: str) -> SemVer:
    text = _bounded(text)
    match = _MAVEN.fullmatch(text.strip())
    if match is None:
        raise ManifestError(f"cannot compare the Maven version {text!r}: only numeric versions "
                            "(at most three parts) with .RELEASE/.Final/.GA or -SNAPSHOT are "
                            "understood")
    return SemVer(int(match[1]), int(match[2] or 0), int(match[3] or 0),
                  ("SNAPSHOT",) if match[5] else ())


def maven_floor(text: str) -> tuple[SemVer, bool] | None:
    text = _bounded(text).strip()
    if not text.startswith(("[", "(")):
        return maven_version(text), False  # a soft requirement: this version
    floors: list[tuple[SemVer, bool]] = []
    pos = 0
    while pos < len(text):
        match = _MAVEN_RANGE.match(text, pos)
        if match is None:
            raise ManifestError(f"{text!r} is not a Maven version range")
        opening, low, comma, _high, closing = match.groups()
        if comma is None and (opening != "[" or closing != "]" or not low):
            raise ManifestError(f"{text!r}: a single version in a range is written [1.0]")
        if not low:
            return None
        floors.append((maven_version(low), opening == "("))
        pos = match.end()
        if pos < len(text):
            if text[pos] != ",":
                raise ManifestError(f"{text!r} is not a Maven version range")
            pos += 1
    if not floors:
        raise ManifestError(f"{text!r} is not a Maven version range")
    return min(floors, key=lambda f: (f[0].key(), f[1]))
