"""When to try a request again, and how long to wait first.

429 (too many requests) waits what ``Retry-After`` says, up to :attr:`RetryPolicy.max_retry_after`;
5xx, connection resets and timeouts wait an exponential backoff with jitter. Every wait
fits in the request's total :attr:`RetryPolicy.deadline`; what does not fit is not waited
for.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of one logical request and its retries (seconds)."""

    #: All attempts of one request, waits included, end within this.
    deadline: float = 120.0
    #: One attempt's connect/read/write timeout (never more than what is left of the deadline).
    attempt_timeout: float = 30.0
    #: The first backoff; each next one doubles, up to ``max_delay``.
    base_delay: float = 0.5
    max_delay: float = 30.0
    #: A ``Retry-After`` longer than this is not waited for: the request fails.
    max_retry_after: float = 60.0
    max_attempts: int = 8

    def backoff(self, failures: int, draw: Callable[[], float]) -> float:
        """The wait after the ``failures``-th failure: half of the exponential step plus a
        random share of the other half (``draw`` returns a number in [0, 1)), so clients that
        failed together do not come back together."""
        step = min(self.max_delay, self.base_delay * 2.0 ** max(failures - 1, 0))
        return step / 2 + step / 2 * draw()


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """The wait a ``Retry-After`` header asks for: delay seconds or an HTTP date (``now`` is
    the wall-clock time, seconds since the epoch); ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when.timestamp() - now, 0.0)
