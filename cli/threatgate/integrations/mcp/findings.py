"""Gap tools: findings recorded, listed and moved through their lifecycle, and the
``gaps`` checklist a scan starts from.

Findings are written by :mod:`threatgate.edits.findings`, the lifecycle enforced exactly
as ``threatgate findings update`` enforces it (a remediated finding links the assertions
proving the fix; verifying it checks them, never running commands).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, NotRequired

from pydantic import Field

# pydantic needs typing_extensions' TypedDict before Python 3.12.
from typing_extensions import TypedDict

from threatgate.integrations.mcp.common import (
    DEFAULT_LIMIT,
    MAX_ITEMS,
    Change,
    EntityId,
    JsonObjects,
    Limit,
    ModelId,
    Offset,
    Page,
    Short,
    Text,
    change_result,
    page,
    tool,
)

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.document.editor import ModelEditor
    from threatgate.integrations.mcp.repository import Repository

Severity = Literal["critical", "high", "medium", "low", "info"]
FindingStatus = Literal["discovered", "acknowledged", "remediated", "verified", "dismissed"]
GapStatus = Literal["planned", "in_progress"]


class FindingInput(TypedDict):
    """A gap found in the code: the control it leaves unimplemented, and where."""

    control: Annotated[str, Field(min_length=1, max_length=64)]
    title: Short
    severity: Severity
    locations: NotRequired[Annotated[list[Annotated[str, Field(max_length=1000)]],
                                     Field(max_length=MAX_ITEMS)]]
    description: NotRequired[Text]
    expected_evidence: NotRequired[Text]
    tags: NotRequired[Annotated[list[Annotated[str, Field(max_length=100)]],
                                Field(max_length=MAX_ITEMS)]]
    id: NotRequired[Annotated[str, Field(min_length=1, max_length=64)]]


def register(server: MCPServer, repo: Repository) -> None:
    """Add the gap tools to ``server``."""
    _register_writes(server, repo)
    _register_reads(server, repo)


def _add_all(editor: ModelEditor, findings: list[FindingInput],
             repo: Repository) -> list[dict[str, Any]]:
    from threatgate.edits.findings import NewFinding, add_finding

    day = repo.today()
    return [add_finding(editor, NewFinding(
        control=f["control"], title=f["title"], severity=f["severity"], today=day,
        locations=f.get("locations", ()), expected_evidence=f.get("expected_evidence"),
        description=f.get("description"), tags=f.get("tags", ()), finding_id=f.get("id")))
        for f in findings]


def _register_writes(server: MCPServer, repo: Repository) -> None:
    from threatgate.edits.findings import FindingUpdate
    from threatgate.edits.findings import update_finding as update

    @tool(server)
    def submit_findings(
            findings: Annotated[list[FindingInput], Field(min_length=1, max_length=MAX_ITEMS)],
            model_id: ModelId = None) -> Change:
        """Record gaps found in the code as findings (status discovered), each against
        the control it leaves unimplemented. All are written in one edit, or none."""
        path, outcome = repo.edit(model_id, lambda editor: _add_all(editor, findings, repo),
                                  entity_id=findings[0]["control"])
        return change_result(path, outcome, {"added": outcome.value},
                             [("findings", f["id"]) for f in outcome.value])

    @tool(server)
    def update_finding(
            finding_id: EntityId, status: FindingStatus | None = None,
            reason: Text | None = None,
            assertions: JsonObjects | None = None, model_id: ModelId = None) -> Change:
        """Move a finding through its lifecycle: discovered -> acknowledged -> remediated
        (with the assertions proving the fix) -> verified (they all pass), or dismissed
        (with a reason). Illegal moves are refused, naming the allowed ones."""
        request = FindingUpdate(status=status, reason=reason, assertions=assertions or [],
                                root=repo.root)
        path, outcome = repo.edit(model_id, lambda editor: update(editor, finding_id, request),
                                  entity_id=finding_id)
        done = outcome.value
        return change_result(path, outcome, {
            "id": done.finding_id, "before": done.before, "after": done.after,
            "added_assertions": done.added_assertions,
            "verdicts": {str(i): {"status": v.status, "reason": v.reason}
                         for i, v in done.verdicts.items()}}, [("findings", finding_id)])


def _register_reads(server: MCPServer, repo: Repository) -> None:
    @tool(server, read_only=True)
    def list_findings(model_id: ModelId = None, status: FindingStatus | None = None,
                      control_id: EntityId | None = None, offset: Offset = 0,
                      limit: Limit = DEFAULT_LIMIT) -> Page:
        """Findings with their control, severity, status, file and line."""
        from threatgate.analysis.listings import listing

        return page(listing(repo.workspace(model_id).assessments, "findings", status=status,
                            control=control_id).rows, offset, limit)

    @tool(server, read_only=True)
    def get_scan_prompt(control_id: EntityId | None = None, model_id: ModelId = None,
                        status: GapStatus | None = None, offset: Offset = 0,
                        limit: Limit = 10) -> dict[str, Any]:
        """The `threatgate gaps` checklist for one control or every control not
        implemented yet: objectives it serves, threats, findings, the evidence to look
        for and where; as Markdown to work from, and as data."""
        from threatgate.analysis.gaps import gaps_follow, gaps_page
        from threatgate.model.discovery import discover
        from threatgate.output.gaps import gaps_markdown
        from threatgate.validate.files import options_for, validate_files

        paths = [repo.model_path(model_id)] if model_id else []
        follow = gaps_follow(repo.today(), repo.config.expiring_days)
        report = validate_files(discover(paths, repo.config),
                                options_for(repo.config, repo.today(), follow))
        found = gaps_page(report.followed, control=control_id, status=status, offset=offset,
                          limit=limit)
        return {"total": found.total, "offset": offset, "limit": limit,
                "prompt": gaps_markdown(found),
                "items": [row.as_json() for row in found.rows]}
