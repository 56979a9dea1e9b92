"""What ``threatgate history`` finds: per model, its posture at every commit that changed
it, and for the repository the totals at every such commit.

A posture holds the numbers ``threatgate assess`` gives for the model as it stood in that
commit, assessed on the commit's date (acceptances and attestations in force then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from threatgate.model.vocabulary import CONTROL_STATUSES, SEVERE, SEVERITY_ORDER

#: The counts of a posture, in the order every output lists them.
THREAT_STATES = ("mitigated", "accepted", "open")
OBJECTIVE_STATES = ("mitigated", "at_risk", "unassessed")
#: What happened to a model in a commit.
EVENTS = ("added", "changed", "renamed", "unreadable", "removed")
#: How many counts :attr:`Posture.vector` holds.
VECTOR_WIDTH = (2 + 2 * len(SEVERITY_ORDER) + len(THREAT_STATES) + len(OBJECTIVE_STATES)
                + len(CONTROL_STATUSES))


@dataclass(frozen=True)
class Posture:
    """A model's (or the repository's) posture at one commit.

    ``verified`` is None: no verification result is recorded with a commit (``verify``
    checks the working tree when it runs, and keeps nothing in the repository), so how
    many objectives were verified back then is unknown, never guessed.
    """

    threats: int
    by_severity: Mapping[str, int]
    states: Mapping[str, int]
    open_by_severity: Mapping[str, int]
    objectives: int
    objective_states: Mapping[str, int]
    controls: Mapping[str, int]
    verified: int | None = None

    @property
    def mitigated(self) -> int:
        return self.states.get("mitigated", 0)

    @property
    def mitigation_ratio(self) -> float:
        """Mitigated threats over all threats (0.0 without threats), as ``assess`` rounds it."""
        return round(self.mitigated / self.threats, 4) if self.threats else 0.0

    @property
    def open_severe(self) -> int:
        """Open critical and high threats."""
        return sum(self.open_by_severity.get(name, 0) for name in SEVERE)

    @property
    def at_risk(self) -> int:
        return self.objective_states.get("at_risk", 0)

    def as_json(self) -> dict[str, Any]:
        return {
            "threats": {"total": self.threats, "by_severity": dict(self.by_severity),
                        **dict(self.states), "mitigation_ratio": self.mitigation_ratio,
                        "open_by_severity": dict(self.open_by_severity)},
            "objectives": {"total": self.objectives, **dict(self.objective_states)},
            "controls": dict(self.controls),
            "verified": self.verified,
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Posture:
        """The posture :meth:`as_json` wrote (KeyError or TypeError when it is not one)."""
        threats, objectives = value["threats"], value["objectives"]
        return cls(
            threats=int(threats["total"]),
            by_severity=_counts(threats["by_severity"], SEVERITY_ORDER),
            states=_counts(threats, THREAT_STATES),
            open_by_severity=_counts(threats["open_by_severity"], SEVERITY_ORDER),
            objectives=int(objectives["total"]),
            objective_states=_counts(objectives, OBJECTIVE_STATES),
            controls=_counts(value["controls"], CONTROL_STATUSES),
        )

    @cached_property
    def vector(self) -> tuple[int, ...]:
        """The counts in a fixed order (:meth:`from_vector` reads them back)."""
        return (self.threats, *(self.by_severity.get(k, 0) for k in SEVERITY_ORDER),
                *(self.states.get(k, 0) for k in THREAT_STATES),
                *(self.open_by_severity.get(k, 0) for k in SEVERITY_ORDER), self.objectives,
                *(self.objective_states.get(k, 0) for k in OBJECTIVE_STATES),
                *(self.controls.get(k, 0) for k in CONTROL_STATUSES))

    @classmethod
    def from_vector(cls, vector: Sequence[int]) -> Posture:
        values = iter(vector)

        def take(keys: tuple[str, ...]) -> dict[str, int]:
            return {key: next(values) for key in keys}

        threats = next(values)
        by_severity, states = take(SEVERITY_ORDER), take(THREAT_STATES)
        open_by_severity = take(SEVERITY_ORDER)
        objectives = next(values)
        return cls(threats, by_severity, states, open_by_severity, objectives,
                   take(OBJECTIVE_STATES), take(CONTROL_STATUSES))


def _counts(value: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, int]:
    counts = {key: value[key] for key in keys}
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
               for n in counts.values()):
        raise TypeError("a count is not a non-negative integer")
    return counts


@dataclass(frozen=True)
class Commit:
    """A commit of the first-parent line that changed a model file."""

    sha: str
    date: str  # the committer's date, YYYY-MM-DD
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class ModelPoint:
    """What a commit did to one model, and the model's posture after it (None: unknown
    for an unreadable model, none for a removed one)."""

    commit: Commit
    event: str
    path: str
    posture: Posture | None = None
    #: Why the model could not be assessed (``line:column: message [rule]``).
    problem: str | None = None
    #: For a renamed model, its former path.
    previous_path: str | None = None


@dataclass
class ModelSeries:
    model_id: str
    #: The model's posture before the first commit of the history (None: it did not exist
    #: or could not be read then).
    start: Posture | None = None
    start_path: str | None = None
    #: Why the model could not be read before the first commit (None when it could).
    start_problem: str | None = None
    points: list[ModelPoint] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The model's latest path."""
        return self.points[-1].path if self.points else self.start_path or ""

    def at(self, commits: list[Commit]) -> list[ModelPoint | None]:
        """The model's latest point at each commit (None before its first one)."""
        by_commit = {point.commit.sha: point for point in self.points}
        latest: ModelPoint | None = None
        out: list[ModelPoint | None] = []
        for commit in commits:
            latest = by_commit.get(commit.sha, latest)
            out.append(latest)
        return out

    def postures(self, commits: list[Commit]) -> list[Posture | None]:
        """The model's posture after each commit: carried over from its last change, None
        while it is unreadable, removed or not there yet."""
        return [self.start if point is None else point.posture
                for point in self.at(commits)]


@dataclass(frozen=True)
class Skipped:
    """A file the history leaves out at a commit, and why."""

    commit: Commit | None  # None: at the start of the history
    path: str
    reason: str


@dataclass(frozen=True)
class Reach:
    """How far the history reaches: the oldest commit read, and whether the clone is
    shallow (its history cut off there)."""

    shallow: bool
    oldest: Commit | None
    #: The commit before the first one listed (the models' state the series start from).
    base: str | None
    #: Whether --max-count or --since cut the history short.
    limited: bool
    #: In a shallow clone, the oldest commit of the first-parent line it holds.
    boundary: Commit | None = None

    def notes(self) -> list[str]:
        """What a reader must know about how far the history goes."""
        if not self.shallow:
            return []
        where = (f" back to {self.boundary.short} ({self.boundary.date})"
                 if self.boundary else "")
        return [f"this is a shallow clone: its history reaches only{where}, so older "
                "commits are not in this history; fetch the whole history with `git fetch "
                "--unshallow` (in GitHub Actions, actions/checkout with `fetch-depth: 0`)"]


@dataclass
class RepositoryPoint:
    commit: Commit
    posture: Posture
    #: The models counted (readable at that commit).
    models: int
    #: Models left out of the totals because they could not be read at that commit.
    unreadable: list[str] = field(default_factory=list)


@dataclass
class History:
    commits: list[Commit]  # oldest first
    models: list[ModelSeries]
    reach: Reach
    skipped: list[Skipped] = field(default_factory=list)

    def repository(self, model_ids: Iterable[str] | None = None) -> list[RepositoryPoint]:
        """The totals over the models (all, or those of ``model_ids``) at each commit.

        Kept as a running sum: each commit takes out the postures it replaced and adds
        the new ones, so the work grows with the changes, not models x commits."""
        wanted = None if model_ids is None else set(model_ids)
        chosen = [s for s in self.models if wanted is None or s.model_id in wanted]
        running = [0] * VECTOR_WIDTH
        current: dict[str, Posture | None] = {}
        unreadable = {s.model_id for s in chosen if s.start_problem is not None}
        changes: dict[str, list[tuple[str, ModelPoint]]] = {}
        for series in chosen:
            current[series.model_id] = series.start
            for point in series.points:
                changes.setdefault(point.commit.sha, []).append((series.model_id, point))
        counted = self._add(running, list(current.values()), 1)
        out: list[RepositoryPoint] = []
        for commit in self.commits:
            for model_id, point in changes.get(commit.sha, []):
                counted += self._add(running, [current[model_id]], -1)
                counted += self._add(running, [point.posture], 1)
                current[model_id] = point.posture
                (unreadable.add if point.event == "unreadable" else unreadable.discard)(
                    model_id)
            out.append(RepositoryPoint(commit, Posture.from_vector(running), counted,
                                       sorted(unreadable)))
        return out

    @staticmethod
    def _add(running: list[int], postures: list[Posture | None], sign: int) -> int:
        """Add (``sign`` 1) or take out (-1) the known postures; how many models that
        counts in or out."""
        known = [p for p in postures if p is not None]
        for posture in known:
            for index, value in enumerate(posture.vector):
                running[index] += sign * value
        return sign * len(known)
