"""What ``threatgate diff`` finds: per model, the field, entity and posture changes and the
regressions, and for the whole change the two sides compared."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.model.loader import LoadedDocument


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any
    #: What changed, in words: ``-C7 in group 2``, ``+A3``, ``4 -> 5``.
    summary: str = ""


@dataclass
class EntityChange:
    kind: str  # collection name: "threats", "controls", ...
    entity: str
    change: str  # added | removed | changed
    title: str
    path: str
    line: int
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Transition:
    kind: str  # threat | objective | control | finding
    entity: str
    what: str  # state, severity, status, posture
    before: str
    after: str
    title: str = ""  # the threat's, control's or finding's title


@dataclass
class Regression:
    kind: str
    model: str
    entity: str
    message: str
    path: str
    line: int
    side: str  # "head", or "base" for what exists only at BASE
    acknowledged: bool = False
    reason: str | None = None
    aliases: frozenset[str] = frozenset()
    #: How much it matters, on the findings' scale (critical ... info): the highest tier of
    #: the objectives and threats it weakens, else its kind's default.
    severity: str = "medium"
    #: What else the same cause does (the groups and objectives a removed control leaves):
    #: the regressions folded into this one, in words.
    details: list[str] = field(default_factory=list)
    #: The cause this regression is the root of, e.g. ``control:C2`` (None: none).
    cause: str | None = None
    #: The causes that explain this regression; when every one of them is reported as a
    #: root, this regression is folded into the first of them.
    because_of: frozenset[str] = frozenset()

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def public(self) -> dict[str, Any]:
        """The fields reports show (not the bookkeeping used to fold and acknowledge)."""
        hidden = {"aliases", "cause", "because_of"}
        return {k: v for k, v in asdict(self).items() if k not in hidden}


@dataclass
class ModelSide:
    """One model file at one side of the diff."""

    path: str
    document: LoadedDocument | None = None
    error: str | None = None  # "line:col: message [rule]" when it cannot be read
    assessment: ModelAssessment | None = None
    #: The day the model was assessed on (dates of acceptances and assumptions).
    today: dt.date | None = None

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data if self.document else {}

    @property
    def model_id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    def line(self, path: tuple[str | int, ...]) -> int:
        return self.document.locate(path)[0] if self.document else 1


@dataclass
class ModelDiff:
    model: str
    status: str  # added | removed | modified | renamed | moved | unreadable
    base_path: str | None
    head_path: str | None
    #: The model's id at BASE when the change gives it a new one (a rename), else None.
    base_model: str | None = None
    base_error: str | None = None
    head_error: str | None = None
    model_fields: list[FieldChange] = field(default_factory=list)
    entities: list[EntityChange] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    regressions: list[Regression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.head_path or self.base_path or "?"


@dataclass
class DiffResult:
    base_ref: str
    base_commit: str
    head_ref: str
    head_commit: str | None  # None for the working tree
    today: dt.date
    models: list[ModelDiff]
    notes: list[str] = field(default_factory=list)
    #: Regressions of the change as a whole (the configuration that decides what is
    #: reviewed), not of one model.
    repository: list[Regression] = field(default_factory=list)

    @property
    def regressions(self) -> list[Regression]:
        return [*self.repository, *(r for m in self.models for r in m.regressions)]

    @property
    def failing(self) -> list[Regression]:
        return [r for r in self.regressions if not r.acknowledged]

    @property
    def summary(self) -> dict[str, int]:
        count: dict[str, int] = {
            "models_added": 0, "models_removed": 0, "models_renamed": 0,
            "models_modified": 0, "models_unreadable": 0,
            "entities_added": 0, "entities_removed": 0, "entities_changed": 0,
        }
        for model in self.models:
            key = "renamed" if model.status == "moved" else model.status
            count[f"models_{key}"] += 1
            for change in model.entities:
                count[f"entities_{change.change}"] += 1
        count["regressions"] = len(self.failing)
        count["acknowledged"] = len(self.regressions) - len(self.failing)
        return count

    def to_dict(self) -> dict[str, Any]:
        models = []
        for model in self.models:
            entry = asdict(model)
            entry["regressions"] = [r.public() for r in model.regressions]
            models.append(entry)
        regressions = []
        for r in self.regressions:
            item = r.public()
            item["where"] = r.where
            regressions.append(item)
        return {
            "base": {"ref": self.base_ref, "commit": self.base_commit},
            "head": {"ref": self.head_ref, "commit": self.head_commit},
            "today": self.today.isoformat(),
            "summary": self.summary,
            "pass": not self.failing,
            "regressions": regressions,
            "models": models,
            "notes": list(self.notes),
        }
