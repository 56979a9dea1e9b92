"""Following architecture changes: generated threats and controls whose rule no longer fires.

``threatgate generate --model`` re-runs the rules on the file's architecture. A
threat or control the generator wrote before (``generation.emitted``) that no rule
yields any more belongs to an architecture that is gone (a flag removed, a component
removed). It is *retired*:

* removed, when nobody touched it: its content still has the digest the generator
  recorded (``generation.digests``) and nothing written by hand refers to it; it
  leaves ``emitted`` without entering ``removed``, so it comes back if its rule fires
  again;
* otherwise kept, tagged ``retired``, and reported: the user's edits are never lost.

A control still named by a threat that stays is in use and is left alone. Nothing is
retired when the run used fewer packs than the ones recorded, since a rule that did
not run says nothing about the architecture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from threatgate.edits.generation import (
    entry_digest,
    generation_record,
    record_generation,
    recorded_digests,
)
from threatgate.model.vocabulary import id_list, items, text

if TYPE_CHECKING:
    from threatgate.document.editor import ModelEditor
    from threatgate.generate.engine import Generated

RETIRED_TAG = "retired"
#: Where a removable control may still be named: the generated objectives' groups.
CONTROL_HOLDERS = frozenset({"objectives"})


@dataclass
class Retirement:
    """Generated entries whose rule no longer fires: removed, or kept and marked."""

    removed: list[str] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)


def _untouched(editor: ModelEditor, collection: str, entity_id: str,
               digest: str | None) -> bool:
    """Whether the entry is as the generator wrote it and only generated lists name it."""
    entry = next((e for _, e in items(editor.data, collection) if text(e, "id") == entity_id),
                 None)
    if entry is None or digest is None or entry_digest(entry) != digest:
        return False
    from threatgate.edits.fields import KINDS
    from threatgate.edits.removal import plan_removal

    kind = KINDS["threat" if collection == "threats" else "control"]
    plan = plan_removal(editor, kind, entity_id)[0]
    holders = CONTROL_HOLDERS if collection == "controls" else frozenset()
    return all(ref.collection in holders for ref in plan.references)


def _mark(editor: ModelEditor, collection: str, entity_id: str) -> None:
    for index, entry in items(editor.data, collection):
        if text(entry, "id") == entity_id:
            tags = id_list(entry.get("tags"))
            if RETIRED_TAG not in tags:
                editor.update_many(collection, {index: {"tags": [*tags, RETIRED_TAG]}})
            return


def retire(editor: ModelEditor, generated: Generated, packs: Sequence[str]) -> Retirement:
    """Retire the generated threats and controls no rule of this run yields."""
    result = Retirement()
    record = generation_record(editor.data)
    if not set(record["packs"]) <= set(packs):
        return result
    produced = {str(t.entry.get("id")) for t in generated.threats}
    produced |= {str(c.get("id")) for c in generated.controls}
    emitted = set(record["emitted"])
    digests = recorded_digests(editor.data)
    for collection in ("threats", "controls"):
        ids = [str(e.get("id")) for _, e in items(editor.data, collection)]
        gone = [i for i in ids if i in emitted and i not in produced]
        if collection == "controls":
            in_use = {c for _, t in items(editor.data, "threats")
                      for c in id_list(t.get("mitigations"))}
            gone = [c for c in gone if c not in in_use]
        for entity_id in gone:
            if _untouched(editor, collection, entity_id, digests.get(entity_id)):
                # The editing verbs are imported only when something is retired.
                from threatgate.edits.fields import KINDS
                from threatgate.edits.removal import remove_entity

                kind = KINDS["threat" if collection == "threats" else "control"]
                remove_entity(editor, kind, entity_id, force=True)
                result.removed.append(entity_id)
            else:
                _mark(editor, collection, entity_id)
                result.marked.append(entity_id)
    if result.removed:
        removed = [i for i in generation_record(editor.data)["removed"]
                   if i not in result.removed]
        record_generation(editor, removed=removed, retired=result.removed)
    return result
