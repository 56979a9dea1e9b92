"""Merge what the rules generate into an existing model file, without touching the user's work.

``threatgate generate --model FILE`` re-runs the rule packs on the file's components
and data flows. The merge obeys three rules:

* user edits win: an entry whose id already exists is never changed, whatever the
  generator would write now;
* deleted stays deleted: the top-level ``generation`` record lists the ids the
  generator wrote (``emitted``); an emitted id that is no longer in the file was
  removed by hand and moves to ``removed``, and an id in ``removed`` is never written
  again;
* only new entries are appended, each with ``origin: generated``, through
  :class:`threatgate.document.editor.ModelEditor`, so every byte outside them stays as it was and
  the write is atomic, locked and refused if it would make the model invalid.

New threats are linked to the file's existing (active) objectives for the assets and
attackers they endanger; new objectives are the business of
``threatgate generate objectives``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threatgate.analysis.posture import objective_removed
from threatgate.model.vocabulary import id_index, id_list, items, text

if TYPE_CHECKING:
    from threatgate.document.editor import ModelEditor
    from threatgate.generate.engine import Generated

#: Top-level keys the schema puts after ``generation`` (a new record goes before them).
AFTER_GENERATION = ("components", "dataflows", "trust_boundaries", "assets", "attackers",
                    "objectives", "threats", "controls", "assumptions", "acceptances",
                    "findings")


def generation_record(data: Mapping[str, Any]) -> dict[str, list[str]]:
    record = data.get("generation")
    if not isinstance(record, dict):
        return {"packs": [], "emitted": [], "removed": []}
    return {key: id_list(record.get(key)) for key in ("packs", "emitted", "removed")}


def reconcile(data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(emitted, removed) after moving emitted ids missing from the file to removed."""
    record = generation_record(data)
    present = set(id_index(dict(data)))
    emitted = [i for i in record["emitted"] if i in present]
    removed = list(dict.fromkeys([*record["removed"],
                                  *(i for i in record["emitted"] if i not in present)]))
    return emitted, removed


def _render_generation(editor: ModelEditor, value: Mapping[str, list[str]]) -> str:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from threatgate.document.canonical import _round_trip_yaml

    inner = CommentedMap()
    for key in ("packs", "emitted", "removed"):
        if key not in value:
            continue
        seq = CommentedSeq(value[key])
        if sum(len(v) + 2 for v in value[key]) <= 80:
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        inner[key] = seq
    yaml = _round_trip_yaml()
    out = io.StringIO()
    yaml.dump(CommentedMap([("generation", inner)]), out)
    rendered = out.getvalue().rstrip("\n")
    newline = getattr(editor, "_newline", "\n")
    return rendered.replace("\n", newline) if newline != "\n" else rendered


def record_generation(editor: ModelEditor, *, packs: Iterable[str] | None = None,
                      emitted: Iterable[str] = (),
                      removed: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Write the top-level ``generation`` record: packs (if given) replace the list,
    ``emitted`` ids are added to it, ``removed`` (if given) replaces that list and
    takes its ids out of ``emitted``. Only the record's own lines change."""
    from threatgate.document.editor import _content_end, _line_end, _line_start, _top_level

    record = generation_record(editor.data)
    if packs is not None:
        record["packs"] = list(dict.fromkeys(packs))
    if removed is not None:
        record["removed"] = list(dict.fromkeys(removed))
    gone = set(record["removed"])
    record["emitted"] = [i for i in dict.fromkeys([*record["emitted"], *emitted])
                         if i not in gone]
    value = {k: v for k, v in record.items() if v}
    before = editor.data.get("generation")
    if before == value or (before is None and not value):
        return record
    rendered = _render_generation(editor, value) if value else ""
    nodes, _ = editor._parse()
    pair = _top_level(nodes, "generation")
    newline = editor._newline
    current = editor._text
    if pair is not None:
        key_node, value_node = pair
        start = _line_start(current, key_node.start_mark.index)
        end = _line_end(current, max(_content_end(value_node, current),
                                     key_node.end_mark.index))
        if not rendered:  # drop the key and its line break
            end = min(len(current), end + len(newline))
        editor._splice(start, end, rendered)
    else:
        following = [k for k, _ in getattr(nodes, "value", [])
                     if getattr(k, "value", None) in AFTER_GENERATION]
        if following:
            position = _line_start(current, following[0].start_mark.index)
            # Comment lines right above a key introduce it: the record goes above them.
            while position > 0:
                previous = _line_start(current, position - 1)
                if not current[previous:position].lstrip().startswith("#"):
                    break
                position = previous
            editor._splice(position, position, rendered + newline)
        else:
            tail = "" if not current or current.endswith(("\n", "\r")) else newline
            editor._splice(len(current), len(current), tail + rendered + newline)
    if value:
        editor.data["generation"] = value
    else:
        editor.data.pop("generation", None)
    editor._check_data()
    return record


def append_all(editor: ModelEditor, collection: str, entries: Sequence[Mapping[str, Any]]) -> None:
    """Append several entries to a top-level list with one parse of the file.

    ``ModelEditor.append`` re-parses the whole file for every entry (ruamel.yaml's
    round-trip parser is pure Python), which makes adding dozens of generated entries
    slow. The first entry goes through ``append`` (which creates the list or turns a
    flow list into a block list when needed); the rest are rendered with the layout of
    the list and spliced after it in one go, then checked exactly as ``append`` checks.
    """
    import copy

    from threatgate.document.editor import (
        FLOW_WIDTH,
        _content_end,
        _is_flow,
        _item_layout,
        _line_end,
        _needs_block,
        _top_level,
    )

    if not entries:
        return
    editor.append(collection, entries[0])
    rest = [copy.deepcopy(dict(e)) for e in entries[1:]]
    if not rest:
        return
    nodes, _ = editor._parse()
    pair = _top_level(nodes, collection)
    if pair is None or _is_flow(pair[1]):  # pragma: no cover - append made a block list
        for entry in rest:
            editor.append(collection, entry)
        return
    items_ = pair[1].value
    layout = _item_layout(editor._text, items_[0])
    if layout is None:  # pragma: no cover - append refused such a list already
        raise editor._layout_error(collection, items_[0])
    last = items_[-1]
    flow = _is_flow(last)
    rendered = []
    for entry in rest:
        as_flow = flow and not any(_needs_block(v) for v in entry.values())
        text_ = editor._render([editor._new_entry(collection, entry, flow=as_flow)], layout)
        if as_flow and len(text_) > FLOW_WIDTH:
            text_ = editor._render([editor._new_entry(collection, entry, flow=False)], layout)
        rendered.append(text_)
    end = last.end_mark.index if flow else _content_end(last, editor._text)
    position = _line_end(editor._text, end)
    separator = editor._newline * (2 if editor._blank_between(items_) else 1)
    editor._splice(position, position,
                   "".join(separator + piece for piece in rendered))
    editor.data[collection].extend(rest)
    editor._check_data()


@dataclass
class MergeResult:
    """What a merge added and what it left alone, by id."""

    added: dict[str, list[str]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)        # exists already: user edits win
    not_restored: list[str] = field(default_factory=list)  # removed by hand earlier
    newly_removed: list[str] = field(default_factory=list)
    #: Frameworks the added controls map to that the model's ``frameworks`` lacks.
    unlisted_frameworks: list[str] = field(default_factory=list)

    @property
    def total_added(self) -> int:
        return sum(len(v) for v in self.added.values())


def architecture_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a model the rules read."""
    return {key: [e for _, e in items(dict(data), key)]
            for key in ("components", "dataflows", "trust_boundaries", "assets")}


def _objective_links(data: Mapping[str, Any], assets: Sequence[str],
                     positions: Sequence[str], properties: Sequence[str]) -> list[str]:
    """Existing active objectives for the endangered assets and attacker positions."""
    model = dict(data)
    asset_props = {text(a, "id"): set(id_list(a.get("properties")))
                   for _, a in items(model, "assets")}
    position_of = {text(a, "id"): text(a, "position") for _, a in items(model, "attackers")}
    at_stake = set(properties)
    linked = []
    for _, objective in items(model, "objectives"):
        asset, attacker = text(objective, "asset"), text(objective, "attacker")
        objective_id = text(objective, "id")
        if objective_removed(objective) or not objective_id or asset not in asset_props:
            continue
        if assets and asset not in assets:
            continue
        if at_stake and not at_stake & asset_props[asset]:
            continue
        if positions and position_of.get(attacker) not in positions:
            continue
        linked.append(objective_id)
    return linked


def merge_generated(editor: ModelEditor, generated: Generated,
                    packs: Sequence[str]) -> MergeResult:
    """Append the generated threats and controls the file does not have yet."""
    data = editor.data
    emitted_before, removed = reconcile(data)
    record = generation_record(data)
    result = MergeResult(newly_removed=[i for i in removed if i not in record["removed"]])
    removed_set = set(removed)
    present = set(id_index(data))
    added_controls: list[str] = []
    new_controls: list[dict[str, Any]] = []
    for control in generated.controls:
        control_id = str(control.get("id"))
        if control_id in removed_set:
            result.not_restored.append(control_id)
        elif control_id in present:
            result.kept.append(control_id)
        else:
            new_controls.append({**control, "origin": "generated"})
            present.add(control_id)
            added_controls.append(control_id)
    append_all(editor, "controls", new_controls)
    listed = set(id_list(data.get("frameworks")))
    result.unlisted_frameworks = sorted({
        ref.split(":", 1)[0] for c in new_controls for ref in id_list(c.get("compliance"))
        if ":" in ref and ref.split(":", 1)[0] not in listed})
    controls_now = {text(c, "id") for _, c in items(editor.data, "controls")}
    added_threats: list[str] = []
    new_threats: list[dict[str, Any]] = []
    for threat in generated.threats:
        threat_id = str(threat.entry.get("id"))
        if threat_id in removed_set:
            result.not_restored.append(threat_id)
            continue
        if threat_id in present:
            result.kept.append(threat_id)
            continue
        entry = {k: v for k, v in threat.entry.items() if k != "objectives"}
        mitigations = [c for c in id_list(entry.get("mitigations")) if c in controls_now]
        if mitigations:
            entry["mitigations"] = mitigations
        else:
            entry.pop("mitigations", None)
        objectives = _objective_links(editor.data, threat.assets, threat.attacker_positions,
                                      threat.properties)
        if objectives:
            entry["objectives"] = objectives
        entry["origin"] = "generated"
        new_threats.append(entry)
        present.add(threat_id)
        added_threats.append(threat_id)
    append_all(editor, "threats", new_threats)
    if added_controls:
        result.added["controls"] = added_controls
    if added_threats:
        result.added["threats"] = added_threats
    new_ids = [*added_controls, *added_threats]
    if new_ids or result.newly_removed or list(packs) != record["packs"] or (
            emitted_before != record["emitted"]):
        record_generation(editor, packs=packs, emitted=new_ids, removed=removed)
    return result
