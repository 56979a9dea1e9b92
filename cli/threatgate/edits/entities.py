"""The edit verbs: add, edit and remove entities of a model, and set a control's status.

Every operation works on a :class:`threatgate.document.editor.ModelEditor`, so it changes only the
entries it touches and leaves every other byte of the file as it was; run it through
:func:`threatgate.document.editor.edit_file` to get the lock, the checks and the atomic write.

The fields of each kind of entity come from the JSON Schema (the single source of
truth): the command line builds one option per field from :func:`fields_of`.

Removing an entity first works out what references it (the reference table of the
``dangling-reference`` rule). Objectives built on a removed asset or attacker are
dropped with it; any other reference blocks the removal unless it is forced, and a
forced removal cleans up: the id leaves every list that names it (a mitigation group
left empty goes too), and an entry that cannot exist without it (a data flow without
its component, an acceptance without its threat, a finding without its control) is
removed as well. Controls that served an objective or a threat before and serve none
afterwards are reported as orphaned. Generated entities that are removed are recorded
in ``generation.removed`` so that ``threatgate generate --model`` never brings them
back.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from threatgate.document.editor import REMOVE, ModelEditor
from threatgate.errors import EXIT_FAILURE, EXIT_USAGE, InputError, ThreatgateError
from threatgate.model.schema import resolve_refs
from threatgate.model.vocabulary import COLLECTIONS, article, id_index, id_list, items
from threatgate.validate.rules.references import BOUNDARY, REFERENCES

ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")
MAX_ID = 64


class EditingError(ThreatgateError):
    """An edit verb is refused (exit 1) or called wrongly (exit 2); nothing is written."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILURE,
                 details: Sequence[str] = (), references: Sequence[Reference] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.details = list(details)
        self.references = list(references)


def _usage(message: str) -> EditingError:
    return EditingError(message, exit_code=EXIT_USAGE)


# --- kinds and their fields -------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of entity the edit verbs work on."""

    name: str          # on the command line: trust-boundary
    collection: str    # in the file: trust_boundaries
    definition: str    # in the schema: trustBoundary
    prefix: str        # default id prefix; "" derives the id from the name

    @property
    def label(self) -> str:
        return COLLECTIONS[self.collection]


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("asset", "assets", "asset", "A"),
    Kind("attacker", "attackers", "attacker", "ATK"),
    Kind("objective", "objectives", "objective", "CO"),
    Kind("threat", "threats", "threat", "T"),
    Kind("control", "controls", "control", "C"),
    Kind("assumption", "assumptions", "assumption", "AS"),
    Kind("acceptance", "acceptances", "acceptance", "ACC"),
    Kind("component", "components", "component", ""),
    Kind("dataflow", "dataflows", "dataflow", "DF"),
    Kind("trust-boundary", "trust_boundaries", "trustBoundary", ""),
)}
KIND_OF_COLLECTION = {kind.collection: kind for kind in KINDS.values()}

#: Option names of list fields, singular because the option is repeated once per item.
_SINGULAR = {
    "objectives": "objective", "mitigations": "mitigation", "properties": "property",
    "components": "component", "dataflows": "dataflow", "tags": "tag",
    "assertions": "assertion", "flags": "flag", "assumptions": "assumption",
    "mitigated_by": "group",
}


@dataclass(frozen=True)
class FieldSpec:
    """One field of an entity as the command line offers it."""

    name: str                  # key in the file
    option: str                # option name without the dashes
    shape: str                 # text, integer, boolean, list, groups or assertions
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    @property
    def is_list(self) -> bool:
        return self.shape in ("list", "groups", "assertions")


def _shape(spec: Mapping[str, Any], documents: Mapping[str, Any], current: str) -> str:
    kind = spec.get("type")
    if kind == "integer":
        return "integer"
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        inner, _ = resolve_refs(spec.get("items", {}), documents, current)
        if inner.get("type") == "array":
            return "groups"
        if inner.get("type") == "object" or "assertion" in str(spec.get("items", {})):
            return "assertions"
        return "list"
    return "text"


@cache
def fields_of(kind_name: str) -> tuple[FieldSpec, ...]:
    """The fields of a kind, in schema order, without ``id``."""
    from threatgate.model.schema import MODEL_SCHEMA, schema_documents

    documents = schema_documents()
    definition = documents[MODEL_SCHEMA]["$defs"][KINDS[kind_name].definition]
    required = set(definition.get("required", ()))
    out = []
    for name, raw in definition["properties"].items():
        if name == "id":
            continue
        spec, where = resolve_refs(raw, documents, MODEL_SCHEMA)
        shape = _shape(spec, documents, where)
        values = spec
        if shape == "list":
            values, _ = resolve_refs(spec.get("items", {}), documents, where)
        choices = tuple(str(v) for v in values.get("enum", ()))
        description = str(raw.get("description") or spec.get("description") or "")
        out.append(FieldSpec(name, _SINGULAR.get(name, name).replace("_", "-"), shape,
                             description, name in required, choices,
                             spec.get("minimum"), spec.get("maximum")))
    return tuple(out)


def field_spec(kind: Kind, name: str) -> FieldSpec | None:
    """The field a user means by ``name`` (its key, or its option name)."""
    wanted = name.strip().lstrip("-")
    for spec in fields_of(kind.name):
        if wanted in (spec.name, spec.option, spec.name.replace("_", "-")):
            return spec
    return None


def _known_field(kind: Kind, name: str) -> str:
    """The key of field ``name`` of ``kind``; usage error (with a suggestion) otherwise."""
    if name.startswith("x-") and len(name) > 2:
        return name
    if name.strip() == "id":
        raise _usage(f"the id of {article(kind.label)} cannot be changed: ids are stable "
                     "and referenced from elsewhere; add a new entity and remove the old "
                     "one instead")
    spec = field_spec(kind, name)
    if spec is None:
        known = [s.name for s in fields_of(kind.name)]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise _usage(f"{article(kind.label)} has no field '{name}'{hint} (fields: "
                     f"{', '.join(known)}; extension fields start with 'x-')")
    return spec.name


def parse_value(kind: Kind, name: str, text: str) -> Any:
    """A field value written on the command line (``--set``, ``--add-to``...).

    Text fields take the text as it is; numbers, booleans and lists are read as YAML
    (``[a, b]``), or for lists also as comma-separated ids (``C1,C2``).
    """
    spec = field_spec(kind, name)
    shape = spec.shape if spec else "yaml"
    if shape == "text":
        return text
    if shape == "list" and not text.lstrip().startswith("["):
        return [part.strip() for part in text.split(",") if part.strip()]
    if shape == "groups" and not text.lstrip().startswith("["):
        return [[part.strip() for part in group.split(",") if part.strip()]
                for group in text.split(";") if group.strip()]
    if shape == "assertions" and text.lstrip().startswith("{"):
        text = f"[{text}]"
    from threatgate.model.loader import LoadError, load_text

    try:
        value = load_text("value: " + text.replace("\n", "\n  ")).data.get("value")
    except LoadError as exc:
        raise _usage(f"{name}={text!r}: {exc.message}") from None
    if shape == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        raise _usage(f"{name}={text!r}: expected a whole number")
    if shape == "boolean" and not isinstance(value, bool):
        raise _usage(f"{name}={text!r}: expected true or false")
    if shape in ("list", "groups", "assertions") and not isinstance(value, list):
        raise _usage(f"{name}={text!r}: expected a list such as [a, b]")
    return value


def parse_items(kind: Kind, text: str) -> tuple[str, list[Any]]:
    """``FIELD=ITEMS`` of ``--add-to`` and ``--remove-from``: the list field and its items.

    ``mitigations=C1,C2`` is two ids; ``mitigated_by=C1,C2`` is one mitigation group;
    ``assertions={type: file_exists, file: a.py}`` is one assertion.
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise _usage(f"{text!r}: write FIELD=ITEM, e.g. mitigations=C3")
    spec = _list_field(kind, _known_field(kind, name.strip()))
    if spec.shape == "assertions":
        from threatgate.edits.findings import FindingError, parse_assertion

        try:
            return spec.name, [parse_assertion(value)]
        except FindingError as exc:
            raise _usage(exc.message) from None
    parsed = parse_value(kind, spec.name, value)
    if spec.shape == "groups" and parsed and not isinstance(parsed[0], list):
        parsed = [parsed]
    if not parsed:
        raise _usage(f"{text!r}: no item given")
    return spec.name, list(parsed)


def parse_assignment(kind: Kind, text: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` into the field's key and its value."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise _usage(f"{text!r}: write FIELD=VALUE, e.g. owner=platform-team")
    key = _known_field(kind, name.strip())
    return key, parse_value(kind, key, value)


# --- finding entities -----------------------------------------------------------------------


def _suggest(word: str, known: Iterable[str]) -> str:
    listed = sorted(known)
    close = difflib.get_close_matches(word, listed, n=1, cutoff=0.5)
    shown = ", ".join(listed[:20]) + (", ..." if len(listed) > 20 else "")
    return (f"; did you mean {close[0]}?" if close else "") + f" (defined: {shown or 'none'})"


def find_entity(data: dict[str, Any], kind: Kind, ident: str) -> tuple[int, dict[str, Any]]:
    """The entry of ``kind`` with id ``ident``; an acceptance may also be named by the
    threat or objective it accepts, when only one acceptance names it."""
    entries = list(items(data, kind.collection))
    found = [(i, e) for i, e in entries if e.get("id") == ident]
    position = re.fullmatch(r"#([1-9][0-9]{0,8})", ident)
    if not found and position:
        found = [(i, e) for i, e in entries if i == int(position.group(1)) - 1]
    if not found and kind.name == "acceptance":
        found = [(i, e) for i, e in entries if ident in (e.get("threat"), e.get("objective"))]
        if len(found) > 1:
            places = ", ".join(f"#{i + 1}" for i, _ in found)
            raise _usage(f"{len(found)} acceptances name {ident} ({places}); choose one by "
                         "its id or its position, e.g. '#2' for the second acceptance")
    if found:
        return found[0]
    elsewhere = id_index(data).get(ident)
    if elsewhere:
        other = elsewhere[0].kind
        hint = ("; use `threatgate findings update` for findings"
                if elsewhere[0].collection == "findings" else "")
        raise _usage(f"{ident} is {article(other)}, not {article(kind.label)}{hint}")
    known = [str(e["id"]) for _, e in entries if isinstance(e.get("id"), str)]
    raise _usage(f"no {kind.label} {ident} in this model" + _suggest(ident, known))


def _owner(entry: Mapping[str, Any], index: int) -> str:
    entity_id = entry.get("id")
    return entity_id if isinstance(entity_id, str) else f"#{index + 1}"


# --- ids ------------------------------------------------------------------------------------


_NUMBERED = re.compile(r"(.*?)(\d+)\Z")


def next_id(data: dict[str, Any], text: str, kind: Kind,
            name: str | None = None) -> str:
    """The next free id in the style of the kind's existing ids (T1..Tn -> T<n+1>).

    The number is one past the highest one written anywhere in the file with that
    prefix (ids, lists, comments), so an id that is still mentioned, or that was
    removed and recorded in ``generation.removed``, is never handed out again. Ids are
    unique across every kind of entity. Kinds named rather than numbered (components,
    trust boundaries) get an id made from the name.
    """
    taken = set(id_index(data))
    numbered: dict[str, list[str]] = {}
    for _, entry in items(data, kind.collection):
        match = _NUMBERED.match(str(entry.get("id", "")))
        if match and match.group(1):
            numbered.setdefault(match.group(1), []).append(match.group(2))
    if not numbered and not kind.prefix:
        return _slug_id(name or kind.name, taken)
    prefix = kind.prefix
    if numbered:
        prefix = max(numbered, key=lambda p: (len(numbered[p]), p == kind.prefix))
    digits = numbered.get(prefix, [])
    width = max((len(d) for d in digits if d.startswith("0")), default=0)
    pattern = re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(prefix)}(\d{{1,9}})(?![A-Za-z0-9_])")
    numbers = [int(m.group(1)) for m in pattern.finditer(text)]
    numbers += [int(d) for d in digits]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number:0{width}d}" in taken:
        number += 1
    return f"{prefix}{number:0{width}d}"


def _slug_id(name: str, taken: set[str]) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:MAX_ID - 4] or "item"
    if not slug[0].isalpha():
        slug = f"c-{slug}"[:MAX_ID - 4]
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    return candidate


def check_new_id(data: dict[str, Any], entity_id: str) -> None:
    if not ID_PATTERN.match(entity_id) or len(entity_id) > MAX_ID:
        raise _usage(f"{entity_id!r} is not a valid id (a letter, then letters, digits, "
                     f"'_', '.' or '-'; at most {MAX_ID} characters)")
    used = id_index(data).get(entity_id)
    if used:
        raise EditingError(f"id {entity_id} is already used by {article(used[0].kind)} "
                           f"({used[0].collection}[{used[0].index}]); ids are unique across "
                           "every kind of entity and never reused")


# --- add ------------------------------------------------------------------------------------


@dataclass
class Added:
    kind: str
    entity_id: str | None
    entry: dict[str, Any]


def add_entity(editor: ModelEditor, kind: Kind, values: Mapping[str, Any], *,
               entity_id: str | None, today: dt.date) -> Added:
    """Append a new entity built from ``values`` (field -> value) to the model."""
    data = editor.data
    entry = {_known_field(kind, key): value for key, value in values.items()}
    if kind.name == "control":
        entry.setdefault("status", "planned")
    if kind.name == "acceptance":
        entry.setdefault("accepted_on", today.isoformat())
        if ("threat" in entry) == ("objective" in entry):
            raise _usage("an acceptance names exactly one of --threat or --objective")
    missing = [spec for spec in fields_of(kind.name) if spec.required and spec.name not in entry]
    if missing:
        options = ", ".join(f"--{spec.option}" for spec in missing)
        raise _usage(f"a new {kind.label} needs {options}")
    if entity_id is not None:
        check_new_id(data, entity_id)
    elif kind.name != "acceptance" or any(
            isinstance(e.get("id"), str) for _, e in items(data, kind.collection)):
        name = entry.get("name") if isinstance(entry.get("name"), str) else None
        entity_id = next_id(data, editor.text, kind, name)
    new = {"id": entity_id, **entry} if entity_id is not None else entry
    editor.append(kind.collection, new)
    return Added(kind.name, entity_id, copy.deepcopy(new))


# --- edit -----------------------------------------------------------------------------------


@dataclass
class EditRequest:
    """What ``edit`` changes: fields set, fields removed, items added to or taken from lists."""

    set: dict[str, Any] = field(default_factory=dict)
    unset: Sequence[str] = ()
    add_to: Sequence[tuple[str, Any]] = ()
    remove_from: Sequence[tuple[str, Any]] = ()

    @property
    def empty(self) -> bool:
        return not (self.set or self.unset or self.add_to or self.remove_from)


@dataclass
class Edited:
    kind: str
    entity_id: str
    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changed(self) -> bool:
        return bool(self.fields)


def _list_field(kind: Kind, name: str) -> FieldSpec:
    spec = field_spec(kind, name)
    if spec is None or not spec.is_list:
        raise _usage(f"{name} of {article(kind.label)} is not a list; use --set or --unset")
    return spec


def edit_entity(editor: ModelEditor, kind: Kind, ident: str, request: EditRequest) -> Edited:
    """Change fields of one entity; nothing else in the file changes."""
    if request.empty:
        raise _usage("nothing to change: give a field option, --set, --unset, --add-to or "
                     "--remove-from")
    index, entry = find_entity(editor.data, kind, ident)
    before = copy.deepcopy(entry)
    after = copy.deepcopy(entry)
    for key, value in request.set.items():
        after[_known_field(kind, key)] = value
    for name in request.unset:
        key = _known_field(kind, name)
        spec = field_spec(kind, key)
        if spec is not None and spec.required:
            raise _usage(f"{key} is required for {article(kind.label)}; it can be changed "
                         "but not removed")
        after.pop(key, None)
    for name, additions in request.add_to:
        spec = _list_field(kind, name)
        current = list(after.get(spec.name) or [])
        current += [item for i, item in enumerate(additions)
                    if item not in current and item not in additions[:i]]
        after[spec.name] = current
    for name, removals in request.remove_from:
        spec = _list_field(kind, name)
        current = list(after.get(spec.name) or [])
        absent = [item for item in removals if item not in current]
        if absent:
            shown = ", ".join(_item_text(item) for item in absent)
            held = ", ".join(_item_text(item) for item in current) or "nothing"
            raise _usage(f"{spec.name} of {kind.label} {ident} does not hold {shown} "
                         f"(it holds {held})")
        current = [item for item in current if item not in removals]
        if current or spec.required:
            after[spec.name] = current
        else:
            after.pop(spec.name, None)
    changes: dict[str, Any] = {}
    for key in after:
        if key not in before or before[key] != after[key]:
            changes[key] = after[key]
    for key in before:
        if key not in after:
            changes[key] = REMOVE
    if changes:
        editor.update(kind.collection, index, changes)
    return Edited(kind.name, _owner(before, index), list(changes), before, after)


# --- set-status -----------------------------------------------------------------------------


@cache
def control_statuses() -> tuple[str, ...]:
    """The control statuses the schema allows."""
    from threatgate.model.schema import schema_documents

    common = schema_documents()["common.schema.json"]
    return tuple(common["$defs"]["controlStatus"]["enum"])


@dataclass
class StatusChange:
    control_id: str
    before: str
    after: str
    note: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


def set_status(editor: ModelEditor, control_id: str, status: str, *, note: str | None,
               today: dt.date) -> StatusChange:
    """Move a control to ``status``; a note goes, dated, at the end of its ``notes``.

    Setting the status a control already has changes nothing (the note is not added
    either), so that running the same command twice is harmless.
    """
    statuses = control_statuses()
    if status not in statuses:
        close = difflib.get_close_matches(status, statuses, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise _usage(f"'{status}' is not a control status{hint} (one of: "
                     f"{', '.join(statuses)})")
    if note is not None and not note.strip():
        raise _usage("--note must not be empty")
    index, entry = find_entity(editor.data, KINDS["control"], control_id)
    before = str(entry.get("status"))
    if before == status:
        return StatusChange(control_id, before, status, None)
    changes: dict[str, Any] = {"status": status}
    line = None
    if note is not None:
        line = f"{today.isoformat()} {before} -> {status}: {note.strip()}"
        notes = entry.get("notes")
        if isinstance(notes, str) and notes.strip():
            ending = "\n" if notes.endswith("\n") else ""
            changes["notes"] = notes.rstrip("\n") + "\n" + line + ending
        else:
            changes["notes"] = line
    editor.update("controls", index, changes)
    return StatusChange(control_id, before, status, line)


# --- remove ---------------------------------------------------------------------------------

#: Every reference field: (collection, field, target collection, is a list, holds groups).
ALL_REFERENCES = (*REFERENCES, BOUNDARY)


@dataclass(frozen=True)
class Reference:
    """One place that names an entity being removed."""

    collection: str
    index: int
    owner: str
    field: str
    target: str
    line: int
    #: False for the objectives of a removed asset or attacker: they go with it.
    blocking: bool = True

    def describe(self) -> str:
        return f"{COLLECTIONS[self.collection]} {self.owner} {self.field}"


def kind_name(collection: str) -> str:
    """The command-line name of a collection's kind (``dataflows`` -> ``dataflow``)."""
    kind = KIND_OF_COLLECTION.get(collection)
    return kind.name if kind else COLLECTIONS.get(collection, collection)


@dataclass
class Dropped:
    """An entry removed because it cannot exist without a removed entity."""

    collection: str
    entity_id: str
    reason: str


@dataclass
class Cleaned:
    """A reference field from which removed ids were taken out (or that was unset)."""

    collection: str
    entity_id: str
    field: str
    removed: list[str]
    empty_groups: int = 0
    unset: bool = False


@dataclass
class Removed:
    kind: str
    entity_id: str
    dropped: list[Dropped] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    cleaned: list[Cleaned] = field(default_factory=list)
    generation_removed: list[str] = field(default_factory=list)
    orphaned_controls: list[str] = field(default_factory=list)


def _names(value: Any, target: str, is_list: bool, grouped: bool) -> bool:
    if not is_list:
        return bool(value == target)
    if grouped:
        return any(isinstance(g, list) and target in g for g in value or [])
    return target in id_list(value)


def _required_single(collection: str, name: str) -> bool:
    """A single reference the entry cannot exist without (it goes with the target)."""
    if collection in ("acceptances", "findings"):
        return True
    kind = KIND_OF_COLLECTION.get(collection)
    spec = field_spec(kind, name) if kind is not None else None
    return spec is not None and spec.required


def served_controls(data: dict[str, Any]) -> set[str]:
    """Controls named by a mitigation group of an active objective or by a threat."""
    served: set[str] = set()
    for _, objective in items(data, "objectives"):
        if objective.get("status") == "removed":
            continue
        for group in objective.get("mitigated_by") or []:
            served.update(id_list(group))
    for _, threat in items(data, "threats"):
        served.update(id_list(threat.get("mitigations")))
    return served


def plan_removal(editor: ModelEditor, kind: Kind, ident: str) -> tuple[Removed, dict[
        tuple[str, int], str], dict[tuple[str, int], dict[str, set[str]]]]:
    """What removing the entity takes with it: (result skeleton, drops, list cleanups)."""
    from threatgate.model.loader import load_text

    data = editor.data
    index, entry = find_entity(data, kind, ident)
    located = load_text(editor.text, locate=True)
    result = Removed(kind.name, _owner(entry, index))
    drops: dict[tuple[str, int], str] = {(kind.collection, index): ""}
    cleanups: dict[tuple[str, int], dict[str, set[str]]] = {}
    queue: list[tuple[str, str, str]] = []
    if isinstance(entry.get("id"), str):
        queue.append((kind.collection, entry["id"], f"{kind.label} {entry['id']}"))
    while queue:
        collection, target, what = queue.pop(0)
        for source, name, wanted, is_list, grouped in ALL_REFERENCES:
            if wanted != collection:
                continue
            for i, other in items(data, source):
                if (source, i) in drops or not _names(other.get(name), target, is_list,
                                                       grouped):
                    continue
                owner = _owner(other, i)
                cascade = source == "objectives" and name in ("asset", "attacker")
                line = located.locate((source, i, name))[0]
                result.references.append(
                    Reference(source, i, owner, name, target, line, blocking=not cascade))
                if is_list:
                    cleanups.setdefault((source, i), {}).setdefault(name, set()).add(target)
                elif cascade or _required_single(source, name):
                    label = COLLECTIONS[source]
                    drops[(source, i)] = what
                    reason = (f"built on {what}, which is removed" if cascade
                              else f"its {name} ({what}) is removed")
                    result.dropped.append(Dropped(source, owner, reason))
                    if isinstance(other.get("id"), str):
                        queue.append((source, other["id"], f"{label} {other['id']}"))
                else:
                    cleanups.setdefault((source, i), {})[name] = {target}
    return result, drops, cleanups


def remove_entity(editor: ModelEditor, kind: Kind, ident: str, *, force: bool) -> Removed:
    """Remove an entity, and with ``force`` every reference to it (see the module doc)."""
    result, drops, cleanups = plan_removal(editor, kind, ident)
    blocking = [ref for ref in result.references if ref.blocking]
    if blocking and not force:
        raise EditingError(
            f"{kind.label} {result.entity_id} is referenced {len(blocking)} time(s); "
            "nothing was removed (--force removes the references too)",
            references=blocking)
    data = editor.data
    served_before = served_controls(data)
    emitted = set(id_list((data.get("generation") or {}).get("emitted"))
                  if isinstance(data.get("generation"), dict) else [])
    already = set(id_list((data.get("generation") or {}).get("removed"))
                  if isinstance(data.get("generation"), dict) else [])
    for collection, index in drops:
        entry = data[collection][index]
        entity_id = entry.get("id")
        if not isinstance(entity_id, str) or entity_id in already:
            continue
        if entry.get("origin") == "generated" or entity_id in emitted:
            result.generation_removed.append(entity_id)
    batches: dict[str, dict[int, dict[str, Any]]] = {}
    for (collection, index), fields in sorted(cleanups.items()):
        if (collection, index) in drops:
            continue
        entry = data[collection][index]
        changes: dict[str, Any] = {}
        for name, targets in fields.items():
            value = entry.get(name)
            cleaned = Cleaned(collection, _owner(entry, index), name, sorted(targets))
            if not isinstance(value, list):
                changes[name] = REMOVE
                cleaned.unset = True
            elif name == "mitigated_by":
                groups = [[c for c in g if c not in targets] if isinstance(g, list) else g
                          for g in value]
                kept = [g for g in groups if g != []]
                cleaned.empty_groups = len(groups) - len(kept)
                changes[name] = kept if kept else REMOVE
            else:
                kept = [v for v in value if v not in targets]
                changes[name] = kept if kept else REMOVE
            result.cleaned.append(cleaned)
        batches.setdefault(collection, {})[index] = changes
    for collection, batch in batches.items():
        editor.update_many(collection, batch)
    for collection, index in sorted(drops, key=lambda d: (d[0], -d[1])):
        editor.remove(collection, index)
    if result.generation_removed:
        record = data.get("generation")
        record = dict(record) if isinstance(record, dict) else {}
        record["removed"] = [*id_list(record.get("removed")), *result.generation_removed]
        editor.set_top("generation", record)
    control_order = [str(e.get("id")) for _, e in items(editor.data, "controls")]
    orphaned = (served_before - served_controls(editor.data))
    result.orphaned_controls = [c for c in control_order if c in orphaned]
    return result


# --- choosing the model, showing the change ---------------------------------------------------


def _item_text(item: Any) -> str:
    """A list item as the user writes it: ``C1``, or a mitigation group ``[C1, C2]``."""
    if isinstance(item, list):
        return "[" + ", ".join(_item_text(part) for part in item) + "]"
    return str(item)


def resolve_model(given: Path | None, config: Any, entity_id: str | None = None) -> Path:
    """The model file to edit: the one given, else the repository's only model.

    With several models and an id, the one model that defines the id is chosen. A
    MODEL that is no file but a model's id (``shop``, as ``render`` and ``export`` take
    it) names that model's file.
    """
    if given is not None:
        from threatgate.model.discovery import model_file

        # An unknown id stays as given: the edit then says the file does not exist.
        return model_file(given, config) or given
    from threatgate.model.discovery import discover, loadable_models

    files = [f for f in discover([], config) if f.refused is None]
    if len(files) == 1:
        return files[0].path
    shown = ", ".join(f.display for f in files[:5]) + (", ..." if len(files) > 5 else "")
    if entity_id is not None:
        defining = [model_file for model_file, data in loadable_models(config)
                    if entity_id in id_index(data)]
        if len(defining) == 1:
            return defining[0].path
        if defining:
            names = ", ".join(f.display for f in defining)
            raise InputError(f"{entity_id} is defined in several models ({names}); "
                             "give the model file")
    raise InputError(f"the repository has {len(files)} models ({shown}); give the model "
                     "file to edit")


def unified_diff(before: bytes, after: bytes, name: str) -> str:
    """The change as a unified diff (what ``--dry-run`` prints)."""
    old = before.decode("utf-8-sig", "replace").splitlines(keepends=True)
    new = after.decode("utf-8-sig", "replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
