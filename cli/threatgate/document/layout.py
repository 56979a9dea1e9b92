"""Positions in model text: lines, the extent of a node's content, the layout of list items.

Offsets are indices into the text; lines end with ``\n``, ``\r\n`` or ``\r``. Nodes are
ruamel.yaml's composed nodes, whose marks say where each starts and ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: A flow-style entry (``{id: F1, ...}``) that would grow past this many columns is
#: rewritten in block style instead.
FLOW_WIDTH = 120
#: Layout used where the file gives no example: fmt's canonical one.
DEFAULT_DASH, DEFAULT_CONTENT = 2, 4


def line_start(text: str, index: int) -> int:
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def line_end(text: str, index: int) -> int:
    ends = [p for p in (text.find("\n", index), text.find("\r", index)) if p != -1]
    return min(ends) if ends else len(text)


def past_break(text: str, index: int) -> int:
    """Index just past the line break at ``index`` (if there is one)."""
    if text.startswith("\r\n", index):
        return index + 2
    return index + 1 if text.startswith(("\n", "\r"), index) else index


def blank_line_at(text: str, index: int) -> bool:
    """Whether the line starting at ``index`` exists and holds only spaces."""
    if index >= len(text):
        return False
    return not text[index:line_end(text, index)].strip(" \t")


def previous_line_start(text: str, start: int) -> int:
    """Start of the line above the one starting at ``start`` (``\\r\\n`` aware)."""
    head = text[:start]
    head = head[:-2] if head.endswith("\r\n") else head[:-1]
    return line_start(text, len(head))


def blank_line_before(text: str, start: int) -> bool:
    """Whether the line above the one starting at ``start`` holds only spaces."""
    if start == 0:
        return False
    return not text[previous_line_start(text, start):start].strip(" \t\r\n")


def owned_comments_end(text: str, end: int, column: int) -> int:
    """The end of the comment lines after the line ending at ``end`` that are indented to
    ``column`` or more.

    Such comments are written under an entry's content, so they belong to the entry:
    a new entry goes after them, and they go when the entry is removed.
    """
    while True:
        following = past_break(text, end)
        line = text[following:line_end(text, following)]
        if following == end or not line.lstrip().startswith("#") or \
                len(line) - len(line.lstrip(" ")) < column:
            return end
        end = line_end(text, following)


def is_flow(node: Any) -> bool:
    return bool(getattr(node, "flow_style", False))


def content_end(node: Any, text: str) -> int:
    """Index just past the last character of ``node``'s own content.

    Block collections end where the next token starts (after trailing comments and
    blank lines), and block scalars include their trailing line breaks: so the end is
    taken from the deepest last scalar or flow collection, without trailing blanks.
    """
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(node, ScalarNode):
        end = node.end_mark.index
        if node.style in ("|", ">"):
            start = node.start_mark.index
            while end > start and text[end - 1] in " \t\r\n":
                end -= 1
        return int(end)
    if is_flow(node):
        return int(node.end_mark.index)
    if isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    else:  # pragma: no cover - the loader refuses aliases before this point
        return int(node.end_mark.index)
    ends = [content_end(child, text) for child in children]
    return max(ends, default=int(node.start_mark.index))


@dataclass(frozen=True)
class ListLayout:
    """Columns of a block list's items: the dash, and the content after it."""

    dash: int
    content: int


_ITEM_PREFIX = re.compile(r"( *)-( +)\Z")


def item_layout(text: str, item: Any) -> ListLayout | None:
    """The layout of one block-list item, or ``None`` when the item does not start a line."""
    start = item.start_mark.index
    prefix = text[line_start(text, start):start]
    match = _ITEM_PREFIX.match(prefix)
    if match is None:
        return None
    return ListLayout(len(match.group(1)), len(prefix))


def top_level(nodes: Any, key: str) -> tuple[Any, Any] | None:
    """The (key, value) nodes of a top-level key of a composed document, if it has it."""
    for key_node, value_node in getattr(nodes, "value", []):
        if getattr(key_node, "value", None) == key:
            return key_node, value_node
    return None


def node_end(node: Any, text: str) -> int:
    """Where an entry ends: a flow collection at its closing bracket, else its content."""
    return int(node.end_mark.index) if is_flow(node) else content_end(node, text)
