"""The tally of a push or sync run, and the lines it prints as it goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: What a run tells as it goes: (line, whether it is a problem for standard error).
Say = Callable[[str, bool], None]
KINDS = ("created", "updated", "transitioned", "unchanged", "failed")


@dataclass
class Outcome:
    """How many controls (or issues) each run ended in; ``say`` prints each line."""

    say: Say
    dry_run: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def count(self, kind: str, line: str | None = None) -> None:
        self.counts[kind] += 1
        if line:
            self.say(line, kind == "failed")

    def fail(self, line: str) -> None:
        self.count("failed", line)

    def warn(self, line: str) -> None:
        self.say(line, True)

    @property
    def failed(self) -> bool:
        return self.counts["failed"] > 0

    def summary(self, verb: str) -> str:
        would = " (dry run: nothing was written)" if self.dry_run else ""
        listed = ", ".join(f"{self.counts[kind]} {kind}" for kind in KINDS)
        return f"jira {verb}: {listed}{would}"
