"""The requirements a model's controls are mapped to, grouped by framework: what both
OSCAL documents are organised by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from threatgate.output.oscal.ids import control_id, natural_key, split_reference

if TYPE_CHECKING:
    from threatgate.analysis.assessment import ControlView, ModelAssessment

#: A control status in words, for remarks and descriptions.
STATUS_WORDS = {"in_progress": "in progress", "not_applicable": "not applicable",
                "wont_do": "won't do"}


@dataclass(frozen=True)
class MappedRequirement:
    """One requirement of a framework and the controls of the model mapped to it."""

    framework: str
    requirement: str
    controls: tuple[ControlView, ...]

    @property
    def reference(self) -> str:
        """As the model writes it: ``asvs-5.0:V1.2.4``."""
        return f"{self.framework}:{self.requirement}"

    @property
    def control_id(self) -> str:
        return control_id(self.framework, self.requirement)

    @property
    def implementation_status(self) -> str:
        """implemented: every mapped control is active; partial: some are; planned: none."""
        active = [c.active for c in self.controls]
        if all(active):
            return "implemented"
        return "partial" if any(active) else "planned"


def mapped_requirements(assessment: ModelAssessment) -> dict[str, list[MappedRequirement]]:
    """framework -> its requirements mapped by at least one control, frameworks sorted by
    id and requirements in the natural order of their ids (V1.2.9 before V1.2.10);
    controls in model order."""
    found: dict[str, dict[str, list[ControlView]]] = {}
    for control in assessment.controls:
        for reference in dict.fromkeys(control.compliance):
            framework, requirement = split_reference(reference)
            found.setdefault(framework, {}).setdefault(requirement, []).append(control)
    return {framework: [MappedRequirement(framework, requirement, tuple(controls))
                        for requirement, controls in sorted(
                            requirements.items(), key=lambda item: natural_key(item[0]))]
            for framework, requirements in sorted(found.items())}


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status)
