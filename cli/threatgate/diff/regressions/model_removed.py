"""``model-removed``: a model of BASE exists nowhere at HEAD (by id).

The note acknowledging it names the removed model's id and may sit in any model changed
by the same change (the one that takes its content over, typically).
"""

from __future__ import annotations

from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.model.vocabulary import items


@regression_check("model-removed", order=0, readable_only=False, severity="high")
def find_removed_model(comparison: Comparison) -> None:
    base = comparison.base
    if comparison.head is not None or base is None or base.error is not None:
        return
    threats = sum(1 for _ in items(base.data, "threats"))
    comparison.add(
        "model-removed", comparison.model,
        f"the model is deleted with its {threats} threat(s) and every control claim: "
        "nothing models this part of the system any more",
        base, ("id",), severity=comparison.tier(
            threats=[t["id"] for _, t in items(base.data, "threats")
                     if isinstance(t.get("id"), str)]))
