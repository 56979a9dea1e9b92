"""How one mitigation group is judged: the rule the posture, the validation warning and
the remediation leverage share.

A group is judged without its ``not_applicable`` controls (the requirement does not apply
here): it completes when every other control in it is implemented. A ``wont_do`` control
blocks it for good, and so does having nothing but ``not_applicable`` controls: nothing
would be left to do the work. A control id that names no control counts as not
implemented (dangling-reference reports it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: The control status left out when a mitigation group is judged (the group does not
#: need it), and the one with which a group can never complete.
LEFT_OUT = "not_applicable"
BLOCKS = "wont_do"


@dataclass(frozen=True)
class GroupJudgement:
    """One mitigation group as the posture sees it."""

    controls: tuple[str, ...]
    #: The controls the group waits for: all but the not_applicable ones.
    required: tuple[str, ...]
    #: Its wont_do controls: while one is there, the group never completes.
    blockers: tuple[str, ...]
    #: Its required controls not implemented yet.
    missing: tuple[str, ...]

    @property
    def only_not_applicable(self) -> bool:
        return bool(self.controls) and not self.required

    @property
    def can_complete(self) -> bool:
        return bool(self.required) and not self.blockers

    @property
    def complete(self) -> bool:
        return self.can_complete and not self.missing

    def why_never(self) -> str | None:
        """Why the group can never complete, in words; None when it can."""
        if self.blockers:
            return "because of " + ", ".join(f"{c} ({BLOCKS})" for c in self.blockers)
        if self.only_not_applicable:
            return f"because every control in it is {LEFT_OUT} ({', '.join(self.controls)})"
        return None


def judge_group(group: Sequence[str], status: Callable[[str], str | None]) -> GroupJudgement:
    """Judge one group, ``status`` giving a control's status (None for an unknown id)."""
    statuses = {control: status(control) for control in group}
    required = tuple(c for c in group if statuses[c] != LEFT_OUT)
    return GroupJudgement(
        tuple(group),
        required,
        tuple(c for c in group if statuses[c] == BLOCKS),
        tuple(c for c in required if statuses[c] != "implemented"),
    )
