"""The thresholds a gate runs with: one field per registered check, in the checks' order.

The class is built from the registry (:mod:`threatgate.gate.checks`), so a new check is
a new field without editing this module. It stays a frozen dataclass: thresholds compare
by value, and their JSON is the settings in check order.
"""

from __future__ import annotations

import copy
from dataclasses import field, make_dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from threatgate.gate.checks import CHECKS, GateCheck


class ThresholdValues:
    """What every Thresholds instance offers on top of its fields."""

    def value(self, check: GateCheck) -> Any:
        return getattr(self, check.name)

    def as_json(self) -> dict[str, Any]:
        return {check.name: copy.deepcopy(self.value(check)) for check in CHECKS}

    @property
    def any_set(self) -> bool:
        """Whether any threshold differs from its default (the gate then not only reports)."""
        return any(self.value(check) != check.default for check in CHECKS)

    @property
    def enabled(self) -> list[GateCheck]:
        """The checks these thresholds turn on, in order."""
        return [check for check in CHECKS if check.enabled(self.value(check))]

    @property
    def needs_verification(self) -> bool:
        return any(check.needs_verification for check in self.enabled)

    @property
    def verification_reference(self) -> str | None:
        """The git reference at which a check wants the evidence verified too."""
        for check in self.enabled:
            if check.verifies_at_reference:
                return str(self.value(check))
        return None


if TYPE_CHECKING:
    class Thresholds(ThresholdValues):
        """What makes a model fail. The defaults fail nothing: the gate then only reports."""

        def __init__(self, *values: Any, **settings: Any) -> None: ...
else:
    Thresholds = make_dataclass(
        "Thresholds",
        [(check.name, Any, field(default_factory=partial(copy.deepcopy, check.default)))
         for check in CHECKS],
        bases=(ThresholdValues,), frozen=True)
    Thresholds.__module__ = __name__
    Thresholds.__doc__ = ("What makes a model fail. The defaults fail nothing: the gate "
                          "then only reports.")
