"""An OSCAL catalog (JSON): every control and enhancement, withdrawn ones left out.

A requirement's id is the control's plain ``label`` property (``AC-2(1)``), else its OSCAL
id; its parent is the enclosing control, else its group (a NIST family). Groups and
controls nest to any depth; the walk is iterative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from threatgate.catalogues.model import Catalogue, Group, Requirement
from threatgate.catalogues.readers.common import (
    SourceError,
    pointer_of,
    required_text,
    requirement_id,
)


@dataclass(frozen=True)
class OscalControl:
    oscal_id: str
    label: str
    title: str
    parent: str | None


def _props(control: Mapping[str, Any], pointer: str) -> dict[str, str]:
    props = control.get("props", [])
    if not isinstance(props, list):
        raise SourceError("props is not a list", pointer=pointer + "/props")
    found: dict[str, str] = {}
    for prop in props:
        if (isinstance(prop, dict) and isinstance(prop.get("name"), str)
                and isinstance(prop.get("value"), str) and "class" not in prop
                and "ns" not in prop):
            found.setdefault(prop["name"], prop["value"])
    return found


def _children(node: Any, key: str, pointer: str) -> list[Any]:
    if not isinstance(node, dict):
        raise SourceError("not an object", pointer=pointer)
    value = node.get(key, [])
    if not isinstance(value, list):
        raise SourceError(f"{key} is not a list", pointer=f"{pointer}/{key}")
    return value


def oscal_walk(document: Any) -> tuple[list[Group], list[OscalControl]]:
    """The groups and the (not withdrawn) controls of an OSCAL catalog, in order."""
    catalog = document.get("catalog") if isinstance(document, dict) else None
    if not isinstance(catalog, dict):
        raise SourceError("not an OSCAL catalog object", pointer="/catalog")
    groups: list[Group] = []
    controls: list[OscalControl] = []
    # (node, pointer, kind, parent label or group id)
    pending: list[tuple[Any, str, str, str | None]] = [(catalog, "/catalog", "catalog", None)]
    while pending:
        node, at, kind, parent = pending.pop()
        if not isinstance(node, dict):
            raise SourceError(f"a {kind} is not an object", pointer=at)
        own = parent
        if kind == "group":
            group_id = requirement_id(node.get("id"), at + "/id")
            groups.append(Group(group_id, required_text(node.get("title"), at + "/title",
                                                        "the title"), parent))
            own = group_id
        elif kind == "control":
            control = _control(node, at, parent)
            if control is None:
                continue
            controls.append(control)
            own = control.label
        nested = [(child, f"{at}/groups/{i}", "group", own)
                  for i, child in enumerate(_children(node, "groups", at))]
        nested += [(child, f"{at}/controls/{i}", "control", own)
                   for i, child in enumerate(_children(node, "controls", at))]
        pending.extend(reversed(nested))
    if not controls:
        raise SourceError("the catalog has no controls", pointer="/catalog")
    return groups, controls


def _control(node: Mapping[str, Any], at: str, parent: str | None) -> OscalControl | None:
    oscal_id = requirement_id(node.get("id"), at + "/id")
    props = _props(node, at)
    if props.get("status") == "withdrawn":
        return None
    label = props.get("label") or oscal_id
    if any(ch.isspace() for ch in label):
        raise SourceError(f"the label {label!r} has spaces", pointer=at + "/props")
    title = required_text(node.get("title"), at + "/title", "the title")
    return OscalControl(oscal_id, label, title, parent)


def catalogue_from_oscal(document: Any, framework: str, *,
                         levels: Mapping[str, tuple[str, ...]] | None = None,
                         level_names: tuple[str, ...] = (), only: set[str] | None = None,
                         license: str = "", source: str = "") -> Catalogue:
    """The catalogue of an OSCAL catalog. ``levels`` (OSCAL id -> level names) and
    ``only`` (the OSCAL ids kept) come from profiles, e.g. the NIST baselines."""
    groups, controls = oscal_walk(document)
    metadata = document["catalog"].get("metadata", {})
    title = metadata.get("title") if isinstance(metadata, dict) else None
    version = metadata.get("version") if isinstance(metadata, dict) else None
    seen: set[str] = set()
    requirements = []
    for control in controls:
        if only is not None and control.oscal_id not in only:
            continue
        if control.label in seen:
            raise SourceError(f"control {control.label} appears twice", pointer="/catalog")
        seen.add(control.label)
        requirements.append(Requirement(control.label, control.title,
                                        (levels or {}).get(control.oscal_id, ()),
                                        control.parent))
    return Catalogue(framework, title if isinstance(title, str) else framework,
                     tuple(requirements), tuple(groups), level_names, False,
                     version if isinstance(version, str) else "", source, license)


def profile_ids(document: Any) -> list[str]:
    """The control ids an OSCAL profile includes (``imports[].include-controls[].with-ids``)."""
    profile = document.get("profile") if isinstance(document, dict) else None
    if not isinstance(profile, dict):
        raise SourceError("not an OSCAL profile object", pointer="/profile")
    ids: list[str] = []
    for i, imported in enumerate(_children(profile, "imports", "/profile")):
        at = pointer_of("profile", "imports", i)
        for j, include in enumerate(_children(imported, "include-controls", at)):
            for k, value in enumerate(_children(include, "with-ids",
                                                f"{at}/include-controls/{j}")):
                ids.append(requirement_id(value, f"{at}/include-controls/{j}/with-ids/{k}"))
    return ids
