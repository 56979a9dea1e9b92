"""One self-contained schema document, for editors and schema catalogues (SchemaStore).

The shipped schemas are split into files that reference each other
(``common.schema.json#/$defs/entityId``). A consumer that takes a single URL cannot follow
those references, so the bundle copies every schema file the root reaches under the root's
``$defs`` (keyed by file name) and rewrites every ``$ref`` into a pointer inside the one
document. It validates exactly what the split files validate.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from threatgate.errors import ThreatgateError
from threatgate.model.schema import schema_url

#: Keys of an embedded file that only make sense at the top of a document of its own.
_DOCUMENT_KEYS = ("$schema", "$id")


def referenced_files(root: str, documents: Mapping[str, Any]) -> list[str]:
    """Every schema file ``root`` reaches through ``$ref``, itself first."""
    order = [root]
    for name in order:
        for ref in _refs(documents[name]):
            target = ref.partition("#")[0]
            if target and target not in order:
                if target not in documents:
                    raise ThreatgateError(f"{name}: $ref to unknown schema file {target}")
                order.append(target)
    return order


def _refs(node: Any) -> list[str]:
    if isinstance(node, Mapping):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _rewrite(node: Any, current: str, root: str) -> Any:
    """``node`` with every ``$ref`` written as a pointer into the bundle."""
    if isinstance(node, list):
        return [_rewrite(value, current, root) for value in node]
    if not isinstance(node, Mapping):
        return node
    out = {key: _rewrite(value, current, root) for key, value in node.items()}
    ref = node.get("$ref")
    if isinstance(ref, str):
        document, _, pointer = ref.partition("#")
        document = document or current
        prefix = "" if document == root else "/$defs/" + _escape(document)
        out["$ref"] = "#" + prefix + pointer
    return out


def _escape(key: str) -> str:
    """A key as a JSON Pointer token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def bundle_schema(root: str, documents: Mapping[str, Any]) -> dict[str, Any]:
    """The schema ``root`` with every file it references embedded: no external ``$ref``."""
    names = referenced_files(root, documents)
    bundled: dict[str, Any] = _rewrite(copy.deepcopy(documents[root]), root, root)
    bundled.pop("$id", None)
    definitions = bundled.setdefault("$defs", {})
    for name in names[1:]:
        if name in definitions:
            raise ThreatgateError(f"{root}: $defs already has a definition named {name}")
        embedded = _rewrite(documents[name], name, root)
        for key in _DOCUMENT_KEYS:
            embedded.pop(key, None)
        embedded["$comment"] = f"{schema_url(name)}, embedded"
        definitions[name] = embedded
    bundled["$comment"] = (f"{schema_url(root)} with the schema files it references "
                           "embedded under $defs: every $ref points inside this document.")
    return bundled
