"""Identifiers are unique within a model, across every kind of entity."""

from __future__ import annotations

from threatgate.diagnostics import Severity
from threatgate.model.vocabulary import article
from threatgate.validate.rules.base import RuleContext, rule


@rule("duplicate-id", Severity.ERROR, "An id is defined more than once in the model.")
def duplicate_ids(context: RuleContext) -> None:
    for entity_id, places in context.ids.items():
        first = places[0]
        for again in places[1:]:
            same = "another " + again.kind if again.kind == first.kind else article(first.kind)
            context.report(
                (*again.path, "id"),
                f"{again.kind} id '{entity_id}' is already used by {same} "
                f"({first.collection}[{first.index}]); ids must be unique within a model",
            )
