"""Coverage of a framework's requirements by a model's controls: the exact semantics.

For each requirement in scope (``level``: ASVS levels are cumulative, NIST baselines are
memberships; see :meth:`Catalogue.in_scope`):

* ``excluded``: the model records it in ``exclusions`` with a reason (whatever maps it);
* ``unmapped``: no control's ``compliance`` names it;
* ``covered``: at least one control maps it and every control that maps it is active
  (implemented); it is also *verified* when every one of those controls is verified
  (assertions that passed: only known when the evidence was verified);
* ``partial``: some of the controls that map it are active, some are not;
* ``planned``: controls map it, none of them active.

Every status other than implemented counts as not active, not_applicable and wont_do
included: a requirement answered by a control that will not be done is not covered.
coverage = covered / (requirements - excluded), 1.0 when nothing is left in scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from threatgate.analysis.assessment import ControlView, ModelAssessment
from threatgate.catalogues.model import Catalogue, Requirement

STATUSES = ("covered", "partial", "planned", "unmapped", "excluded")
#: The statuses of a requirement some control maps (:func:`mapped_status`).
MAPPED_STATUSES = ("covered", "partial", "planned")
#: What ``--status`` accepts: the statuses, and ``verified`` (covered and verified).
STATUS_FILTERS = ("verified", *STATUSES)


@dataclass(frozen=True, slots=True)
class MappedControl:
    id: str
    title: str
    status: str
    active: bool
    verification: str

    @property
    def verified(self) -> bool:
        return self.verification == "verified"


@dataclass(frozen=True, slots=True)
class RequirementRow:
    """One requirement of one model, with the controls that map it."""

    requirement: Requirement
    model: str
    path: str
    status: str
    verified: bool
    controls: tuple[MappedControl, ...] = ()
    #: Why it is excluded (excluded rows only).
    reason: str | None = None

    def matches(self, wanted: str | None) -> bool:
        """Whether the row passes a ``--status`` filter."""
        if wanted is None:
            return True
        if wanted == "verified":
            return self.verified
        return self.status == wanted


@dataclass
class Tally:
    """Counts of requirements by status; ``covered`` includes the verified ones."""

    requirements: int = 0
    covered: int = 0
    verified: int = 0
    partial: int = 0
    planned: int = 0
    unmapped: int = 0
    excluded: int = 0

    def count(self, row: RequirementRow) -> None:
        self.requirements += 1
        setattr(self, row.status, getattr(self, row.status) + 1)
        self.verified += row.verified

    def add(self, other: Tally) -> None:
        for name in ("requirements", *STATUSES, "verified"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def in_scope(self) -> int:
        """Requirements that count: all of them less the excluded ones."""
        return self.requirements - self.excluded

    @property
    def coverage(self) -> float:
        return round(self.covered / self.in_scope, 4) if self.in_scope else 1.0


@dataclass
class ModelCoverage:
    model_id: str
    path: str
    tally: Tally
    rows: list[RequirementRow]


@dataclass
class FrameworkCoverage:
    """A framework over several models: each model's coverage and the roll-up (the sum
    of the models' counts)."""

    catalogue: Catalogue
    level: str | None
    models: list[ModelCoverage] = field(default_factory=list)

    @property
    def tally(self) -> Tally:
        total = Tally()
        for model in self.models:
            total.add(model.tally)
        return total

    def rows(self, status: str | None = None) -> list[RequirementRow]:
        return [row for model in self.models for row in model.rows if row.matches(status)]


def mapped_controls(controls: Iterable[ControlView], framework: str
                    ) -> dict[str, list[MappedControl]]:
    """Requirement id -> the controls mapping it, for one framework."""
    prefix = framework + ":"
    mapped: dict[str, list[MappedControl]] = {}
    for control in controls:
        view: MappedControl | None = None
        for ref in control.compliance:
            if ref.startswith(prefix):
                view = view or MappedControl(control.id, control.title, control.status,
                                             control.active, control.verification)
                found = mapped.setdefault(ref[len(prefix):], [])
                if view not in found:
                    found.append(view)
    return mapped


def mapped_status(active: int, mapped: int) -> str:
    """The status of a requirement ``mapped`` controls map, ``active`` of them implemented:
    covered, partial, planned (none implemented yet) or unmapped (no control)."""
    if not mapped:
        return "unmapped"
    return "covered" if active == mapped else "partial" if active else "planned"


def requirement_status(controls: list[MappedControl]) -> tuple[str, bool]:
    """(status, verified) of a requirement mapped by ``controls`` (not excluded)."""
    status = mapped_status(sum(1 for c in controls if c.active), len(controls))
    return status, status == "covered" and all(c.verified for c in controls)


def answers_to(assessment: ModelAssessment, framework: str) -> bool:
    """Whether a model lists ``framework``, maps one of its requirements or excludes one."""
    prefix = framework + ":"
    return (framework in assessment.frameworks
            or any(ref.startswith(prefix) for c in assessment.controls for ref in c.compliance)
            or any(e.requirement.startswith(prefix) for e in assessment.exclusions))


def model_coverage(assessment: ModelAssessment, catalogue: Catalogue,
                   level: str | None = None) -> ModelCoverage:
    """The coverage of one framework by one model."""
    prefix = catalogue.id + ":"
    excluded = {e.requirement[len(prefix):]: e.reason for e in assessment.exclusions
                if e.requirement.startswith(prefix)}
    mapped = mapped_controls(assessment.controls, catalogue.id)
    tally = Tally()
    rows = []
    for requirement in catalogue.scope(level):
        controls = tuple(mapped.get(requirement.id, ()))
        if requirement.id in excluded:
            row = RequirementRow(requirement, assessment.model_id, assessment.path,
                                 "excluded", False, controls, excluded[requirement.id])
        else:
            status, verified = requirement_status(list(controls))
            row = RequirementRow(requirement, assessment.model_id, assessment.path, status,
                                 verified, controls)
        tally.count(row)
        rows.append(row)
    return ModelCoverage(assessment.model_id, assessment.path, tally, rows)


def framework_coverage(assessments: Iterable[ModelAssessment], catalogue: Catalogue,
                       level: str | None = None) -> FrameworkCoverage:
    """The coverage of a framework by each model that answers to it."""
    return FrameworkCoverage(catalogue, level, [
        model_coverage(a, catalogue, level) for a in assessments
        if answers_to(a, catalogue.id)])


def resolve_level(catalogue: Catalogue, level: str | None) -> str | None:
    """``level`` as the catalogue names it (case aside); a ValueError names the known."""
    if level is None:
        return None
    for known in catalogue.levels:
        if known.lower() == level.strip().lower():
            return known
    known_text = ", ".join(catalogue.levels) or "none"
    raise ValueError(f"{catalogue.id} has no level {level!r} (levels: {known_text})")
