"""``model-unreadable``: a model file changed in a way that makes it unreadable at HEAD.

It hides everything else in the model, so no note can acknowledge it: fix the file.
"""

from __future__ import annotations

from threatgate.diff.regressions.base import Comparison, regression_check


def _error_line(error: str) -> int:
    head, _, _ = error.partition(":")
    return int(head) if head.isdigit() else 1


@regression_check("model-unreadable", order=1, readable_only=False, acknowledgeable=False,
                  severity="high")
def find_unreadable_model(comparison: Comparison) -> None:
    head = comparison.head
    if head is None or not head.error:
        return
    if comparison.base is None:
        message = (f"a new model file cannot be read ({head.error}); nothing in it is "
                   "checked")
    else:
        message = (f"the model cannot be read at HEAD ({head.error}): every threat, control "
                   "and objective in it is unchecked until it is fixed")
    comparison.add("model-unreadable", comparison.model, message, head,
                   line=_error_line(head.error))
