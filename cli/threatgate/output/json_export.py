"""One model as a JSON document: the normalised model, its assessment, and its source.

The document is meant for other tools (dashboards, data warehouses, scripts), so its
shape does not depend on how the YAML happened to be written:

* every collection of the schema is present (an empty list when the file has none), and
  so is every list-valued field of every entity (``stride``, ``mitigations``, ...);
* defaults are filled in: the schema's ``default`` values (``badge: private``, the
  assertions' flags), an objective's ``properties`` (the asset's when not given) and
  ``status`` (``active``);
* keys follow the schema's order, extension fields (``x-...``) after them; entries stay
  in file order.

``assessment`` is exactly the document ``threatgate assess --format json --details``
prints for the model; ``posture`` holds the rows of ``assess --list`` (threats,
objectives, controls, findings) with each entity's computed state; ``verification`` the
assertion verdicts when ``--verify`` ran (else null). Pure: data in, a string out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.analysis.listings import listing
from threatgate.model.schema import MODEL_SCHEMA, resolve_refs, schema_documents
from threatgate.model.vocabulary import COLLECTIONS
from threatgate.output.assessment import summary_json

FORMAT_VERSION = 1
ASSERTION_SCHEMA = "assertion.schema.json"
POSTURE_LISTINGS = ("threats", "objectives", "controls", "findings")


def _field_defaults(definition: Mapping[str, Any], document: str) -> dict[str, Any]:
    """Property name -> value filled in when absent: the schema default, or [] for lists."""
    out: dict[str, Any] = {}
    for name, prop in (definition.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue  # a boolean schema: any value, no default
        shape, _ = resolve_refs(prop, schema_documents(), document)
        if "default" in shape:
            out[name] = shape["default"]
        elif shape.get("type") == "array":
            out[name] = []
    return out


@cache
def _layout() -> dict[str, tuple[tuple[str, ...], dict[str, Any]]]:
    """For the model and each collection: the schema's key order and the defaults."""
    model = schema_documents()[MODEL_SCHEMA]
    layout = {"": (tuple(model["properties"]), _field_defaults(model, MODEL_SCHEMA))}
    for collection in COLLECTIONS:
        items, document = resolve_refs(model["properties"][collection]["items"],
                                       schema_documents(), MODEL_SCHEMA)
        layout[collection] = (tuple(items.get("properties") or ()),
                              _field_defaults(items, document))
    assertion = schema_documents()[ASSERTION_SCHEMA]
    base = tuple(assertion.get("properties") or ())
    for kind, definition in (assertion.get("$defs") or {}).items():
        order = base + tuple(k for k in definition.get("properties") or () if k not in base)
        defaults = {k: v for k, v in _field_defaults(definition, ASSERTION_SCHEMA).items()
                    if not isinstance(v, list)}
        layout[f"assertion:{kind}"] = (order, defaults)
    return layout


def _ordered(entry: Mapping[str, Any], order: tuple[str, ...],
             defaults: Mapping[str, Any]) -> dict[str, Any]:
    filled = {**{k: json.loads(json.dumps(v)) for k, v in defaults.items()}, **entry}
    out = {key: filled[key] for key in order if key in filled}
    out.update((key, value) for key, value in entry.items() if key not in out)
    return out


def _assertion(entry: Any) -> Any:
    if not isinstance(entry, Mapping):
        return entry
    layout = _layout().get(f"assertion:{entry.get('type')}")
    return _ordered(entry, *layout) if layout else dict(entry)


def normalise_model(data: Mapping[str, Any]) -> dict[str, Any]:
    """The model with every collection and list field present and defaults filled in."""
    layout = _layout()
    assets = {a.get("id"): a for a in data.get("assets") or [] if isinstance(a, Mapping)}
    model = _ordered(data, *layout[""])
    for collection in COLLECTIONS:
        entries = model.get(collection)
        if not isinstance(entries, list):
            continue
        normalised = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                normalised.append(entry)
                continue
            extra: dict[str, Any] = {}
            if collection == "objectives":
                asset = assets.get(entry.get("asset"), {})
                extra = {"status": "active"}
                if isinstance(asset.get("properties"), list):
                    extra["properties"] = list(asset["properties"])
            order, defaults = layout[collection]
            item = _ordered({**extra, **entry}, order, defaults)
            if isinstance(item.get("assertions"), list):
                item["assertions"] = [_assertion(a) for a in item["assertions"]]
            normalised.append(item)
        model[collection] = normalised
    return model


def export_document(data: Mapping[str, Any], assessment: ModelAssessment, *, path: str,
                    sha256: str, today: str,
                    verification: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The export of one model as a JSON-ready dict (see the module docstring)."""
    assessed = json.loads(summary_json([assessment], [], today, details=True))
    posture = {name: listing([assessment], name).rows for name in POSTURE_LISTINGS}
    return {
        "threatgate_export": FORMAT_VERSION,
        "model": normalise_model(data),
        "assessment": assessed,
        "posture": posture,
        "verification": verification,
        "source": {"path": path, "sha256": sha256},
    }


def render_json(data: Mapping[str, Any], assessment: ModelAssessment, *, path: str,
                sha256: str, today: str,
                verification: list[dict[str, Any]] | None = None) -> bytes:
    """The export document as UTF-8 JSON, indented, with a final newline."""
    document = export_document(data, assessment, path=path, sha256=sha256, today=today,
                               verification=verification)
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
