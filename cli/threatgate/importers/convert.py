"""One import, start to end: parse the source, detect its format, map it, render the
model in the layout of ``threatgate fmt`` and validate it before anyone writes it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from threatgate.errors import PolicyFailure
from threatgate.generate.assemble import model_id_from
from threatgate.importers.emit import render_model
from threatgate.importers import REGISTRY, ImportFormat
from threatgate.importers.base import ImportRefused
from threatgate.importers.mapping import Draft, Fidelity, Source, kind_of, one_line
from threatgate.model.loader import LoadError, decode, load_text
from threatgate.model.vocabulary import COLLECTIONS

#: Nesting the source may have; deeper input is refused with its location.
MAX_SOURCE_DEPTH = 48


@dataclass(frozen=True)
class Imported:
    """The result of an import: the model, its YAML text, and the fidelity report."""

    format: ImportFormat
    model: dict[str, Any]
    text: str
    report: Fidelity


def parse(raw: bytes, display: str) -> Source:
    """The source document, located when it reads as YAML (JSON is YAML too)."""
    try:
        text = decode(raw)
    except LoadError as exc:
        raise ImportRefused(exc.message, path=display, line=exc.line, column=exc.column,
                            rule=exc.rule) from None
    try:
        document = load_text(text, max_depth=MAX_SOURCE_DEPTH, locate=True)
    except LoadError as exc:
        if not text.lstrip().startswith(("{", "[")):
            raise ImportRefused(exc.message, path=display, line=exc.line, column=exc.column,
                                rule=exc.rule) from None
        return Source(_json(text, display), display)
    return Source(document.data, display, document)


def _json(text: str, display: str) -> dict[str, Any]:
    """JSON that the YAML reader refused (e.g. tabs), read by the JSON reader."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"invalid JSON: {exc.msg}", path=display, line=exc.lineno,
                            column=exc.colno, rule="import-syntax") from None
    except RecursionError:
        raise ImportRefused(f"nesting deeper than {MAX_SOURCE_DEPTH} levels", path=display,
                            rule="import-syntax") from None
    if not isinstance(data, dict):
        raise ImportRefused(f"expected an object at the top, found {kind_of(data)}",
                            path=display, rule="import-format")
    if _depth(data) > MAX_SOURCE_DEPTH:
        raise ImportRefused(f"nesting deeper than {MAX_SOURCE_DEPTH} levels", path=display,
                            rule="import-syntax")
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
                 model_id: str | None = None, today: dt.date, max_depth: int) -> Imported:
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
    model["id"] = model_id or model_id_from(model["title"])
    text = render_model(model)
    _validate(text, display, today, max_depth)
    return Imported(chosen, model, text, draft.report)


def _validate(text: str, display: str, today: dt.date, max_depth: int) -> None:
    """Refuse to hand out a model that ``threatgate validate`` would reject."""
    from threatgate.validate.files import check_bytes

    problems = [p for p in check_bytes(text.encode("utf-8"), today, max_depth)["problems"]
                if p[0] == "error"]
    if problems:
        details = [f"line {line}: {message} [{rule}]" for _, rule, line, _, message in problems]
        raise PolicyFailure(f"{display}: the imported model would not be valid; nothing "
                            "written", details=details[:20])


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
    return "\n".join(lines) + "\n"
