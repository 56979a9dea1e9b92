"""The text of a model file under edit: parsing, splicing, sections, the read-back check.

:class:`ModelText` keeps the text and the data it must read back as; the edit
operations (:class:`threatgate.document.editor.ModelEditor`) change both through it.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from threatgate.document.canonical import key_orders
from threatgate.document.errors import EditError
from threatgate.document.layout import (
    DEFAULT_CONTENT,
    DEFAULT_DASH,
    ListLayout,
    is_flow,
    item_layout,
    line_end,
    line_start,
    node_end,
    previous_line_start,
)
from threatgate.document.roundtrip import round_trip_problem, round_trip_yaml
from threatgate.document.values import render_block, render_items
from threatgate.model.loader import DEFAULT_MAX_DEPTH, LoadError, decode, load_text

#: A top-level key at the start of a line (a mapping key of the document's root).
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):(?=[ \t]|$)", re.MULTILINE)
#: Document markers and directives: a text holding them is not scanned for keys.
_MARKERS = re.compile(r"^(?:---|\.\.\.|%)", re.MULTILINE)


def scanned_top_keys(text: str, keys: Iterable[str]) -> dict[str, int] | None:
    """Where each top-level key's line starts, found by scanning the lines (no parse),
    or None when the lines do not show exactly ``keys`` (the loaded data's), one each."""
    if "\r" in text or any(c in text for c in "\x85\u2028\u2029") or _MARKERS.search(text):
        return None
    found = [(m.group(1), m.start()) for m in _TOP_KEY.finditer(text)]
    names = [name for name, _ in found]
    if len(set(names)) != len(names) or set(names) != set(keys):
        return None
    return dict(found)


class ModelText:
    """The text of one model file and the data it holds, changed by splicing.

    ``data`` is the model as the loader reads it (plain dicts and lists); an edit
    changes it together with the text, and :meth:`check_data` proves the two agree.
    :meth:`to_bytes` gives the edited file.
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
        #: Inside :meth:`checked_once`: the checks wait for the end of the block.
        self._deferred = False
        #: The whole text while an edit works on one section of it.
        self._full: str | None = None
        #: The text the last :meth:`check_data` read back, and the data it read.
        self._read_back: tuple[str, dict[str, Any]] | None = None

    @property
    def text(self) -> str:
        return self._text

    def to_bytes(self) -> bytes:
        encoded = self._text.encode("utf-8")
        return codecs.BOM_UTF8 + encoded if self._bom else encoded

    @property
    def newline(self) -> str:
        """The line break the file uses (that of its first line)."""
        return self._newline

    def _rendered(self, entries: list[Any], layout: ListLayout) -> str:
        """Entries as list items at ``layout``'s columns, in the file's line breaks."""
        return render_items(entries, layout, self._newline)

    def _block(self, mapping: Any, indent: int) -> str:
        """A block mapping indented by ``indent``, in the file's line breaks."""
        return render_block(mapping, indent, self._newline)

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
        offsets = self.top_key_offsets()
        if offsets is not None:  # the keys found by scanning the lines: no load needed
            start = offsets[key]
            later = [offset for offset in offsets.values() if offset > start]
            return start, min(later, default=len(self._text)), self._text.count("\n", 0, start)
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
            self.splice(len(self._text), len(self._text), before + addition)
            return
        self._insert_before_key(line_start(self._text, following[0].start_mark.index),
                                addition)

    def top_key_offsets(self) -> dict[str, int] | None:
        """Where each top-level key's line starts (:func:`scanned_top_keys`)."""
        return scanned_top_keys(self._text, self.data)

    def add_top_text_fast(self, key: str, addition: str) -> bool:
        """:meth:`_add_top_text` without parsing, when the lines show the keys plainly;
        say whether it was done."""
        offsets = self.top_key_offsets()
        if offsets is None or key in offsets:
            return False
        rank = {name: i for i, name in enumerate(key_orders().top)}
        mine = rank.get(key, len(rank))
        following = sorted(o for name, o in offsets.items() if rank.get(name, len(rank)) > mine)
        if not following:
            return False
        self._insert_before_key(following[0], addition)
        return True

    def _insert_before_key(self, position: int, addition: str) -> None:
        """Insert ``addition`` before the key whose line starts at ``position``, and before
        the comment lines right above it (they introduce that key)."""
        while position > 0:
            previous = previous_line_start(self._text, position)
            if not self._text[previous:position].lstrip().startswith("#"):
                break
            position = previous
        self.splice(position, position, addition)

    def parse(self) -> tuple[Any, Any]:
        """The text (or the section being edited) as composed nodes and commented data."""
        from ruamel.yaml.error import YAMLError

        yaml = round_trip_yaml()
        try:
            nodes = yaml.compose(self._text)
            # Constructed from the same nodes: one parse instead of two.
            return nodes, yaml.constructor.construct_document(nodes)
        except YAMLError as exc:  # the two parsers disagree on some corner of YAML
            message, line, column = round_trip_problem(exc, self._text)
            raise EditError(f"the editor's YAML parser cannot read this file ({message}); "
                            "edit it by hand", line=line, column=column,
                            rule="edit-layout") from None
        except RecursionError:
            raise EditError("the editor's YAML parser cannot read this file: it is nested "
                            "too deeply; edit it by hand", rule="edit-layout") from None

    def splice(self, start: int, end: int, replacement: str) -> None:
        """Replace ``text[start:end]``; the caller changes ``data`` to match, then calls
        :meth:`check_data`."""
        self._text = self._text[:start] + replacement + self._text[end:]

    def _blank_between(self, items: list[Any]) -> bool:
        """Whether the list's last two entries are separated by a blank line."""
        if len(items) < 2:
            return False
        before, last = items[-2], items[-1]
        end = node_end(before, self._text)
        gap = self._text[line_end(self._text, end):line_start(self._text,
                                                                last.start_mark.index)]
        lines = gap.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return len(lines) > 2 and all(not line.strip() for line in lines)

    def _default_layout(self, nodes: Any) -> ListLayout:
        """The layout of the file's other block lists of entries, else fmt's."""
        text = self._text
        if self._full is not None:  # working on a section: look at the whole file
            text = self._full
            nodes = round_trip_yaml().compose(text)
        for _, value in getattr(nodes, "value", []):
            if getattr(value, "id", "") == "sequence" and not is_flow(value) and value.value:
                layout = item_layout(text, value.value[0])
                if layout is not None:
                    return layout
        return ListLayout(DEFAULT_DASH, DEFAULT_CONTENT)

    def _layout_error(self, collection: str, item: Any) -> EditError:
        return EditError(
            f"an entry of '{collection}' does not start its own line with '- '; "
            "run `threatgate fmt` on the file, then edit it",
            line=item.start_mark.line + 1, column=item.start_mark.column + 1,
            rule="edit-layout")

    @contextlib.contextmanager
    def checked_once(self) -> Iterator[None]:
        """Several edits checked together, once, when the block ends (reading a large
        file back after each of them is most of the time a merge takes)."""
        if self._deferred:
            yield
            return
        self._deferred = True
        try:
            yield
        finally:
            self._deferred = False
        self.check_data()

    def check_data(self) -> None:
        """The edited text must read back as exactly the intended data."""
        if self._in_section or self._deferred:
            return  # checked on the whole text when the section (or the block) closes
        try:
            after = load_text(self._text, max_depth=self._max_depth).data
        except LoadError as exc:  # pragma: no cover - a rendering defect, never user input
            raise EditError(f"the edit produced unreadable YAML ({exc.message}); "
                            "file left unchanged", rule="edit-unsafe") from None
        if after != self.data:  # pragma: no cover - a rendering defect, never user input
            raise EditError("the edit would change more than the edited entry; "
                            "file left unchanged", rule="edit-unsafe")
        self._read_back = (self._text, after)

    def read_back(self) -> dict[str, Any] | None:
        """The data the current text reads as, when :meth:`check_data` has read this very
        text back (the last check, and nothing changed since); else None. Validating it
        spares the caller another parse of the whole file."""
        if self._read_back is None or self._read_back[0] is not self._text:
            return None
        return self._read_back[1]
