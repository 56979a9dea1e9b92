"""Security regressions: one module per kind, or per small family of kinds found together.

Importing this package imports every module in it, and each registers its kinds with
:func:`~threatgate.diff.regressions.base.regression_check`: adding a kind is adding a
module.
"""

from __future__ import annotations

import importlib
import pkgutil

from threatgate.diff.regressions.base import (
    REGISTRY,
    Comparison,
    RegressionCheck,
    find_regressions,
    fold,
    ordered_checks,
    regression_check,
)

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

#: Every kind, in the order of the checks that report them (the change's own last).
REGRESSION_KINDS = tuple(kind for scope in ("model", "repository")
                         for check in ordered_checks(scope) for kind in check.kinds)

__all__ = ["REGISTRY", "REGRESSION_KINDS", "Comparison", "RegressionCheck",
           "find_regressions", "fold", "ordered_checks", "regression_check"]
