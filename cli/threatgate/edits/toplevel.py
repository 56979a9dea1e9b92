"""``threatgate set FIELD VALUE``: the model's own top-level fields (id, title, owner...).

The settable fields are the top-level keys whose value is text in the model schema; the
result is validated like every edit (``badge: maybe`` or an id that is not a model id is
refused with the schema's message). Changing ``id`` renames the model: ``threatgate
diff`` shows it as a rename of the same file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from typing import Any

from threatgate.document.editor import ModelEditor
from threatgate.document.errors import EditError
from threatgate.model.schema import MODEL_SCHEMA, resolve_refs, schema_documents


@cache
def settable_fields() -> tuple[str, ...]:
    """Top-level keys of the model schema whose value is a string (or an enum of them)."""
    documents = schema_documents()
    found = []
    for name, spec in documents[MODEL_SCHEMA]["properties"].items():
        resolved, _ = resolve_refs(spec, documents, MODEL_SCHEMA)
        values = resolved.get("enum")
        if resolved.get("type") == "string" or (
                values and all(isinstance(v, str) for v in values)):
            found.append(str(name))
    return tuple(found)


@dataclass(frozen=True)
class FieldSet:
    """What ``set`` did: the field, its value before (None: absent) and after."""

    field: str
    before: Any
    after: str

    @property
    def changed(self) -> bool:
        return bool(self.before != self.after)


def set_model_field(editor: ModelEditor, field: str, value: str) -> FieldSet:
    """Set the model's top-level ``field`` to ``value`` (the same value changes nothing)."""
    fields = settable_fields()
    if field not in fields:
        close = difflib.get_close_matches(field, fields, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise EditError.usage(f"'{field}' is not a field that `set` changes{hint} (one "
                              f"of: {', '.join(fields)}; entities have their own verbs: "
                              "edit, add, remove)")
    before = editor.data.get(field)
    if before == value:
        return FieldSet(field, before, value)
    editor.set_scalar(field, value)
    return FieldSet(field, before, value)
