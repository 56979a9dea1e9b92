"""What every tool family shares: registering a tool, turning refusals into tool errors,
the paging parameters and the shape of a page of results.

A tool function raises :class:`~threatgate.errors.ThreatgateError` (an edit refusal, an
unknown model or id) exactly as the commands do; :func:`tool` turns it into the SDK's
``ToolError`` carrying the message and the located problems as ``path:line:col``, so the
client sees a tool error and the server keeps serving.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypedDict, TypeVar

from pydantic import AfterValidator, Field

from threatgate.errors import ThreatgateError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

#: Most rows one page returns, whatever the client asks for.
MAX_LIMIT = 500
#: Rows of a page when the client does not say.
DEFAULT_LIMIT = 50
#: Longest free text (a description, a query) a tool takes.
MAX_TEXT = 20_000
#: Most items a tool takes in one list (assertions, findings, links) or mapping (fields).
MAX_ITEMS = 100
#: Most characters of JSON a free-form argument (fields to set, assertions) may hold.
MAX_PAYLOAD = 200_000


def bounded_payload(value: T) -> T:
    """Refuse a free-form argument larger than :data:`MAX_PAYLOAD` characters of JSON."""
    size = len(json.dumps(value, default=str))
    if size > MAX_PAYLOAD:
        raise ValueError(f"{size} characters of JSON, more than the {MAX_PAYLOAD} accepted")
    return value


Offset = Annotated[int, Field(ge=0, le=10_000_000, description="Rows to skip.")]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT,
                             description=f"Rows to return (at most {MAX_LIMIT}).")]
ModelId = Annotated[str | None, Field(
    max_length=512, description="A model's id or its file path relative to the repository "
                                "root; default: the repository's only model (or the one "
                                "defining the entity named).")]
EntityId = Annotated[str, Field(min_length=1, max_length=64, description="An entity's id.")]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
#: Free-form mappings (assertions, fields of an entity), bounded in count and size.
JsonObjects = Annotated[list[dict[str, Any]], Field(max_length=MAX_ITEMS),
                    AfterValidator(bounded_payload)]
JsonObject = Annotated[dict[str, Any], Field(max_length=MAX_ITEMS),
                    AfterValidator(bounded_payload)]
#: A name, a title, one line.
Short = Annotated[str, Field(min_length=1, max_length=500)]
#: A list of short values (ids, tags, categories).
Names = Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=MAX_ITEMS)]


class Page(TypedDict):
    """A page of a listing: the total before paging, and the rows of this page."""

    total: int
    offset: int
    limit: int
    items: list[dict[str, Any]]


class Change(TypedDict):
    """What a write did to the model file."""

    path: str
    changed: bool
    warnings: list[str]
    #: The line of each entity written, by id, in the file as it is now.
    lines: dict[str, int]
    result: dict[str, Any]


def page(rows: Sequence[dict[str, Any]], offset: int, limit: int) -> Page:
    return {"total": len(rows), "offset": offset, "limit": limit,
            "items": list(rows[offset: offset + limit])}


def wants_rows(summary_only: bool | None, filtered: bool) -> bool:
    """Whether a report lists its rows: as asked, else only when a filter says which rows
    are wanted (summaries by default, details on request)."""
    return not summary_only if summary_only is not None else filtered


def error_text(exc: ThreatgateError) -> str:
    """The message of a refusal with its located problems and details, one per line."""
    from threatgate.output.diagnostics import text_line

    head = f"{exc.path}: error: {exc}" if exc.path else f"error: {exc}"
    lines = [head] if exc.headline or not exc.diagnostics else []
    note = f" ({exc.diagnostic_note})" if exc.diagnostic_note else ""
    lines += [text_line(d) + note for d in exc.diagnostics]
    lines += [f"{exc.path or 'model'}:{line}: {text}" for line, text in exc.pointers]
    lines += [f"  {detail}" for detail in exc.details]
    return "\n".join(lines)


def tool(server: MCPServer, *, read_only: bool = False,
         destructive: bool = False) -> Callable[[F], F]:
    """Register ``fn`` as a tool named after it, its docstring as its description.

    Refusals (:class:`ThreatgateError`) become tool errors with the located message;
    anything else is left to the SDK (a generic tool error, logged to standard error).
    """
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import ToolAnnotations

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ThreatgateError as exc:
                raise ToolError(error_text(exc)) from None

        hints = ToolAnnotations(read_only_hint=read_only, destructive_hint=destructive,
                                idempotent_hint=read_only, open_world_hint=False)
        server.add_tool(run, name=fn.__name__, description=inspect.getdoc(fn),
                        annotations=hints, structured_output=True)
        return fn

    return decorate


def entity_lines(text: bytes, located: Sequence[tuple[str, str | None]]) -> dict[str, int]:
    """The line of each (collection, id) in a model's text; ids not found are left out."""
    from threatgate.model.loader import LoadError, load_bytes
    from threatgate.model.vocabulary import items

    wanted = [(collection, entity_id) for collection, entity_id in located if entity_id]
    if not wanted:
        return {}
    try:
        document = load_bytes(text, locate=True)
    except LoadError:  # pragma: no cover - the edit was validated before it was written
        return {}
    lines = {}
    for collection, entity_id in wanted:
        for index, entry in items(document.data, collection):
            if entry.get("id") == entity_id:
                lines[str(entity_id)] = document.locate((collection, index))[0]
    return lines


def change_result(path: str, outcome: Any, result: dict[str, Any],
                  located: Sequence[tuple[str, str | None]] = ()) -> Change:
    """The result of a write: the file, whether it changed, the warnings it introduced,
    and the line of each ``(collection, id)`` in ``located``."""
    from threatgate.output.diagnostics import text_line

    return {"path": path, "changed": bool(outcome.changed),
            "warnings": [text_line(w) for w in outcome.warnings],
            "lines": entity_lines(outcome.after, located), "result": result}
