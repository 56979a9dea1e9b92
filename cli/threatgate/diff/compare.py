"""What a change does to the threat models: ``threatgate diff BASE [HEAD]``.

The steps, one module each: :mod:`~threatgate.diff.sides` reads the model files that
changed at both git references (or the working tree for HEAD);
:mod:`~threatgate.diff.match` pairs models by id, so a model that is renamed or moved
keeps its history, and entities inside a model by id; :mod:`~threatgate.diff.changes`
lists the entities added, removed and changed field by field, the status transitions and
the posture before and after; :mod:`~threatgate.diff.regressions` finds the security
regressions (one module per kind or family of kinds, each documented there); and
:mod:`~threatgate.diff.acknowledgements` applies the ``x-regression-ok`` notes the change
adds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from threatgate.diff.acknowledgements import acknowledge
from threatgate.diff.changes import entity_changes, model_field_changes, posture_of, transitions
from threatgate.diff.match import pair_models
from threatgate.diff.regressions import find_regressions, fold, ordered_checks
from threatgate.diff.results import DiffResult, ModelDiff, ModelSide, Regression
from threatgate.diff.sides import read_sides
from threatgate.model.config import Config


def diff_refs(
    config: Config,
    base_ref: str,
    head_ref: str | None = "HEAD",
    *,
    worktree: bool = False,
    today: dt.date,
) -> DiffResult:
    """Compare the models at ``base_ref`` with those at ``head_ref`` (or the working tree)."""
    head = None if worktree else (head_ref or "HEAD")
    sides = read_sides(config, base_ref, head, today)
    repository = [r for check in ordered_checks("repository") for r in check.find(sides.files)]
    result = DiffResult(
        base_ref=base_ref,
        base_commit=sides.base_commit,
        head_ref=head or "working tree",
        head_commit=sides.head_commit,
        today=today,
        models=compare_sides(sides.base, sides.head, repository),
        notes=list(sides.files.scope.notes),
        repository=fold(repository),
    )
    return result


def compare_sides(base: list[ModelSide], head: list[ModelSide],
                  repository: list[Regression] | None = None) -> list[ModelDiff]:
    """Model diffs for the changed files of each side (the core, testable without git).

    ``repository`` holds the regressions of the change as a whole; like a removed
    model's, their acknowledgements may sit in any model the change touches.
    """
    pairs = pair_models(base, head)
    diffs = [d for d in (compare_model(b, h) for b, h in pairs) if not unchanged(d)]
    anywhere = [r for d in diffs for r in d.regressions if r.kind == "model-removed"]
    anywhere += repository or []
    if anywhere:
        notes = [(h, b) for b, h in pairs if h is not None and h.document is not None]
        for kind in sorted({r.kind for r in anywhere}):
            for head_side, base_side in notes:
                acknowledge(anywhere, head_side, base_side, only_kind=kind)
    diffs.sort(key=lambda d: (d.model, d.path))
    return diffs


def unchanged(diff: ModelDiff) -> bool:
    """A file that changed without changing the model: comments, layout, bookkeeping."""
    return diff.status == "modified" and not (
        diff.model_fields or diff.entities or diff.transitions or diff.regressions
        or diff.notes or diff.base_error or diff.head_error)


def _model_name(base: ModelSide | None, head: ModelSide | None) -> str:
    side = head if head is not None and (base is None or head.model_id) else base
    assert side is not None
    return side.model_id or f"({side.path})"


def _model_status(base: ModelSide | None, head: ModelSide | None) -> str:
    if head is None:
        return "removed"
    if head.error:
        return "unreadable"
    if base is None:
        return "added"
    if head.path == base.path:
        renamed = base.model_id is not None and head.model_id not in (None, base.model_id)
        return "renamed" if renamed else "modified"
    if PurePosixPath(head.path).parent == PurePosixPath(base.path).parent:
        return "renamed"
    return "moved"


def compare_model(base: ModelSide | None, head: ModelSide | None) -> ModelDiff:
    """The diff of one model between its two sides, either of which may be missing (an
    added or removed model) or unreadable."""
    diff = ModelDiff(_model_name(base, head), _model_status(base, head),
                     base.path if base else None, head.path if head else None,
                     base_error=base.error if base else None,
                     head_error=head.error if head else None)
    if base is not None and head is not None and base.model_id != head.model_id:
        diff.base_model = base.model_id
    diff.before = posture_of(base.assessment if base else None)
    diff.after = posture_of(head.assessment if head else None)
    both_read = base is not None and head is not None and not (base.error or head.error)
    if base is not None and head is not None and both_read:
        diff.model_fields = model_field_changes(base, head)
        diff.entities = entity_changes(base, head)
        diff.transitions = transitions(base.assessment, head.assessment)
    diff.regressions = find_regressions(diff.model, base, head)
    if head is not None and head.document is not None and (base is None or both_read):
        diff.notes.extend(acknowledge(diff.regressions, head, base))
    return diff
