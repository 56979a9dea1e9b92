"""Model values as ruamel.yaml objects, and their text in the layout of the file.

New values are written the way ``fmt`` would write them (schema key order, short lists
inline, multi-line text as literal blocks); values that only grow or shrink keep the
items (and comments) they already had.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import Any

from threatgate.document.canonical import (
    append_following_lines,
    assertion_order,
    key_orders,
    pop_following_lines,
)
from threatgate.document.layout import ListLayout
from threatgate.document.roundtrip import round_trip_yaml

#: Values no edit changes in place: shared, not copied.
_IMMUTABLE = (str, int, float, bool, type(None))


def plain_copy(value: Any) -> Any:
    """A deep copy of plain data (mappings, lists, scalars), several times quicker than
    :func:`copy.deepcopy` for the hundreds of entries a merge adds; anything else is
    copied by :func:`copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: plain_copy(item) for key, item in value.items()}
    if kind is list:
        return [plain_copy(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    import copy

    return copy.deepcopy(value)


def ordered(collection: str) -> tuple[str, ...]:
    """The schema's key order of the entries of a top-level list."""
    return key_orders().items.get(collection, ())


def to_ruamel(value: Any, *, flow: bool, key_order: tuple[str, ...] = (),
               assertion: bool = False) -> Any:
    """Plain data as ruamel.yaml values, in schema key order, in a readable style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, Mapping):
        out = CommentedMap()
        order = (assertion_order(value, key_orders()) if assertion else key_order)
        rank = {key: i for i, key in enumerate(order)}
        keys = sorted(value, key=lambda k: (rank.get(k, len(rank)), list(value).index(k)))
        for key in keys:
            out[key] = to_ruamel(value[key], flow=flow or assertion)
        if flow or assertion:
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
        return out
    if isinstance(value, list):
        inline = flow or fits_inline(value)
        seq = CommentedSeq(
            [to_ruamel(item, flow=inline, assertion=assertion) for item in value])
        if inline:
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if isinstance(value, str) and "\n" in value.rstrip("\n") and not flow:
        return LiteralScalarString(value)
    if isinstance(value, str) and flow and _FLOW_RISKY.search(value):
        from ruamel.yaml.scalarstring import SingleQuotedScalarString

        return SingleQuotedScalarString(value)
    return value


#: Plain scalars that ruamel.yaml would write unquoted inside ``[...]`` or ``{...}`` but
#: that libyaml (which reads model files) parses differently, e.g. ``src/a.py:40``.
_FLOW_RISKY = re.compile(r"[:#\[\]{},]|\A[-?!&*|>'\"%@`\s]|\s\Z")


def fits_inline(items: list[Any]) -> bool:
    """A short list of short scalars (or of such lists: mitigation groups) reads best
    inline, as ``[a, b]`` or ``[[C1, C2], [C3]]``."""
    if any(isinstance(item, Mapping) for item in items):
        return False
    if any(isinstance(item, list) for item in items):
        return all(isinstance(item, list) and fits_inline(item) for item in items) and \
            sum(len(str(x)) + 2 for item in items for x in item) + 4 * len(items) <= 80
    return sum(len(str(item)) + 2 for item in items) <= 80


def quoted_like(item: Any, siblings: list[Any]) -> Any:
    """A text item added to a list is quoted as all its items are (``["a", "b"]`` gets
    ``"c"``, not ``'c'``); otherwise it is written as ruamel.yaml chooses."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if not isinstance(item, str) or "\n" in item or not siblings:
        return item
    for style in (DoubleQuotedScalarString, SingleQuotedScalarString):
        if all(isinstance(sibling, style) for sibling in siblings):
            return style(str(item))
    return item


def is_ruamel_list(value: Any) -> bool:
    """Whether ``value`` is a list read from the text (it carries layout and comments)."""
    return isinstance(value, list) and hasattr(value, "fa")


def needs_block(value: Any) -> bool:
    """Values that do not read well (or cannot be written) inside a flow mapping."""
    if isinstance(value, str):
        return "\n" in value
    if isinstance(value, list):
        # Lists of short lists (mitigation groups, ``[[C1, C2], [C3]]``) read well inline.
        return any(isinstance(item, Mapping) or needs_block(item) or (
            isinstance(item, list) and any(isinstance(x, (Mapping, list)) for x in item))
            for item in value)
    return isinstance(value, Mapping)


def insert_in_order(entry: Any, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Add ``key`` to a CommentedMap where the schema's key order puts it."""
    rank = {name: i for i, name in enumerate(order)}
    mine = rank.get(key, len(rank))
    position = len(entry)
    for index, existing in enumerate(entry):
        if rank.get(existing, len(rank)) > mine:
            position = index
            break
    entry.insert(position, key, value)


#: A shrink plan: per old item, ``None`` (keep), ``_DROP``, or the plan of a nested list.
_DROP = "drop"


def shrink_plan(old: list[Any], new: list[Any]) -> list[Any] | None:
    """How ``new`` follows from ``old`` by deleting items (also inside nested lists).

    ``None`` when it does not (items were added, changed or reordered).
    """
    if len(new) > len(old):
        return None
    plan: list[Any] = []
    position = 0
    for item in old:
        target = new[position] if position < len(new) else _DROP
        if target is not _DROP and item == target:
            plan.append(None)
            position += 1
            continue
        if isinstance(item, list) and isinstance(target, list):
            inner = shrink_plan(item, target)
            if inner is not None:
                plan.append(inner)
                position += 1
                continue
        plan.append(_DROP)
    return plan if position == len(new) else None


def apply_shrink(seq: Any, plan: list[Any]) -> None:
    """Delete items of a ruamel.yaml list as planned, keeping the comments that follow them."""
    for index in reversed(range(len(plan))):
        action = plan[index]
        if action is None:
            continue
        if action is _DROP:
            following = "" if seq.fa.flow_style() else pop_following_lines(seq, index)
            del seq[index]
            if following and index > 0:
                append_following_lines(seq, index - 1, following)
            elif following and len(seq):
                _start_comment(seq, following)
        else:
            apply_shrink(seq[index], action)


def _start_comment(seq: Any, following: str) -> None:
    """Comment lines that followed a deleted first item now open the list."""
    lines = [line for line in following.splitlines() if line.strip().startswith("#")]
    if lines and not (seq.ca.comment and seq.ca.comment[1]):
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        seq.yaml_set_start_comment("\n".join(line.strip() for line in lines), indent=indent)


# --- rendering ------------------------------------------------------------------------------


def with_newline(text: str, newline: str) -> str:
    """Text rendered with ``\n`` line breaks, in the file's own line breaks."""
    return text.replace("\n", newline) if newline != "\n" else text


def render_items(entries: list[Any], layout: ListLayout, newline: str) -> str:
    """Entries as block-list items at the layout's columns, without a final newline."""
    from ruamel.yaml.comments import CommentedSeq

    yaml = round_trip_yaml()
    yaml.indent(mapping=2, sequence=layout.content, offset=layout.dash)
    out = io.StringIO()
    yaml.dump(CommentedSeq(entries), out)
    text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n")
    return with_newline(text.removesuffix("\n"), newline)


def render_block(mapping: Any, indent: int, newline: str) -> str:
    """A block mapping as text indented by ``indent`` columns, without a final newline."""
    yaml = round_trip_yaml()
    out = io.StringIO()
    yaml.dump(mapping, out)
    text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    lines = [(" " * indent + line) if line else line for line in text.split("\n")]
    return newline.join(lines)


#: Plain scalars a YAML 1.1 reader takes for something else than text (booleans, null,
#: numbers, dates): written quoted.
YAML11_SPECIAL = re.compile(
    r"(?i:y|n|yes|no|on|off|true|false|null|~|\.inf|[-+]\.inf|\.nan)"
    r"|[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?"
    r"|\.[0-9_]+([eE][-+]?[0-9]+)?|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?")


def scalar_text(value: str, newline: str) -> str:
    """Text as the value of a top-level key: one line, quoted only where YAML needs it;
    several lines as a literal block (``|``) indented by two columns."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import LiteralScalarString

    yaml = round_trip_yaml()
    yaml.width = 4096
    multiline = "\n" in value.strip("\n")
    out = io.StringIO()
    yaml.dump(CommentedMap(k=LiteralScalarString(value) if multiline else value), out)
    text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    text = text.removeprefix("k:").lstrip(" ")
    if text == value and YAML11_SPECIAL.fullmatch(value):
        text = json.dumps(value, ensure_ascii=False)  # a string to YAML 1.1 readers too
    return with_newline(text, newline)


def new_entry(collection: str, entry: Mapping[str, Any], *, flow: bool) -> Any:
    """A new entry of a top-level list, in schema key order, in flow or block style."""
    from ruamel.yaml.comments import CommentedMap

    out = CommentedMap()
    rank = {key: i for i, key in enumerate(ordered(collection))}
    for key in sorted(entry, key=lambda k: (rank.get(k, len(rank)), list(entry).index(k))):
        value = to_ruamel(entry[key], flow=flow, assertion=key == "assertions")
        if key == "assertions" and not flow:
            value.fa.set_block_style()
        out[key] = value
    if flow:
        out.fa.set_flow_style()
    else:
        out.fa.set_block_style()
    return out


def unflow_children(entry: Any, key: str) -> None:
    """After a flow entry turns to block style, lay out its values as new ones would be."""
    value = entry[key]
    if isinstance(value, str) and "\n" in value.rstrip("\n"):
        from ruamel.yaml.scalarstring import LiteralScalarString

        entry[key] = LiteralScalarString(value)
        return
    if not is_ruamel_list(value):
        return
    if key == "assertions" or not fits_inline(list(value)):
        value.fa.set_block_style()


def unflow(entry: Any) -> None:
    """Turn a flow entry to block style, its values laid out as new ones would be."""
    entry.fa.set_block_style()
    for key in entry:
        unflow_children(entry, key)
