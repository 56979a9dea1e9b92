"""Editing a model file's text: one entry changes, every other byte stays as it was.

An edit never re-dumps the whole file. The text is parsed with ruamel.yaml's round-trip
mode into nodes, which say where each entry starts and ends, and into commented data,
which carries the entry's own comments and quoting. Only the edited entry is rendered
again (with the indentation the file already uses for that list) and spliced into the
original text, so comments, blank lines, quoting and odd layouts elsewhere in the file
are kept byte for byte. After every change the text, read back, must hold exactly the
intended data.

:func:`threatgate.document.transaction.edit_file` runs an edit on a file: the lock, the
validation of the result and the atomic write.
"""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping, Sequence
from typing import Any

from threatgate.document.canonical import pop_following_lines
from threatgate.document.errors import EditError
from threatgate.document.layout import (
    FLOW_WIDTH,
    blank_line_at,
    blank_line_before,
    content_end,
    is_flow,
    item_layout,
    line_end,
    line_start,
    node_end,
    owned_comments_end,
    past_break,
    previous_line_start,
    top_level,
)
from threatgate.document.roundtrip import round_trip_yaml
from threatgate.document.text import ModelText
from threatgate.document.values import (
    apply_shrink,
    insert_in_order,
    is_ruamel_list,
    needs_block,
    new_entry,
    ordered,
    plain_copy,
    quoted_like,
    scalar_text,
    shrink_plan,
    to_ruamel,
    unflow,
)

#: A change value that deletes the key from the entry.
REMOVE: Any = object()


class ModelEditor(ModelText):
    """The text of one model file, changed one entry at a time.

    ``data`` reflects every change applied so far. :meth:`to_bytes` gives the edited file.
    """

    def append_many(self, collection: str, entries: Sequence[Mapping[str, Any]]) -> None:
        """Append several entries to a top-level list with one parse of the text.

        :meth:`append` re-parses the whole text for every entry (ruamel.yaml's round-trip
        parser is pure Python), which makes adding dozens of entries slow. The first entry
        goes through :meth:`append` (which creates the list or turns a flow list into a
        block list when needed); the rest are rendered with the layout of the list and
        spliced after it in one go, then checked exactly as :meth:`append` checks.
        """
        if not entries:
            return
        self.append(collection, entries[0])
        rest = [plain_copy(dict(e)) for e in entries[1:]]
        if not rest:
            return
        nodes, _ = self.parse()
        pair = top_level(nodes, collection)
        if pair is None or is_flow(pair[1]):  # pragma: no cover - append made a block list
            for entry in rest:
                self.append(collection, entry)
            return
        items = pair[1].value
        layout = item_layout(self._text, items[0])
        if layout is None:  # pragma: no cover - append refused such a list already
            raise self._layout_error(collection, items[0])
        flow = is_flow(items[-1])
        rendered = []
        for entry in rest:
            as_flow = flow and not any(needs_block(v) for v in entry.values())
            text = self._rendered([new_entry(collection, entry, flow=as_flow)], layout)
            if as_flow and len(text) > FLOW_WIDTH:
                text = self._rendered([new_entry(collection, entry, flow=False)], layout)
            rendered.append(text)
        position = line_end(self._text, node_end(items[-1], self._text))
        separator = self._newline * (2 if self._blank_between(items) else 1)
        self.splice(position, position, "".join(separator + piece for piece in rendered))
        self.data[collection].extend(rest)
        self.check_data()

    def append(self, collection: str, entry: Mapping[str, Any]) -> None:
        """Add an entry at the end of a top-level list (the list is created if missing)."""
        with self._section(collection):
            self._append(collection, entry)
        self.check_data()

    def update(self, collection: str, index: int, changes: Mapping[str, Any]) -> None:
        """Set (or, with :data:`REMOVE`, delete) keys of one entry of a top-level list."""
        with self._section(collection):
            self._update(collection, index, changes)
        self.check_data()

    def remove(self, collection: str, index: int) -> None:
        """Delete one entry of a top-level block list, and nothing else.

        The entry's lines go (from its dash to the end of its last line, with its own
        end-of-line comment); comments and blank lines around it stay, except that one
        of two blank lines that would end up adjacent is dropped. A list left empty is
        written ``key: []`` so that it stays a list.
        """
        with self._section(collection):
            self._remove(collection, index)
        self.check_data()

    def set_top(self, key: str, value: Mapping[str, Any]) -> None:
        """Set a top-level key holding a mapping (such as ``generation``) to ``value``.

        Keys of the mapping that keep their value are left as written; lists that only
        grow keep their items. A missing key is inserted where the schema's key order
        puts it (before the comments that introduce the next key).
        """
        with self._section(key):
            self._set_top(key, value)
        self.check_data()

    def set_scalar(self, key: str, value: str) -> None:
        """Set a top-level key holding text (``title``, ``owner``, ``id``...) to ``value``.

        The old value is replaced where it stands (a comment after it on its line is
        kept); a missing key is inserted where the schema's key order puts it.
        """
        with self._section(key):
            nodes, _ = self.parse()
            pair = top_level(nodes, key)
            rendered = scalar_text(value, self._newline)
            if pair is None:
                self._add_top_text(nodes, key, f"{key}: {rendered}{self._newline}")
            else:
                key_node, value_node = pair
                colon = self._text.find(":", key_node.end_mark.index)
                end = (content_end(value_node, self._text)
                       if getattr(value_node, "value", "") != "" else colon + 1)
                self.splice(colon + 1, max(end, colon + 1), " " + rendered)
        self.data[key] = value
        self.check_data()

    def extend_text_list(self, key: str, values: Sequence[str]) -> bool:
        """Add ``values`` to a top-level list of text (``frameworks: [asvs-5.0]``, or the
        same as a block, one ``- item`` a line), or write the key when it is missing; say
        whether it was done. New items go after the last one, so comments and the list's
        own layout stay: in a block list after the comment lines under it, in its
        indentation; a list laid out otherwise (an item not starting its line) is left
        alone."""
        current = self.data.get(key)
        if current is not None and not isinstance(current, list):
            return False
        added = [v for v in dict.fromkeys(values) if v not in (current or [])]
        wanted = [*(current or []), *added]
        rendered = "[" + ", ".join(scalar_text(v, self._newline) for v in wanted) + "]"
        line = f"{key}: {rendered}{self._newline}"
        if current is not None or not self.add_top_text_fast(key, line):
            with self._section(key):
                nodes, _ = self.parse()
                pair = top_level(nodes, key)
                if pair is None:
                    self._add_top_text(nodes, key, line)
                elif not is_flow(pair[1]):
                    if not self._extend_block_list(pair[1], added):
                        return False
                elif pair[1].value:  # after the last item: comments inside stay
                    end = content_end(pair[1].value[-1], self._text)
                    self.splice(end, end, "".join(f", {scalar_text(v, self._newline)}"
                                                  for v in added))
                else:
                    self.splice(pair[1].start_mark.index, pair[1].end_mark.index, rendered)
        self.data[key] = wanted
        self.check_data()
        return True

    def _extend_block_list(self, sequence: Any, values: Sequence[str]) -> bool:
        """Write ``values`` as items after the last item of the block list ``sequence``."""
        items = list(getattr(sequence, "value", None) or [])
        layout = item_layout(self._text, items[-1]) if items else None
        if layout is None:
            return False
        end = owned_comments_end(self._text, line_end(self._text, content_end(items[-1],
                                                                               self._text)),
                                 layout.dash)
        gap = " " * (layout.content - layout.dash - 1)
        self.splice(end, end, "".join(
            f"{self._newline}{' ' * layout.dash}-{gap}{scalar_text(v, self._newline)}"
            for v in values))
        return True

    def _append(self, collection: str, entry: Mapping[str, Any]) -> None:
        plain = copy.deepcopy(dict(entry))
        nodes, document = self.parse()
        pair = top_level(nodes, collection)
        if pair is None:
            layout = self._default_layout(nodes)
            rendered = self._rendered([new_entry(collection, plain, flow=False)], layout)
            self._add_top_text(nodes, collection,
                               f"{collection}:{self._newline}{rendered}{self._newline}")
            self.data[collection] = [plain]
            self.check_data()
            return
        key_node, value_node = pair
        existing = document.get(collection)
        if not isinstance(existing, list) and existing is not None:
            raise EditError(f"'{collection}' is not a list; cannot add an entry to it",
                            line=value_node.start_mark.line + 1,
                            column=value_node.start_mark.column + 1, rule="edit-layout")
        if existing is None or is_flow(value_node):
            self._rewrite_as_block(collection, key_node, value_node, document, plain, nodes)
            return
        items = value_node.value
        found = item_layout(self._text, items[0])
        if found is None:
            raise self._layout_error(collection, items[0])
        last = items[-1]
        flow = is_flow(last) and not any(needs_block(v) for v in plain.values())
        new = new_entry(collection, plain, flow=flow)
        rendered = self._rendered([new], found)
        width = max([FLOW_WIDTH, *(item.end_mark.index - line_start(self._text,
                                                                      item.start_mark.index)
                                   for item in items if is_flow(item))])
        if flow and len(rendered) > width:
            rendered = self._rendered([new_entry(collection, plain, flow=False)], found)
        end = node_end(last, self._text)
        position = owned_comments_end(self._text, line_end(self._text, end), found.content)
        separator = self._newline * (2 if self._blank_between(items) else 1)
        self.splice(position, position, separator + rendered)
        self.data[collection].append(plain)
        self.check_data()

    def update_many(self, collection: str, changes: Mapping[int, Mapping[str, Any]]) -> None:
        """:meth:`update` for several entries of one list, parsing the file once."""
        with self._section(collection):
            parsed = self.parse()
            if self._unflowed(collection, parsed):
                parsed = self.parse()
            # From the last entry up: the text before each edited entry does not move.
            for index in sorted(changes, reverse=True):
                self._update(collection, index, changes[index], parsed)
        self.check_data()

    def _update(self, collection: str, index: int, changes: Mapping[str, Any],
                parsed: tuple[Any, Any] | None = None) -> None:
        (_, value_node), entries = self._entry_nodes(collection, index, parsed)
        item = value_node.value[index]
        entry = entries[index]
        layout = item_layout(self._text, item)
        if layout is None or not hasattr(entry, "insert"):
            raise self._layout_error(collection, item)
        flow = is_flow(item)
        if not flow and len(entry):
            # Comments and blank lines after the entry belong to what follows it.
            pop_following_lines(entry, next(reversed(entry)))
        order = ordered(collection)
        before = self.data[collection][index]
        for key, value in changes.items():
            if value is REMOVE:
                entry.pop(key, None)
                continue
            old, current = before.get(key), entry.get(key)
            if (isinstance(value, list) and isinstance(old, list) and is_ruamel_list(current)
                    and value[:len(old)] == old):
                # A list that only grows: keep its items (and their comments) as written.
                for extra in value[len(old):]:
                    current.append(quoted_like(
                        to_ruamel(extra, flow=flow or current.fa.flow_style(),
                                   assertion=key == "assertions"), list(current)))
                continue
            plan = (shrink_plan(old, value) if isinstance(value, list) and isinstance(old, list)
                    and is_ruamel_list(current) else None)
            if plan is not None:
                # A list that only loses items: keep the others (and their comments).
                apply_shrink(current, plan)
                continue
            new_value = to_ruamel(value, flow=flow, key_order=(),
                                   assertion=key == "assertions")
            if key == "assertions" and not flow and is_ruamel_list(new_value):
                new_value.fa.set_block_style()
            if key in entry:
                entry[key] = new_value
            else:
                insert_in_order(entry, key, new_value, order)
        if flow and any(needs_block(v) for k, v in changes.items() if v is not REMOVE):
            unflow(entry)
        rendered = self._rendered([entry], layout)
        start = line_start(self._text, item.start_mark.index)
        width = max(FLOW_WIDTH, item.end_mark.index - start)
        if flow and entry.fa.flow_style() and len(rendered) > width:
            unflow(entry)
            rendered = self._rendered([entry], layout)
        end = item.end_mark.index if flow else line_end(self._text,
                                                         content_end(item, self._text))
        last = entry[next(reversed(entry))] if len(entry) else None
        if flow and not entry.fa.flow_style() and isinstance(last, str) and "\n" in last:
            # A flow entry turned block and ends in a block scalar: the comment after its
            # '}' moves to its first line (left at the end, it would become text).
            rest = self._text[end:line_end(self._text, end)]
            if rest.strip().startswith("#"):
                end += len(rest)
                cut = rendered.find(self._newline)
                rendered = (rendered + rest if cut == -1
                            else rendered[:cut] + rest + rendered[cut:])
        self.splice(start, end, rendered)
        plain = self.data[collection][index]
        for key, value in changes.items():
            if value is REMOVE:
                plain.pop(key, None)
            else:
                plain[key] = copy.deepcopy(value)
        self.check_data()

    def _entry_nodes(self, collection: str, index: int,
                     parsed: tuple[Any, Any] | None = None) -> tuple[tuple[Any, Any], list[Any]]:
        """The (key, value) nodes of a top-level list holding entry ``index``, and its
        entries; a flow-style list is first laid out one entry per line."""
        nodes, document = parsed or self.parse()
        if self._unflowed(collection, (nodes, document)):
            nodes, document = self.parse()
        pair = top_level(nodes, collection)
        entries = document.get(collection)
        if pair is None or not isinstance(entries, list) or not 0 <= index < len(entries):
            raise EditError.usage(f"{collection}[{index}] does not exist")
        return pair, entries

    def _remove(self, collection: str, index: int) -> None:
        (key_node, value_node), _ = self._entry_nodes(collection, index)
        items = value_node.value
        item = items[index]
        layout = item_layout(self._text, item)
        if layout is None:
            raise self._layout_error(collection, item)
        start = line_start(self._text, item.start_mark.index)
        end = past_break(self._text, owned_comments_end(
            self._text, line_end(self._text, node_end(item, self._text)), layout.content))
        if len(items) == 1:
            self.splice(start, end, "")
            colon = self._text.find(":", key_node.end_mark.index)
            self.splice(colon + 1, colon + 1, " []")
        else:
            # Entries separated by blank lines stay so: one separator goes with the entry.
            after_blank = blank_line_at(self._text, end)
            before_blank = blank_line_before(self._text, start)
            if after_blank and (index == 0 or before_blank):
                end = past_break(self._text, line_end(self._text, end))
            elif before_blank and index == len(items) - 1:
                start = previous_line_start(self._text, start)
            self.splice(start, end, "")
        del self.data[collection][index]
        self.check_data()

    def _set_top(self, key: str, value: Mapping[str, Any]) -> None:
        plain = copy.deepcopy(dict(value))
        nodes, document = self.parse()
        pair = top_level(nodes, key)
        if pair is None:
            self._insert_top(nodes, key, plain)
        else:
            self._replace_top(pair, document, key, plain)
        self.data[key] = plain
        self.check_data()

    def _insert_top(self, nodes: Any, key: str, plain: dict[str, Any]) -> None:
        from ruamel.yaml.comments import CommentedMap

        wrapper = CommentedMap()
        wrapper[key] = to_ruamel(plain, flow=False)
        self._add_top_text(nodes, key, self._block(wrapper, 0) + self._newline)

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
            rendered = self._block(to_ruamel(plain, flow=False), 2)
            self.splice(colon + 1, end, self._newline + rendered)
            return
        flow = is_flow(value_node)
        for name in [name for name in current if name not in plain]:
            current.pop(name)
        for name, new in plain.items():
            old, existing = before.get(name), current.get(name)
            if old == new and name in current:
                continue
            if (isinstance(new, list) and isinstance(old, list) and is_ruamel_list(existing)
                    and new[:len(old)] == old):
                for extra in new[len(old):]:
                    existing.append(to_ruamel(extra, flow=True))
            else:
                current[name] = to_ruamel(new, flow=flow)
        if flow:
            yaml = round_trip_yaml()
            out = io.StringIO()
            yaml.dump(current, out)
            self.splice(value_node.start_mark.index, value_node.end_mark.index,
                         out.getvalue().strip())
            return
        if len(current):
            pop_following_lines(current, next(reversed(current)))
        first = value_node.value[0][0]
        column = first.start_mark.column
        # Rendered under its key, so that comments keep their columns; the key's own
        # line is not replaced.
        wrapper = CommentedMap()
        wrapper[key] = current
        yaml = round_trip_yaml()
        yaml.indent(mapping=max(column, 1), sequence=column + 2, offset=column)
        out = io.StringIO()
        yaml.dump(wrapper, out)
        text = out.getvalue().replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
        body = text.split("\n", 1)[1] if "\n" in text else ""
        start = line_start(self._text, first.start_mark.index)
        end = line_end(self._text, content_end(value_node, self._text))
        self.splice(start, end, body.replace("\n", self._newline))

    def _unflowed(self, collection: str, parsed: tuple[Any, Any]) -> bool:
        """Rewrite a collection written as one flow list as a block list; say if it was.

        ``assets: [{id: A1, ...}, {id: A2, ...}]`` becomes one ``- {id: ..}`` line per
        entry (as ``add`` writes it), so that one entry can be edited or removed on its
        own lines. The key's line keeps its comment; the rest of the file is untouched.
        """
        nodes, document = parsed
        pair = top_level(nodes, collection)
        entries = document.get(collection)
        if pair is None or not is_flow(pair[1]) or not isinstance(entries, list) \
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
        added = [] if plain is None else [new_entry(collection, plain, flow=False)]
        entries = [*current, *added]
        rendered = self._rendered(entries, layout)
        colon = self._text.find(":", key_node.end_mark.index)
        start = colon + 1
        explicit = is_flow(value_node) or bool(getattr(value_node, "value", ""))
        end = value_node.end_mark.index if explicit else start  # `[...]`, `~`, `null`
        # Whatever followed the old value on its line (a comment) stays on the key's line.
        stop = line_end(self._text, end)
        rest = self._text[end:stop]
        self.splice(start, stop, rest + self._newline + rendered)
        if plain is not None:
            existing = self.data.get(collection)
            self.data[collection] = [*(existing if isinstance(existing, list) else []),
                                     plain]
        self.check_data()
