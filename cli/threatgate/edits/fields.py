"""The kinds of entity the edit verbs work on, their fields, and values typed for them.

The fields of each kind come from the JSON Schema (the single source of truth): the
command line builds one option per field from :func:`fields_of`, and :func:`parse_value`
reads what a user writes for a field (``--set``, ``--add-to``...).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from threatgate.document.errors import EditError
from threatgate.model.schema import resolve_refs
from threatgate.model.vocabulary import COLLECTIONS, article


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
    "mitigated_by": "group", "tickets": "ticket",
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


def known_field(kind: Kind, name: str) -> str:
    """The key of field ``name`` of ``kind``; usage error (with a suggestion) otherwise."""
    if name.startswith("x-") and len(name) > 2:
        return name
    if name.strip() == "id":
        raise EditError.usage(f"the id of {article(kind.label)} cannot be changed: ids are stable "
                              "and referenced from elsewhere; add a new entity and remove the old "
                              "one instead")
    spec = field_spec(kind, name)
    if spec is None:
        known = [s.name for s in fields_of(kind.name)]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise EditError.usage(f"{article(kind.label)} has no field '{name}'{hint} (fields: "
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
        raise EditError.usage(f"{name}={text!r}: {exc.message}") from None
    if shape == "integer" and not (isinstance(value, int) and not isinstance(value, bool)):
        raise EditError.usage(f"{name}={text!r}: expected a whole number")
    if shape == "boolean" and not isinstance(value, bool):
        raise EditError.usage(f"{name}={text!r}: expected true or false")
    if shape in ("list", "groups", "assertions") and not isinstance(value, list):
        raise EditError.usage(f"{name}={text!r}: expected a list such as [a, b]")
    return value


def parse_items(kind: Kind, text: str) -> tuple[str, list[Any]]:
    """``FIELD=ITEMS`` of ``--add-to`` and ``--remove-from``: the list field and its items.

    ``mitigations=C1,C2`` is two ids; ``mitigated_by=C1,C2`` is one mitigation group;
    ``assertions={type: file_exists, file: a.py}`` is one assertion.
    """
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise EditError.usage(f"{text!r}: write FIELD=ITEM, e.g. mitigations=C3")
    spec = list_field(kind, known_field(kind, name.strip()))
    if spec.shape == "assertions":
        from threatgate.edits.findings import parse_assertion

        return spec.name, [parse_assertion(value)]
    parsed = parse_value(kind, spec.name, value)
    if spec.shape == "groups" and parsed and not isinstance(parsed[0], list):
        parsed = [parsed]
    if not parsed:
        raise EditError.usage(f"{text!r}: no item given")
    return spec.name, list(parsed)


def parse_assignment(kind: Kind, text: str) -> tuple[str, Any]:
    """``FIELD=VALUE`` into the field's key and its value."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise EditError.usage(f"{text!r}: write FIELD=VALUE, e.g. owner=platform-team")
    key = known_field(kind, name.strip())
    return key, parse_value(kind, key, value)




def list_field(kind: Kind, name: str) -> FieldSpec:
    spec = field_spec(kind, name)
    if spec is None or not spec.is_list:
        raise EditError.usage(f"{name} of {article(kind.label)} is not a list; use --set "
                              "or --unset")
    return spec



def kind_name(collection: str) -> str:
    """The command-line name of a collection's kind (``dataflows`` -> ``dataflow``)."""
    kind = KIND_OF_COLLECTION.get(collection)
    return kind.name if kind else COLLECTIONS.get(collection, collection)



def item_text(item: Any) -> str:
    """A list item as the user writes it: ``C1``, or a mitigation group ``[C1, C2]``."""
    if isinstance(item, list):
        return "[" + ", ".join(item_text(part) for part in item) + "]"
    return str(item)

