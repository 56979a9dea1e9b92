"""``pom.xml``: every ``<dependency>`` (including ``<dependencyManagement>``, profiles and
plugins), namespace-aware; ``name`` is ``groupId:artifactId`` or just ``artifactId``;
``${property}`` versions are resolved from ``<properties>`` and ``project.version`` of
this file only (parent POMs are not read). A file with a DTD (``<!DOCTYPE``/``<!ENTITY``)
is refused, not parsed."""

from __future__ import annotations

import bisect
import re
import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from typing import Any

from threatgate.verify.manifests.base import (
    Declaration,
    Manifest,
    ManifestError,
    manifest_format,
)

_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PROPERTY = re.compile(r"\$\{([^}]*)\}")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


@manifest_format("pom", "pom.xml", names=("pom.xml",), suffixes=(".pom",))
def read_pom(text: str, path: str) -> Manifest:
    if _DTD.search(text):
        raise ManifestError(f"{path} declares a DTD or entities (<!DOCTYPE/<!ENTITY); "
                            "it is refused rather than parsed")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ManifestError(f"{path} is not well-formed XML: line {line}, column "
                            f"{column + 1}") from None
    if _local(root.tag) != "project":
        raise ManifestError(f"{path} is not a Maven POM (its root is <{_local(root.tag)}>)")
    properties: dict[str, str] = {}
    parent = next((c for c in root if _local(c.tag) == "parent"), None)
    for name in ("groupId", "artifactId", "version"):
        value = _child_text(root, name)
        parent_value = _child_text(parent, name) if parent is not None else None
        if parent_value is not None:
            properties[f"project.parent.{name}"] = parent_value
        if value is None:
            value = parent_value
        if value is not None:
            properties[f"project.{name}"] = properties[f"pom.{name}"] = value
    for block in (c for c in root if _local(c.tag) == "properties"):
        for prop in block:
            properties[_local(prop.tag)] = (prop.text or "").strip()

    resolver = PropertyResolver(properties)
    artifact_lines = _artifact_lines(text)
    declarations: list[Declaration] = []
    # each element with the section its ancestors put it in (not the ancestors: a deeply
    # nested file would make that quadratic)
    stack: list[tuple[ET.Element, str]] = [(root, "dependencies")]
    while stack:
        element, section = stack.pop()
        local = _local(element.tag)
        if local == "dependency":
            artifact = _child_text(element, "artifactId")
            if not artifact:
                raise ManifestError(f"{path}: a <dependency> has no <artifactId>")
            group = resolver.name(_child_text(element, "groupId") or "", path)
            artifact = resolver.name(artifact, path)
            version = _child_text(element, "version")
            occurrences = artifact_lines.get(artifact)
            line = occurrences.popleft() if occurrences else None
            why = "no <version> here (managed by a parent POM or a BOM?)"
            spec = None
            if version:
                spec, why = resolver.version(version)
            declarations.append(Declaration(f"{group}:{artifact}", spec, section, line,
                                            "maven", artifact, why))
            continue
        if local == "dependencyManagement" or section == "dependencyManagement":
            inner = "dependencyManagement"
        elif local == "plugin":
            inner = "plugin dependencies"
        else:
            inner = section
        stack.extend((child, inner) for child in reversed(list(element)))
    return Manifest("maven", declarations)


#: Property references nest at most this deep (Maven itself stops at cycles only).
MAX_PROPERTY_DEPTH = 10
#: A value expanded from properties is at most this long: a version or a name is short,
#: and nested references can otherwise double the text at each level.
MAX_EXPANDED_LENGTH = 1000


class ExpansionLimit(Exception):
    """A value's property expansion went past :data:`MAX_EXPANDED_LENGTH` characters."""


class PropertyResolver:
    """``${name}`` references expanded from the POM's own properties, within bounds."""

    def __init__(self, properties: dict[str, str]) -> None:
        self.properties = properties

    def expand(self, value: str) -> str:
        """``value`` with references replaced, :data:`MAX_PROPERTY_DEPTH` levels deep at
        most; unknown references stay as written. Raises :class:`ExpansionLimit`."""
        for _ in range(MAX_PROPERTY_DEPTH):
            if "${" not in value:
                break
            pieces: list[str] = []
            size = last = 0
            for match in _PROPERTY.finditer(value):
                replacement = self.properties.get(match[1], match[0])
                pieces += (value[last:match.start()], replacement)
                size += match.start() - last + len(replacement)
                last = match.end()
                if size > MAX_EXPANDED_LENGTH:
                    raise ExpansionLimit
            pieces.append(value[last:])
            value = "".join(pieces)
            if len(value) > MAX_EXPANDED_LENGTH:
                raise ExpansionLimit
        return value

    def name(self, value: str, path: str) -> str:
        """A group or artifact id expanded; past the bound the manifest is refused."""
        try:
            return self.expand(value)
        except ExpansionLimit:
            raise ManifestError(
                f"{path}: the properties in {value[:80]!r} expand past "
                f"{MAX_EXPANDED_LENGTH} characters; property expansion is bounded") from None

    def version(self, version: str) -> tuple[str | None, str]:
        """The expanded version, or None and why it is not read."""
        shown = version if len(version) <= 80 else version[:77] + "..."
        try:
            spec = self.expand(version)
        except ExpansionLimit:
            return None, (f"its version {shown} expands past {MAX_EXPANDED_LENGTH} "
                          "characters; property expansion is bounded")
        if "${" not in spec:
            return spec, ""
        if any(m[1] in self.properties for m in _PROPERTY.finditer(spec)):
            return None, (f"its version {shown} nests properties more than "
                          f"{MAX_PROPERTY_DEPTH} levels deep (or in a cycle); property "
                          "expansion is bounded")
        return None, (f"its version {shown} uses a property this POM does not define "
                      "(parent POMs are not read) or that does not resolve")


_ARTIFACT_ELEMENT = re.compile(r"<(?:[\w.-]+:)?artifactId>\s*([^<]*?)\s*</")


def _artifact_lines(text: str) -> dict[str, deque[int]]:
    """Artifact id as written -> the lines of its ``<artifactId>`` elements, in order."""
    newlines = [match.start() for match in re.finditer("\n", text)]
    lines: dict[str, deque[int]] = defaultdict(deque)
    for match in _ARTIFACT_ELEMENT.finditer(text):
        lines[match[1]].append(bisect.bisect_right(newlines, match.start()) + 1)
    return lines
