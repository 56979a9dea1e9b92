"""From a description to a complete model: architecture, rules, objectives, YAML.

The steps, all deterministic:

1. the architecture (components, data flows, trust boundaries, assets, attackers) as
   :mod:`threatgate.generate.architecture` drafts it from the catalogue's wiring;
2. the rule packs run over that architecture (``engine.apply_packs``);
3. each threat is linked to the objectives (asset x attacker) it endangers, and each
   objective gets the mitigation groups that would mitigate all its threats.

Everything written carries ``origin: generated`` and is listed in ``generation.emitted``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from threatgate.edits.generation import DIGESTED, GENERATION, entry_digest, new_record
from threatgate.generate.architecture import Architecture, architecture
from threatgate.generate.describe import Description, vocabulary
from threatgate.generate.emit import FLOW_RISKY, emit
from threatgate.generate.engine import Generated
from threatgate.generate.objectives import combine_groups, objective_id
from threatgate.generate.rulepacks import RulePack
from threatgate.model.schema import modeline

ApplyPacks = Callable[[Mapping[str, Any]], Generated]


@dataclass
class Assembled:
    """The generated model and what produced it."""

    model: dict[str, Any]
    architecture: Architecture
    generated: Generated


# --- names and ids ----------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """The description as YAML can carry it: no control characters, no lone surrogates.

    U+2028 and U+2029 become plain newlines: YAML readers treat them as line breaks, so
    left inside a block scalar they would end it early and break the file.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n")).strip()


def title_from(description: str) -> str:
    """A one-line title: the first sentence, at most 80 characters, capitalised.

    Invisible format characters (zero-width spaces, byte-order marks, direction
    overrides) are left out, and a title without a single letter or digit becomes the
    default, so that no model is titled with something nobody can see or read.
    """
    first = re.split(r"(?<=[.!?])\s|\n", clean_text(description), maxsplit=1)[0]
    first = "".join(c for c in first if unicodedata.category(c) != "Cf")
    first = " ".join(first.split()).rstrip(".!?;:, ")
    if not any(c.isalnum() for c in first):
        return "Generated threat model"
    if len(first) > 80:
        first = first[:80].rsplit(" ", 1)[0].rstrip(".,;:") or first[:80]
    return (first[:1].upper() + first[1:]) or "Generated threat model"


#: The longest model id made from a title (``--id`` chooses any other).
MAX_MODEL_ID = 32
#: Words left out of an id made from a long title.
_FILLER = frozenset({
    "a", "an", "and", "the", "of", "for", "to", "in", "on", "by", "with", "from", "via",
    "where", "which", "that", "who", "is", "are", "our", "their", "its", "into", "over",
    "through", "when"})


def model_id_from(title: str) -> str:
    """A short model id from a title: ASCII lower case, hyphens, at most 32 characters.

    A title that does not fit loses its filler words ("with", "the", ...), then its last
    words, so the id names the first things the title says.
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text.lower()) if w]
    if len("-".join(words)) > MAX_MODEL_ID:
        words = [w for w in words if w not in _FILLER] or words
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > MAX_MODEL_ID:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:MAX_MODEL_ID]
    return slug or "generated-model"


# --- the whole model ----------------------------------------------------------------------


@dataclass
class Links:
    """Threat -> objectives, and objective -> mitigation groups."""

    threat_objectives: dict[str, list[str]]
    objectives: list[dict[str, Any]]


def link_objectives(assets: Sequence[Mapping[str, Any]], attackers: Sequence[Mapping[str, Any]],
                    generated: Generated) -> Links:
    """The asset x attacker matrix, each threat linked to the objectives it endangers."""
    asset_ids = [str(a["id"]) for a in assets]
    properties = {str(a["id"]): list(a.get("properties") or []) for a in assets}
    attacker_ids = [str(a["id"]) for a in attackers]
    by_position: dict[str, list[str]] = {}
    for person in attackers:
        by_position.setdefault(str(person.get("position")), []).append(str(person["id"]))
    threat_objectives: dict[str, list[str]] = {}
    groups_of: dict[str, list[list[list[str]]]] = {}
    for threat in generated.threats:
        threat_id = str(threat.entry.get("id"))
        at_stake = set(threat.properties)
        endangered = [a for a in threat.assets if a in properties] or [
            a for a in asset_ids if not at_stake or at_stake & set(properties[a])]
        endangered = [a for a in endangered if not at_stake or at_stake & set(properties[a])]
        who = ([x for p in threat.attacker_positions for x in by_position.get(p, [])]
               if threat.attacker_positions else list(attacker_ids))
        linked = []
        for asset in asset_ids:
            if asset not in endangered:
                continue
            for attacker in attacker_ids:
                if attacker in who:
                    objective = objective_id(asset, attacker)
                    linked.append(objective)
                    groups_of.setdefault(objective, []).append(
                        [list(g) for g in threat.groups])
        threat_objectives[threat_id] = linked
    objectives = []
    for asset in asset_ids:
        for attacker in attacker_ids:
            objective = objective_id(asset, attacker)
            entry: dict[str, Any] = {"id": objective, "asset": asset, "attacker": attacker,
                                     "properties": properties[asset]}
            groups = combine_groups(groups_of.get(objective, []))
            if groups:
                entry["mitigated_by"] = groups
            entry["origin"] = "generated"
            objectives.append(entry)
    return Links(threat_objectives, objectives)


def _threat_entry(entry: Mapping[str, Any], objectives: list[str]) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k != "objectives"}
    if objectives:
        out["objectives"] = objectives
    out["origin"] = "generated"
    return out


def assemble(description: Description, *, packs: Sequence[RulePack], run: ApplyPacks,
             model_id: str | None = None, title: str | None = None) -> Assembled:
    """The complete model for a description (``run`` is ``engine.apply_packs`` bound to packs)."""
    arch = architecture(description)
    architecture_model: dict[str, Any] = {
        "components": arch.components, "dataflows": arch.dataflows,
        "trust_boundaries": arch.trust_boundaries, "assets": arch.assets}
    generated = run(architecture_model)
    links = link_objectives(arch.assets, arch.attackers, generated)
    heading = title or title_from(description.text)
    threats = [_threat_entry(t.entry, links.threat_objectives.get(str(t.entry.get("id")), []))
               for t in generated.threats]
    controls = [{**c, "origin": "generated"} for c in generated.controls]
    frameworks = sorted({ref.split(":", 1)[0] for c in controls
                         for ref in c.get("compliance") or [] if ":" in ref})
    model: dict[str, Any] = {"threatgate": 1, "id": model_id or model_id_from(heading),
                             "title": heading, "description": clean_text(description.text)}
    if frameworks:
        model["frameworks"] = frameworks
    sections = {"components": arch.components, "dataflows": arch.dataflows,
                "trust_boundaries": arch.trust_boundaries, "assets": arch.assets,
                "attackers": arch.attackers, "objectives": links.objectives,
                "threats": threats, "controls": controls}
    emitted = [str(e["id"]) for entries in sections.values() for e in entries]
    for key, entries in sections.items():
        if entries:
            model[key] = entries
    digests = {str(e["id"]): entry_digest(e) for key in DIGESTED for e in sections[key]}
    model[GENERATION] = new_record([p.name for p in packs], emitted, digests)
    return Assembled(model, arch, generated)


# --- writing ----------------------------------------------------------------------------------


def dump_model(model: Mapping[str, Any]) -> str:
    """The model file: the schema modeline of this release, then the model as YAML in
    threatgate's canonical layout (``fmt --check`` passes), written in one pass."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    from threatgate.document.canonical import key_orders
    from threatgate.document.roundtrip import round_trip_yaml

    orders = key_orders()

    def ordered(mapping: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
        rank = {key: i for i, key in enumerate(order)}
        return dict(sorted(mapping.items(), key=lambda kv: rank.get(kv[0], len(rank))))

    def convert(value: Any, *, inline: bool = False) -> Any:
        if isinstance(value, Mapping):
            out = CommentedMap()
            for key, item in value.items():
                out[key] = convert(item, inline=inline)
            if inline:
                out.fa.set_flow_style()
            return out
        if isinstance(value, list):
            scalars = all(not isinstance(v, (Mapping, list)) for v in value)
            groups = all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                         for v in value)
            flow = inline or (scalars and sum(len(str(v)) + 2 for v in value) <= 80) or (
                groups and bool(value) and sum(len(str(v)) for v in value) <= 80)
            seq = CommentedSeq([convert(v, inline=flow) for v in value])
            if flow:
                seq.fa.set_flow_style()
            else:
                seq.fa.set_block_style()
            return seq
        if isinstance(value, str) and "\n" in value:
            return LiteralScalarString(value.rstrip("\n") + "\n")
        if isinstance(value, str) and inline and FLOW_RISKY.search(value):
            return SingleQuotedScalarString(value)
        return value

    yaml = round_trip_yaml()
    out = io.StringIO()
    # Keys in the schema's order, as `fmt` puts them: the text is written once, in its
    # canonical layout, instead of being written, read back and rewritten.
    body = ordered({k: v for k, v in model.items() if k != GENERATION}, orders.top)
    for collection, order in orders.items.items():
        if isinstance(body.get(collection), list):
            body[collection] = [ordered(e, order) if isinstance(e, Mapping) else e
                                for e in body[collection]]
    direct = emit({**body, **({GENERATION: model[GENERATION]} if GENERATION in model else {})},
                  frozenset({GENERATION}))
    if direct is not None:
        return modeline() + "\n" + direct
    document = convert(body)
    if GENERATION in model:  # bookkeeping: compact, in flow style, at the end
        record = CommentedMap()
        for key, value in model[GENERATION].items():
            record[key] = convert(value, inline=True)
        document[GENERATION] = record
    yaml.dump(document, out)
    return modeline() + "\n" + out.getvalue()


# --- explanation ------------------------------------------------------------------------------


def explanation(assembled: Assembled, description: Description) -> dict[str, Any]:
    """Which words triggered which technology, data kind and flag; which rules fired."""
    vocab = vocabulary()
    arch = assembled.architecture
    by_key = {c["id"]: c for c in arch.components}
    asset_of = {a["kind"]: a["id"] for a in arch.assets}
    offsets = {(d.section, d.key): [[t.start, t.end] for t in d.triggers]
               for d in [*description.technologies, *description.data, *description.flags]}
    technologies, data, flags, assumed = [], [], [], []
    for note in arch.notes:
        if note.kind == "technology" and note.key in by_key:
            technologies.append({"technology": note.key, "type": by_key[note.key]["type"],
                                 "component": note.key, "words": note.words,
                                 "offsets": offsets.get(("technology", note.key), [])})
        elif note.kind == "data":
            data.append({"kind": note.key, "asset": asset_of.get(note.key),
                         "words": note.words, "offsets": offsets.get(("data", note.key), [])})
        elif note.kind == "flag":
            spec = vocab.flags[note.key]
            flags.append({"flag": spec.flag, "words": note.words,
                          "components": [c["id"] for c in arch.components
                                         if spec.flag in c.get("flags", [])]})
        elif note.kind == "assumed":
            assumed.append({"what": note.key, "reason": note.reason})
    ignored = [{"words": t.text, "offsets": [t.start, t.end]} for t in description.negated]
    displaced = [{"section": d.section, "key": d.key, "words": d.words, "explained_by": by}
                 for d, by in description.displaced]
    return {
        "technologies": technologies, "data": data, "flags": flags, "assumed": assumed,
        "negated": ignored, "displaced": displaced, "questions": list(arch.questions),
        "rules": [{"rule": f.rule, "elements": list(f.elements), "reason": f.reason}
                  for f in assembled.generated.fired],
        "not_applicable": [{"rule": n.rule, "explanation": n.explanation}
                           for n in assembled.generated.not_applicable],
    }


def explanation_text(explained: Mapping[str, Any]) -> str:
    """The explanation for a person to read."""
    lines = ["Technologies:"]
    for item in explained["technologies"]:
        words = ", ".join(f'"{w}"' for w in item["words"])
        lines.append(f"  {item['component']} ({item['type']}) <- {words}")
    lines.append("Data:")
    for item in explained["data"]:
        words = ", ".join(f'"{w}"' for w in item["words"])
        lines.append(f"  {item['asset']} {item['kind']} <- {words}")
    if explained["flags"]:
        lines.append("Behaviour flags:")
        for item in explained["flags"]:
            words = ", ".join(f'"{w}"' for w in item["words"])
            where = ", ".join(item["components"]) or "no component"
            lines.append(f"  {item['flag']} on {where} <- {words}")
    if explained["assumed"]:
        lines.append("Assumed (not named in the description):")
        lines.extend(f"  {item['what']}: {item['reason']}" for item in explained["assumed"])
    if explained.get("negated"):
        words = ", ".join(f'"{item["words"]}"' for item in explained["negated"])
        lines.append(f"Ignored (negated): {words}")
    for item in explained.get("displaced", []):
        words = ", ".join(f'"{w}"' for w in item["words"])
        lines.append(f"Not taken as {item['key']} ({words}): explained by {item['explained_by']}")
    if explained.get("questions"):
        lines.append("Questions (answer them in the description to sharpen the model):")
        lines.extend(f"  - {question}" for question in explained["questions"])
    lines.append(f"Rules fired ({len(explained['rules'])}):")
    for item in explained["rules"]:
        lines.append(f"  {item['rule']} on {', '.join(item['elements'])}: {item['reason']}")
    return "\n".join(lines) + "\n"


def dump_plain(data: Any) -> str:
    """Plain data (an explanation) as block-style YAML."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
