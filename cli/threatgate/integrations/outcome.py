"""The tally of an integration's run (Jira, Confluence), and the lines it prints as it goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

#: What a run tells as it goes: (line, whether it is a problem for standard error).
Say = Callable[[str, bool], None]
KINDS = ("created", "updated", "transitioned", "unchanged", "failed")


@dataclass
class Outcome:
    """How many items each run ended in; ``say`` prints each line. ``kinds`` are the
    counts the summary shows, in order."""

    say: Say
    dry_run: bool = False
    service: str = "threatgate"
    kinds: tuple[str, ...] = KINDS
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind in self.kinds:
            self.counts.setdefault(kind, 0)

    def count(self, kind: str, line: str | None = None) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        if line:
            self.say(line, kind == "failed")

    def fail(self, line: str) -> None:
        self.count("failed", line)

    def warn(self, line: str) -> None:
        self.say(line, True)

    @property
    def failed(self) -> bool:
        return self.counts.get("failed", 0) > 0

    def summary(self, verb: str) -> str:
        would = " (dry run: nothing was written)" if self.dry_run else ""
        listed = ", ".join(f"{self.counts[kind]} {kind}" for kind in self.kinds)
        return f"{self.service} {verb}: {listed}{would}"
