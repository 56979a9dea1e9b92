"""Update tools: a control's status, description and evidence links; assets and attackers
added, edited and removed; threats and controls added.

Each is one function of :mod:`threatgate.edits` run through the edit transaction
(:meth:`Repository.edit`), exactly as ``threatgate add|edit|remove|set-status`` run it:
only the touched entry changes, comments stay, the write is atomic and locked, and an
edit that would make the model invalid is refused with the located problems.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from threatgate.edits.fields import KINDS
from threatgate.integrations.mcp.common import (
    MAX_ITEMS,
    Change,
    EntityId,
    JsonObject,
    JsonObjects,
    ModelId,
    Names,
    Short,
    Text,
    change_result,
    tool,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.integrations.mcp.repository import Repository

Status = Literal["planned", "in_progress", "implemented", "not_applicable", "wont_do"]
Links = Annotated[list[Annotated[str, Field(min_length=1, max_length=2000)]],
                  Field(min_length=1, max_length=MAX_ITEMS)]
Score = Annotated[int, Field(ge=1, le=5)]
Fields = Annotated[JsonObject, Field(
    description="Fields to set, by their name in the model schema (e.g. description, tags, "
                "x-ticket); a list replaces the whole list.")]
Unset = Annotated[list[Annotated[str, Field(max_length=100)]], Field(
    max_length=MAX_ITEMS, description="Optional fields to remove.")]


def given(**values: Any) -> dict[str, Any]:
    """The fields a client gave (None and empty lists are 'not given')."""
    return {key: value for key, value in values.items() if value not in (None, [], "")}


def register(server: MCPServer, repo: Repository) -> None:
    """Add the update tools to ``server``."""
    _register_controls(server, repo)
    _register_entities(server, repo)
    _register_additions(server, repo)


def _add(repo: Repository, model_id: str | None, kind_name: str, values: dict[str, Any],
         entity_id: str | None) -> Change:
    from threatgate.edits.entities import add_entity

    kind = KINDS[kind_name]
    day = repo.today()
    path, outcome = repo.edit(model_id, lambda editor: add_entity(
        editor, kind, values, entity_id=entity_id, today=day))
    added = outcome.value
    return change_result(path, outcome, {"kind": kind.name, "id": added.entity_id,
                                         "entry": added.entry},
                         [(kind.collection, added.entity_id)])


def _edit(repo: Repository, model_id: str | None, kind_name: str, ident: str,
          fields: dict[str, Any], unset: list[str]) -> Change:
    from threatgate.edits.entities import EditRequest, edit_entity

    kind = KINDS[kind_name]
    request = EditRequest(set=dict(fields), unset=tuple(unset))
    path, outcome = repo.edit(model_id, lambda editor: edit_entity(editor, kind, ident, request),
                              entity_id=ident)
    edited = outcome.value
    return change_result(path, outcome, {"kind": kind.name, "id": edited.entity_id,
                                         "fields": edited.fields, "after": edited.after},
                         [(kind.collection, edited.entity_id)])


def _remove(repo: Repository, model_id: str | None, kind_name: str, ident: str,
            force: bool) -> Change:
    from threatgate.edits.removal import remove_entity

    kind = KINDS[kind_name]
    path, outcome = repo.edit(model_id, lambda editor: remove_entity(
        editor, kind, ident, force=force), entity_id=ident)
    removed = outcome.value
    return change_result(path, outcome, {
        "kind": kind.name, "id": removed.entity_id,
        "dropped": [dataclasses.asdict(d) for d in removed.dropped],
        "cleaned": [dataclasses.asdict(c) for c in removed.cleaned],
        "orphaned_controls": removed.orphaned_controls})


def _register_controls(server: MCPServer, repo: Repository) -> None:
    from threatgate.edits import controls
    from threatgate.edits.entities import set_status

    @tool(server)
    def update_control_status(control_id: EntityId, status: Status,
                              notes: Text | None = None, model_id: ModelId = None) -> Change:
        """Move a control to a status; notes go, dated, at the end of its notes (as
        `threatgate set-status --note`). Setting the status it has changes nothing."""
        day = repo.today()
        path, outcome = repo.edit(model_id, lambda editor: set_status(
            editor, control_id, status, note=notes, today=day), entity_id=control_id)
        change = outcome.value
        return change_result(path, outcome, {"id": control_id, "before": change.before,
                                             "after": change.after, "note": change.note},
                             [("controls", control_id)])

    @tool(server)
    def refine_control(control_id: EntityId, description: Text, justification: Text,
                       model_id: ModelId = None) -> Change:
        """Replace a control's description; the justification is kept, dated, in its
        notes so that reviewers see why it changed."""
        day = repo.today()
        path, outcome = repo.edit(model_id, lambda editor: controls.refine_control(
            editor, control_id, description, justification, today=day), entity_id=control_id)
        return change_result(path, outcome, _control_change(outcome.value),
                             [("controls", control_id)])

    @tool(server)
    def add_evidence(control_id: EntityId, links: Links, model_id: ModelId = None) -> Change:
        """Link evidence kept outside the code to a control (a ticket, a document, a test
        run): the links are added to its x-evidence list; links already there are kept."""
        path, outcome = repo.edit(model_id, lambda editor: controls.add_evidence_links(
            editor, control_id, links), entity_id=control_id)
        return change_result(path, outcome, _control_change(outcome.value),
                             [("controls", control_id)])

    @tool(server, destructive=True)
    def remove_evidence(control_id: EntityId, links: Links,
                        model_id: ModelId = None) -> Change:
        """Take evidence links out of a control's x-evidence list."""
        path, outcome = repo.edit(model_id, lambda editor: controls.remove_evidence_links(
            editor, control_id, links), entity_id=control_id)
        return change_result(path, outcome, _control_change(outcome.value),
                             [("controls", control_id)])


def _control_change(change: Any) -> dict[str, Any]:
    return {"id": change.entity_id, "fields": change.fields, "after": change.after}


def _register_entities(server: MCPServer, repo: Repository) -> None:
    @tool(server)
    def add_asset(name: Short, properties: Names, description: Text | None = None,
                  kind: Short | None = None, classification: Short | None = None,
                  tags: Names | None = None, asset_id: EntityId | None = None,
                  model_id: ModelId = None) -> Change:
        """Add an asset (what an attacker wants): properties are the security properties
        at stake (confidentiality, integrity, availability, ...)."""
        return _add(repo, model_id, "asset", given(
            name=name, properties=properties, description=description, kind=kind,
            classification=classification, tags=tags), asset_id)

    @tool(server)
    def edit_asset(asset_id: EntityId, fields: Fields, unset: Unset | None = None,
                   model_id: ModelId = None) -> Change:
        """Change fields of an asset; only its entry is rewritten."""
        return _edit(repo, model_id, "asset", asset_id, fields, unset or [])

    @tool(server, destructive=True)
    def remove_asset(asset_id: EntityId, force: bool = False,
                     model_id: ModelId = None) -> Change:
        """Remove an asset and the objectives built on it; refused while other entries
        name it, unless force (then the references are taken out)."""
        return _remove(repo, model_id, "asset", asset_id, force)

    @tool(server)
    def add_attacker(name: Short, capability: Text, position: Short,
                     description: Text | None = None, tags: Names | None = None,
                     attacker_id: EntityId | None = None, model_id: ModelId = None) -> Change:
        """Add an attacker: what they can do and where they stand (external, ...)."""
        return _add(repo, model_id, "attacker", given(
            name=name, capability=capability, position=position, description=description,
            tags=tags), attacker_id)

    @tool(server)
    def edit_attacker(attacker_id: EntityId, fields: Fields, unset: Unset | None = None,
                      model_id: ModelId = None) -> Change:
        """Change fields of an attacker; only its entry is rewritten."""
        return _edit(repo, model_id, "attacker", attacker_id, fields, unset or [])

    @tool(server, destructive=True)
    def remove_attacker(attacker_id: EntityId, force: bool = False,
                        model_id: ModelId = None) -> Change:
        """Remove an attacker and the objectives built on them; refused while other
        entries name them, unless force."""
        return _remove(repo, model_id, "attacker", attacker_id, force)


def _register_additions(server: MCPServer, repo: Repository) -> None:
    @tool(server)
    def add_threat(title: Short, description: Text | None = None,
                   stride: Names | None = None, likelihood: Score | None = None,
                   impact: Score | None = None, objectives: Names | None = None,
                   components: Names | None = None, mitigations: Names | None = None,
                   cwe: Names | None = None, tags: Names | None = None,
                   threat_id: EntityId | None = None, model_id: ModelId = None) -> Change:
        """Add a threat: STRIDE categories, likelihood and impact (1-5), the objectives
        it threatens, the components it affects and the controls mitigating it."""
        return _add(repo, model_id, "threat", given(
            title=title, description=description, stride=stride, likelihood=likelihood,
            impact=impact, objectives=objectives, components=components,
            mitigations=mitigations, cwe=cwe, tags=tags), threat_id)

    @tool(server)
    def add_control(title: Short, status: Status = "planned", description: Text | None = None,
                    owner: Short | None = None, compliance: Names | None = None,
                    assertions: JsonObjects | None = None, tags: Names | None = None,
                    control_id: EntityId | None = None, model_id: ModelId = None) -> Change:
        """Add a control; assertions (typed evidence, see submit_assertions) are checked
        against the assertion schema."""
        from threatgate.edits.findings import check_assertion

        for number, assertion in enumerate(assertions or [], 1):
            check_assertion(assertion, f"assertion {number}")
        return _add(repo, model_id, "control", given(
            title=title, status=status, description=description, owner=owner,
            compliance=compliance, assertions=assertions, tags=tags), control_id)
