"""What a gate check is: a threshold with its setting, its failures and its report texts.

Each module of this package defines one :class:`GateCheck` and passes it to
:func:`register`. Everything else reads the registry: the thresholds a gate runs with,
the gate itself, the command-line options of ``threatgate gate``, the JUnit test cases
and the SARIF rules. Adding a threshold is adding one module here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from threatgate.analysis.assessment import Location, ModelAssessment, ThreatView
from threatgate.catalogues.library import SHIPPED, CatalogueLibrary
from threatgate.support.registry import Registry


@dataclass(frozen=True)
class Failure:
    """One reason a model fails, located at the entity at fault."""

    check: str
    message: str
    path: str
    line: int
    column: int
    entity: str | None = None
    severity: str = "high"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DriftedAssertion:
    """An assertion that passed at the baseline and fails now."""

    control: str
    type: str
    line: int
    reason: str


@dataclass(frozen=True)
class GateInput:
    """What a check looks at: one model's assessment and its evidence drift."""

    assessment: ModelAssessment
    drifted: tuple[DriftedAssertion, ...] = ()
    #: The compliance catalogues of the repository (coverage thresholds).
    catalogues: CatalogueLibrary = SHIPPED

    def failure(self, check: str, message: str, location: Location,
                entity: str | None = None, severity: str = "high") -> Failure:
        """A failure of this model at ``location`` (line, column)."""
        return Failure(check, message, self.assessment.path, location[0], location[1],
                       entity, severity)


#: How a threshold is given on the command line (the command turns it into a click
#: option): an on/off switch, a ratio in [0, 1], one of ``choices``, free text, or a
#: repeatable value parsed by the check.
OptionKind = Literal["switch", "ratio", "choice", "text", "repeated"]


@dataclass(frozen=True)
class Option:
    kind: OptionKind
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleText:
    """How reports (SARIF rules, summaries) describe the check."""

    #: The SARIF rule name, in CamelCase.
    title: str
    #: The severity of the rule (a failure carries its own).
    severity: str
    short: str
    full: str
    fix: str
    #: How the check is turned on: the flag as typed, and a [gate] setting line.
    flag: str
    setting: str
    tags: tuple[str, ...]
    #: The one-line roll-up of the failures, with ``{count}``; None joins the messages.
    summary: str | None = None


def always_off(_subject: GateInput, _value: Any) -> list[str]:
    return []


def no_failures(_subject: GateInput, _value: Any) -> Iterable[Failure]:
    return ()


@dataclass(frozen=True)
class GateCheck:
    """A gate threshold and everything that needs it.

    ``name`` is at once the [gate] setting, the flag (with dashes), the check id in the
    JSON report, the JUnit test case and the SARIF rule id. ``order`` places it among the
    others wherever checks are listed.
    """

    name: str
    order: int
    #: The value that leaves the check off.
    default: Any
    option: Option
    text: RuleText
    #: The failures of one model when the check is on (``value`` is its setting).
    failures: Callable[[GateInput, Any], Iterable[Failure]] = no_failures
    #: For checks that judge threats one by one: a threat fails at most one such check,
    #: the first in order that is on and fails it.
    threat_failure: Callable[[GateInput, ThreatView, Any], Failure | None] | None = None
    #: Warnings about one model, whether or not the check is on.
    warnings: Callable[[GateInput, Any], list[str]] = always_off
    #: Whether a value turns the check on.
    enabled: Callable[[Any], bool] = bool
    #: For ``repeated`` options: the flag values as a setting (raises ValueError).
    parse: Callable[[tuple[str, ...]], Any] | None = None
    #: Whether the flags complete the setting of the configuration instead of replacing it.
    merges: bool = False
    #: Whether the check needs the evidence verified.
    needs_verification: bool = False
    #: Whether the setting is a git reference at which the evidence is verified too.
    verifies_at_reference: bool = False
    #: Whether it runs, and its failures are listed, before every other check.
    runs_first: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


REGISTRY: Registry[str, GateCheck] = Registry("gate check")


def register(check: GateCheck) -> GateCheck:
    """Add a check to the registry; its name must be new."""
    return REGISTRY.add(check.name, check)
