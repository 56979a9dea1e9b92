"""What a compliance catalogue is, and its compact file format.

A catalogue is a framework's requirements, each with its id, its text, the levels it
belongs to and its parent (a group such as an ASVS section or a NIST family, or another
requirement such as the control of an enhancement). Levels are either *cumulative* (ASVS:
a level-1 requirement is in scope at levels 2 and 3 too, so a requirement records its
lowest level) or *memberships* (NIST baselines: a requirement lists each baseline it is
in).

The file format is one JSON object, small and quick to read::

    {"catalogue": 1, "id": "asvs-5.0", "title": ..., "version": ..., "source": ...,
     "license": ..., "levels": ["1", "2", "3"], "cumulative": true,
     "groups": [[id, title, parent], ...],
     "requirements": [[id, text, [level, ...], parent], ...]}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
#: A framework id: lower case with its version, as in the model schema's ``frameworkId``.
FRAMEWORK_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
#: A requirement id: anything printable without spaces (as in ``complianceRef``).
REQUIREMENT_ID = re.compile(r"\S+")
#: An id and its last number: ``V1.2.`` and ``4`` of ``V1.2.4``.
LAST_NUMBER = re.compile(r"(.*?)([0-9]+)")


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    text: str
    levels: tuple[str, ...] = ()
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A heading requirements sit under (an ASVS chapter or section, a NIST family)."""

    id: str
    title: str
    parent: str | None = None


@dataclass(frozen=True)
class Catalogue:
    id: str
    title: str
    requirements: tuple[Requirement, ...]
    groups: tuple[Group, ...] = ()
    levels: tuple[str, ...] = ()
    cumulative: bool = False
    version: str = ""
    source: str = ""
    license: str = ""
    _index: dict[str, Requirement] = field(default_factory=dict, init=False, repr=False,
                                           compare=False)
    _folded: dict[str, str] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)
    _titles: dict[str, str] = field(default_factory=dict, init=False, repr=False,
                                    compare=False)

    def __post_init__(self) -> None:
        self._index.update((r.id, r) for r in self.requirements)
        self._folded.update((fold_id(r.id), r.id) for r in self.requirements)
        self._titles.update((g.id, g.title) for g in self.groups)

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self._index

    def get(self, requirement_id: str) -> Requirement | None:
        return self._index.get(requirement_id)

    @property
    def group_titles(self) -> Mapping[str, str]:
        """Group id -> its title."""
        return self._titles

    def in_scope(self, requirement: Requirement, level: str | None) -> bool:
        """Whether ``requirement`` counts at ``level`` (None: every requirement)."""
        if level is None:
            return True
        if not self.cumulative:
            return level in requirement.levels
        wanted = self.levels.index(level)
        return any(self.levels.index(own) <= wanted for own in requirement.levels
                   if own in self.levels)

    def scope(self, level: str | None = None) -> list[Requirement]:
        """The requirements in scope at ``level``, in catalogue order."""
        return [r for r in self.requirements if self.in_scope(r, level)]

    def count_at(self, level: str) -> int:
        """Requirements whose own level is exactly ``level`` (not the cumulative scope)."""
        return sum(1 for r in self.requirements if level in r.levels)

    def suggest(self, requirement_id: str, limit: int = 3) -> list[str]:
        """Requirement ids close to ``requirement_id``, best first (did-you-mean)."""
        same = self._folded.get(fold_id(requirement_id))
        if same is not None:
            return [same]
        return did_you_mean(requirement_id, self._index, limit) or self._siblings(
            requirement_id, limit)

    def _siblings(self, requirement_id: str, limit: int) -> list[str]:
        """Ids that differ only in the last number (``R3`` -> ``R2``, ``R1``), nearest
        first: short ids are too short for a similarity ratio."""
        found = LAST_NUMBER.fullmatch(requirement_id)
        if found is None:
            return []
        prefix, number = found.group(1), int(found.group(2))
        near = []
        for known in self._index:
            other = LAST_NUMBER.fullmatch(known)
            if other is not None and other.group(1) == prefix:
                near.append((abs(int(other.group(2)) - number), known))
        return [known for _, known in sorted(near)[:limit]]

    def as_json(self) -> dict[str, Any]:
        """The catalogue in its file format."""
        return {
            "catalogue": FORMAT_VERSION, "id": self.id, "title": self.title,
            "version": self.version, "source": self.source, "license": self.license,
            "levels": list(self.levels), "cumulative": self.cumulative,
            "groups": [[g.id, g.title, g.parent] for g in self.groups],
            "requirements": [[r.id, r.text, list(r.levels), r.parent]
                             for r in self.requirements],
        }


def fold_id(requirement_id: str) -> str:
    """A requirement id with case and punctuation variants folded together, so that
    ``ac-2.1``, ``AC-2(1)`` and ``AC-02(01)`` meet, and ``v1.2.4`` meets ``V1.2.4``."""
    parts = re.split(r"[^0-9a-z]+", requirement_id.lower())
    return ".".join(p.lstrip("0") or "0" if p.isdigit() else p for p in parts if p)


def did_you_mean(wanted: str, known: Iterable[str], limit: int = 3,
                 cutoff: float = 0.6) -> list[str]:
    """The names of ``known`` closest to ``wanted`` (difflib's ratio, at least ``cutoff``)."""
    import difflib  # only for a mistyped name

    return difflib.get_close_matches(wanted, list(known), n=limit, cutoff=cutoff)


def catalogue_from_json(document: Mapping[str, Any]) -> Catalogue:
    """A catalogue read from its file format (already checked by :func:`check_document`)."""
    return Catalogue(
        id=document["id"], title=document.get("title", document["id"]),
        requirements=tuple(Requirement(r[0], r[1], tuple(r[2]), r[3])
                           for r in document["requirements"]),
        groups=tuple(Group(g[0], g[1], g[2]) for g in document.get("groups", ())),
        levels=tuple(document.get("levels", ())),
        cumulative=bool(document.get("cumulative", False)),
        version=document.get("version", ""), source=document.get("source", ""),
        license=document.get("license", ""),
    )


def check_document(document: Any) -> str | None:
    """What is wrong with a catalogue file's content, as ``JSON pointer: problem``."""
    if not isinstance(document, dict) or document.get("catalogue") != FORMAT_VERSION:
        return f"/catalogue: not a threatgate catalogue (format {FORMAT_VERSION})"
    if not isinstance(document.get("id"), str) or not FRAMEWORK_ID.fullmatch(document["id"]):
        return "/id: a framework id in lower case, e.g. asvs-5.0"
    levels = document.get("levels", [])
    if not isinstance(levels, list) or not all(isinstance(v, str) for v in levels):
        return "/levels: a list of level names"
    for index, row in enumerate(document.get("groups", [])):
        if not (isinstance(row, list) and len(row) == 3 and all(
                isinstance(v, str) or (v is None and i == 2) for i, v in enumerate(row))):
            return f"/groups/{index}: [id, title, parent or null]"
    rows = document.get("requirements")
    if not isinstance(rows, list):
        return "/requirements: a list of requirements"
    seen: set[str] = set()
    for index, row in enumerate(rows):
        problem = _row_problem(row, levels, seen)
        if problem:
            return f"/requirements/{index}: {problem}"
    return None


def _row_problem(row: Any, levels: list[str], seen: set[str]) -> str | None:
    if not (isinstance(row, list) and len(row) == 4):
        return "[id, text, [level, ...], parent or null]"
    requirement_id, text, own, parent = row
    if not isinstance(requirement_id, str) or not REQUIREMENT_ID.fullmatch(requirement_id):
        return "the id is not text without spaces"
    if requirement_id in seen:
        return f"requirement {requirement_id} appears twice"
    seen.add(requirement_id)
    if not isinstance(text, str):
        return "the text is not a string"
    if not isinstance(own, list) or any(level not in levels for level in own):
        return f"levels must be among {levels}"
    if parent is not None and not isinstance(parent, str):
        return "the parent is not text"
    return None


def dump_catalogue(catalogue: Catalogue) -> str:
    """The file text of a catalogue: stable, one group or requirement per line."""
    import json

    document = catalogue.as_json()
    rows = {key: document.pop(key) for key in ("groups", "requirements")}
    head = json.dumps(document, ensure_ascii=False, indent=1)[:-2]
    parts = [head]
    for key, values in rows.items():
        lines = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in values)
        parts.append(f',\n "{key}": [\n{lines}\n ]' if values else f',\n "{key}": []')
    return "".join(parts) + "\n}\n"
