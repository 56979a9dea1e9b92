"""Compliance tools: the frameworks available, the coverage of their requirements by the
models' controls, and a control's requirement mappings edited.

The same code as ``threatgate compliance list|report|map``: the shipped catalogues and
the repository's own (``[compliance] folder``), the exact coverage statuses of
:mod:`threatgate.compliance.coverage`, and mappings checked against the catalogue before
anything is written (the closest ids named when a requirement is not there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from threatgate.integrations.mcp.common import (
    DEFAULT_LIMIT,
    MAX_ITEMS,
    Change,
    EntityId,
    Limit,
    ModelId,
    Offset,
    change_result,
    tool,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.catalogues.library import CatalogueLibrary
    from threatgate.integrations.mcp.repository import Repository

Framework = Annotated[str, Field(min_length=1, max_length=100,
                                 description="A framework id, e.g. asvs-5.0 "
                                             "(list_compliance_frameworks names them).")]
Level = Annotated[str | None, Field(max_length=100, description=(
    "The level in scope: ASVS 1-3 (levels up to it), a NIST baseline (low, moderate, "
    "high, privacy); default: every requirement."))]
CoverageStatus = Literal["covered", "verified", "partial", "planned", "unmapped", "excluded"]
References = Annotated[list[Annotated[str, Field(min_length=3, max_length=200)]], Field(
    min_length=1, max_length=MAX_ITEMS,
    description="Requirements as FRAMEWORK:ID, e.g. asvs-5.0:V1.2.4 or "
                "nist-800-53-r5:AC-2(1).")]


def library(repo: Repository) -> CatalogueLibrary:
    from threatgate.catalogues.library import library_for

    return library_for(repo.config)


def register(server: MCPServer, repo: Repository) -> None:
    """Add the compliance tools to ``server``."""

    @tool(server, read_only=True)
    def list_compliance_frameworks() -> dict[str, Any]:
        """The frameworks whose requirements controls can map: each with its title, its
        number of requirements, its levels (with the requirements in each), whether the
        levels are cumulative, and whether it is shipped or the repository's own."""
        from threatgate.compliance.report import framework_rows

        rows = framework_rows(library(repo))
        return {"total": len(rows), "frameworks": rows}

    @tool(server, read_only=True)
    def get_compliance_report(framework: Framework, model_id: ModelId = None,
                              level: Level = None, status: CoverageStatus | None = None,
                              summary_only: bool = True, offset: Offset = 0,
                              limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        """Coverage of a framework's requirements by the controls of one model (or of
        every model): covered (every mapped control implemented; verified when their
        evidence also passed), partial, planned, unmapped, excluded, and coverage =
        covered / (requirements - excluded). The counts come by default; with
        summary_only false (or a status) the requirement rows, paged, with the controls
        mapping each."""
        from threatgate.compliance.report import build_report, page_json
        from threatgate.compliance.run import selected_frameworks

        workspace = repo.workspace(model_id)
        selected = selected_frameworks(workspace.assessments, library(repo), [framework],
                                       level)
        built = build_report(workspace.assessments, selected, status=status, offset=offset,
                             limit=limit)
        document = page_json(built.frameworks[0])
        rows = document.pop("rows", [])
        document["models_invalid"] = [repo.shown(bad.path) for bad in workspace.invalid]
        if summary_only and status is None:
            return document
        document["rows"] = {"total": built.frameworks[0].total_rows, "offset": offset,
                            "limit": limit, "items": rows}
        return document

    @tool(server)
    def map_control_to_requirement(control_id: EntityId, requirements: References,
                                   remove: bool = False, model_id: ModelId = None) -> Change:
        """Map a control to framework requirements (or, with remove, take the mappings
        out). Each requirement is checked against its framework's catalogue first; the
        model keeps its comments and layout and is validated before it is written."""
        from threatgate.edits.compliance import map_requirements

        found = library(repo)
        path, outcome = repo.edit(model_id, lambda editor: map_requirements(
            editor, control_id, requirements, found, remove=remove), entity_id=control_id)
        edited = outcome.value
        return change_result(path, outcome, {"id": control_id,
                                             "compliance": edited.after.get("compliance", [])},
                             [("controls", control_id)])
