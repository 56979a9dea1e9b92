"""What an assessment of a model says: the posture of each threat, objective, control and
finding, what runs out soon, what needs a human next and which controls close the most.

:mod:`threatgate.analysis.assess` builds it once per model; every report (text, JSON,
Markdown, the gate, badges, the site) reads it instead of computing posture again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from threatgate.analysis.posture import ObjectivePosture
from threatgate.model.vocabulary import CONTROL_STATUSES, SEVERITY_ORDER

Location = tuple[int, int]
Locate = Callable[[tuple[str | int, ...]], Location]
FINDING_STATUSES = ("discovered", "acknowledged", "remediated", "verified", "dismissed")
OPEN_FINDING_STATUSES = frozenset({"discovered", "acknowledged"})


@dataclass(frozen=True)
class InvalidModel:
    """A model file that cannot be assessed, with its first error."""

    path: str
    line: int
    column: int
    message: str
    rule: str

    @property
    def problem(self) -> str:
        return f"{self.line}:{self.column}: {self.message} [{self.rule}]"


@dataclass
class ThreatView:
    id: str
    title: str
    severity: str
    score: int | None
    state: str
    mitigated_by: list[str]
    mitigations: list[str]
    objectives: list[str]
    location: Location


@dataclass
class ObjectiveView:
    id: str
    asset: str
    attacker: str
    tier: str
    posture: ObjectivePosture
    accepted: bool
    location: Location


@dataclass
class ControlView:
    id: str
    title: str
    status: str
    active: bool
    verification: str
    assertions: int
    objectives: list[str]
    threats: list[str]
    location: Location
    compliance: list[str] = field(default_factory=list)


@dataclass
class ExclusionView:
    """A compliance requirement the model excludes from its scope, and why."""

    requirement: str
    reason: str
    location: Location


@dataclass
class FindingView:
    id: str
    control: str
    title: str
    severity: str
    status: str
    location: Location


@dataclass
class DatedItem:
    """An acceptance or attestation that runs out, with the days left (negative: past)."""

    kind: str
    label: str
    date: str
    days_left: int
    location: Location

    @property
    def expired(self) -> bool:
        return self.days_left < 0


@dataclass
class QueueItem:
    """Something that needs a human next; a lower priority number comes first."""

    priority: int
    kind: str
    entity: str
    message: str
    location: Location


@dataclass
class Leverage:
    control: str
    title: str
    status: str
    closes: list[str]
    advances: list[str]
    threats: list[str]


@dataclass
class ModelAssessment:
    model_id: str
    title: str
    path: str
    system: str | None
    owner: str | None
    badge_public: bool
    frameworks: list[str]
    threats: list[ThreatView]
    objectives: list[ObjectiveView]
    controls: list[ControlView]
    findings: list[FindingView]
    dated: list[DatedItem]
    review_queue: list[QueueItem] = field(default_factory=list)
    leverage: list[Leverage] = field(default_factory=list)
    location: Location = (1, 1)
    #: Whether the evidence was verified (``verify``, ``assess --verify``): without it
    #: nothing is "verified" or "not verified", only unknown.
    verification_run: bool = False
    #: Compliance requirements excluded from the model's scope (never counted as gaps).
    exclusions: list[ExclusionView] = field(default_factory=list)

    # --- summaries -------------------------------------------------------------------

    @property
    def by_severity(self) -> dict[str, int]:
        counts = Counter(t.severity for t in self.threats)
        return {name: counts.get(name, 0) for name in SEVERITY_ORDER}

    @property
    def threat_states(self) -> dict[str, int]:
        counts = Counter(t.state for t in self.threats)
        return {name: counts.get(name, 0) for name in ("mitigated", "accepted", "open")}

    @property
    def mitigation_ratio(self) -> float:
        """Mitigated threats over all threats (0.0 for a model without threats)."""
        if not self.threats:
            return 0.0
        return round(self.threat_states["mitigated"] / len(self.threats), 4)

    @property
    def objective_states(self) -> dict[str, int]:
        counts = Counter(o.posture.status for o in self.objectives)
        by_assumption = sum(o.posture.mitigated_by == "assumption" for o in self.objectives)
        return {
            "total": len(self.objectives),
            "mitigated": counts.get("mitigated", 0),
            "mitigated_by_controls": counts.get("mitigated", 0) - by_assumption,
            "mitigated_by_assumption": by_assumption,
            "verified": sum(o.posture.level == "verified" for o in self.objectives),
            "at_risk": counts.get("at_risk", 0),
            "unassessed": counts.get("unassessed", 0),
        }

    @property
    def controls_by_status(self) -> dict[str, int]:
        counts = Counter(c.status for c in self.controls)
        return {name: counts.get(name, 0) for name in CONTROL_STATUSES}

    @property
    def control_progress(self) -> dict[str, int]:
        """Progressive counts: defined, implemented, verified (implemented plus passing
        evidence: a planned control whose assertions happen to pass is not verified)."""
        return {
            "defined": len(self.controls),
            "implemented": sum(c.active for c in self.controls),
            "verified": sum(c.active and c.verification == "verified" for c in self.controls),
        }

    @property
    def findings_by_status(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.findings)
        return {name: counts.get(name, 0) for name in FINDING_STATUSES}

    @property
    def empty(self) -> bool:
        return not self.threats and not self.objectives
