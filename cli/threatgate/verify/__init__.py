"""Evidence verification: assertions checked against the code, without running it.

Importing this package registers every assertion type (one module per family).
"""

from __future__ import annotations

from threatgate.verify import assertions  # noqa: F401  (registers the assertion types)
from threatgate.verify.base import (
    REGISTRY,
    AssertionType,
    EvidenceError,
    Tree,
    Verdict,
    WorkingTree,
    assertion_type,
)

__all__ = ["REGISTRY", "AssertionType", "EvidenceError", "Tree", "Verdict", "WorkingTree",
           "assertion_type"]
