"""Risk accepted instead of reduced.

``acceptance-added``
    an acceptance exists at HEAD that did not at BASE.
``acceptance-extended``
    an acceptance's ``review_by`` is later at HEAD than at BASE.

A note may name the acceptance by its id or by the threat or objective it accepts.
"""

from __future__ import annotations

from threatgate.diff.match import acceptance_target, entity_key, key_field, match_entities
from threatgate.diff.regressions.base import Comparison, regression_check
from threatgate.model.dates import parse_date
from threatgate.model.vocabulary import text


@regression_check("acceptance-added", "acceptance-extended", order=30)
def find_acceptance_regressions(comparison: Comparison) -> None:
    base, head = comparison.sides()
    for was_acc, acc, _b_index, a_index in match_entities("acceptances", base.data, head.data):
        if acc is None or a_index is None:
            continue
        names = {entity_key("acceptances", acc) or "?"}
        for key in ("threat", "objective"):
            if isinstance(acc.get(key), str):
                names.add(acc[key])
        entity = entity_key("acceptances", acc) or "?"
        severity = comparison.tier(
            [acc["objective"]] if isinstance(acc.get("objective"), str) else (),
            [acc["threat"]] if isinstance(acc.get("threat"), str) else ())
        if was_acc is None:
            comparison.add(
                "acceptance-added", entity,
                f"a risk acceptance of {acceptance_target(acc)} is added (review by "
                f"{acc.get('review_by')}): the risk stays, and stops failing the gate",
                head, ("acceptances", a_index, key_field(acc)), aliases=names,
                severity=severity)
            continue
        old_date = parse_date(text(was_acc, "review_by") or "")
        new_date = parse_date(text(acc, "review_by") or "")
        if old_date and new_date and new_date > old_date:
            comparison.add(
                "acceptance-extended", entity,
                f"the acceptance of {acceptance_target(acc)} is pushed out from "
                f"{old_date} to {new_date}: the risk stays accepted for longer",
                head, ("acceptances", a_index, "review_by"), aliases=names,
                severity=severity)
