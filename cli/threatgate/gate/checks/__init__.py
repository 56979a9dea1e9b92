"""The gate checks, one module per threshold; importing this package registers them all.

:data:`CHECKS` lists them in their ``order``: the order of the settings in reports, of
the flags of ``threatgate gate``, of the JUnit test cases and of the SARIF rules.
"""

from __future__ import annotations

import importlib
import pkgutil

from threatgate.gate.checks.base import (
    REGISTRY,
    DriftedAssertion,
    Failure,
    GateCheck,
    GateInput,
    Option,
    RuleText,
    register,
)

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

#: Every registered check, in order.
CHECKS: tuple[GateCheck, ...] = tuple(sorted(REGISTRY.values(), key=lambda c: c.order))

__all__ = ["CHECKS", "REGISTRY", "DriftedAssertion", "Failure", "GateCheck", "GateInput", "Option",
           "RuleText", "register"]
