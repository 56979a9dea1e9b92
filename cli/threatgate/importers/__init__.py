"""Import threat models made in other tools: one module per format, registered.

Importing this package imports every format module (each registers itself with
:func:`threatgate.importers.registry.register`); ``base``, ``mapping``, ``registry``,
``emit`` and ``convert`` are the shared machinery, not formats.
"""

from __future__ import annotations

import importlib
import pkgutil

from threatgate.importers.base import ImportRefused
from threatgate.importers.registry import REGISTRY, ImportFormat, register

#: The modules of this package that are not formats.
MACHINERY = frozenset({"base", "mapping", "registry", "convert", "emit"})

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in MACHINERY:
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["REGISTRY", "ImportFormat", "ImportRefused", "register"]
