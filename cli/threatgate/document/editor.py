"""Editing a model file in place: one entry changes, every other byte stays as it was.

An edit never re-dumps the whole file. The file is parsed twice with ruamel.yaml's
round-trip mode: once into nodes, which say where each entry starts and ends, and once
into commented data, which carries the entry's own comments and quoting. Only the
edited entry is rendered again (with the indentation the file already uses for that
list) and spliced into the original text, so comments, blank lines, quoting and odd
layouts elsewhere in the file are kept byte for byte.

Three checks guard every write:

* the file must load as a model first: anchors, aliases, tags and duplicate keys are
  refused exactly as ``validate`` refuses them;
* the edited text, read back, must hold exactly the data intended (the old data plus
  the change), or nothing is written;
* the edit must not introduce a validation error (schema or semantic rule); errors the
  file already had do not block it.

Writes are atomic (:func:`threatgate.support.fsutil.atomic_write`) and serialised by an
exclusive lock on a sidecar file ``<model>.lock``, taken before the file is read: two
concurrent edits of one file run one after the other, and the second sees the first.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import datetime as dt
import errno
import io
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from threatgate.document.canonical import (
    _append_following_lines,
    _assertion_order,
    _pop_following_lines,
    _round_trip_yaml,
    key_orders,
)
from threatgate.errors import EXIT_FAILURE, EXIT_USAGE, ThreatgateError
from threatgate.model.loader import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    LoadError,
    decode,
    load_text,
    read_bytes,
)
from threatgate.support.fsutil import atomic_write

T = TypeVar("T")

#: A change value that deletes the key from the entry.
REMOVE: Any = object()

#: A flow-style entry (``{id: F1, ...}``) that would grow past this many columns is
#: rewritten in block style instead.
FLOW_WIDTH = 120
#: Seconds to wait for another edit of the same file to finish.
LOCK_TIMEOUT = 60.0
#: Layout used where the file gives no example: fmt's canonical one.
DEFAULT_DASH, DEFAULT_CONTENT = 2, 4


@dataclass(frozen=True)
class EditProblem:
    """A validation problem the edit would introduce (located in the edited text)."""

    line: int
    column: int
    rule: str
    message: str


class EditError(ThreatgateError):
    """The edit is refused; the file is left exactly as it was."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None,
                 rule: str = "edit-refused", problems: Sequence[EditProblem] = (),
                 exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.rule = message, line, column, rule
        self.problems = list(problems)
        if exit_code is not None:
            self.exit_code = exit_code


# --- text positions -------------------------------------------------------------------


def _line_start(text: str, index: int) -> int:
    return max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1


def _line_end(text: str, index: int) -> int:
    ends = [p for p in (text.find("\n", index), text.find("\r", index)) if p != -1]
    return min(ends) if ends else len(text)


def _past_break(text: str, index: int) -> int:
    """Index just past the line break at ``index`` (if there is one)."""
    if text.startswith("\r\n", index):
        return index + 2
    return index + 1 if text.startswith(("\n", "\r"), index) else index


def _blank_line_at(text: str, index: int) -> bool:
    """Whether the line starting at ``index`` exists and holds only spaces."""
    if index >= len(text):
        return False
    return not text[index:_line_end(text, index)].strip(" \t")


def _previous_line_start(text: str, line_start: int) -> int:
    """Start of the line above the one starting at ``line_start`` (``\\r\\n`` aware)."""
    head = text[:line_start]
    head = head[:-2] if head.endswith("\r\n") else head[:-1]
    return _line_start(text, len(head))


def _blank_line_before(text: str, line_start: int) -> bool:
    """Whether the line above the one starting at ``line_start`` holds only spaces."""
    if line_start == 0:
        return False
    return not text[_previous_line_start(text, line_start):line_start].strip(" \t\r\n")


def _owned_comments_end(text: str, line_end: int, column: int) -> int:
    """The end of the comment lines after ``line_end`` indented to ``column`` or more.

    Such comments are written under an entry's content, so they belong to the entry:
    a new entry goes after them, and they go when the entry is removed.
    """
    while True:
        following = _past_break(text, line_end)
        line = text[following:_line_end(text, following)]
        if following == line_end or not line.lstrip().startswith("#") or \
                len(line) - len(line.lstrip(" ")) < column:
            return line_end
        line_end = _line_end(text, following)


def _is_flow(node: Any) -> bool:
    return bool(getattr(node, "flow_style", False))


def _content_end(node: Any, text: str) -> int:
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
    if _is_flow(node):
        return int(node.end_mark.index)
    if isinstance(node, MappingNode):
        children = [part for pair in node.value for part in pair]
    elif isinstance(node, SequenceNode):
        children = list(node.value)
    else:  # pragma: no cover - the loader refuses aliases before this point
        return int(node.end_mark.index)
    ends = [_content_end(child, text) for child in children]
    return max(ends, default=int(node.start_mark.index))


@dataclass(frozen=True)
class ListLayout:
    """Columns of a block list's items: the dash, and the content after it."""

    dash: int
    content: int


_ITEM_PREFIX = re.compile(r"( *)-( +)\Z")


def _item_layout(text: str, item: Any) -> ListLayout | None:
    """The layout of one block-list item, or ``None`` when the item does not start a line."""
    start = item.start_mark.index
    prefix = text[_line_start(text, start):start]
    match = _ITEM_PREFIX.match(prefix)
    if match is None:
        return None
    return ListLayout(len(match.group(1)), len(prefix))


# --- building ruamel values -----------------------------------------------------------


def _ordered(collection: str) -> tuple[str, ...]:
    return key_orders().items.get(collection, ())


def _to_ruamel(value: Any, *, flow: bool, key_order: tuple[str, ...] = (),
               assertion: bool = False) -> Any:
    """Plain data as ruamel.yaml values, in schema key order, in a readable style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, Mapping):
        out = CommentedMap()
        order = (_assertion_order(value, key_orders()) if assertion else key_order)
        rank = {key: i for i, key in enumerate(order)}
        keys = sorted(value, key=lambda k: (rank.get(k, len(rank)), list(value).index(k)))
        for key in keys:
            out[key] = _to_ruamel(value[key], flow=flow or assertion)
        if flow or assertion:
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
        return out
    if isinstance(value, list):
        inline = flow or _fits_inline(value)
        seq = CommentedSeq(
            [_to_ruamel(item, flow=inline, assertion=assertion) for item in value])
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


def _fits_inline(items: list[Any]) -> bool:
    """A short list of short scalars (or of such lists: mitigation groups) reads best
    inline, as ``[a, b]`` or ``[[C1, C2], [C3]]``."""
    if any(isinstance(item, Mapping) for item in items):
        return False
    if any(isinstance(item, list) for item in items):
        return all(isinstance(item, list) and _fits_inline(item) for item in items) and \
            sum(len(str(x)) + 2 for item in items for x in item) + 4 * len(items) <= 80
    return sum(len(str(item)) + 2 for item in items) <= 80


def _quoted_like(item: Any, siblings: list[Any]) -> Any:
    """A text item added to a list is quoted as all its items are (``["a", "b"]`` gets
    ``"c"``, not ``'c'``); otherwise it is written as ruamel.yaml chooses."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    if not isinstance(item, str) or "\n" in item or not siblings:
        return item
    for style in (DoubleQuotedScalarString, SingleQuotedScalarString):
        if all(isinstance(sibling, style) for sibling in siblings):
            return style(str(item))
    return item


def _is_ruamel_list(value: Any) -> bool:
    return isinstance(value, list) and hasattr(value, "fa")


def _needs_block(value: Any) -> bool:
    """Values that do not read well (or cannot be written) inside a flow mapping."""
    if isinstance(value, str):
        return "\n" in value
    if isinstance(value, list):
        # Lists of short lists (mitigation groups, ``[[C1, C2], [C3]]``) read well inline.
        return any(isinstance(item, Mapping) or _needs_block(item) or (
            isinstance(item, list) and any(isinstance(x, (Mapping, list)) for x in item))
            for item in value)
    return isinstance(value, Mapping)


def _insert_in_order(entry: Any, key: str, value: Any, order: tuple[str, ...]) -> None:
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


def _shrink_plan(old: list[Any], new: list[Any]) -> list[Any] | None:
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
            inner = _shrink_plan(item, target)
            if inner is not None:
                plan.append(inner)
                position += 1
                continue
        plan.append(_DROP)
    return plan if position == len(new) else None


def _apply_shrink(seq: Any, plan: list[Any]) -> None:
    """Delete items of a ruamel.yaml list as planned, keeping the comments that follow them."""
    for index in reversed(range(len(plan))):
        action = plan[index]
        if action is None:
            continue
        if action is _DROP:
            following = "" if seq.fa.flow_style() else _pop_following_lines(seq, index)
            del seq[index]
            if following and index > 0:
                _append_following_lines(seq, index - 1, following)
            elif following and len(seq):
                _start_comment(seq, following)
        else:
            _apply_shrink(seq[index], action)


def _start_comment(seq: Any, following: str) -> None:
    """Comment lines that followed a deleted first item now open the list."""
    lines = [line for line in following.splitlines() if line.strip().startswith("#")]
    if lines and not (seq.ca.comment and seq.ca.comment[1]):
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        seq.yaml_set_start_comment("\n".join(line.strip() for line in lines), indent=indent)


# --- the editor -----------------------------------------------------------------------


class ModelEditor:
    """The text of one model file, changed one entry at a time.

    ``data`` is the model as the loader reads it (plain dicts and lists); it reflects
    every change applied so far. :meth:`to_bytes` gives the edited file.
    """

    def __init__(self, raw: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
        self.original = raw
        self._bom = raw.startswith(codecs.BOM_UTF8)
        self._text = decode(raw)
        self._max_depth = max_depth
        self.data: dict[str, Any] = load_text(self._text, max_depth=max_depth).data
        first_break = re.search(r"\r\n|\r|\n", self._text)
        self._newline = first_break.group(0) if first_break else "\n"
        self._in_section = False
        #: The whole text while an edit works on one section of it.
        self._full: str | None = None

    @property
    def text(self) -> str:
        return self._text

    def to_bytes(self) -> bytes:
        encoded = self._text.encode("utf-8")
        return codecs.BOM_UTF8 + encoded if self._bom else encoded

    # --- public operations ------------------------------------------------------------

    def append(self, collection: str, entry: Mapping[str, Any]) -> None:
        """Add an entry at the end of a top-level list (the list is created if missing)."""
        with self._section(collection):
            self._append(collection, entry)
        self._check_data()

    def update(self, collection: str, index: int, changes: Mapping[str, Any]) -> None:
        """Set (or, with :data:`REMOVE`, delete) keys of one entry of a top-level list."""
        with self._section(collection):
            self._update(collection, index, changes)
        self._check_data()

    def remove(self, collection: str, index: int) -> None:
        """Delete one entry of a top-level block list, and nothing else.

        The entry's lines go (from its dash to the end of its last line, with its own
        end-of-line comment); comments and blank lines around it stay, except that one
        of two blank lines that would end up adjacent is dropped. A list left empty is
        written ``key: []`` so that it stays a list.
        """
        with self._section(collection):
            self._remove(collection, index)
        self._check_data()

    def set_top(self, key: str, value: Mapping[str, Any]) -> None:
        """Set a top-level key holding a mapping (such as ``generation``) to ``value``.

        Keys of the mapping that keep their value are left as written; lists that only
        grow keep their items. A missing key is inserted where the schema's key order
        puts it (before the comments that introduce the next key).
        """
        with self._section(key):
            self._set_top(key, value)
        self._check_data()

    @contextlib.contextmanager
    def _section(self, key: str) -> Iterator[None]:
        """Work on the text of one top-level key only (from its line to the next key's).

        ruamel.yaml's round-trip parser is slow; parsing only the part of a large file
        that an edit touches keeps edits fast. Offsets inside the block are relative to
        the section; line numbers of errors are made absolute again. Where sections
        cannot be cut safely (a missing key, a flow-style document, exotic line breaks),
        the whole text is used.
        """
        span = self._section_span(key)
        if span is None:
            self._in_section = True
            try:
                yield
            finally:
                self._in_section = False
            return
        start, end, first_line = span
        full = self._full = self._text
        self._text = full[start:end]
        self._in_section = True
        try:
            yield
        except EditError as exc:
            if exc.line is not None:
                exc.line += first_line
            raise
        finally:
            self._in_section, self._full = False, None
            self._text = full[:start] + self._text + full[end:]

    def _section_span(self, key: str) -> tuple[int, int, int] | None:
        if key not in self.data or any(c in self._text for c in "\x85\u2028\u2029"):
            return None
        try:
            located = load_text(self._text, max_depth=self._max_depth, locate=True).locations
        except LoadError:  # pragma: no cover - the text was checked before
            return None
        keys = [position for path, position in located.items() if len(path) == 1]
        lines = sorted(line for line, _ in keys)
        if any(column != 1 for _, column in keys) or len(set(lines)) != len(lines):
            return None
        mine = located[(key,)][0]
        later = [line for line in lines if line > mine]
        starts = [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", self._text))]
        if mine - 1 >= len(starts):  # pragma: no cover - defensive
            return None
        end = starts[later[0] - 1] if later and later[0] - 1 < len(starts) else len(self._text)
        return starts[mine - 1], end, mine - 1

    def _append(self, collection: str, entry: Mapping[str, Any]) -> None:
        plain = copy.deepcopy(dict(entry))
        nodes, document = self._parse()
        pair = _top_level(nodes, collection)
        if pair is None:
            layout = self._default_layout(nodes)
            rendered = self._render([self._new_entry(collection, plain, flow=False)], layout)
            self._add_top_text(nodes, collection,
                               f"{collection}:{self._newline}{rendered}{self._newline}")
            self.data[collection] = [plain]
            self._check_data()
            return
        key_node, value_node = pair
        existing = document.get(collection)
        if not isinstance(existing, list) and existing is not None:
            raise EditError(f"'{collection}' is not a list; cannot add an entry to it",
                            line=value_node.start_mark.line + 1,
                            column=value_node.start_mark.column + 1, rule="edit-layout")
        if existing is None or _is_flow(value_node):
            self._rewrite_as_block(collection, key_node, value_node, document, plain, nodes)
            return
        items = value_node.value
        found = _item_layout(self._text, items[0])
        if found is None:
            raise self._layout_error(collection, items[0])
        last = items[-1]
        flow = _is_flow(last) and not any(_needs_block(v) for v in plain.values())
        new = self._new_entry(collection, plain, flow=flow)
        rendered = self._render([new], found)
        width = max([FLOW_WIDTH, *(item.end_mark.index - _line_start(self._text,
                                                                      item.start_mark.index)
                                   for item in items if _is_flow(item))])
        if flow and len(rendered) > width:
            rendered = self._render([self._new_entry(collection, plain, flow=False)], found)
        end = last.end_mark.index if _is_flow(last) else _content_end(last, self._text)
        position = _owned_comments_end(self._text, _line_end(self._text, end), found.content)
        separator = self._newline * (2 if self._blank_between(items) else 1)
        self._splice(position, position, separator + rendered)
        self.data[collection].append(plain)
        self._check_data()

    def update_many(self, collection: str, changes: Mapping[int, Mapping[str, Any]]) -> None:
        """:meth:`update` for several entries of one list, parsing the file once."""
        with self._section(collection):
            parsed = self._parse()
            if self._unflowed(collection, parsed):
                parsed = self._parse()
            # From the last entry up: the text before each edited entry does not move.
            for index in sorted(changes, reverse=True):
                self._update(collection, index, changes[index], parsed)
        self._check_data()

    def _update(self, collection: str, index: int, changes: Mapping[str, Any],
                parsed: tuple[Any, Any] | None = None) -> None:
        (_, value_node), entries = self._entry_nodes(collection, index, parsed)
        item = value_node.value[index]
        entry = entries[index]
        layout = _item_layout(self._text, item)
        if layout is None or not hasattr(entry, "insert"):
            raise self._layout_error(collection, item)
        flow = _is_flow(item)
        if not flow and len(entry):
            # Comments and blank lines after the entry belong to what follows it.
            _pop_following_lines(entry, next(reversed(entry)))
        order = _ordered(collection)
        before = self.data[collection][index]
        for key, value in changes.items():
            if value is REMOVE:
                entry.pop(key, None)
                continue
            old, current = before.get(key), entry.get(key)
            if (isinstance(value, list) and isinstance(old, list) and _is_ruamel_list(current)
                    and value[:len(old)] == old):
                # A list that only grows: keep its items (and their comments) as written.
                for extra in value[len(old):]:
                    current.append(_quoted_like(
                        _to_ruamel(extra, flow=flow or current.fa.flow_style(),
                                   assertion=key == "assertions"), list(current)))
                continue
            plan = (_shrink_plan(old, value) if isinstance(value, list) and isinstance(old, list)
                    and _is_ruamel_list(current) else None)
            if plan is not None:
                # A list that only loses items: keep the others (and their comments).
                _apply_shrink(current, plan)
                continue
            new_value = _to_ruamel(value, flow=flow, key_order=(),
                                   assertion=key == "assertions")
            if key == "assertions" and not flow and _is_ruamel_list(new_value):
                new_value.fa.set_block_style()
            if key in entry:
                entry[key] = new_value
            else:
                _insert_in_order(entry, key, new_value, order)
        if flow and any(_needs_block(v) for k, v in changes.items() if v is not REMOVE):
            entry.fa.set_block_style()
            for key in entry:
                self._unflow_children(entry, key)
        rendered = self._render([entry], layout)
        start = _line_start(self._text, item.start_mark.index)
        width = max(FLOW_WIDTH, item.end_mark.index - start)
        if flow and entry.fa.flow_style() and len(rendered) > width:
            entry.fa.set_block_style()
            for key in entry:
                self._unflow_children(entry, key)
            rendered = self._render([entry], layout)
        end = item.end_mark.index if flow else _line_end(self._text,
                                                         _content_end(item, self._text))
        last = entry[next(reversed(entry))] if len(entry) else None
        if flow and not entry.fa.flow_style() and isinstance(last, str) and "\n" in last:
            # A flow entry turned block and ends in a block scalar: the comment after its
            # '}' moves to its first line (left at the end, it would become text).
            rest = self._text[end:_line_end(self._text, end)]
            if rest.strip().startswith("#"):
                end += len(rest)
                cut = rendered.find(self._newline)
                rendered = (rendered + rest if cut == -1
                            else rendered[:cut] + rest + rendered[cut:])
        self._splice(start, end, rendered)
        plain = self.data[collection][index]
        for key, value in changes.items():
            if value is REMOVE:
                plain.pop(key, None)
            else:
                plain[key] = copy.deepcopy(value)
        self._check_data()

    def _entry_nodes(self, collection: str, index: int,
                     parsed: tuple[Any, Any] | None = None) -> tuple[tuple[Any, Any], list[Any]]:
        """The (key, value) nodes of a top-level list holding entry ``index``, and its
        entries; a flow-style list is first laid out one entry per line."""
        nodes, document = parsed or self._parse()
        if self._unflowed(collection, (nodes, document)):
            nodes, document = self._parse()
        pair = _top_level(nodes, collection)
        entries = document.get(collection)
        if pair is None or not isinstance(entries, list) or not 0 <= index < len(entries):
            raise EditError(f"{collection}[{index}] does not exist", exit_code=EXIT_USAGE)
        return pair, entries

    def _remove(self, collection: str, index: int) -> None:
        (key_node, value_node), _ = self._entry_nodes(collection, index)
        items = value_node.value
        item = items[index]
        layout = _item_layout(self._text, item)
        if layout is None:
            raise self._layout_error(collection, item)
        start = _line_start(self._text, item.start_mark.index)
        content_end = item.end_mark.index if _is_flow(item) else _content_end(item, self._text)
        end = _past_break(self._text, _owned_comments_end(
            self._text, _line_end(self._text, content_end), layout.content))
        if len(items) == 1:
            self._splice(start, end, "")
            colon = self._text.find(":", key_node.end_mark.index)
            self._splice(colon + 1, colon + 1, " []")
        else:
            # Entries separated by blank lines stay so: one separator goes with the entry.
            after_blank = _blank_line_at(self._text, end)
            before_blank = _blank_line_before(self._text, start)
            if after_blank and (index == 0 or before_blank):
                end = _past_break(self._text, _line_end(self._text, end))
            elif before_blank and index == len(items) - 1:
                start = _previous_line_start(self._text, start)
            self._splice(start, end, "")
        del self.data[collection][index]
        self._check_data()

    def _set_top(self, key: str, value: Mapping[str, Any]) -> None:
        plain = copy.deepcopy(dict(value))
        nodes, document = self._parse()
        pair = _top_level(nodes, key)
        if pair is None:
            self._insert_top(nodes, key, plain)
        else:
            self._replace_top(pair, document, key, plain)
        self.data[key] = plain
        self._check_data()

    def _insert_top(self, nodes: Any, key: str, plain: dict[str, Any]) -> None:
        from ruamel.yaml.comments import CommentedMap

        wrapper = CommentedMap()
        wrapper[key] = _to_ruamel(plain, flow=False)
        self._add_top_text(nodes, key, self._render_block(wrapper, 0) + self._newline)

    def _add_top_text(self, nodes: Any, key: str, addition: str) -> None:
        """Insert the text of a new top-level key where the schema's key order puts it:
        before the first key that comes after it (and the comment lines right above
        that key, which introduce it), else at the end of the file."""
        rank = {name: i for i, name in enumerate(key_orders().top)}
        mine = rank.get(key, len(rank))
        following = [k for k, _ in getattr(nodes, "value", [])
                     if rank.get(str(getattr(k, "value", "")), len(rank)) > mine]
        if not following:
            before = "" if not self._text or self._text.endswith(("\n", "\r")) else self._newline
            self._splice(len(self._text), len(self._text), before + addition)
            return
        position = _line_start(self._text, following[0].start_mark.index)
        while position > 0:
            previous = _previous_line_start(self._text, position)
            if not self._text[previous:position].lstrip().startswith("#"):
                break
            position = previous
        self._splice(position, position, addition)

    def _replace_top(self, pair: tuple[Any, Any], document: Any, key: str,
                     plain: dict[str, Any]) -> None:
        from ruamel.yaml.comments import CommentedMap

        key_node, value_node = pair
        current = document.get(key)
        before = self.data.get(key)
        if not isinstance(current, CommentedMap) or not isinstance(before, dict):
            if current is not None:
                raise EditError(f"'{key}' is not a mapping; cannot update it",
                                line=value_node.start_mark.line + 1,
                                column=value_node.start_mark.column + 1, rule="edit-layout")
            colon = self._text.find(":", key_node.end_mark.index)
            end = value_node.end_mark.index if getattr(value_node, "value", "") else colon + 1
            rendered = self._render_block(_to_ruamel(plain, flow=False), 2)
            self._splice(colon + 1, end, self._newline + rendered)
            return
        flow = _is_flow(value_node)
        for name in [name for name in current if name not in plain]:
            current.pop(name)
        for name, new in plain.items():
            old, existing = before.get(name), current.get(name)
            if old == new and name in current:
                continue
            if (isinstance(new, list) and isinstance(old, list) and _is_ruamel_list(existing)
                    and new[:len(old)] == old):
                for extra in new[len(old):]:
                    existing.append(_to_ruamel(extra, flow=True))
            else:
                current[name] = _to_ruamel(new, flow=flow)
        if flow:
            yaml = _round_trip_yaml()
            out = io.StringIO()
            yaml.dump(current, out)
            self._splice(value_node.start_mark.index, value_node.end_mark.index,
                         out.getvalue().strip())
            return
        if len(current):
            _pop_following_lines(current, next(reversed(current)))
        first = value_node.value[0][0]
        column = first.start_mark.column
        # Rendered under its key, so that comments keep their columns; the key's own
        # line is not replaced.
        wrapper = CommentedMap()
        wrapper[key] = current
        yaml = _round_trip_yaml()
        yaml.indent(mapping=max(column, 1), sequence=column + 2, offset=column)
        out = io.StringIO()
        yaml.dump(wrapper, out)
        text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
        body = text.split("\n", 1)[1] if "\n" in text else ""
        start = _line_start(self._text, first.start_mark.index)
        end = _line_end(self._text, _content_end(value_node, self._text))
        self._splice(start, end, body.replace("\n", self._newline))

    def _render_block(self, mapping: Any, indent: int) -> str:
        """A block mapping as text indented by ``indent`` columns, without a final newline."""
        yaml = _round_trip_yaml()
        out = io.StringIO()
        yaml.dump(mapping, out)
        text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
        lines = [(" " * indent + line) if line else line for line in text.split("\n")]
        return self._newline.join(lines)

    # --- helpers ----------------------------------------------------------------------

    def _parse(self) -> tuple[Any, Any]:
        from ruamel.yaml.error import YAMLError

        yaml = _round_trip_yaml()
        try:
            nodes = yaml.compose(self._text)
            # Constructed from the same nodes: one parse instead of two.
            return nodes, yaml.constructor.construct_document(nodes)
        except YAMLError as exc:  # the two parsers disagree on some corner of YAML
            mark = getattr(exc, "problem_mark", None)
            raise EditError(
                f"the editor's YAML parser cannot read this file ({exc.__class__.__name__}: "
                f"{getattr(exc, 'problem', None) or exc}); edit it by hand",
                line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None,
                rule="edit-layout") from None

    def _splice(self, start: int, end: int, replacement: str) -> None:
        self._text = self._text[:start] + replacement + self._text[end:]

    def _render(self, entries: list[Any], layout: ListLayout) -> str:
        """Entries as block-list items at the layout's columns, without a final newline."""
        from ruamel.yaml.comments import CommentedSeq

        yaml = _round_trip_yaml()
        yaml.indent(mapping=2, sequence=layout.content, offset=layout.dash)
        out = io.StringIO()
        yaml.dump(CommentedSeq(entries), out)
        text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n")
        text = text.removesuffix("\n")
        return text.replace("\n", self._newline) if self._newline != "\n" else text

    def _new_entry(self, collection: str, entry: Mapping[str, Any], *, flow: bool) -> Any:
        from ruamel.yaml.comments import CommentedMap

        out = CommentedMap()
        order = _ordered(collection)
        rank = {key: i for i, key in enumerate(order)}
        for key in sorted(entry, key=lambda k: (rank.get(k, len(rank)), list(entry).index(k))):
            value = _to_ruamel(entry[key], flow=flow, assertion=key == "assertions")
            if key == "assertions" and not flow:
                value.fa.set_block_style()
            out[key] = value
        if flow:
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
        return out

    @staticmethod
    def _unflow_children(entry: Any, key: str) -> None:
        """After a flow entry turns to block style, lay out its values as new ones would be."""
        value = entry[key]
        if isinstance(value, str) and "\n" in value.rstrip("\n"):
            from ruamel.yaml.scalarstring import LiteralScalarString

            entry[key] = LiteralScalarString(value)
            return
        if not _is_ruamel_list(value):
            return
        if key == "assertions" or not _fits_inline(list(value)):
            value.fa.set_block_style()

    def _blank_between(self, items: list[Any]) -> bool:
        """Whether the list's last two entries are separated by a blank line."""
        if len(items) < 2:
            return False
        before, last = items[-2], items[-1]
        end = before.end_mark.index if _is_flow(before) else _content_end(before, self._text)
        gap = self._text[_line_end(self._text, end):_line_start(self._text,
                                                                last.start_mark.index)]
        lines = gap.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return len(lines) > 2 and all(not line.strip() for line in lines)

    def _default_layout(self, nodes: Any) -> ListLayout:
        """The layout of the file's other block lists of entries, else fmt's."""
        text = self._text
        if self._full is not None:  # working on a section: look at the whole file
            text = self._full
            nodes = _round_trip_yaml().compose(text)
        for _, value in getattr(nodes, "value", []):
            if getattr(value, "id", "") == "sequence" and not _is_flow(value) and value.value:
                layout = _item_layout(text, value.value[0])
                if layout is not None:
                    return layout
        return ListLayout(DEFAULT_DASH, DEFAULT_CONTENT)

    def _unflowed(self, collection: str, parsed: tuple[Any, Any]) -> bool:
        """Rewrite a collection written as one flow list as a block list; say if it was.

        ``assets: [{id: A1, ...}, {id: A2, ...}]`` becomes one ``- {id: ..}`` line per
        entry (as ``add`` writes it), so that one entry can be edited or removed on its
        own lines. The key's line keeps its comment; the rest of the file is untouched.
        """
        nodes, document = parsed
        pair = _top_level(nodes, collection)
        entries = document.get(collection)
        if pair is None or not _is_flow(pair[1]) or not isinstance(entries, list) \
                or not entries:
            return False
        self._rewrite_as_block(collection, pair[0], pair[1], document, None, nodes)
        return True

    def _rewrite_as_block(self, collection: str, key_node: Any, value_node: Any,
                          document: Any, plain: dict[str, Any] | None, nodes: Any) -> None:
        """``key:`` with no value or a flow list: write the list as a block list.

        With ``plain``, that entry is appended; without, the entries are only re-laid out.
        """
        layout = self._default_layout(nodes)
        current = document.get(collection) or []
        added = [] if plain is None else [self._new_entry(collection, plain, flow=False)]
        entries = [*current, *added]
        rendered = self._render(entries, layout)
        colon = self._text.find(":", key_node.end_mark.index)
        start = colon + 1
        explicit = _is_flow(value_node) or bool(getattr(value_node, "value", ""))
        end = value_node.end_mark.index if explicit else start  # `[...]`, `~`, `null`
        # Whatever followed the old value on its line (a comment) stays on the key's line.
        line_end = _line_end(self._text, end)
        rest = self._text[end:line_end]
        self._splice(start, line_end, rest + self._newline + rendered)
        if plain is not None:
            existing = self.data.get(collection)
            self.data[collection] = [*(existing if isinstance(existing, list) else []),
                                     plain]
        self._check_data()

    def _layout_error(self, collection: str, item: Any) -> EditError:
        return EditError(
            f"an entry of '{collection}' does not start its own line with '- '; "
            "run `threatgate fmt` on the file, then edit it",
            line=item.start_mark.line + 1, column=item.start_mark.column + 1,
            rule="edit-layout")

    def _check_data(self) -> None:
        """The edited text must read back as exactly the intended data."""
        if self._in_section:
            return  # checked on the whole text when the section closes
        try:
            after = load_text(self._text, max_depth=self._max_depth).data
        except LoadError as exc:  # pragma: no cover - a rendering defect, never user input
            raise EditError(f"the edit produced unreadable YAML ({exc.message}); "
                            "file left unchanged", rule="edit-unsafe") from None
        if after != self.data:  # pragma: no cover - a rendering defect, never user input
            raise EditError("the edit would change more than the edited entry; "
                            "file left unchanged", rule="edit-unsafe")


def _top_level(nodes: Any, key: str) -> tuple[Any, Any] | None:
    for key_node, value_node in getattr(nodes, "value", []):
        if getattr(key_node, "value", None) == key:
            return key_node, value_node
    return None


# --- validation before writing ----------------------------------------------------------


def _problems(raw: bytes, today: dt.date, max_depth: int,
              rules: Mapping[str, str]) -> list[tuple[str, EditProblem]]:
    """Every validation problem of ``raw`` with its effective severity (settings applied)."""
    from threatgate.validate.files import check_bytes

    summary = check_bytes(raw, today, max_depth)
    return [(rules.get(rule) or severity, EditProblem(line, column, rule, message))
            for severity, rule, line, column, message in summary["problems"]]


def _introduced(old: list[tuple[str, EditProblem]], new: list[tuple[str, EditProblem]],
                severity: str) -> list[EditProblem]:
    """Problems of ``severity`` in ``new`` that ``old`` did not have (by rule and message)."""
    seen = Counter((p.rule, p.message) for s, p in old if s == severity)
    out = []
    for level, problem in new:
        if level != severity:
            continue
        key = (problem.rule, problem.message)
        if seen[key]:
            seen[key] -= 1
        else:
            out.append(problem)
    return out


def introduced_errors(before: bytes, after: bytes, today: dt.date, *,
                      max_depth: int = DEFAULT_MAX_DEPTH,
                      rules: Mapping[str, str] | None = None) -> list[EditProblem]:
    """Validation errors of ``after`` that ``before`` did not have (by rule and message)."""
    settings = rules or {}
    return _introduced(_problems(before, today, max_depth, settings),
                       _problems(after, today, max_depth, settings), "error")


# --- locking ----------------------------------------------------------------------------


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def exclusive_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (through ``<path>.lock``) while the block runs.

    On POSIX the lock is ``flock`` on the sidecar file, released by the kernel even if
    the process is killed; the sidecar is removed on release (a waiter that locked the
    removed file notices and locks the new one). Where ``fcntl`` is missing (Windows) or
    the file system does not support ``flock``, the sidecar is created exclusively
    instead; a process killed while holding it leaves it behind, and the message says to
    remove it.
    """
    sidecar = lock_path(path)
    deadline = time.monotonic() + timeout
    fd = _flock(sidecar, deadline)
    try:
        yield
    finally:
        # Removed while still held: a waiter that locked this file sees it is gone.
        with contextlib.suppress(OSError):
            os.unlink(sidecar)
        if fd is not None:
            os.close(fd)


def _busy(sidecar: Path, stale_hint: bool) -> EditError:
    hint = (f"; if no threatgate process is running, remove {sidecar}" if stale_hint else "")
    return EditError(f"another edit of this file is still running (lock {sidecar}){hint}",
                     rule="edit-locked")


def _flock(sidecar: Path, deadline: float) -> int | None:
    """Lock with flock; ``None`` when the exclusive-create fallback was used instead."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        _create_lock(sidecar, deadline)
        return None
    while True:
        fd = os.open(sidecar, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise _busy(sidecar, False) from None
                    time.sleep(0.01)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                _create_lock(sidecar, deadline)  # pragma: no cover - exotic file systems
                return None  # pragma: no cover
            raise
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), sidecar.stat())
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the previous holder removed the file we locked: lock the new one


def _create_lock(sidecar: Path, deadline: float) -> None:  # pragma: no cover - fallback
    while True:
        try:
            os.close(os.open(sidecar, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            return
        except FileExistsError:
            if time.monotonic() > deadline:
                raise _busy(sidecar, True) from None
            time.sleep(0.05)


# --- the whole edit -------------------------------------------------------------------------


@dataclass
class EditOutcome(Generic[T]):
    """What an edit returned, and the file's bytes before and after it."""

    value: T
    before: bytes
    after: bytes
    #: Warnings the edit introduced (e.g. a wont_do control in a mitigation group: the
    #: group can never complete); the edit is still made, the command reports them.
    warnings: list[EditProblem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def edit_file(path: Path, change: Callable[[ModelEditor], T], *, today: dt.date,
              max_depth: int = DEFAULT_MAX_DEPTH, max_bytes: int = DEFAULT_MAX_BYTES,
              rules: Mapping[str, str] | None = None,
              lock_timeout: float = LOCK_TIMEOUT, write: bool = True) -> EditOutcome[T]:
    """Apply ``change`` to the model file at ``path`` and write the result atomically.

    The file is read after the lock is taken, so ``change`` always sees the latest
    version. ``change`` may raise (any :class:`ThreatgateError`) to refuse the edit. The
    file is written only when the text changed, reads back as the intended data, and
    gains no validation error; otherwise :class:`EditError` is raised and the file is
    left untouched. With ``write=False`` everything happens (lock, checks) except the
    write: a dry run.
    """
    if not path.is_file():
        what = "is not a file" if path.exists() else "does not exist"
        raise EditError(f"{path} {what}", rule="file-unreadable", exit_code=EXIT_USAGE)
    # A symbolic link stays a link: its target is edited (and locked).
    path = path.resolve() if path.is_symlink() else path
    try:
        return _edit_locked(path, change, today=today, max_depth=max_depth,
                            max_bytes=max_bytes, rules=rules, lock_timeout=lock_timeout,
                            write=write)
    except OSError as exc:  # the lock or the write: a read-only folder, a full disk
        raise EditError(f"cannot write {path}: {exc.strerror or exc}; file left unchanged",
                        rule="file-unwritable", exit_code=EXIT_USAGE) from None


def _check_writable(path: Path) -> None:
    """Refuse to edit a file or folder marked read-only (exit 2, nothing written).

    The atomic write replaces the file by renaming a new one over it, which the folder's
    permissions allow even when the file itself is read-only; and a superuser may write
    anywhere. A model someone made read-only (no write bit for anyone), or one in a
    folder made read-only, is left alone either way.
    """
    for target, what in ((path, "the file is read-only"),
                         (path.parent, f"its folder {path.parent} is read-only")):
        try:
            mode = target.stat().st_mode
        except OSError:
            continue  # reported by the read or the write itself
        if not mode & 0o222 or not os.access(target, os.W_OK):
            raise EditError(f"cannot write: {what}; file left unchanged",
                            rule="file-unwritable", exit_code=EXIT_USAGE)


def _edit_locked(path: Path, change: Callable[[ModelEditor], T], *, today: dt.date,
                 max_depth: int, max_bytes: int, rules: Mapping[str, str] | None,
                 lock_timeout: float, write: bool) -> EditOutcome[T]:
    with exclusive_lock(path, lock_timeout):
        try:
            raw = read_bytes(path, max_bytes)
        except LoadError as exc:
            raise EditError(exc.message, line=exc.line, column=exc.column,
                            rule=exc.rule) from None
        except OSError as exc:
            raise EditError(f"cannot read file: {exc.strerror or exc}",
                            rule="file-unreadable", exit_code=EXIT_USAGE) from None
        try:
            editor = ModelEditor(raw, max_depth=max_depth)
        except LoadError as exc:
            raise EditError(f"{exc.message}; the file cannot be edited until it loads",
                            line=exc.line, column=exc.column, rule=exc.rule) from None
        value = change(editor)
        after = editor.to_bytes()
        warnings: list[EditProblem] = []
        if after != raw:
            settings = rules or {}
            old = _problems(raw, today, max_depth, settings)
            new = _problems(after, today, max_depth, settings)
            problems = _introduced(old, new, "error")
            if problems:
                raise EditError("the edit would make the model invalid; file left unchanged",
                                rule="edit-invalid", problems=problems)
            warnings = _introduced(old, new, "warning")
            if write:
                _check_writable(path)
                atomic_write(path, after)
    return EditOutcome(value, raw, after, warnings)
