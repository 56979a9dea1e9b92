"""Compliance references checked against the catalogues (shipped or the repository's).

A control's ``compliance`` entries and the model's ``exclusions`` name requirements as
``FRAMEWORK:REQUIREMENT``. When the framework has a catalogue, the requirement must be in
it; a framework id that is not a catalogue's but is close to one is taken for a typo.
A framework with no catalogue at all (and no close one, such as ``pci-dss-4.0`` or
``masvs-2.0``) must be declared in the model's ``frameworks``: its requirement ids then
stay free text, as models and rule packs use them, until ``threatgate compliance
import`` gives it a catalogue; undeclared, it is an unknown framework.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from threatgate.catalogues.model import Catalogue
from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import id_list, items
from threatgate.validate.rules.base import JsonPath, RuleContext, rule

#: A framework id's family and version: ``asvs`` and ``5.0`` of ``asvs-5.0``.
VERSIONED = re.compile(r"(.*?)[-_.]?((?:v|r|rev)?[0-9][0-9.]*)")
#: How close a family must be to a known one (same version) to be taken for a typo.
FAMILY_CUTOFF = 0.75


def _family(framework: str) -> tuple[str, str]:
    found = VERSIONED.fullmatch(framework)
    return (found.group(1), found.group(2)) if found else (framework, "")


@cache
def typo_of(framework: str, known: tuple[str, ...]) -> str | None:
    """The known framework ``framework`` misspells: the same letters and digits
    (``asvs50``), or a family one edit or so away with the same version (``asv-5.0``).
    Another version of a family (``asvs-4.0``) or another family (``masvs-2.0``) is a
    framework of its own, not a typo."""
    squashed = re.sub(r"[^a-z0-9]", "", framework)
    family, version = _family(framework)
    same_version: dict[str, str] = {}
    for other in known:
        if re.sub(r"[^a-z0-9]", "", other) == squashed:
            return other
        other_family, other_version = _family(other)
        if other_version == version:
            same_version[other_family] = other
    close = difflib.get_close_matches(family, list(same_version), n=1, cutoff=FAMILY_CUTOFF)
    return same_version[close[0]] if close and version else None


def compliance_references(data: dict[str, Any]) -> Iterator[tuple[JsonPath, str, str]]:
    """(data path, who names it, FRAMEWORK:REQUIREMENT) of every mapping and exclusion."""
    for index, control in items(data, "controls"):
        for ref_index, ref in enumerate(id_list(control.get("compliance"))):
            yield (("controls", index, "compliance", ref_index),
                   f"control {control.get('id', index)} maps to", ref)
    for index, exclusion in items(data, "exclusions"):
        excluded = exclusion.get("requirement")
        if isinstance(excluded, str):
            yield ("exclusions", index, "requirement"), "an exclusion names", excluded


class _Catalogues:
    """The catalogues one model asks for, each looked up once."""

    def __init__(self, context: RuleContext) -> None:
        self.context = context
        self.found: dict[str, Catalogue | None] = {}
        self.known: tuple[str, ...] | None = None

    def __call__(self, framework: str) -> Catalogue | None:
        if framework not in self.found:
            self.found[framework] = self.context.catalogues.get(framework)
        return self.found[framework]

    def known_ids(self) -> tuple[str, ...]:
        if self.known is None:
            self.known = tuple(self.context.catalogues.ids())
        return self.known

    def typo(self, framework: str) -> str | None:
        """The framework with a catalogue that ``framework`` misspells, if any."""
        return typo_of(framework, self.known_ids())


@rule(
    "unknown-requirement",
    Severity.ERROR,
    "A compliance mapping or exclusion names a requirement that is not in its framework's "
    "catalogue, or a misspelt framework.",
)
def unknown_requirements(context: RuleContext) -> None:
    catalogue_of = _Catalogues(context)
    listed = set(id_list(context.data.get("frameworks")))
    for index, framework in enumerate(id_list(context.data.get("frameworks"))):
        typo = None if catalogue_of(framework) else catalogue_of.typo(framework)
        if typo:
            context.report(("frameworks", index),
                           f"unknown framework {framework!r}; did you mean {typo!r}?")
    for path, who, ref in compliance_references(context.data):
        framework, sep, requirement = ref.partition(":")
        if not sep or not requirement:
            continue
        catalogue = catalogue_of(framework)
        if catalogue is None:
            typo = catalogue_of.typo(framework)
            if typo:
                context.report(path, f"{who} {ref}: unknown framework {framework!r}; did you "
                                     f"mean {typo}:{requirement}?")
            elif framework not in listed:
                close = difflib.get_close_matches(framework, catalogue_of.known_ids(), n=1,
                                                  cutoff=0.6)
                hint = f"did you mean {close[0]}? " if close else ""
                context.report(path, f"{who} {ref}: unknown framework {framework!r}: {hint}"
                                     "no catalogue has it (`threatgate compliance list`) and "
                                     "the model's frameworks do not list it; import it with "
                                     "`threatgate compliance import` or list it in frameworks")
        elif requirement not in catalogue:
            hints = catalogue.suggest(requirement)
            hint = (f"; did you mean {', '.join(f'{framework}:{h}' for h in hints)}?" if hints
                    else "; `threatgate compliance list` shows the frameworks")
            context.report(path, f"{who} {ref}, which is not a requirement of "
                                 f"{framework}{hint}")
