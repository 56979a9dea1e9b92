"""Property tests: random sequences of edit verbs on a commented model.

Every sequence of add / edit / remove (forced) / set-status operations must keep the
model valid, keep every comment that is not inside a removed entry, and keep the
non-blank lines outside the touched entries exactly as they were.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threatgate.document.layout import content_end, node_end
from threatgate.document.roundtrip import round_trip_yaml
from threatgate.document.transaction import edit_file
from threatgate.edits.entities import (
    EditRequest,
    add_entity,
    control_statuses,
    edit_entity,
    set_status,
)
from threatgate.edits.fields import KINDS
from threatgate.edits.removal import remove_entity
from threatgate.model.loader import load_text
from threatgate.validate.files import check_bytes

TODAY = dt.date(2026, 6, 1)
TAG = re.compile(r"# c\d+\b")


# --- a random commented model -----------------------------------------------------------------


@dataclass
class Layout:
    """How the generated file is written."""

    flow: dict[str, bool]
    blank_between: bool
    comment_above: bool
    comment_inside: bool
    crlf: bool
    bom: bool


@dataclass
class Generated:
    text: str
    #: Comment tags written inside each entry (on its lines), by entity id.
    inside: dict[str, set[str]] = field(default_factory=dict)


class _Writer:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.lines: list[str] = []
        self.counter = itertools.count(1)
        self.inside: dict[str, set[str]] = {}

    def tag(self) -> str:
        return f"# c{next(self.counter)}"

    def collection(self, name: str, entries: list[dict[str, Any]]) -> None:
        self.lines.append(f"{name}:   {self.tag()}")
        for position, entry in enumerate(entries):
            if position and self.layout.blank_between:
                self.lines.append("")
            if self.layout.comment_above:
                self.lines.append(f"  {self.tag()}")
            self.entry(name, entry)

    def entry(self, collection: str, entry: dict[str, Any]) -> None:
        own = self.inside.setdefault(entry["id"], set())
        if self.layout.flow.get(collection):
            body = ", ".join(f"{k}: {_scalar(v, flow=True)}" for k, v in entry.items())
            line = f"  - {{{body}}}"
            if self.layout.comment_inside:
                tag = self.tag()
                own.add(tag)
                line += f"   {tag}"
            self.lines.append(line)
            return
        for index, (key, value) in enumerate(entry.items()):
            prefix = "  - " if index == 0 else "    "
            line = f"{prefix}{key}: {_scalar(value, flow=False)}"
            # Comments go on scalar lines only: a reference list may lose an item.
            if self.layout.comment_inside and not isinstance(value, list):
                tag = self.tag()
                own.add(tag)
                line += f"  {tag}"
            self.lines.append(line)


def _scalar(value: Any, *, flow: bool) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v, flow=True) for v in value) + "]"
    if isinstance(value, str) and (":" in value or value[:1] in "'\"[{"):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


@st.composite
def models(draw: st.DrawFn) -> Generated:
    layout = Layout(
        flow={name: draw(st.booleans()) for name in
              ("assets", "attackers", "objectives", "threats", "controls", "assumptions",
               "acceptances")},
        blank_between=draw(st.booleans()), comment_above=draw(st.booleans()),
        comment_inside=draw(st.booleans()), crlf=draw(st.booleans()), bom=draw(st.booleans()))
    n_controls = draw(st.integers(1, 4))
    controls = [{"id": f"C{i}", "title": f"Control {i}",
                 "status": draw(st.sampled_from(control_statuses()))}
                for i in range(1, n_controls + 1)]
    control_ids = [c["id"] for c in controls]
    assets = [{"id": f"A{i}", "name": f"Asset {i}", "properties": ["confidentiality"]}
              for i in range(1, draw(st.integers(1, 3)) + 1)]
    attackers = [{"id": f"ATK{i}", "name": f"Attacker {i}", "capability": "Sends requests.",
                  "position": "external"} for i in range(1, draw(st.integers(1, 2)) + 1)]
    assumptions = [{"id": f"AS{i}", "description": f"Assumption {i}"}
                   for i in range(1, draw(st.integers(0, 2)) + 1)]
    objectives = []
    for number, (asset, attacker) in enumerate(itertools.product(assets, attackers), 1):
        objective: dict[str, Any] = {"id": f"CO{number}", "asset": asset["id"],
                                     "attacker": attacker["id"]}
        groups = draw(st.lists(st.lists(st.sampled_from(control_ids), min_size=1,
                                        max_size=2, unique=True), max_size=2))
        if groups:
            objective["mitigated_by"] = groups
        chosen = draw(st.lists(st.sampled_from([a["id"] for a in assumptions] or ["-"]),
                               max_size=1, unique=True))
        if assumptions and chosen:
            objective["assumptions"] = chosen
        objectives.append(objective)
    threats = []
    for number in range(1, draw(st.integers(0, 4)) + 1):
        threat: dict[str, Any] = {"id": f"T{number}", "title": f"Threat {number}: bad",
                                  "likelihood": draw(st.integers(1, 5)),
                                  "impact": draw(st.integers(1, 5))}
        linked = draw(st.lists(st.sampled_from([o["id"] for o in objectives]), max_size=2,
                               unique=True))
        if linked:
            threat["objectives"] = linked
        mitigations = draw(st.lists(st.sampled_from(control_ids), max_size=2, unique=True))
        if mitigations:
            threat["mitigations"] = mitigations
        if draw(st.booleans()):
            threat["origin"] = "generated"
        threats.append(threat)
    acceptances = []
    if threats and draw(st.booleans()):
        acceptances.append({"id": "ACC1", "threat": threats[0]["id"], "owner": "cto",
                            "justification": "later", "review_by": "2026-12-31"})
    emitted = draw(st.lists(st.sampled_from(control_ids), max_size=2, unique=True))
    writer = _Writer(layout)
    writer.lines += [f"# model header {writer.tag()}", "threatgate: 1",
                     f"id: prop   {writer.tag()}", "title: 'Property: model'"]
    if emitted:
        writer.lines += ["generation:", "  packs: [web]", f"  emitted: [{', '.join(emitted)}]"]
    for name, entries in (("assets", assets), ("attackers", attackers),
                          ("objectives", objectives), ("threats", threats),
                          ("controls", controls), ("assumptions", assumptions),
                          ("acceptances", acceptances)):
        if entries:
            writer.collection(name, entries)
    writer.lines += [f"# trailing {writer.tag()}", ""]
    newline = "\r\n" if layout.crlf else "\n"
    return Generated(("\ufeff" if layout.bom else "") + newline.join(writer.lines),
                     writer.inside)


# --- operations -------------------------------------------------------------------------------


@dataclass
class Outcome:
    touched: set[tuple[str, str]]
    removed_ids: set[str]
    generation: bool = False
    #: A collection the operation created (its key line is new).
    created: str | None = None


def _ids(data: dict[str, Any], collection: str) -> list[str]:
    return [e["id"] for e in data.get(collection) or [] if isinstance(e.get("id"), str)]


def _operation(draw: Any, data: dict[str, Any]) -> tuple[str, Any]:
    """Draw one operation that is valid for the current data."""
    controls = _ids(data, "controls")
    choices = ["add-threat", "add-control", "add-asset"]
    if controls:
        choices += ["set-status", "edit-control"]
    if _ids(data, "threats"):
        choices += ["edit-threat"]
    removable = [(kind, entity_id) for kind in ("asset", "attacker", "objective", "threat",
                                                "control", "assumption", "acceptance")
                 for entity_id in _ids(data, KINDS[kind].collection)]
    if removable:
        choices += ["remove", "remove"]
    choice = draw(st.sampled_from(choices))
    if choice == "remove":
        return choice, draw(st.sampled_from(removable))
    if choice == "set-status":
        return choice, (draw(st.sampled_from(controls)),
                        draw(st.sampled_from(control_statuses())),
                        draw(st.sampled_from([None, "rolled out", "a: b # not a comment"])))
    if choice == "edit-control":
        return choice, (draw(st.sampled_from(controls)), draw(st.sampled_from(
            ["Renamed", "Ünïcödé: “quoted”", "- dash"])))
    if choice == "edit-threat":
        threat = draw(st.sampled_from(_ids(data, "threats")))
        return choice, (threat, draw(st.integers(1, 5)),
                        draw(st.lists(st.sampled_from(controls or ["-"]), max_size=1)))
    if choice == "add-threat":
        return choice, draw(st.lists(st.sampled_from(controls), max_size=2, unique=True)
                            if controls else st.just([]))
    return choice, None


def _apply(path: Path, operation: tuple[str, Any]) -> Outcome:
    choice, argument = operation
    if choice == "remove":
        kind, entity_id = argument
        outcome = edit_file(path, lambda e: remove_entity(e, KINDS[kind], entity_id,
                                                          force=True), today=TODAY)
        removed = outcome.value
        touched = {(KINDS[kind].collection, entity_id)}
        touched |= {(d.collection, d.entity_id) for d in removed.dropped}
        touched |= {(c.collection, c.entity_id) for c in removed.cleaned}
        removed_ids = {entity_id} | {d.entity_id for d in removed.dropped}
        return Outcome(touched, removed_ids, bool(removed.generation_removed))
    if choice == "set-status":
        control, status, note = argument
        edit_file(path, lambda e: set_status(e, control, status, note=note, today=TODAY),
                  today=TODAY)
        return Outcome({("controls", control)}, set())
    if choice == "edit-control":
        control, title = argument
        edit_file(path, lambda e: edit_entity(e, KINDS["control"], control,
                                              EditRequest(set={"title": title})), today=TODAY)
        return Outcome({("controls", control)}, set())
    if choice == "edit-threat":
        threat, likelihood, extra = argument
        request = EditRequest(set={"likelihood": likelihood},
                              add_to=[("mitigations", extra)] if extra and extra != ["-"]
                              else [])
        edit_file(path, lambda e: edit_entity(e, KINDS["threat"], threat, request),
                  today=TODAY)
        return Outcome({("threats", threat)}, set())
    kind, values = {
        "add-threat": ("threat", {"title": "New: threat", "mitigations": argument}
                       if argument else {"title": "New: threat"}),
        "add-control": ("control", {"title": "New control # not a comment"}),
        "add-asset": ("asset", {"name": "New asset", "properties": ["integrity"]}),
    }[choice]
    collection = KINDS[kind].collection
    existed = collection in load_text(path.read_text(encoding="utf-8-sig")).data
    outcome = edit_file(path, lambda e: add_entity(e, KINDS[kind], values, entity_id=None,
                                                   today=TODAY), today=TODAY)
    return Outcome({(collection, str(outcome.value.entity_id))}, set(),
                   created=None if existed else collection)


# --- what must hold ---------------------------------------------------------------------------


def _spans(text: str) -> dict[tuple[str, str], range]:
    """Line ranges of every entry (by collection and id) and of the generation record."""
    root = round_trip_yaml().compose(text)
    spans: dict[tuple[str, str], range] = {}

    lines = text.split("\n")

    def line_of(index: int) -> int:
        return text.count("\n", 0, index)

    for key_node, value_node in root.value:
        if key_node.value == "generation":
            spans[("generation", "")] = range(key_node.start_mark.line,
                                              line_of(content_end(value_node, text)) + 1)
        if value_node.id != "sequence":
            continue
        for item in value_node.value:
            if item.id != "mapping":
                continue
            entity_id = next((v.value for k, v in item.value if k.value == "id"), None)
            end = node_end(item, text)
            last = line_of(end)
            # Comment lines indented like the entry's content belong to it: ruamel.yaml
            # writes a comment that ended a line below a value that became a block scalar.
            while last + 1 < len(lines) and lines[last + 1].strip().startswith("#") and \
                    len(lines[last + 1]) - len(lines[last + 1].lstrip()) >= \
                    item.start_mark.column:
                last += 1
            spans[(key_node.value, str(entity_id))] = range(item.start_mark.line, last + 1)
    return spans


def _outside(text: str, touched: set[tuple[str, str]]) -> list[str]:
    text = text.replace("\r\n", "\n")
    spans = _spans(text)
    hidden = {line for key in touched if key in spans for line in spans[key]}
    return [re.sub(r"^(\w+): \[\]", r"\1:", line)
            for number, line in enumerate(text.split("\n"))
            if number not in hidden and line.strip()]


def _errors(raw: bytes) -> list[Any]:
    return [p for p in check_bytes(raw, TODAY, 32)["problems"] if p[0] == "error"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(model=models(), data=st.data())
def test_random_edit_sequences_keep_the_model_valid_and_the_rest_intact(
        model: Generated, data: st.DataObject, tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "model.yaml"
    path.write_bytes(model.text.encode())
    bom = model.text.startswith("\ufeff")
    assert not _errors(path.read_bytes()), _errors(path.read_bytes())
    comments = set(TAG.findall(model.text))
    crlf = "\r\n" in model.text
    for _ in range(data.draw(st.integers(1, 6), label="steps")):
        before = path.read_text(encoding="utf-8-sig")
        current = load_text(before).data
        operation = _operation(data.draw, current)
        data.draw(st.just(operation), label="operation")
        outcome = _apply(path, operation)
        after = path.read_text(encoding="utf-8-sig")
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == bom
        assert not _errors(raw), (operation, _errors(raw), after)
        spans = _spans(before.replace("\r\n", "\n"))
        lines = before.replace("\r\n", "\n").split("\n")
        for collection, entity_id in outcome.touched:
            if entity_id in outcome.removed_ids and (collection, entity_id) in spans:
                comments -= {tag for number in spans[(collection, entity_id)]
                             for tag in TAG.findall(lines[number])}
        assert comments <= set(TAG.findall(after)), (operation, comments, after)
        touched = set(outcome.touched)
        if outcome.generation:
            touched.add(("generation", ""))
        outside = _outside(after, touched)
        if outcome.created:
            outside.remove(f"{outcome.created}:")
        assert outside == _outside(before, touched), (operation, after)
        if crlf:
            assert raw.count(b"\n") == raw.count(b"\r\n")
