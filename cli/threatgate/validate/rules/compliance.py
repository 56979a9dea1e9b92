"""Compliance references checked against the catalogues (shipped or the repository's).

A control's ``compliance`` entries and the model's ``exclusions`` name requirements as
``FRAMEWORK:REQUIREMENT``. When the framework has a catalogue, the requirement must be in
it; a framework id that is not a catalogue's but is close to one is taken for a typo.
A framework with no catalogue at all (and no close one) cannot be checked: that is a
warning, so models that use frameworks threatgate does not know stay valid, and
``threatgate compliance import`` makes them checkable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from threatgate.catalogues.model import Catalogue, did_you_mean
from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import id_list, items
from threatgate.validate.rules.base import JsonPath, RuleContext, rule

#: How close a framework id must be to a known one to be taken for a typo of it.
FRAMEWORK_CUTOFF = 0.8


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


def _close_framework(context: RuleContext, framework: str) -> list[str]:
    return did_you_mean(framework, context.catalogues.ids(), 1, FRAMEWORK_CUTOFF)


class _Catalogues:
    """The catalogues one model asks for, each looked up once."""

    def __init__(self, context: RuleContext) -> None:
        self.context = context
        self.found: dict[str, Catalogue | None] = {}

    def __call__(self, framework: str) -> Catalogue | None:
        if framework not in self.found:
            self.found[framework] = self.context.catalogues.get(framework)
        return self.found[framework]


@rule(
    "unknown-requirement",
    Severity.ERROR,
    "A compliance mapping or exclusion names a requirement that is not in its framework's "
    "catalogue, or a misspelt framework.",
)
def unknown_requirements(context: RuleContext) -> None:
    catalogue_of = _Catalogues(context)
    for index, framework in enumerate(id_list(context.data.get("frameworks"))):
        close = [] if catalogue_of(framework) else _close_framework(context, framework)
        if close:
            context.report(("frameworks", index),
                           f"unknown framework {framework!r}; did you mean {close[0]!r}?")
    for path, who, ref in compliance_references(context.data):
        framework, sep, requirement = ref.partition(":")
        if not sep or not requirement:
            continue
        catalogue = catalogue_of(framework)
        if catalogue is None:
            close = _close_framework(context, framework)
            if close:
                context.report(path, f"{who} {ref}: unknown framework {framework!r}; did you "
                                     f"mean {close[0]}:{requirement}?")
        elif requirement not in catalogue:
            hints = catalogue.suggest(requirement)
            hint = (f"; did you mean {', '.join(f'{framework}:{h}' for h in hints)}?" if hints
                    else "; `threatgate compliance list` shows the frameworks")
            context.report(path, f"{who} {ref}, which is not a requirement of "
                                 f"{framework}{hint}")


@rule(
    "framework-without-catalogue",
    Severity.WARNING,
    "A framework the model lists or maps has no catalogue, so its requirement ids are not "
    "checked; `threatgate compliance import` adds one.",
)
def frameworks_without_catalogue(context: RuleContext) -> None:
    catalogue_of = _Catalogues(context)
    places: dict[str, JsonPath] = {}
    for index, framework in enumerate(id_list(context.data.get("frameworks"))):
        places.setdefault(framework, ("frameworks", index))
    for path, _who, ref in compliance_references(context.data):
        framework, sep, requirement = ref.partition(":")
        if sep and requirement:
            places.setdefault(framework, path)
    for framework, path in places.items():
        if catalogue_of(framework) is None and not _close_framework(context, framework):
            context.report(path, f"framework {framework!r} has no catalogue, so its "
                                 "requirement ids are not checked; add one with "
                                 "`threatgate compliance import`")
