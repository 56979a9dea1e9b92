"""The one shape of every extension point: a table of entries keyed by name.

Assertion types, semantic rules, gate checks, diff regression kinds, output formats,
manifest readers and configuration formats each live in a :class:`Registry` that their
modules fill when imported, so adding one is one module. A name registered twice is a
programming error, raised at import time.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Registry(dict[K, V]):
    """Name -> entry, in the order the entries were registered."""

    def __init__(self, what: str) -> None:
        super().__init__()
        #: What an entry is, for the error message ("gate check", "rule", ...).
        self.what = what

    def add(self, name: K, entry: V) -> V:
        """Register ``entry`` under ``name``; a name may be registered only once."""
        if name in self:
            raise ValueError(f"{self.what} {name!r} registered twice")
        self[name] = entry
        return entry
