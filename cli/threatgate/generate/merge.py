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
  :class:`threatgate.document.editor.ModelEditor`, so every byte outside them stays as it
  was, and :func:`threatgate.document.transaction.edit_file` makes the write atomic,
  locked and refused if it would make the model invalid.

New threats are linked to the file's existing (active) objectives for the assets and
attackers they endanger; new objectives are the business of
``threatgate generate objectives``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threatgate.document.values import plain_copy
from threatgate.edits.generation import (
    entry_digest,
    generation_record,
    line_starts,
    reconcile,
    record_generation,
    top_level_lines,
)
from threatgate.model.vocabulary import id_index, id_list, items, objective_removed, text

if TYPE_CHECKING:
    from threatgate.document.editor import ModelEditor
    from threatgate.generate.engine import Generated


def append_all(editor: ModelEditor, lists: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Append entries to top-level lists, each with one parse of the file.

    A list the file does not have yet is written as a whole new section in ``fmt``'s
    layout, without parsing the file with ruamel.yaml (slow on large models); the new
    sections are checked together, once."""
    written = False
    for collection, entries in lists.items():
        if not entries:
            continue
        if new_section(editor, collection, entries, check=False):
            written = True
        else:
            editor.append_many(collection, entries)
    if written:
        editor.check_data()


def new_section(editor: ModelEditor, collection: str,
                entries: Sequence[Mapping[str, Any]], *, check: bool = True) -> bool:
    """Write ``entries`` as a new top-level list where the schema's key order puts it
    (before the next key, and the comment lines that introduce it); False when the
    file has the list already or its layout does not allow it. ``check``: read the
    text back at once (else the caller does)."""
    from threatgate.document.canonical import key_orders
    from threatgate.generate.emit import emit

    if collection in editor.data:
        return False
    lines = top_level_lines(editor.text, editor.data.keys())
    orders = key_orders()
    keys = {name: i for i, name in enumerate(orders.items.get(collection, ()))}
    ordered = [dict(sorted(e.items(), key=lambda kv: keys.get(kv[0], len(keys))))
               for e in entries]
    rendered = emit({collection: ordered})
    if lines is None or rendered is None:
        return False
    rank = {name: i for i, name in enumerate(orders.top)}
    later = sorted(line for key, line in lines.items()
                   if rank.get(key, len(rank)) > rank.get(collection, len(rank)))
    text, newline = editor.text, editor.newline
    rendered = rendered.replace("\n", newline)
    starts = line_starts(text)
    if later and later[0] < len(starts):
        index = later[0]
        while index > 0 and text[starts[index - 1]:starts[index]].lstrip().startswith("#"):
            index -= 1
        position = starts[index]
    else:
        position = len(text)
        if text and not text.endswith(("\n", "\r")):
            rendered = newline + rendered
    editor.splice(position, position, rendered)
    editor.data[collection] = [plain_copy(dict(e)) for e in entries]
    if check:
        editor.check_data()
    return True


@dataclass
class MergeResult:
    """What a merge added and what it left alone, by id."""

    added: dict[str, list[str]] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)        # exists already: user edits win
    #: Ids the generator would write that something it did not produce holds (written
    #: by hand, or of another kind): not written, reported.
    conflicts: list[str] = field(default_factory=list)
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
    ours = set(emitted_before) | {
        text(e, "id") for key in ("threats", "controls") for _, e in items(dict(data), key)
        if e.get("origin") == "generated"}

    def held(entity_id: str) -> None:
        (result.kept if entity_id in ours else result.conflicts).append(entity_id)

    added_controls: list[str] = []
    new_controls: list[dict[str, Any]] = []
    for control in generated.controls:
        control_id = str(control.get("id"))
        if control_id in removed_set:
            result.not_restored.append(control_id)
        elif control_id in present:
            held(control_id)
        else:
            new_controls.append({**control, "origin": "generated"})
            present.add(control_id)
            added_controls.append(control_id)
    listed = set(id_list(data.get("frameworks")))
    unlisted = sorted({
        ref.split(":", 1)[0] for c in new_controls for ref in id_list(c.get("compliance"))
        if ":" in ref and ref.split(":", 1)[0] not in listed})
    # The frameworks the new controls map join the model's list (flow or block, or a new
    # one); a list laid out otherwise is left to its author, and reported.
    if unlisted and not editor.extend_text_list("frameworks", unlisted):
        result.unlisted_frameworks = unlisted
    controls_now = {text(c, "id") for _, c in items(editor.data, "controls")} | set(
        added_controls)
    added_threats: list[str] = []
    new_threats: list[dict[str, Any]] = []
    for threat in generated.threats:
        threat_id = str(threat.entry.get("id"))
        if threat_id in removed_set:
            result.not_restored.append(threat_id)
            continue
        if threat_id in present:
            held(threat_id)
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
    append_all(editor, {"controls": new_controls, "threats": new_threats})
    if added_controls:
        result.added["controls"] = added_controls
    if added_threats:
        result.added["threats"] = added_threats
    new_ids = [*added_controls, *added_threats]
    digests = {str(e["id"]): entry_digest(e) for e in [*new_controls, *new_threats]}
    if new_ids or result.newly_removed or list(packs) != record["packs"] or (
            emitted_before != record["emitted"]):
        record_generation(editor, packs=packs, emitted=new_ids, removed=removed,
                          digests=digests)
    return result
