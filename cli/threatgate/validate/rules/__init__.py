"""Semantic rules: what the JSON Schema cannot express (ids, references, dates, smells).

Each rule is a function registered with :func:`rule`; importing this package registers
them all. Rules receive a :class:`RuleContext` and report problems by data path; the
caller turns paths into file locations.
"""

from __future__ import annotations

from threatgate.validate.rules import (  # noqa: F401  (registers)
    architecture,
    compliance,
    dates,
    ids,
    references,
    scoring,
    smells,
)
from threatgate.validate.rules.base import RULES, RuleContext, RuleInfo, RuleProblem, run_rules

__all__ = ["RULES", "RuleContext", "RuleInfo", "RuleProblem", "run_rules"]
