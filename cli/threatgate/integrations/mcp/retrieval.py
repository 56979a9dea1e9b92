"""Retrieval tools: the models, their controls and objectives, the assessment, the review
queue and a text query over every entity. Read-only; rows come from
:mod:`threatgate.analysis.listings`, so they say what ``threatgate assess`` says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from threatgate.integrations.mcp.common import (
    DEFAULT_LIMIT,
    EntityId,
    Limit,
    ModelId,
    Offset,
    Page,
    page,
    tool,
    wants_rows,
)
from threatgate.model.vocabulary import COLLECTIONS, items

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.analysis.assessment import ModelAssessment
    from threatgate.integrations.mcp.repository import Repository
    from threatgate.model.loader import LoadedDocument

ControlStatus = Literal["planned", "in_progress", "implemented", "not_applicable", "wont_do",
                        "verified", "failing"]
ObjectiveStatus = Literal["mitigated", "at_risk", "unassessed", "verified"]
ThreatStatus = Literal["mitigated", "accepted", "open"]
#: The collections of a model (``threatgate.model.vocabulary.COLLECTIONS``).
Kind = Literal["trust_boundaries", "components", "dataflows", "assets", "attackers",
               "objectives", "threats", "controls", "assumptions", "acceptances", "findings"]

#: The collections whose entities ``get_threat_model`` lists with ``include_entities``.
ENTITY_COLLECTIONS = ("trust_boundaries", "components", "dataflows", "assets", "attackers",
                      "assumptions")
#: Fields of a control added to its row with ``details`` (x-evidence: its evidence links).
CONTROL_DETAILS = ("description", "owner", "notes", "compliance", "assertions", "tags",
                   "x-evidence")


def summary(a: ModelAssessment) -> dict[str, Any]:
    """The figures of one model's assessment (what ``assess`` prints as totals)."""
    return {"id": a.model_id, "title": a.title, "path": a.path, "line": a.location[0],
            "threats": len(a.threats), "threat_states": a.threat_states,
            "by_severity": a.by_severity, "mitigation_ratio": a.mitigation_ratio,
            "objectives": a.objective_states, "controls": a.controls_by_status,
            "control_progress": a.control_progress, "findings": a.findings_by_status,
            "review_queue": len(a.review_queue)}


def entity_name(entry: dict[str, Any]) -> str | None:
    for key in ("title", "name", "description"):
        value = entry.get(key)
        if isinstance(value, str):
            return value if len(value) <= 120 else value[:117] + "..."
    return None


def entity_rows(path: str, document: LoadedDocument,
                collection: str) -> Iterator[dict[str, Any]]:
    """One short row per entity of a collection, with its file and line."""
    for index, entry in items(document.data, collection):
        yield {"model": str(document.data.get("id")), "kind": COLLECTIONS[collection],
               "id": entry.get("id"), "name": entity_name(entry), "path": path,
               "line": document.locate((collection, index))[0]}


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _strings(item, f"{where}[{position}]")


def _matches(entry: dict[str, Any], needle: str) -> list[str]:
    return [where for where, text in _strings(entry, "") if needle in text.casefold()]


def register(server: MCPServer, repo: Repository) -> None:
    """Add the retrieval tools to ``server``."""
    _register_models(server, repo)
    _register_listings(server, repo)
    _register_query(server, repo)


def _register_models(server: MCPServer, repo: Repository) -> None:
    @tool(server, read_only=True)
    def list_threat_models(offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page:
        """List the threat models of the repository: id, title, file, and the figures of
        each assessment. Invalid models are listed with their first error."""
        workspace = repo.workspace()
        rows: list[dict[str, Any]] = [summary(a) for a in workspace.assessments]
        rows += [{"id": None, "path": bad.path, "line": bad.line, "valid": False,
                  "error": bad.problem} for bad in workspace.invalid]
        return page(rows, offset, limit)

    @tool(server, read_only=True)
    def get_threat_model(model_id: ModelId = None, include_cos: bool = False,
                         include_entities: bool = False, offset: Offset = 0,
                         limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        """One model: its figures; with include_cos its control objectives and their
        posture; with include_entities a page (offset, limit, total) of short rows (id,
        name, file, line) for its components, data flows, trust boundaries, assets,
        attackers and assumptions."""
        workspace = repo.workspace(model_id)
        if not workspace.assessments:
            bad = workspace.invalid[0]
            return {"valid": False, "path": bad.path, "line": bad.line, "error": bad.problem}
        a = workspace.assessments[0]
        result: dict[str, Any] = {"valid": True, **summary(a), "system": a.system,
                                  "owner": a.owner, "frameworks": a.frameworks}
        if include_cos:
            from threatgate.analysis.listings import listing

            result["control_objectives"] = listing([a], "objectives").rows
        if include_entities:
            path, document = repo.documents(model_id or a.path)[0]
            result["entities"] = page([row for collection in ENTITY_COLLECTIONS
                                       for row in entity_rows(path, document, collection)],
                                      offset, limit)
        return result


def _add_control_fields(repo: Repository, rows: list[dict[str, Any]], details: bool) -> None:
    """Add to each control's row how many evidence links it has (``x-evidence``) and, with
    ``details``, the links and its own fields (description, notes, assertions, ...)."""
    from threatgate.edits.controls import EVIDENCE_FIELD

    documents = dict(repo.documents())
    indexed: dict[str, dict[Any, dict[str, Any]]] = {}
    for row in rows:
        shown = repo.shown(row["path"])
        if shown not in indexed:
            document = documents.get(shown)
            indexed[shown] = {e.get("id"): e for _, e in items(document.data, "controls")
                              } if document else {}
        entry = indexed[shown].get(row["id"], {})
        links = entry.get(EVIDENCE_FIELD)
        links = [link for link in links if isinstance(link, str)] if isinstance(
            links, list) else []
        # A count, as for assertions; the links themselves with details.
        row["evidence_links"] = links if details else len(links)
        if details:
            row.update({key: entry[key] for key in CONTROL_DETAILS if key in entry})


def _component_controls(repo: Repository, component_id: str) -> set[str]:
    """Controls mitigating a threat to the component (or named by its objectives)."""
    found: set[str] = set()
    for _, document in repo.documents():
        for _, threat in items(document.data, "threats"):
            if component_id in (threat.get("components") or []):
                found.update(c for c in threat.get("mitigations") or [] if isinstance(c, str))
    return found


def _register_listings(server: MCPServer, repo: Repository) -> None:
    from threatgate.analysis.listings import listing

    @tool(server, read_only=True)
    def get_controls(model_id: ModelId = None, control_id: EntityId | None = None,
                     status: ControlStatus | None = None, co_id: EntityId | None = None,
                     component_id: EntityId | None = None, details: bool = False,
                     offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page:
        """Controls with their status, verification, objectives, threats and how many
        evidence links they have (file and line of each). Filter by control, status (or
        verified/failing), objective or component; details adds description, notes,
        assertions and the evidence links (x-evidence)."""
        found = listing(repo.workspace(model_id).assessments, "controls", status=status,
                        control=control_id, objective=co_id).rows
        if component_id is not None:
            wanted = _component_controls(repo, component_id)
            found = [row for row in found if row["id"] in wanted]
        result = page(found, offset, limit)
        _add_control_fields(repo, result["items"], details)
        return result

    @tool(server, read_only=True)
    def get_control_objectives(model_id: ModelId = None, co_id: EntityId | None = None,
                               status: ObjectiveStatus | None = None, offset: Offset = 0,
                               limit: Limit = DEFAULT_LIMIT) -> Page:
        """Control objectives (asset x attacker) with their posture: mitigated, at_risk or
        unassessed, the controls missing, the mitigation group that closes them."""
        return page(listing(repo.workspace(model_id).assessments, "objectives",
                            status=status, objective=co_id).rows, offset, limit)

    @tool(server, read_only=True)
    def assess_model(model_id: ModelId = None, summary_only: bool | None = None,
                     status: ThreatStatus | None = None, offset: Offset = 0,
                     limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        """The assessment: the figures of each model; with summary_only false (the
        default when a status is given), also the threats (severity, score, state,
        controls), filtered by state and paged."""
        workspace = repo.workspace(model_id)
        result: dict[str, Any] = {
            "models": [summary(a) for a in workspace.assessments],
            "invalid": [{"path": b.path, "line": b.line, "error": b.problem}
                        for b in workspace.invalid]}
        if wants_rows(summary_only, status is not None):
            result["threats"] = page(listing(workspace.assessments, "threats",
                                             status=status).rows, offset, limit)
        return result

    @tool(server, read_only=True)
    def get_review_queue(model_id: ModelId = None, offset: Offset = 0,
                         limit: Limit = DEFAULT_LIMIT) -> Page:
        """What needs a human next, most urgent first: expired acceptances, failing
        evidence, open findings, objectives at risk, ..."""
        return page(listing(repo.workspace(model_id).assessments, "queue").rows,
                    offset, limit)


def _register_query(server: MCPServer, repo: Repository) -> None:
    @tool(server, read_only=True)
    def query_threat_model(
            query: Annotated[str, Field(min_length=1, max_length=500)],
            model_id: ModelId = None, kind: Kind | None = None, offset: Offset = 0,
            limit: Limit = DEFAULT_LIMIT) -> Page:
        """Every entity (of one collection, if given) whose text holds the query, ignoring
        case: its model, kind, id, name, file and line, and the fields that matched."""
        needle = query.casefold()
        collections = [kind] if kind is not None else list(COLLECTIONS)
        rows = []
        for path, document in repo.documents(model_id):
            for collection in collections:
                for row, (_, entry) in zip(entity_rows(path, document, collection),
                                           items(document.data, collection), strict=True):
                    fields = _matches(entry, needle)
                    if fields:
                        rows.append({**row, "fields": fields[:10]})
        return page(rows, offset, limit)
