"""Dates are real calendar dates; acceptances and attestations that have run out are flagged."""

from __future__ import annotations

from threatgate.diagnostics import Severity
from threatgate.model.dates import parse_date
from threatgate.model.vocabulary import COLLECTIONS, items
from threatgate.validate.rules.base import RuleContext, rule

DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "assumptions": ("attested_on", "expires"),
    "acceptances": ("accepted_on", "review_by"),
    "findings": ("discovered_on",),
}


@rule("invalid-date", Severity.ERROR, "A date is not a real calendar date (YYYY-MM-DD).")
def invalid_dates(context: RuleContext) -> None:
    for collection, fields in DATE_FIELDS.items():
        for index, entry in items(context.data, collection):
            for field in fields:
                value = entry.get(field)
                if isinstance(value, str) and parse_date(value) is None:
                    context.report(
                        (collection, index, field),
                        f"{COLLECTIONS[collection]} {field} '{value}' is not a "
                        "valid date; write YYYY-MM-DD, e.g. 2027-06-30",
                    )


def _label(entry: dict[str, object], fallback: str) -> str:
    """How a message names an entry: its id, and what an acceptance is about."""
    own = entry.get("id")
    target = next((f"{key} {entry[key]}" for key in ("threat", "objective")
                   if isinstance(entry.get(key), str)), None)
    if target and isinstance(own, str):
        return f"{own} of {target}"
    if target:
        return f"of {target}"
    return own if isinstance(own, str) else fallback


@rule(
    "expired-acceptance",
    Severity.WARNING,
    "A risk acceptance's review date has passed: the threat counts as open again.",
)
def expired_acceptances(context: RuleContext) -> None:
    for index, entry in items(context.data, "acceptances"):
        review = entry.get("review_by")
        when = parse_date(review) if isinstance(review, str) else None
        if when is not None and when < context.today:
            context.report(
                ("acceptances", index, "review_by"),
                f"acceptance {_label(entry, f'#{index + 1}')} was due for review "
                f"on {review}; it no longer counts, so review it or remove it",
            )


@rule(
    "expired-assumption",
    Severity.WARNING,
    "An assumption's attestation has expired: it no longer covers objectives.",
)
def expired_assumptions(context: RuleContext) -> None:
    for index, entry in items(context.data, "assumptions"):
        expires = entry.get("expires")
        when = parse_date(expires) if isinstance(expires, str) else None
        if when is not None and when < context.today:
            context.report(
                ("assumptions", index, "expires"),
                f"assumption {_label(entry, f'#{index + 1}')} expired on {expires}; "
                "renew the attestation or cover its objectives with controls",
            )
