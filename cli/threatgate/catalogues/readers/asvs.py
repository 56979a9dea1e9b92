"""The OWASP ASVS flat JSON: one row per requirement with its chapter, section and level."""

from __future__ import annotations

from typing import Any

from threatgate.catalogues.model import Catalogue, Group, Requirement
from threatgate.catalogues.readers.common import (
    SourceError,
    pointer_of,
    required_text,
    requirement_id,
)

LEVELS = ("1", "2", "3")


def catalogue_from_asvs(document: Any, framework: str, *, title: str = "",
                        version: str = "", source: str = "", license: str = "") -> Catalogue:
    """Every requirement of the flat JSON, with levels 1-3 (cumulative) and its section."""
    rows = document.get("requirements") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not rows:
        raise SourceError("expected a non-empty list of requirements",
                          pointer=pointer_of("requirements"))
    groups: dict[str, Group] = {}
    requirements: list[Requirement] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        at = pointer_of("requirements", index)
        if not isinstance(row, dict):
            raise SourceError("a requirement is not an object", pointer=at)
        req = requirement_id(row.get("req_id"), at + "/req_id")
        if req in seen:
            raise SourceError(f"requirement {req} appears twice", pointer=at + "/req_id")
        seen.add(req)
        level = str(row.get("L", "")).strip()
        if level not in LEVELS:
            raise SourceError(f"level {row.get('L')!r} is not 1, 2 or 3", pointer=at + "/L")
        chapter = requirement_id(row.get("chapter_id"), at + "/chapter_id")
        section = requirement_id(row.get("section_id"), at + "/section_id")
        groups.setdefault(chapter, Group(chapter, required_text(
            row.get("chapter_name"), at + "/chapter_name", "the chapter name")))
        groups.setdefault(section, Group(section, required_text(
            row.get("section_name"), at + "/section_name", "the section name"), chapter))
        text = required_text(row.get("req_description"), at + "/req_description",
                             "the requirement text")
        requirements.append(Requirement(req, text, (level,), section))
    return Catalogue(framework, title or framework, tuple(requirements), tuple(groups.values()),
                     LEVELS, True, version, source, license)
