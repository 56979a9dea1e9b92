"""Reading the YAML data files of generation: rule packs and the technology catalogue.

Both are read by threatgate's strict loader and checked against their JSON schema; every
problem is reported as ``path:line:col: message``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from threatgate.errors import InputError

RULEPACK_SCHEMA = "rulepack.schema.json"


class PackError(InputError):
    """A rule pack or the catalogue cannot be loaded (exit 2)."""


def about_this_file(message: str, schema_name: str) -> str:
    """The strict loader speaks of model files; say what this file is instead."""
    if schema_name == RULEPACK_SCHEMA:
        kind, start = "rule pack", "rulepack: 1"
    else:
        kind, start = "catalogue", "catalogue: 1"
    return (message.replace("a model is a YAML mapping starting with 'threatgate: 1'",
                            f"a {kind} is a YAML mapping starting with '{start}'")
            .replace("a model must be a mapping of keys such as 'threatgate', 'id' and 'title'",
                     f"a {kind} must be a mapping starting with '{start}'")
            .replace("in model files", f"in {kind} files")
            .replace("model files use", f"{kind} files use"))


def read_document(path: Path, schema_name: str) -> Any:
    """Load ``path`` with the strict loader and check it against ``schema_name``."""
    from threatgate.model import schema
    from threatgate.model.loader import LoadError, load_bytes, read_bytes

    try:
        document = load_bytes(read_bytes(path), locate=True)
    except LoadError as exc:
        raise PackError(f"{path}:{exc.line}:{exc.column}: "
                        f"{about_this_file(exc.message, schema_name)}") from None
    except OSError as exc:
        raise PackError(f"{path}: cannot read: {exc.strerror or exc}") from None
    problems = schema.check(document.data, schema_name)
    if problems:
        first = problems[0]
        line, column = document.locate(first.path)
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise PackError(f"{path}:{line}:{column}: {first.message}{more}")
    return document


def load_checked(path: Path, schema_name: str) -> dict[str, Any]:
    """The data of a YAML file that passed the strict loader and the schema."""
    data: dict[str, Any] = read_document(path, schema_name).data
    return data
