"""The ``generation`` record of a model: what the generator wrote, and what was removed.

The top-level ``generation`` mapping lists the rule packs that ran (``packs``), the ids
the generator wrote (``emitted``) and the generated ids removed by hand (``removed``),
so that ``threatgate generate --model`` never writes a removed entity again. This module
is the only writer of the record: for a new model (:func:`new_record`), when a merge
adds entities (:func:`record_generation`) and when a generated entity is removed
(:func:`record_removed`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from threatgate.document.editor import ModelEditor
from threatgate.document.layout import content_end, line_end, line_start, top_level
from threatgate.document.roundtrip import round_trip_yaml
from threatgate.document.values import with_newline
from threatgate.model.vocabulary import id_index, id_list

GENERATION = "generation"
FIELDS = ("packs", "emitted", "removed")
#: Top-level keys the schema puts after ``generation`` (a new record goes before them).
AFTER_GENERATION = ("components", "dataflows", "trust_boundaries", "assets", "attackers",
                    "objectives", "threats", "controls", "assumptions", "acceptances",
                    "findings")


def new_record(packs: Sequence[str], emitted: Sequence[str]) -> dict[str, list[str]]:
    """The record of a model the generator wrote from scratch."""
    return {"packs": list(packs), "emitted": list(emitted)}


#: Where ``generate --from-repo`` found each generated entity: id -> ``file:line`` places.
SOURCES = "sources"


def add_sources(record: dict[str, Any], sources: Mapping[str, Sequence[str]]) -> None:
    """Write into a new model's record where its entities were found (kept by merges)."""
    if sources:
        record[SOURCES] = {str(key): list(places) for key, places in sources.items()}


def generation_record(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The model's record, every field present (empty when missing)."""
    record = data.get(GENERATION)
    if not isinstance(record, dict):
        return {key: [] for key in FIELDS}
    return {key: id_list(record.get(key)) for key in FIELDS}


def reconcile(data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(emitted, removed) after moving emitted ids missing from the file to removed."""
    record = generation_record(data)
    present = set(id_index(dict(data)))
    emitted = [i for i in record["emitted"] if i in present]
    removed = list(dict.fromkeys([*record["removed"],
                                  *(i for i in record["emitted"] if i not in present)]))
    return emitted, removed


def _render(value: Mapping[str, Any], newline: str) -> str:
    """The record as text: short lists inline, long ones one id per line."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    def render(item: Any, quoted: bool = False) -> Any:
        if isinstance(item, Mapping):  # ``sources``: id -> places (``file:line``, quoted)
            return CommentedMap((k, render(v, quoted=True)) for k, v in item.items())
        seq = CommentedSeq([SingleQuotedScalarString(v) for v in item] if quoted else item)
        if sum(len(str(v)) + 2 for v in item) <= 80:
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq

    inner = CommentedMap()
    for key in (*FIELDS, *(k for k in value if k not in FIELDS)):
        if key in value:
            inner[key] = render(value[key])
    out = io.StringIO()
    round_trip_yaml().dump(CommentedMap([(GENERATION, inner)]), out)
    return with_newline(out.getvalue().rstrip("\n"), newline)


def record_generation(editor: ModelEditor, *, packs: Iterable[str] | None = None,
                      emitted: Iterable[str] = (),
                      removed: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Write the record after a merge: packs (if given) replace the list, ``emitted``
    ids are added to it, ``removed`` (if given) replaces that list and takes its ids out
    of ``emitted``. Only the record's own lines change."""
    record = generation_record(editor.data)
    if packs is not None:
        record["packs"] = list(dict.fromkeys(packs))
    if removed is not None:
        record["removed"] = list(dict.fromkeys(removed))
    gone = set(record["removed"])
    record["emitted"] = [i for i in dict.fromkeys([*record["emitted"], *emitted])
                         if i not in gone]
    before = editor.data.get(GENERATION)
    value: dict[str, Any] = {k: v for k, v in record.items() if v}
    if isinstance(before, dict):  # other fields (``sources``) are kept as they are
        value.update((k, v) for k, v in before.items() if k not in FIELDS)
    if before == value or (before is None and not value):
        return record
    _write(editor, _render(value, editor.newline) if value else "")
    if value:
        editor.data[GENERATION] = value
    else:
        editor.data.pop(GENERATION, None)
    editor.check_data()
    return record


def _write(editor: ModelEditor, rendered: str) -> None:
    """Replace the record's lines by ``rendered`` (nothing: the key goes), or insert it
    before the first key the schema puts after it."""
    nodes, _ = editor.parse()
    pair = top_level(nodes, GENERATION)
    newline, current = editor.newline, editor.text
    if pair is not None:
        key_node, value_node = pair
        start = line_start(current, key_node.start_mark.index)
        end = line_end(current, max(content_end(value_node, current), key_node.end_mark.index))
        if not rendered:  # drop the key and its line break
            end = min(len(current), end + len(newline))
        editor.splice(start, end, rendered)
        return
    following = [k for k, _ in getattr(nodes, "value", [])
                 if getattr(k, "value", None) in AFTER_GENERATION]
    if following:
        position = line_start(current, following[0].start_mark.index)
        # Comment lines right above a key introduce it: the record goes above them.
        while position > 0:
            previous = line_start(current, position - 1)
            if not current[previous:position].lstrip().startswith("#"):
                break
            position = previous
        editor.splice(position, position, rendered + newline)
    else:
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
