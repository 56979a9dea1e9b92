"""A change that must take effect once (a create, a transition, a comment), made through
requests that the client never repeats blindly.

When the answer to the request is lost (:class:`OutcomeUnknown`: a reset, a timeout or a
5xx after it was sent), the change may or may not have been made: look first, and try
again only when it is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from threatgate.integrations.http import OutcomeUnknown

T = TypeVar("T")
#: Tries of one change at most.
ATTEMPTS = 3
#: Seconds to wait before looking (a search index may lag behind a create); grows per try.
RECHECK_DELAY = 2.0


def exactly_once(make: Callable[[], T], look: Callable[[], T | None],
                 pause: Callable[[float], None]) -> T:
    """``make()``; when its outcome is unknown, ``look()`` for its effect (``None``: not
    there) and make it again only then."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return make()
        except OutcomeUnknown:
            if attempt == ATTEMPTS:
                raise
            pause(RECHECK_DELAY * attempt)
            found = look()
            if found is not None:
                return found
    raise AssertionError("unreachable")  # pragma: no cover
