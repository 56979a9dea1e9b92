"""The YAML text of an imported model, written directly in the layout of ``threatgate fmt``.

``fmt`` (:mod:`threatgate.document.canonical`) goes through ruamel.yaml's round-trip mode,
which is too slow for a megabyte of imported model. This writer produces the same layout
by construction: keys in the order of the schema (:func:`key_orders`), mappings indented
by two spaces and list items by two more, short lists of plain words inline, text of
several lines as literal blocks, and scalars quoted whenever a YAML reader could read
them as anything but the string they are. ``fmt`` leaves its output unchanged (the tests
check it on every fixture).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from threatgate.document.canonical import key_orders
from threatgate.model.loader import resolve_plain

#: Inline lists stay under this width, as the generator's dump writes them.
FLOW_WIDTH = 80
#: What a plain scalar may not start with: indicators, digits and signs (numbers, dates
#: and YAML 1.1's sexagesimals), spaces.
_PLAIN_START = re.compile(r"[^\s\-?:,\[\]{}#&*!|>'\"%@`0-9.+~=<\\]")
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"})
#: Characters written as they are inside quotes (YAML's printable set, without line
#: separators and the byte-order mark that readers treat specially).
_UNSAFE = re.compile("[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd"
                     "\U00010000-\U0010ffff]")
#: The escapes of ruamel.yaml's double-quoted style, which ``fmt`` writes.
_ESCAPES = {"\0": "0", "\x07": "a", "\x08": "b", "\t": "t", "\n": "n", "\x0b": "v",
            "\x0c": "f", "\r": "r", "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N",
            "\xa0": "_", "\u2028": "L", "\u2029": "P"}
#: Characters ruamel.yaml writes as they are inside double quotes.
_DOUBLE_RAW = re.compile("[\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_model(model: Mapping[str, Any]) -> str:
    """The model as YAML text in the canonical layout."""
    orders = key_orders()
    top = _ordered(model, orders.top)
    for collection, order in orders.items.items():
        entries = top.get(collection)
        if isinstance(entries, list):
            top[collection] = [_ordered(e, order) if isinstance(e, Mapping) else e
                               for e in entries]
    lines: list[str] = []
    _mapping(lines, top, 0, None)
    return "\n".join(lines) + "\n"


def _ordered(mapping: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """Keys in schema order; other keys (extension fields) after them, as they came."""
    rank = {key: i for i, key in enumerate(order)}
    keys = list(mapping)
    return {k: mapping[k] for k in sorted(keys, key=lambda k: (rank.get(k, len(rank)),
                                                                keys.index(k)))}


def _mapping(lines: list[str], mapping: Mapping[Any, Any], indent: int,
             first: str | None) -> None:
    for index, (key, value) in enumerate(mapping.items()):
        prefix = first if first is not None and index == 0 else " " * indent
        head = f"{prefix}{_key(key)}:"
        if isinstance(value, Mapping) and value:
            lines.append(head)
            _mapping(lines, value, indent + 2, None)
        elif isinstance(value, list) and value and not _inline_list(value):
            lines.append(head)
            _sequence(lines, value, indent + 2)
        elif isinstance(value, str) and _literal(value):
            lines.append(f"{head} |")
            _block_text(lines, value, indent + 2)
        else:
            text = _inline(value)
            lines.append(f"{head} {text}" if text else head)


def _sequence(lines: list[str], items: list[Any], indent: int) -> None:
    dash = " " * indent + "- "
    for item in items:
        if isinstance(item, Mapping) and item:
            _mapping(lines, item, indent + 2, dash)
        elif isinstance(item, str) and _literal(item):
            lines.append(f"{dash}|")
            _block_text(lines, item, indent + 2)
        else:
            lines.append(f"{dash}{_inline(item)}")


def _block_text(lines: list[str], text: str, indent: int) -> None:
    pad = " " * indent
    lines.extend(f"{pad}{line}" if line else "" for line in text.rstrip("\n").split("\n"))


def _literal(text: str) -> bool:
    """Text written as a literal block: several lines (or a very long one), nothing a
    block cannot hold."""
    return (("\n" in text or len(text) > 1000) and not _UNSAFE.search(text.replace("\n", ""))
            and not text[:1].isspace() and text.strip() != "" and " \n" not in text
            and not text.endswith(" "))


def _inline_list(items: list[Any]) -> bool:
    return (all(_flow_item(v) for v in items)
            and sum(len(str(v)) + 2 for v in items) <= FLOW_WIDTH)


def _flow_item(value: Any) -> bool:
    if isinstance(value, bool) or (isinstance(value, int) and abs(value) < 10**15):
        return True
    return isinstance(value, str) and (_plain(value, flow=True) or (
        len(value) <= FLOW_WIDTH and "\n" not in value and not _UNSAFE.search(value)))


def _inline(value: Any) -> str:
    """A value on one line: a scalar, an empty collection, an inline list, or JSON-like
    flow for what has no block form (a list directly inside a list)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, str):
        return value if _plain(value) else _quoted(value)
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_quoted(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    return _quoted(str(value))


def _flow(value: Any) -> str:
    """A value inside an inline list or mapping."""
    if isinstance(value, str) and not _plain(value, flow=True):
        return _quoted(value)
    return _inline(value) or "null"


@lru_cache(maxsize=65536)
def _plain(text: str, *, flow: bool = False) -> bool:
    """Whether ``text`` reads back as itself written without quotes, in any YAML reader
    (inside an inline list when ``flow``)."""
    if not text or len(text) > 1000 or text != text.strip() or "\t" in text:
        return False
    if not _PLAIN_START.match(text) or _UNSAFE.search(text):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(char in text for char in ",[]{}:#?"):
        return False
    return text.lower() not in _YAML11_WORDS and isinstance(resolve_plain(text), str)


def _key(key: Any) -> str:
    text = str(key)
    return text if _plain(text) and "?" not in text else _quoted(text)


def _quoted(text: str) -> str:
    """Single quotes when they can hold the text, else double quotes escaped as
    ruamel.yaml escapes them (so that ``fmt`` writes them back unchanged)."""
    if "\n" not in text and not _UNSAFE.search(text):
        return "'" + text.replace("'", "''") + "'"
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if _DOUBLE_RAW.match(char) and char not in "\u2028\u2029\ufeff":
        return char
    if char in _ESCAPES:
        return "\\" + _ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"
