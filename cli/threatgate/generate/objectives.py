"""The control-objective matrix: one objective per asset x attacker.

Generated objectives have ids derived from the pair (``CO-A1-ATK1``), so re-deriving
the matrix finds the objectives it made before, and an objective the user deleted
(recorded in ``generation.removed``) is never brought back under another id.

``threatgate generate objectives`` re-derives the matrix of a model file after assets
or attackers change: pairs without an objective get one (no controls yet, so it shows
as unassessed until someone links mitigation groups); an objective whose asset or
attacker is gone is marked ``status: removed`` with a reason, never deleted, and is
then ignored by assessment, the gate and the reference checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threatgate.edits.generation import generation_record, reconcile, record_generation
from threatgate.model.vocabulary import id_index, id_list, items, text
from threatgate.model.vocabulary import objective_removed as is_removed

if TYPE_CHECKING:
    from threatgate.document.editor import ModelEditor

#: At most this many mitigation groups are written on one objective.
MAX_GROUPS = 16
#: A mitigation group names at most this many controls: one way to meet an objective,
#: small enough to implement and to see complete.
MAX_GROUP_SIZE = 6


def objective_id(asset: str, attacker: str) -> str:
    """The id of the generated objective of one asset x attacker pair."""
    candidate = f"CO-{asset}-{attacker}"
    if len(candidate) <= 64:
        return candidate
    digest = hashlib.sha256(f"{asset}\0{attacker}".encode()).hexdigest()[:12]
    return f"CO-{digest}"


def combine_groups(per_threat: Sequence[Sequence[Sequence[str]]]) -> list[list[str]]:
    """Mitigation groups of an objective endangered by several threats.

    A group is one way to meet the objective (AND inside, OR across): each threat's own
    groups are alternatives, never their union over every threat, which would make one
    group of every control on the asset that no team can complete. The threats keep
    their own ``mitigations``. Groups are deduplicated; a group that contains another is
    dropped (the smaller one meets the objective first); groups of more than
    :data:`MAX_GROUP_SIZE` controls are left out (cut to that size when nothing else is
    left). Groups that answer more threats come first, then smaller ones; at most
    :data:`MAX_GROUPS` are kept.
    """
    answers: dict[tuple[str, ...], int] = {}
    for groups in per_threat:
        for group in groups:
            key = tuple(dict.fromkeys(group))
            if key:
                answers[key] = answers.get(key, 0) + 1
    if not answers:
        return []
    order = list(answers)
    fitting = [g for g in order if len(g) <= MAX_GROUP_SIZE] or [order[0][:MAX_GROUP_SIZE]]
    minimal: list[tuple[str, ...]] = []
    for group in sorted(fitting, key=len):
        if not any(set(smaller) <= set(group) for smaller in minimal):
            minimal.append(group)
    minimal.sort(key=lambda g: (-answers.get(g, 1), len(g),
                                order.index(g) if g in answers else 0))
    return [list(g) for g in minimal[:MAX_GROUPS]]


@dataclass
class MatrixChange:
    """What re-deriving the matrix of one model does."""

    added: list[dict[str, Any]] = field(default_factory=list)
    #: (index in objectives, id, reason) of objectives to mark removed.
    removed: list[tuple[int, str, str]] = field(default_factory=list)
    #: Pairs not added because their generated objective was deleted by hand.
    skipped: list[str] = field(default_factory=list)


def plan_matrix(data: Mapping[str, Any]) -> MatrixChange:
    """The objectives to add and to mark removed for the model's assets and attackers."""
    model = dict(data)
    assets = [(a["id"], a) for _, a in items(model, "assets") if isinstance(a.get("id"), str)]
    attackers = [a["id"] for _, a in items(model, "attackers") if isinstance(a.get("id"), str)]
    asset_ids = {a for a, _ in assets}
    attacker_ids = set(attackers)
    deleted = set(reconcile(model)[1])
    taken = set(id_index(model))
    covered: set[tuple[str, str]] = set()
    change = MatrixChange()
    for index, objective in items(model, "objectives"):
        asset, attacker = text(objective, "asset"), text(objective, "attacker")
        if is_removed(objective):
            continue
        gone = []
        if asset not in asset_ids:
            gone.append(f"asset {asset} no longer exists")
        if attacker not in attacker_ids:
            gone.append(f"attacker {attacker} no longer exists")
        if gone:
            change.removed.append((index, str(objective.get("id")), "; ".join(gone)))
        elif asset and attacker:
            covered.add((asset, attacker))
    for asset_id, asset_entry in assets:
        for attacker_id in attackers:
            if (asset_id, attacker_id) in covered:
                continue
            new_id = objective_id(asset_id, attacker_id)
            if new_id in deleted:
                change.skipped.append(new_id)
                continue
            if new_id in taken:  # the id names something else; never reuse it
                change.skipped.append(new_id)
                continue
            entry: dict[str, Any] = {"id": new_id, "asset": asset_id, "attacker": attacker_id}
            properties = id_list(asset_entry.get("properties"))
            if properties:
                entry["properties"] = properties
            entry["origin"] = "generated"
            change.added.append(entry)
            taken.add(new_id)
    return change


def apply_matrix(editor: ModelEditor) -> MatrixChange:
    """Re-derive the objective matrix of the file being edited (see :func:`plan_matrix`)."""
    change = plan_matrix(editor.data)
    removed = reconcile(editor.data)[1]
    if change.removed:
        editor.update_many("objectives", {index: {"status": "removed", "removed_reason": reason}
                                          for index, _, reason in change.removed})
    editor.append_many("objectives", change.added)
    if change.added or removed != generation_record(editor.data)["removed"]:
        record_generation(editor, emitted=[e["id"] for e in change.added], removed=removed)
    return change
