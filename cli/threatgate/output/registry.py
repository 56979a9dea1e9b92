"""Output formats: for each kind of result, format name -> writer.

A writer module of this package (or of a folder in it) registers its formats with
:func:`register_format` when it is imported, and commands take their ``--format`` choices
from :func:`format_names`: adding a format is one module of this package, with nothing
else to edit. Write the kind as a string literal (``@register_format("gate", ...)``): the
modules of a kind are found by it without importing every renderer.

Kinds of result and what their writers receive:

* ``validation``: a :class:`threatgate.output.diagnostics.ValidationResult`;
* ``gate``: a :class:`threatgate.gate.run.GateReport`;
* ``verify``: a :class:`threatgate.verify.results.VerifyReport`;
* ``export``: a :class:`threatgate.output.model_export.ModelDocument` (one document per
  model, as bytes).

Writers are pure: a result in, text (or bytes) out.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

Writer = Callable[[Any], str | bytes]
W = TypeVar("W", bound=Writer)



@dataclass(frozen=True)
class Format:
    kind: str
    name: str
    #: Position among the formats of the kind (in --format choices and help).
    order: int
    write: Writer
    #: A report file for code scanning or CI (SARIF, JUnit, ...) rather than a view:
    #: ``threatgate export`` offers these for the gate's report.
    report_file: bool = False
    #: The file name suffix of a document in this format.
    suffix: str = ""
    #: Bytes that are not text: never printed to a terminal.
    binary: bool = False
    #: The writer reports on the verification's verdicts: ``threatgate export`` runs the
    #: verification for it (as ``--verify`` does).
    needs_verification: bool = False


_FORMATS: dict[tuple[str, str], Format] = {}


def register_format(kind: str, name: str, order: int, *, report_file: bool = False,
                    suffix: str = "", binary: bool = False,
                    needs_verification: bool = False) -> Callable[[W], W]:
    """Register the decorated function as the writer of format ``name`` for ``kind``."""

    def decorate(write: W) -> W:
        key = (kind, name)
        if key in _FORMATS and _FORMATS[key].write is not write:
            raise ValueError(f"format {name!r} of {kind} results is registered twice")
        _FORMATS[key] = Format(kind, name, order, write, report_file, suffix, binary,
                               needs_verification)
        return write

    return decorate


@cache
def discover(kind: str) -> None:
    """Import the modules of this package (and of its folders) that register formats of
    ``kind``.

    Only the modules whose source registers a format of that kind are imported, so that
    looking up the validation formats does not load the gate.
    """
    marker = f'register_format("{kind}"'
    package = Path(__file__).parent
    for source in sorted(package.rglob("*.py")):
        name = source.relative_to(package).with_suffix("").parts
        if name[-1] == "__init__" or name == ("registry",):
            continue
        if marker in source.read_text(encoding="utf-8"):
            importlib.import_module(".".join((__package__, *name)))


def formats(kind: str) -> list[Format]:
    """The formats of a kind of result, in order."""
    discover(kind)
    return sorted((f for f in _FORMATS.values() if f.kind == kind), key=lambda f: f.order)


def registered() -> list[Format]:
    """Every format registered so far, of every kind (no discovery)."""
    return list(_FORMATS.values())


def format_names(kind: str, *, report_files_only: bool = False) -> list[str]:
    return [f.name for f in formats(kind) if f.report_file or not report_files_only]


def format_of(kind: str, name: str) -> Format:
    """The format ``name`` of ``kind`` (ValueError for an unknown one)."""
    discover(kind)
    found = _FORMATS.get((kind, name))
    if found is None:
        raise ValueError(f"unknown {kind} report format {name!r}")
    return found


def render(kind: str, name: str, result: Any) -> str:
    """Write ``result`` (of ``kind``) in the text format ``name``."""
    written = format_of(kind, name).write(result)
    if not isinstance(written, str):
        raise TypeError(f"the {name} format of {kind} results is binary")
    return written


def render_bytes(kind: str, name: str, result: Any) -> bytes:
    """Write ``result`` (of ``kind``) in format ``name``, text encoded as UTF-8."""
    written = format_of(kind, name).write(result)
    return written.encode("utf-8") if isinstance(written, str) else written
