"""What the repository adds to a generated model: proposed assertions and sources.

Where the repository already shows a control (a password-hashing library, a CSRF
middleware, a security header), the generated control gets the assertions that would
verify it (its status stays as generated: ``verify`` says whether they hold). Where each
component and asset was found is written in the generation record (``sources``: entity
id -> ``file:line`` places), and the explanation of ``--explain`` gains a ``repository``
section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from threatgate.edits.generation import GENERATION, add_sources
from threatgate.generate.repository.base import READERS, Clue
from threatgate.generate.repository.scan import RepositoryScan, resolve
from threatgate.generate.repository.signals import signals

#: Most assertions proposed for one control.
MAX_ASSERTIONS = 3


@dataclass
class Proposal:
    """An assertion proposed for a control the repository shows."""

    control: str                  # the rule packs' control id (without C-)
    signal: str
    clue: Clue
    attached_to: list[str] = field(default_factory=list)   # model control ids

    def assertion(self) -> dict[str, Any]:
        signal = signals()[self.signal]
        return {**dict(self.clue.proof or {}),
                "description": f"{signal.name}: {self.clue.value} at {self.clue.where} "
                               "(proposed from the repository)"}


def proposals(scan: RepositoryScan) -> list[Proposal]:
    """One proposal per control and place that evidences it (places with a proof)."""
    table = signals()
    out: list[Proposal] = []
    for signal_id, clues in scan.found.items():
        for control in table[signal_id].controls:
            out += [Proposal(control, signal_id, clue) for clue in clues if clue.proof]
    return out


def _controls_named(model: Mapping[str, Any], control: str) -> list[dict[str, Any]]:
    """The model's controls generated from the packs' control id ``control``."""
    return [entry for entry in model.get("controls") or []
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
            and (entry["id"] == f"C-{control}" or entry["id"].startswith(f"C-{control}-"))]


def _with_assertion(entry: dict[str, Any], assertion: dict[str, Any]) -> bool:
    """Add ``assertion`` to the control (before ``origin``); whether it was added."""
    existing = list(entry.get("assertions") or [])
    same = {k: v for k, v in assertion.items() if k != "description"}
    if len(existing) >= MAX_ASSERTIONS or any(
            {k: v for k, v in a.items() if k != "description"} == same for a in existing):
        return False
    rebuilt = {k: v for k, v in entry.items() if k not in ("assertions", "origin")}
    rebuilt["assertions"] = [*existing, assertion]
    if "origin" in entry:
        rebuilt["origin"] = entry["origin"]
    entry.clear()
    entry.update(rebuilt)
    return True


def sources(scan: RepositoryScan, model: Mapping[str, Any]) -> dict[str, list[str]]:
    """Entity id -> the places that made the generator write it (components, assets)."""
    resolved = resolve(scan)
    components = {c.get("id") for c in model.get("components") or [] if isinstance(c, dict)}
    asset_of = {a.get("kind"): a.get("id") for a in model.get("assets") or []
                if isinstance(a, dict)}
    out: dict[str, list[str]] = {}
    pairs = [*((key, ids) for key, ids in resolved.technologies.items() if key in components),
             *((asset_of[kind], ids) for kind, ids in resolved.data.items() if kind in asset_of)]
    for entity, signal_ids in pairs:
        places = [c.where for s in signal_ids for c in scan.found[s]]
        out.setdefault(str(entity), [])
        out[str(entity)] = list(dict.fromkeys([*out[str(entity)], *places]))
    return out


def apply_to_model(model: dict[str, Any], scan: RepositoryScan) -> list[Proposal]:
    """Attach the proposed assertions and write the sources into ``model``."""
    found = proposals(scan)
    for proposal in found:
        for entry in _controls_named(model, proposal.control):
            if _with_assertion(entry, proposal.assertion()):
                proposal.attached_to.append(str(entry["id"]))
    record = model.get(GENERATION)
    if isinstance(record, dict):
        add_sources(record, sources(scan, model))
    return found


def explanation(scan: RepositoryScan, found: list[Proposal]) -> dict[str, Any]:
    """The ``repository`` section of ``--explain``: signals, places, proposals, notes."""
    table = signals()
    resolved = resolve(scan)
    meaning: dict[str, list[str]] = {}
    for section in (resolved.technologies, resolved.data, resolved.flags):
        for key, signal_ids in section.items():
            for signal_id in signal_ids:
                meaning.setdefault(signal_id, []).append(key)
    for signal_id in scan.found:
        meaning.setdefault(signal_id, []).extend(
            f"control {control}" for control in table[signal_id].controls)
    return {
        "folder": scan.name,
        "files_read": len(scan.files_read),
        "readers": [reader.name for reader in READERS.values()],
        "signals": [{"signal": signal_id, "name": table[signal_id].name,
                     "means": meaning.get(signal_id, []),
                     "modelled": signal_id not in resolved.unmodelled,
                     "found": [{"file": c.file, "line": c.line, "value": c.value}
                               for c in clues]}
                    for signal_id, clues in scan.found.items()],
        "assertions": [{"control": p.control, "attached_to": p.attached_to,
                        "file": p.clue.file, "line": p.clue.line,
                        "assertion": p.assertion()} for p in found],
        "skipped": list(scan.notes),
    }


def explanation_text(section: Mapping[str, Any]) -> str:
    """The ``repository`` section for a person to read."""
    lines = [f"Repository {section['folder']} ({section['files_read']} files read):"]
    for item in section["signals"]:
        places = ", ".join(f"{f['file']}:{f['line']} ({f['value']})" for f in item["found"])
        means = ", ".join(item["means"]) if item["modelled"] else (
            "nothing: the generator has no such technology yet")
        lines.append(f"  {item['name']} -> {means} <- {places}")
    if section["assertions"]:
        lines.append("Proposed assertions (the control's status is unchanged):")
        for item in section["assertions"]:
            target = ", ".join(item["attached_to"]) or (
                f"not attached: no generated control {item['control']}")
            lines.append(f"  {item['assertion']['type']} ({item['file']}:{item['line']}) "
                         f"-> {target}")
    if section["skipped"]:
        lines.append("Skipped:")
        lines.extend(f"  {note}" for note in section["skipped"])
    return "\n".join(lines) + "\n"


def with_repository(explained: Mapping[str, Any], scan: RepositoryScan,
                    found: list[Proposal]) -> dict[str, Any]:
    """The explanation of a generation with the ``repository`` section, and without the
    description offsets (-1) of the detections the repository made."""
    out = dict(explained)
    for section in ("technologies", "data"):
        out[section] = [{**item, "offsets": [o for o in item.get("offsets", [])
                                             if o != [-1, -1]]}
                        for item in explained.get(section, [])]
    out["repository"] = explanation(scan, found)
    return out
