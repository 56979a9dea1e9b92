"""``pom.xml``: every ``<dependency>`` (including ``<dependencyManagement>``, profiles and
plugins), namespace-aware; ``name`` is ``groupId:artifactId`` or just ``artifactId``;
``${property}`` versions are resolved from ``<properties>`` and ``project.version`` of
this file only (parent POMs are not read). A file with a DTD (``<!DOCTYPE``/``<!ENTITY``)
is refused, not parsed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
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

    def resolve(value: str) -> str:
        for _ in range(10):
            if "${" not in value:
                break
            value = _PROPERTY.sub(lambda m: properties.get(m[1], m[0]), value)
        return value

    declarations: list[Declaration] = []
    searched_from: dict[str, int] = {}  # artifactId -> where its next occurrence is sought
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [(root, ())]
    while stack:
        element, ancestors = stack.pop()
        local = _local(element.tag)
        if local == "dependency":
            artifact = _child_text(element, "artifactId")
            if not artifact:
                raise ManifestError(f"{path}: a <dependency> has no <artifactId>")
            group = resolve(_child_text(element, "groupId") or "")
            artifact = resolve(artifact)
            version = _child_text(element, "version")
            section = ("dependencyManagement" if "dependencyManagement" in ancestors else
                       "plugin dependencies" if "plugin" in ancestors else "dependencies")
            at = re.compile(rf"<(?:[\w.-]+:)?artifactId>\s*{re.escape(artifact)}\s*</")
            found_at = at.search(text, searched_from.get(artifact, 0))
            line = None
            if found_at is not None:
                line = text.count("\n", 0, found_at.start()) + 1
                searched_from[artifact] = found_at.end()
            why = "no <version> here (managed by a parent POM or a BOM?)"
            spec = None
            if version:
                spec = resolve(version)
                if "${" in spec:
                    why = (f"its version {version} uses a property this POM does not "
                           "define (parent POMs are not read) or that does not resolve")
                    spec = None
            declarations.append(Declaration(f"{group}:{artifact}", spec, section, line,
                                            "maven", artifact, why))
            continue
        stack.extend((child, (*ancestors, local)) for child in reversed(list(element)))
    return Manifest("maven", declarations)
