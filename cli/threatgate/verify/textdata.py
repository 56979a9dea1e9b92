"""JSON and TOML evidence files parsed with one wording of their errors.

Configuration files and dependency manifests both read JSON and TOML; the caller names
the exception its check turns into an ``error`` verdict.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any


def load_json(text: str, path: str, error: type[Exception]) -> Any:
    """The JSON value of ``text``; ``error`` naming the problem when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                    f"column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise error(f"{path} cannot be read as JSON: {exc}") from None


def load_toml(text: str, path: str, error: type[Exception]) -> dict[str, Any]:
    """The TOML document of ``text``; ``error`` naming the problem when it is not TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path} is not valid TOML: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise error(f"{path} cannot be read as TOML: {exc}") from None
