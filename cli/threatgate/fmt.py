"""Canonical layout of model files: key order from the schema, one indentation style.

Formatting goes through ruamel.yaml's round-trip mode, which keeps comments, quoting
and flow-style lists. Keys are reordered, never renamed or dropped; a safety check
compares the data before and after and refuses to write if anything but layout changed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any

from threatgate.loader import DEFAULT_MAX_DEPTH, LoadError, decode, load_text
from threatgate.schema import MODEL_SCHEMA, schema_documents

ASSERTION_SCHEMA = "assertion.schema.json"


class FormatError(Exception):
    """The file cannot be formatted safely (it does not load, or formatting would alter it)."""

    def __init__(self, message: str, line: int = 1, column: int = 1, rule: str = "fmt") -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.rule = message, line, column, rule


@dataclass(frozen=True)
class KeyOrders:
    top: tuple[str, ...]
    items: dict[str, tuple[str, ...]]  # collection -> key order of its entries
    assertion_common: tuple[str, ...]
    assertion_types: dict[str, tuple[str, ...]]


@cache
def key_orders() -> KeyOrders:
    """Read the key order of every object from the schema (the single source of truth)."""
    documents = schema_documents()
    model = documents[MODEL_SCHEMA]
    items: dict[str, tuple[str, ...]] = {}
    for key, spec in model["properties"].items():
        ref = spec.get("items", {}).get("$ref", "")
        if ref.startswith("#/$defs/"):
            items[key] = tuple(model["$defs"][ref.split("/")[-1]]["properties"])
    assertion = documents[ASSERTION_SCHEMA]
    return KeyOrders(
        top=tuple(model["properties"]),
        items=items,
        assertion_common=tuple(assertion["properties"]),
        assertion_types={
            name: tuple(spec["properties"]) for name, spec in assertion["$defs"].items()
        },
    )


def _reorder(mapping: Any, order: tuple[str, ...]) -> None:
    keys = list(mapping)
    rank = {key: i for i, key in enumerate(order)}
    desired = sorted(keys, key=lambda k: (rank.get(k, len(rank)), keys.index(k)))
    if desired != keys:
        for key in desired:
            mapping.move_to_end(key)


def _assertion_order(assertion: Any, orders: KeyOrders) -> tuple[str, ...]:
    kind = assertion.get("type")
    specific = orders.assertion_types.get(kind, ()) if isinstance(kind, str) else ()
    return orders.assertion_common + tuple(k for k in specific if k not in orders.assertion_common)


def _canonicalise(data: Any, orders: KeyOrders) -> None:
    _reorder(data, orders.top)
    for collection, order in orders.items.items():
        entries = data.get(collection)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not hasattr(entry, "move_to_end"):
                continue
            _reorder(entry, order)
            for field in ("assertions",):
                for assertion in entry.get(field) or []:
                    if hasattr(assertion, "move_to_end"):
                        _reorder(assertion, _assertion_order(assertion, orders))


def _round_trip_yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.allow_duplicate_keys = False
    return yaml


def format_text(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """Return the canonical layout of a model file's text."""
    try:
        before = load_text(text, max_depth=max_depth).data
    except LoadError as exc:
        raise FormatError(exc.message, exc.line, exc.column, exc.rule) from None
    yaml = _round_trip_yaml()
    body = text[1:] if text.startswith("\ufeff") else text
    document = yaml.load(body)
    _canonicalise(document, key_orders())
    out = io.StringIO()
    yaml.dump(document, out)
    result = out.getvalue()
    try:
        after = load_text(result, max_depth=max_depth).data
    except LoadError as exc:  # pragma: no cover - a ruamel.yaml defect, never user input
        raise FormatError(
            f"formatting produced invalid YAML ({exc.message}); file left unchanged",
            rule="fmt-unsafe",
        ) from None
    if after != before:
        raise FormatError(
            "formatting would change the data, not only the layout; file left unchanged",
            rule="fmt-unsafe",
        )
    return result


def format_bytes(raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> bytes:
    try:
        text = decode(raw)
    except LoadError as exc:
        raise FormatError(exc.message, exc.line, exc.column, exc.rule) from None
    return format_text(text, max_depth=max_depth).encode("utf-8")
