"""One import, start to end: parse the source, detect its format, map it, render the
model in the layout of ``threatgate fmt`` and validate it before anyone writes it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from threatgate.errors import PolicyFailure
from threatgate.importers import REGISTRY, ImportFormat
from threatgate.importers.base import ImportRefused
from threatgate.importers.emit import render_model
from threatgate.importers.mapping import (
    MAX_SOURCE_DEPTH,
    Draft,
    Fidelity,
    Source,
    kind_of,
    model_id,
    one_line,
)
from threatgate.model.loader import LoadError, decode, load_bytes, load_text
from threatgate.model.vocabulary import COLLECTIONS


@dataclass(frozen=True)
class Imported:
    """The result of an import: the model, its YAML text, and the fidelity report."""

    format: ImportFormat
    model: dict[str, Any]
    text: str
    report: Fidelity


def parse(raw: bytes, display: str) -> Source:
    """The source document. JSON is read by the JSON reader (fast), anything else by the
    model loader; positions are computed only when a refusal needs them."""
    try:
        text = decode(raw)
    except LoadError as exc:
        raise ImportRefused(exc.message, path=display, line=exc.line, column=exc.column,
                            rule=exc.rule) from None
    if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        data = _json(text, display)
        if data is not None:
            return Source(data, display, text=text)
    try:
        document = load_text(text, max_depth=MAX_SOURCE_DEPTH)
    except LoadError as exc:
        raise ImportRefused(exc.message, path=display, line=exc.line, column=exc.column,
                            rule=exc.rule) from None
    return Source(document.data, display, text=text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _json(text: str, display: str) -> dict[str, Any] | None:
    """JSON as data, or ``None`` to let the model loader say what is wrong where (a
    duplicate key, a syntax error YAML also sees). A JSON error YAML does not see is
    reported with the JSON reader's position."""
    try:
        data = json.loads(text.lstrip("\ufeff"), object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        try:
            load_text(text, max_depth=MAX_SOURCE_DEPTH)
        except LoadError:
            return None
        raise ImportRefused(f"invalid JSON: {exc.msg}", path=display, line=exc.lineno,
                            column=exc.colno, rule="import-syntax") from None
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        raise ImportRefused(f"expected an object at the top, found {kind_of(data)}",
                            path=display, rule="import-format")
    if _depth(data) > MAX_SOURCE_DEPTH:
        return None
    return data


def _depth(value: Any) -> int:
    """How deep a parsed value nests (iteratively: no input exhausts the stack)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        deepest = max(deepest, level)
        if isinstance(item, dict):
            pending.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            pending.extend((v, level + 1) for v in item)
    return deepest


def detect(source: Source) -> ImportFormat:
    """The format of the content: the first registered format that recognises it."""
    for candidate in sorted(REGISTRY.values(), key=lambda f: (f.order, f.name)):
        if candidate.detect(source.data):
            return candidate
    names = ", ".join(sorted(REGISTRY))
    raise ImportRefused(f"not a model of a format threatgate imports ({names}); name the "
                        "format with --from if it is one", path=source.display,
                        rule="import-format")


def import_model(raw: bytes, display: str, *, format_name: str | None = None,
                 chosen_id: str | None = None, today: dt.date, max_depth: int) -> Imported:
    """Import one source file; raises :class:`ImportRefused` (exit 1) for bad content."""
    source = parse(raw, display)
    if format_name is None:
        chosen = detect(source)
    else:
        chosen = REGISTRY[format_name]
        if not chosen.detect(source.data):
            raise ImportRefused(f"does not look like {chosen.title} (--from {chosen.name})",
                                path=display, rule="import-format")
    draft = Draft(chosen.name)
    chosen.convert(source, draft)
    model = draft.finish()
    model["title"] = one_line(model.get("title"), display.rsplit("/", 1)[-1])
    model["id"] = chosen_id or model_id(model["title"])
    text = render_model(model)
    _validate(text, display, today, max_depth)
    return Imported(chosen, model, text, draft.report)


def _validate(text: str, display: str, today: dt.date, max_depth: int) -> None:
    """Refuse to hand out a model that ``threatgate validate`` would reject.

    The text is read back as validate reads it and checked against the schema and the
    rules; only when something is wrong is it validated again with positions, for the
    message (locating every node of a large model costs more than checking it).
    """
    from threatgate.model import schema
    from threatgate.validate.files import check_bytes
    from threatgate.validate.rules import run_rules

    raw = text.encode("utf-8")
    try:
        data = load_bytes(raw, max_depth=max_depth).data
        clean = not schema.check(data) and not any(
            found.severity.value == "error" for found in run_rules(data, today))
    except LoadError:
        clean = False
    if clean:
        return
    problems = [p for p in check_bytes(raw, today, max_depth)["problems"] if p[0] == "error"]
    details = [f"line {line}: {message} [{rule}]" for _, rule, line, _, message in problems]
    raise PolicyFailure(f"{display}: the imported model would not be valid; nothing written",
                        details=details[:20])


# --- the fidelity report --------------------------------------------------------------------


def report_data(imported: Imported, source: str, out: str) -> dict[str, Any]:
    """The fidelity report as JSON-ready data."""
    counts = {key: len(value) for key, value in imported.model.items()
              if isinstance(value, list) and key in COLLECTIONS}
    return {"source": source, "format": imported.format.name, "out": out,
            "model": imported.model["id"], "entities": counts,
            **imported.report.as_dict()}


def report_text(data: dict[str, Any]) -> str:
    """The fidelity report for a person: what mapped to what, what was kept where, why."""
    entities = ", ".join(f"{n} {k}" for k, n in data["entities"].items()) or "no entities"
    lines = [f"{data['out']}: model {data['model']} imported from {data['source']} "
             f"({data['format']}): {entities}"]
    lines.append(f"mapped ({len(data['mapped'])}):")
    lines.extend(f"  {item['from']} -> {item['to']}" for item in data["mapped"])
    lines.append(f"kept without an equivalent ({len(data['kept'])}):")
    for item in data["kept"]:
        why = f" ({item['why']})" if item.get("why") else ""
        lines.append(f"  {item['from']} -> {item['to']}{why}")
    lines.append(f"notes ({len(data['notes'])}):")
    lines.extend(f"  {item['from']}: {item['note']}" for item in data["notes"])
    if data["empty_fields_left_out"]:
        lines.append(f"empty fields left out (null, \"\", [] or {{}}): "
                     f"{data['empty_fields_left_out']}")
    return "\n".join(lines) + "\n"
