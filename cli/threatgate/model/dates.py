"""Dates in model files are ISO 8601 strings; every comparison uses one "today".

"Today" is the current UTC date unless overridden (``--today`` or ``THREATGATE_TODAY``),
so that CI runs and tests are reproducible.
"""

from __future__ import annotations

import datetime as dt
import os

from threatgate.errors import InputError

TODAY_ENV = "THREATGATE_TODAY"


def parse_date(value: str) -> dt.date | None:
    """Parse YYYY-MM-DD; ``None`` when the text is not a real calendar date."""
    if len(value) != 10:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def today(override: str | None = None) -> dt.date:
    """Today's UTC date, or the override given on the command line or in the environment."""
    text = override or os.environ.get(TODAY_ENV)
    if text:
        parsed = parse_date(text)
        if parsed is None:
            raise InputError(f"today: '{text}' is not a date in the form YYYY-MM-DD")
        return parsed
    return dt.datetime.now(dt.UTC).date()
