"""Canonical layout of model files: key order from the schema, one indentation style.

Formatting goes through ruamel.yaml's round-trip mode, which keeps comments, quoting
and flow-style lists. Keys are reordered, never renamed or dropped; a safety check
compares the data before and after and refuses to write if anything but layout changed.
"""

from __future__ import annotations

import io
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from threatgate.document.roundtrip import exotic_line_break, round_trip_problem, round_trip_yaml
from threatgate.model.loader import DEFAULT_MAX_DEPTH, JsonPath, LoadError, decode, load_text
from threatgate.model.schema import MODEL_SCHEMA, schema_documents

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


def _slot(mapping: Any, key: Any) -> tuple[Any, Any, int]:
    """The comment slot after the last line of ``mapping[key]``: (container, key, index).

    ruamel.yaml stores the blank lines and full-line comments that follow an entry in
    the comment slot of the last scalar before them, which for a nested block
    collection is its deepest last entry.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    container, index = mapping, 2 if isinstance(mapping, CommentedMap) else 0
    while True:
        child = container[key]
        if not isinstance(child, (CommentedMap, CommentedSeq)) or not child:
            return container, key, index
        if child.fa.flow_style():
            return container, key, index
        container = child
        if isinstance(child, CommentedMap):
            key, index = next(reversed(child)), 2
        else:
            key, index = len(child) - 1, 0


def pop_following_lines(mapping: Any, key: Any) -> str:
    """Detach and return the lines that follow ``mapping[key]`` (its own line end stays)."""
    container, slot_key, index = _slot(mapping, key)
    rest = ""
    entry = container.ca.items.get(slot_key)
    token = entry[index] if entry else None
    if token is not None:
        head, newline, rest = token.value.partition("\n")
        token.value = head + newline
    # After a block list, ruamel.yaml may keep the following lines at the list's end.
    end = getattr(container.ca, "end", None)
    if container is not mapping and end:
        rest += "".join(t.value for t in end)
        container.ca.end = []
    return rest


def append_following_lines(mapping: Any, key: Any, text: str) -> None:
    """Attach ``text`` (blank and comment lines) after the last line of ``mapping[key]``."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    if not text:
        return
    container, slot_key, index = _slot(mapping, key)
    if not isinstance(container, CommentedMap) and container is not mapping:
        child = container[slot_key]
        if getattr(child, "fa", None) is not None and child.fa.flow_style():
            container.ca.end = [*(container.ca.end or []), CommentToken(text, CommentMark(0))]
            return
    size = 4 if isinstance(container, CommentedMap) else 2
    entry = container.ca.items.setdefault(slot_key, [None] * size)
    if entry[index] is None:
        entry[index] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        entry[index].value += text


def _reorder(mapping: Any, order: tuple[str, ...]) -> None:
    """Put keys in schema order; unknown keys keep their relative order at the end.

    Comments and blank lines between two keys are taken to introduce the key after
    them, so they move with it; those after the last key stay at the end.
    """
    keys = list(mapping)
    rank = {key: i for i, key in enumerate(order)}
    desired = sorted(keys, key=lambda k: (rank.get(k, len(rank)), keys.index(k)))
    if desired == keys:
        return
    following = [pop_following_lines(mapping, key) for key in keys]
    leading = dict(zip(keys[1:], following[:-1], strict=True))
    closing = following[-1]
    for key in desired:
        mapping.move_to_end(key)
    for before, key in itertools.pairwise(desired):
        append_following_lines(mapping, before, leading.get(key, ""))
    first_leading = leading.get(desired[0], "")
    append_following_lines(mapping, desired[-1], first_leading + closing)


def assertion_order(assertion: Any, orders: KeyOrders) -> tuple[str, ...]:
    """The key order of one assertion: the common keys, then those of its type."""
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
                        _reorder(assertion, assertion_order(assertion, orders))


def format_text(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> str:
    """Return the canonical layout of a model file's text."""
    try:
        before = load_text(text, max_depth=max_depth).data
    except LoadError as exc:
        raise FormatError(exc.message, exc.line, exc.column, exc.rule) from None
    if max_depth > ROUND_TRIP_MAX_DEPTH:
        try:
            load_text(text, max_depth=ROUND_TRIP_MAX_DEPTH)
        except LoadError as exc:
            raise FormatError(f"{TOO_DEEP} (more than {ROUND_TRIP_MAX_DEPTH} levels)",
                              exc.line, exc.column, "fmt-unsupported") from None
    body = text[1:] if text.startswith("\ufeff") else text
    result = _round_trip(body)
    try:
        after = load_text(result, max_depth=max_depth).data
    except LoadError as exc:  # pragma: no cover - a ruamel.yaml defect, never user input
        raise FormatError(
            f"formatting produced invalid YAML ({exc.message}); file left unchanged",
            rule="fmt-unsafe",
        ) from None
    lost = lost_comment(text, result)
    if lost is not None:
        raise FormatError("formatting would lose a comment; file left unchanged", *lost,
                          rule="fmt-unsafe")
    changed = first_difference(before, after)
    if changed is not None:
        line, column = load_text(text, max_depth=max_depth, locate=True).locate(changed)
        raise FormatError(
            "formatting would change the data, not only the layout; file left unchanged",
            line, column, rule="fmt-unsafe",
        )
    return result


def _round_trip(body: str) -> str:
    """Read ``body`` with ruamel.yaml, put it in canonical order and write it back.

    The loader has accepted the text; whatever ruamel.yaml's parser still cannot read
    (a corner of YAML on which the two parsers disagree) is refused with its location.
    """
    from ruamel.yaml.error import YAMLError

    exotic = exotic_line_break(body)
    if exotic is not None:
        raise FormatError(*exotic, rule="fmt-unsupported")
    yaml = round_trip_yaml()
    try:
        document = yaml.load(body)
    except YAMLError as exc:
        message, line, column = round_trip_problem(exc, body)
        raise FormatError(f"cannot format this file: {message}", line, column,
                          rule="fmt-unsupported") from None
    except RecursionError:
        raise FormatError(TOO_DEEP, rule="fmt-unsupported") from None
    _canonicalise(document, key_orders())
    out = io.StringIO()
    try:
        yaml.dump(document, out)
    except YAMLError as exc:  # pragma: no cover - a ruamel.yaml defect, never user input
        raise FormatError(f"formatting failed ({exc}); file left unchanged",
                          rule="fmt-unsafe") from None
    except RecursionError:
        raise FormatError(TOO_DEEP, rule="fmt-unsupported") from None
    return out.getvalue()


#: ruamel.yaml recurses once per level: a model nested deeper than this (the setting
#: max_depth allows up to 1000) is valid but is not rewritten.
ROUND_TRIP_MAX_DEPTH = 100
TOO_DEEP = "cannot format this file: it is nested too deeply for fmt's YAML parser"


def same_data(left: Any, right: Any) -> bool:
    """Equality of loaded model data in which ``.nan`` equals ``.nan``."""
    return first_difference(left, right) is None


def first_difference(left: Any, right: Any) -> JsonPath | None:
    """The path of the first value (in document order) where two loaded documents
    differ, ``.nan`` equal to ``.nan``; None when they are the same."""
    pending: list[tuple[JsonPath, Any, Any]] = [((), left, right)]
    while pending:
        path, a, b = pending.pop()
        if isinstance(a, dict) and isinstance(b, dict):
            if a.keys() != b.keys():
                return path
            pending.extend(((*path, key), a[key], b[key]) for key in reversed(list(a)))
        elif isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                return path
            pending.extend(((*path, index), a[index], b[index])
                           for index in reversed(range(len(a))))
        elif a != b and not (isinstance(a, float) and isinstance(b, float)
                             and math.isnan(a) and math.isnan(b)):
            return path
    return None


_COMMENT = re.compile(r"(?:^|\s)(#.*)$")
_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def _comment_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, text) of every comment-looking text in the file.

    Quoted strings are skipped; ``#`` inside block scalars is counted on both sides
    alike, which is harmless because formatting never changes scalar text.
    """
    for number, line in enumerate(_LINE_BREAK.split(text), 1):
        unquoted = re.sub(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"", "", line)
        match = _COMMENT.search(unquoted)
        if match:
            comment = match.group(1).rstrip()
            yield number, line.rfind(comment) + 1, comment


def _comments(text: str) -> Counter[str]:
    """Every comment-looking text in the file, to check that formatting dropped none."""
    return Counter(comment for _line, _column, comment in _comment_lines(text))


def lost_comment(text: str, result: str) -> tuple[int, int] | None:
    """Where in ``text`` the first comment that ``result`` no longer holds is."""
    kept = _comments(result)
    for line, column, comment in _comment_lines(text):
        if kept[comment] <= 0:
            return line, column
        kept[comment] -= 1
    return None


def format_bytes(raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> bytes:
    try:
        text = decode(raw)
    except LoadError as exc:
        raise FormatError(exc.message, exc.line, exc.column, exc.rule) from None
    return format_text(text, max_depth=max_depth).encode("utf-8")
