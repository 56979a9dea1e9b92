"""The official SARIF 2.1.0 schema, for the tests that validate the SARIF we write.

Found in the reference folder beside the checkout when there is one, else beside the SARIF
Multitool that ``.ci/run`` installs from the npm registry (its package ships the schema,
``sarif-2.1.0.json``). Without either, the tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from browser_support import in_ci
from conftest import REPO_ROOT

NAMES = ("sarif-schema-2.1.0.json", "sarif-2.1.0.json")


def sarif_schema_file() -> Path | None:
    candidates = [REPO_ROOT.parent / "shared" / "reference" / NAMES[0],
                  REPO_ROOT.parent.parent / "shared" / "reference" / NAMES[0]]
    tool = os.environ.get("THREATGATE_SARIF_MULTITOOL")
    if tool:
        candidates.append(Path(tool).parent / NAMES[1])
    return next((path for path in candidates if path.is_file()), None)


def sarif_validator() -> Any:
    """A validator of SARIF 2.1.0 logs (with format checks) that can fail."""
    import jsonschema

    found = sarif_schema_file()
    if found is None:
        reason = ("the SARIF 2.1.0 schema is not available: set THREATGATE_SARIF_MULTITOOL "
                  "(see .ci/run)")
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    schema = json.loads(found.read_text(encoding="utf-8"))
    if "properties" not in schema and "$ref" not in schema and "Root" in schema.get(
            "definitions", {}):
        # A copy that keeps the log's own definition under definitions/Root; validating
        # against the bare document would accept anything.
        schema = {**schema, "allOf": [{"$ref": "#/definitions/Root"}]}
    kind = jsonschema.validators.validator_for(schema)
    validator = kind(schema, format_checker=kind.FORMAT_CHECKER)
    assert not validator.is_valid({"version": "2.0.0", "runs": []})
    return validator
