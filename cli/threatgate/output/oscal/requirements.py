"""The requirements a model's controls are mapped to, grouped by framework: what both
OSCAL documents are organised by."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from threatgate.compliance.coverage import mapped_status
from threatgate.output.oscal.ids import control_id, natural_key, split_reference

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ControlView, ModelAssessment

#: OSCAL's implementation status of a requirement, by its coverage status.
IMPLEMENTATION_STATUS = {"covered": "implemented", "partial": "partial", "planned": "planned"}
#: A control status in words, for remarks and descriptions.
STATUS_WORDS = {"in_progress": "in progress", "not_applicable": "not applicable",
                "wont_do": "won't do"}


@dataclass(frozen=True)
class MappedRequirement:
    """One requirement of a framework and the controls of the model mapped to it.

    Mappings that name the same catalog control (``AC-2(1)``, ``AC-02(01)`` and
    ``ac-2.1``) are one requirement: ``requirements`` keeps each spelling the model uses.
    """

    framework: str
    control_id: str
    requirements: tuple[str, ...]
    controls: tuple[ControlView, ...]
    #: Why the model excludes the requirement, when it does.
    excluded: str | None = None

    @property
    def requirement(self) -> str:
        """The requirement id as the model first writes it."""
        return self.requirements[0]

    @property
    def references(self) -> list[str]:
        """As the model writes them: ``asvs-5.0:V1.2.4``."""
        return [f"{self.framework}:{r}" for r in self.requirements]

    @property
    def implementation_status(self) -> str:
        """implemented: every mapped control is active; partial: some are; planned: none;
        not-applicable: the model excludes the requirement."""
        if self.excluded is not None:
            return "not-applicable"
        return IMPLEMENTATION_STATUS[mapped_status(sum(c.active for c in self.controls),
                                                   len(self.controls))]


def mapped_requirements(assessment: ModelAssessment) -> dict[str, list[MappedRequirement]]:
    """framework -> its requirements mapped by at least one control, frameworks sorted by
    id and requirements in the natural order of their control ids (v1.2.9 before
    v1.2.10); controls in model order, each once."""
    found: dict[str, dict[str, tuple[dict[str, None], dict[str, ControlView]]]] = {}
    for control in assessment.controls:
        for reference in control.compliance:
            framework, requirement = split_reference(reference)
            spellings, controls = found.setdefault(framework, {}).setdefault(
                control_id(framework, requirement), ({}, {}))
            spellings[requirement] = None
            controls.setdefault(control.id, control)
    return {framework: [MappedRequirement(framework, cid, tuple(spellings),
                                          tuple(controls.values()))
                        for cid, (spellings, controls) in sorted(
                            requirements.items(), key=lambda item: natural_key(item[0]))]
            for framework, requirements in sorted(found.items())}


def requirements_in_scope(assessment: ModelAssessment) -> dict[str, list[MappedRequirement]]:
    """:func:`mapped_requirements` and the requirements the model excludes, which are
    not applicable whatever maps them (as in ``threatgate compliance report``), each
    with its reason; in the same order."""
    merged = {framework: {r.control_id: r for r in found}
              for framework, found in mapped_requirements(assessment).items()}
    for exclusion in assessment.exclusions:
        framework, requirement = split_reference(exclusion.requirement)
        if not requirement:
            continue
        cid = control_id(framework, requirement)
        found = merged.setdefault(framework, {})
        current = found.get(cid)
        found[cid] = (replace(current, excluded=exclusion.reason) if current is not None
                      else MappedRequirement(framework, cid, (requirement,), (),
                                             exclusion.reason))
    return {framework: [r for _, r in sorted(found.items(),
                                             key=lambda item: natural_key(item[0]))]
            for framework, found in sorted(merged.items())}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)
