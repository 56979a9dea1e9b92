"""The schema reference (docs/schema.md), generated from the JSON Schema and the rule registry.

Generating it keeps the documentation and the schema from drifting apart: a test fails
when docs/schema.md differs from what this renderer produces.
"""

from __future__ import annotations

from typing import Any

from threatgate.model.schema import resolve_refs
from threatgate.output.escape.markdown import md_markup_line
from threatgate.validate.rules import RULES

#: Problems reported before the schema is consulted, with their meaning.
LOADER_RULES: dict[str, str] = {
    "file-unreadable": "The file cannot be read (permissions, a folder, ...). Exit code 2.",
    "file-unwritable": "An edit command cannot write the file back (permissions, read-only "
                       "file system, ...). Exit code 2.",
    "symlink-escape": "A symbolic link points outside the repository; it is not followed. "
    "Exit code 2.",
    "file-too-large": "The file is larger than `max_file_size`; it is refused before reading.",
    "file-binary": "The file holds a NUL byte.",
    "file-encoding": "The file is not UTF-8 (a UTF-8 byte-order mark is accepted).",
    "file-empty": "The file is empty, holds only comments, or an empty document.",
    "not-a-mapping": "The top level is a list or a single value instead of a mapping.",
    "yaml-syntax": "The YAML is malformed, or holds a control character.",
    "yaml-tab": "A tab is used for indentation.",
    "yaml-duplicate-key": "A mapping holds the same key twice.",
    "yaml-anchor": "An anchor (`&name`) or alias (`*name`) is used; they are refused so "
    "that alias expansion cannot exhaust memory.",
    "yaml-tag": "A tag other than the core ones (`!!str`, `!!int`, `!!float`, `!!bool`, "
    "`!!null`) is used, a key is tagged, or a tagged value does not fit its tag.",
    "yaml-complex-key": "A mapping key is a list or mapping.",
    "yaml-number": "An integer is written with more than 1,000 characters.",
    "yaml-depth": "Lists and mappings nest deeper than `max_depth`.",
    "yaml-node-count": "The file holds more values than one per 8 bytes of the size cap.",
    "yaml-multiple-documents": "The file holds more than one YAML document.",
    "duplicate-model-id": "Another model file of the repository has the same `id`.",
}


def _type(spec: dict[str, Any], documents: dict[str, Any], current: str) -> str:
    ref = spec.get("$ref", "")
    name = ref.rsplit("/", 1)[-1] if "#/$defs/" in ref else ""
    spec, current = resolve_refs(spec, documents, current)
    if "const" in spec:
        return f"`{spec['const']}`"
    if "enum" in spec:
        return "one of " + ", ".join(f"`{v}`" for v in spec["enum"])
    kind = spec.get("type")
    if kind == "array":
        items = spec.get("items", {})
        if items.get("$ref", "").endswith(".schema.json"):
            return "list of assertions"
        inner = _type(items, documents, current)
        return f"list of {inner}"
    if kind == "integer" and "minimum" in spec and "maximum" in spec:
        return f"integer {spec['minimum']}–{spec['maximum']}"
    if name in ("entityId", "modelId"):
        return "id"
    if name == "date":
        return "date (YYYY-MM-DD)"
    if name and name[0].islower() and "#/$defs/" in ref and kind is None:
        return name
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "object" and name:
        return f"[{name}](#{name.lower()})"
    return str(kind or "any")


def _table(obj: dict[str, Any], documents: dict[str, Any], current: str) -> list[str]:
    required = set(obj.get("required", []))
    lines = ["| Field | Type | Required | Description |", "| --- | --- | --- | --- |"]
    for key, spec in obj.get("properties", {}).items():
        if spec is True:
            continue
        resolved, _ = resolve_refs(spec, documents, current)
        description = spec.get("description") or resolved.get("description", "")
        lines.append(
            f"| `{key}` | {md_markup_line(_type(spec, documents, current))} | "
            f"{'yes' if key in required else ''} | {md_markup_line(description)} |"
        )
    return lines


def render_schema_reference(documents: dict[str, Any]) -> str:
    """Markdown reference of the model format, every field and every rule id."""
    model_name = "threatmodel.schema.json"
    model = documents[model_name]
    assertion = documents["assertion.schema.json"]
    out = [
        "# Model file reference",
        "",
        "<!-- Generated from schemas/*.schema.json by `threatgate schema --format markdown`;"
        " do not edit by hand. -->",
        "",
        model["description"],
        "",
        "Every object also accepts extension keys starting with `x-`, which threatgate "
        "ignores. Any other unknown key is an error, so a misspelt field never goes "
        "unnoticed. Dates are strings in the form YYYY-MM-DD, quoted or not.",
        "",
        "## Top level",
        "",
        *_table(model, documents, model_name),
        "",
    ]
    for name, spec in model["$defs"].items():
        if spec.get("type") != "object":
            continue
        out += [f"## {name}", "", md_markup_line(spec["description"]), ""]
        out += _table(spec, documents, model_name)
        out.append("")
    out += ["## Mitigation groups", "", model["$defs"]["mitigationGroup"]["description"], ""]
    out += ["## Assertions", "", assertion["description"], "",
            "Every assertion has `type`, and may have `id` and `description`.", ""]
    for kind, spec in assertion["$defs"].items():
        out += [f"### `{kind}`", "", md_markup_line(spec["description"]), ""]
        out += _table(
            {**spec, "properties": {k: v for k, v in spec["properties"].items()
                                    if k not in ("type", "id", "description")}},
            documents, "assertion.schema.json")
        out.append("")
    out += [
        "## Rule ids",
        "",
        "Every problem `threatgate validate` reports ends with a rule id in brackets.",
        "",
        "### Loading and repository",
        "",
        "| Rule | Meaning |",
        "| --- | --- |",
        *[f"| `{rule}` | {md_markup_line(text)} |" for rule, text in LOADER_RULES.items()],
        "",
        "### Schema",
        "",
        "Schema violations are reported as `schema-<keyword>`, e.g. `schema-required`, "
        "`schema-enum`, `schema-additional-properties`, `schema-type`, `schema-pattern`, "
        "`schema-minimum`, `schema-maximum`, `schema-unique-items`, `schema-one-of`.",
        "",
        "### Semantic rules",
        "",
        "Their severity can be changed in the `[rules]` table of the settings "
        "(`error`, `warning` or `off`).",
        "",
        "| Rule | Default | Meaning |",
        "| --- | --- | --- |",
        *[f"| `{info.id}` | {info.severity.value} | {md_markup_line(info.summary)} |"
          for info in sorted(RULES.values(), key=lambda i: i.id)],
        "",
    ]
    return "\n".join(out)


def render_rulepack_reference(documents: dict[str, Any]) -> str:
    """Markdown reference of rule packs and of the technology catalogue, field by field."""
    out = [
        "# Rule pack reference",
        "",
        "<!-- Generated from schemas/rulepack.schema.json and schemas/catalogue.schema.json "
        "by `threatgate schema --name rulepack --format markdown`; do not edit by hand. -->",
        "",
    ]
    for name, heading in (("rulepack.schema.json", "Rule pack"),
                          ("catalogue.schema.json", "Technology catalogue")):
        document = documents[name]
        out += [f"## {heading}", "", md_markup_line(document["description"]), "",
                *_table(document, documents, name), ""]
        for def_name, spec in document.get("$defs", {}).items():
            if spec.get("type") != "object":
                continue
            out += [f"### {def_name}", "", md_markup_line(spec.get("description", "")), ""]
            if spec.get("properties"):
                out += [*_table(spec, documents, name), ""]
    return "\n".join(out)
