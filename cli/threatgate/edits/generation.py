"""The ``generation`` record of a model: what the generator wrote, and what was removed.

The top-level ``generation`` mapping lists the rule packs that ran (``packs``), the ids
the generator wrote (``emitted``), a short digest of each generated threat and control
as written (``digests``: an entry whose rule no longer fires is removed only while
nobody has edited it) and the generated ids removed by hand (``removed``), so that
``threatgate generate --model`` never writes a removed entity again. The record is
bookkeeping: it sits at the end of the file, its lists in flow style. This module is
the only writer of the record: for a new model (:func:`new_record`), when a merge adds
or retires entities (:func:`record_generation`) and when a generated entity is removed
(:func:`record_removed`).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from threatgate.model.vocabulary import id_index, id_list
from threatgate.validate.rules.architecture import GENERATED_THREAT

if TYPE_CHECKING:  # the editing machinery is loaded only by the edits themselves
    from threatgate.document.editor import ModelEditor

GENERATION = "generation"
FIELDS = ("packs", "emitted", "removed")
DIGESTS = "digests"
#: The collections whose generated entries carry a digest (those the generator retires).
DIGESTED = ("threats", "controls")


#: The ids the generator makes, by collection: ``T-<pack>.<rule>-<component>``,
#: ``C-<control>`` and ``CO-<asset>-<attacker>``. Ids made by hand never take this form.
GENERATOR_NAMESPACE = {
    "threats": GENERATED_THREAT,
    "controls": re.compile(r"C-[a-z]"),
    "objectives": re.compile(r"CO-"),
}


def in_generator_namespace(collection: str, entity_id: str) -> bool:
    """Whether ``entity_id`` has the form of an id the generator makes in ``collection``."""
    pattern = GENERATOR_NAMESPACE.get(collection)
    return bool(pattern and pattern.match(entity_id))


def entry_digest(entry: Mapping[str, Any]) -> str:
    """A short digest of an entry's content, the same whatever its layout in the file."""
    text = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def new_record(packs: Sequence[str], emitted: Sequence[str],
               digests: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The record of a model the generator wrote from scratch."""
    record: dict[str, Any] = {"packs": list(packs), "emitted": list(emitted)}
    if digests:
        record[DIGESTS] = dict(digests)
    return record


#: Where ``generate --from-repo`` found each generated entity: id -> ``file:line`` places.
SOURCES = "sources"


def add_sources(record: dict[str, Any], sources: Mapping[str, Sequence[str]]) -> None:
    """Write into a new model's record where its entities were found (kept by merges)."""
    if sources:
        record[SOURCES] = {str(key): list(places) for key, places in sources.items()}


def generation_record(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The model's record, every list field present (empty when missing)."""
    record = data.get(GENERATION)
    if not isinstance(record, dict):
        return {key: [] for key in FIELDS}
    return {key: id_list(record.get(key)) for key in FIELDS}


def recorded_digests(data: Mapping[str, Any]) -> dict[str, str]:
    """The digest of each generated threat and control as the generator wrote it."""
    record = data.get(GENERATION)
    digests = record.get(DIGESTS) if isinstance(record, dict) else None
    if not isinstance(digests, dict):
        return {}
    return {str(k): v for k, v in digests.items() if isinstance(v, str)}


def reconcile(data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(emitted, removed) after moving emitted ids missing from the file to removed."""
    record = generation_record(data)
    present = set(id_index(dict(data)))
    emitted = [i for i in record["emitted"] if i in present]
    removed = list(dict.fromkeys([*record["removed"],
                                  *(i for i in record["emitted"] if i not in present)]))
    return emitted, removed


_SIMPLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


def _simple(text: str) -> str | None:
    """An id or digest as fmt writes it in a flow list, when that is simple to say."""
    from threatgate.document.roundtrip import plain_scalar_kind, yaml_1_2_reads_as_text

    if not _SIMPLE.match(text):
        return None
    if plain_scalar_kind(text) == "str" and yaml_1_2_reads_as_text(text):
        return text
    return f"'{text}'"


#: ruamel.yaml's line width and where it continues a wrapped flow list or mapping of the
#: record (so that the text is byte for byte what ``fmt`` writes).
WIDTH, SEQUENCE_INDENT, MAPPING_INDENT, ENTRY_INDENT = 4096, 8, 6, 4


class _FlowWriter:
    """ruamel.yaml's emitter, reduced to what the record holds: flow lists and mappings
    of one-word plain or single-quoted scalars, wrapped where ruamel.yaml wraps them."""

    def __init__(self, head: str, indent: int) -> None:
        self.out, self.column, self.indent = [head], len(head), indent
        self.whitespace = True

    def _write(self, data: str) -> None:
        self.out.append(data)
        self.column += len(data)

    def _break(self, indent: int) -> None:
        self.out.append("\n" + " " * indent)
        self.column, self.whitespace = indent, True

    def separator(self) -> None:
        self._write(",")
        self.whitespace = False
        if self.column > WIDTH:  # between entries: the collection's own indentation
            self._break(ENTRY_INDENT)

    def colon(self) -> None:
        self._write(":")
        self.whitespace = False

    def scalar(self, text: str) -> None:
        if text.startswith("'"):
            self._write(text if self.whitespace else " " + text)
        else:
            if not self.whitespace:
                self._write(" ")
            if len(text) + self.column > WIDTH and self.column > self.indent:
                self._break(self.indent)  # inside a scalar node: one level deeper
            self._write(text)
        self.whitespace = False

    def text(self, close: str) -> str:
        self._write(close)
        return "".join(self.out)


def _render_simple(value: Mapping[str, Any], newline: str) -> str | None:
    """The record written directly, when every value in it is simple (large records
    then need no pass through ruamel.yaml)."""
    if set(value) - {*FIELDS, DIGESTS}:
        return None  # ``sources`` and any other field: through ruamel.yaml
    lines = [f"{GENERATION}:"]
    for key in (*FIELDS[:2], DIGESTS, *FIELDS[2:]):
        if key not in value:
            continue
        if key == DIGESTS:
            writer = _FlowWriter(f"  {key}: {{", MAPPING_INDENT)
            for position, (k, v) in enumerate(value[key].items()):
                name, digest = _simple(str(k)), _simple(str(v))
                if name is None or digest is None or name.startswith("'"):
                    return None
                if position:
                    writer.separator()
                writer.scalar(name)
                writer.colon()
                writer.scalar(digest)
            lines.append(writer.text("}"))
        else:
            writer = _FlowWriter(f"  {key}: [", SEQUENCE_INDENT)
            for position, item in enumerate(value[key]):
                text = _simple(str(item))
                if text is None:
                    return None
                if position:
                    writer.separator()
                writer.scalar(text)
            lines.append(writer.text("]"))
    return newline.join(line.replace("\n", newline) for line in lines)


def _quoted_flow(values: Iterable[Any]) -> Any:
    """A flow list of single-quoted strings (``file:line`` places read as text)."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    seq = CommentedSeq(SingleQuotedScalarString(str(v)) for v in values)
    seq.fa.set_flow_style()
    return seq


def _render(value: Mapping[str, Any], newline: str) -> str:
    """The record as text: every list and the digests in flow style, one line each (the
    layout of ``fmt``)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    simple = _render_simple(value, newline)
    if simple is not None:
        return simple
    from threatgate.document.roundtrip import round_trip_yaml
    from threatgate.document.values import with_newline

    inner = CommentedMap()
    order = (*FIELDS[:2], DIGESTS, *FIELDS[2:])
    for key in (*order, *(k for k in value if k not in order)):
        if key not in value:
            continue
        item: CommentedMap | CommentedSeq
        if key == DIGESTS:
            item = CommentedMap(value[key])
        elif isinstance(value[key], Mapping):  # ``sources``: id -> places, quoted
            item = CommentedMap((k, _quoted_flow(v)) for k, v in value[key].items())
        else:
            item = CommentedSeq(value[key])
        item.fa.set_flow_style()
        inner[key] = item
    out = io.StringIO()
    round_trip_yaml().dump(CommentedMap([(GENERATION, inner)]), out)
    return with_newline(out.getvalue().rstrip("\n"), newline)


def record_generation(editor: ModelEditor, *, packs: Iterable[str] | None = None,
                      emitted: Iterable[str] = (),
                      removed: Iterable[str] | None = None,
                      digests: Mapping[str, str] | None = None,
                      retired: Iterable[str] = ()) -> dict[str, list[str]]:
    """Write the record after a merge: packs (if given) replace the list, ``emitted``
    ids are added to it (with their ``digests``), ``removed`` (if given) replaces that
    list and takes its ids out of ``emitted``, and ``retired`` ids (entries the
    generator took back because their rule no longer fires) leave ``emitted`` without
    entering ``removed``, so that they come back if their rule fires again. Only the
    record's own lines change."""
    record = generation_record(editor.data)
    known = recorded_digests(editor.data)
    if packs is not None:
        record["packs"] = list(dict.fromkeys(packs))
    if removed is not None:
        record["removed"] = list(dict.fromkeys(removed))
    gone = set(record["removed"]) | set(retired)
    record["emitted"] = [i for i in dict.fromkeys([*record["emitted"], *emitted])
                         if i not in gone]
    kept = set(record["emitted"])
    merged = {k: v for k, v in {**known, **(digests or {})}.items() if k in kept}
    value: dict[str, Any] = {k: v for k, v in record.items() if v}
    if merged:
        value = {"packs": value.get("packs"), "emitted": value.get("emitted"),
                 DIGESTS: merged, "removed": value.get("removed")}
        value = {k: v for k, v in value.items() if v}
    before = editor.data.get(GENERATION)
    if isinstance(before, dict):  # other fields (``sources``) are kept as they are
        value.update((k, v) for k, v in before.items() if k not in (*FIELDS, DIGESTS))
    if before == value or (before is None and not value):
        return record
    _write(editor, _render(value, editor.newline) if value else "")
    if value:
        editor.data[GENERATION] = value
    else:
        editor.data.pop(GENERATION, None)
    editor.check_data()
    return record


def line_starts(text: str) -> list[int]:
    """The offset at which each line of ``text`` starts."""
    return [0, *(m.end() for m in re.finditer(r"\r\n|\r|\n", text))]




def top_level_lines(text: str, keys: Iterable[str] | None = None) -> dict[str, int] | None:
    """The line (0-based) of each top-level key, or None where keys do not sit one per
    line at the first column (flow style, exotic line breaks). With the file's ``keys``
    (its loaded data), a scan of the lines that finds exactly them is enough; otherwise
    the fast loader locates them. Large files need no round-trip parse either way."""
    from threatgate.document.text import scanned_top_keys
    from threatgate.model.loader import LoadError, load_text

    if any(c in text for c in "\x85\u2028\u2029"):
        return None
    scanned = scanned_top_keys(text, keys) if keys is not None else None
    if scanned is not None:
        return {name: text.count("\n", 0, start) for name, start in scanned.items()}
    try:
        located = load_text(text, locate=True).locations
    except LoadError:
        return None
    keys = {str(path[0]): position for path, position in located.items() if len(path) == 1}
    lines = [line for line, _ in keys.values()]
    if any(column != 1 for _, column in keys.values()) or len(set(lines)) != len(lines):
        return None
    return {key: line - 1 for key, (line, _) in keys.items()}


def _record_span(text: str, lines: Mapping[str, int]) -> tuple[int, int, bool]:
    """Where the record's lines are (start, end) and whether a key follows it; comment
    and blank lines before the next key are not the record's."""
    starts = line_starts(text)
    mine = lines[GENERATION]
    later = sorted(line for line in lines.values() if line > mine)
    index = later[0] if later else len(starts)
    while index - 1 > mine:
        line = text[starts[index - 1]:starts[index] if index < len(starts) else len(text)]
        if line.strip() and not line.lstrip().startswith("#"):
            break
        index -= 1
    end = starts[index] if index < len(starts) else len(text)
    return starts[mine], end, bool(later)


def _write(editor: ModelEditor, rendered: str) -> None:
    lines = top_level_lines(editor.text, editor.data.keys())
    if lines is None:
        _write_parsed(editor, rendered)
        return
    newline, current = editor.newline, editor.text
    if GENERATION in lines:
        start, end, followed = _record_span(current, lines)
        if rendered and not followed:
            editor.splice(start, end, rendered + newline)
            return
        editor.splice(start, end, "")
        if not rendered:
            return
        current = editor.text
    if rendered:
        tail = "" if not current or current.endswith(("\n", "\r")) else newline
        editor.splice(len(current), len(current), tail + rendered + newline)


def _write_parsed(editor: ModelEditor, rendered: str) -> None:
    """Replace the record's lines by ``rendered`` (nothing: the key goes), or add it at
    the end of the file, where the schema puts it."""
    from threatgate.document.layout import content_end, line_end, line_start, top_level

    nodes, _ = editor.parse()
    pair = top_level(nodes, GENERATION)
    newline, current = editor.newline, editor.text
    if pair is not None:
        key_node, value_node = pair
        start = line_start(current, key_node.start_mark.index)
        end = line_end(current, max(content_end(value_node, current), key_node.end_mark.index))
        if rendered and not current[end:].strip():
            editor.splice(start, end, rendered)
            return
        # drop the key and its line break; a record left above other keys by an older
        # release moves to the end of the file, where the schema now puts it
        end = min(len(current), end + len(newline))
        editor.splice(start, end, "")
        if not rendered:
            return
        current = editor.text
    tail = "" if not current or current.endswith(("\n", "\r")) else newline
    editor.splice(len(current), len(current), tail + rendered + newline)


def record_removed(editor: ModelEditor, ids: Sequence[str]) -> None:
    """Add generated ids the user removed to ``generation.removed`` (the record's other
    fields and lines stay as written)."""
    if not ids:
        return
    record = editor.data.get(GENERATION)
    record = dict(record) if isinstance(record, dict) else {}
    record["removed"] = [*id_list(record.get("removed")), *ids]
    editor.set_top(GENERATION, record)
