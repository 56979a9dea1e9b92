"""Evidence tools: a control's assertions written, listed and deleted, and the verification
report of the working tree.

Assertions are checked against the assertion schema before anything is written
(:func:`threatgate.edits.controls.add_assertions`). Verification runs the one runner
(:func:`threatgate.workspace.run_verification`) without commands: a ``command_succeeds``
assertion is reported as skipped, never run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from threatgate.integrations.mcp.common import (
    DEFAULT_LIMIT,
    Change,
    EntityId,
    JsonObjects,
    Limit,
    ModelId,
    Offset,
    Page,
    change_result,
    page,
    tool,
    wants_rows,
)
from threatgate.model.vocabulary import items

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.integrations.mcp.repository import Repository

Verdict = Literal["pass", "fail", "error", "skipped"]
Assertions = Annotated[JsonObjects, Field(
    min_length=1,
    description="Assertions as the model writes them, e.g. {\"type\": \"function_exists\", "
                "\"file\": \"src/auth.py\", \"name\": \"verify_token\"}; `threatgate schema "
                "assertion` lists every type and its parameters.")]


def register(server: MCPServer, repo: Repository) -> None:
    """Add the evidence tools to ``server``."""
    _register_writes(server, repo)
    _register_reads(server, repo)


def _register_writes(server: MCPServer, repo: Repository) -> None:
    from threatgate.edits import controls

    @tool(server)
    def submit_assertions(control_id: EntityId, assertions: Assertions,
                          model_id: ModelId = None) -> Change:
        """Add typed assertions (machine-checked evidence) to a control. Each is checked
        against the assertion schema first; one the control already has is skipped.
        Run get_verification_report afterwards to see whether they pass."""
        path, outcome = repo.edit(model_id, lambda editor: controls.add_assertions(
            editor, control_id, assertions), entity_id=control_id)
        change = outcome.value
        return change_result(path, outcome, {"id": control_id, "fields": change.fields,
                                             "assertions": change.after.get("assertions")},
                             [("controls", control_id)])

    @tool(server, destructive=True)
    def delete_assertion(control_id: EntityId,
                         index: Annotated[int, Field(ge=0, le=100_000)] | None = None,
                         assertion_id: EntityId | None = None,
                         model_id: ModelId = None) -> Change:
        """Delete one assertion of a control, by its index (as list_assertions gives it)
        or by its id."""
        path, outcome = repo.edit(model_id, lambda editor: controls.delete_assertion(
            editor, control_id, index, assertion_id=assertion_id), entity_id=control_id)
        before, after = (outcome.value.before.get("assertions", []),
                         outcome.value.after.get("assertions", []))
        deleted = [a for i, a in enumerate(before) if i >= len(after) or after[i] != a][:1]
        return change_result(path, outcome, {"id": control_id, "deleted": deleted[0]},
                             [("controls", control_id)])


def _register_reads(server: MCPServer, repo: Repository) -> None:
    @tool(server, read_only=True)
    def list_assertions(model_id: ModelId = None, control_id: EntityId | None = None,
                        type: Annotated[str | None, Field(max_length=100)] = None,
                        offset: Offset = 0, limit: Limit = DEFAULT_LIMIT) -> Page:
        """The assertions of the controls (of one control, of one type): each with its
        control, index, type, file and line, and the assertion itself."""
        rows = []
        for path, document in repo.documents(model_id):
            model = str(document.data.get("id"))
            for c_index, control in items(document.data, "controls"):
                if control_id is not None and control.get("id") != control_id:
                    continue
                for a_index, assertion in enumerate(control.get("assertions") or []):
                    if type is not None and assertion.get("type") != type:
                        continue
                    line = document.locate(("controls", c_index, "assertions", a_index))[0]
                    rows.append({"model": model, "control": control.get("id"),
                                 "control_status": control.get("status"), "index": a_index,
                                 "type": assertion.get("type"), "assertion": assertion,
                                 "path": path, "line": line})
        return page(rows, offset, limit)

    @tool(server, read_only=True)
    def get_verification_report(model_id: ModelId = None, status: Verdict | None = None,
                                summary_only: bool | None = None, offset: Offset = 0,
                                limit: Limit = DEFAULT_LIMIT) -> dict[str, Any]:
        """Check every assertion against the working tree (as `threatgate verify`, never
        running commands): counts by verdict and per control; with summary_only false
        (the default when a status is given), the verdicts (pass, fail, error, skipped)
        with reasons, filtered by status and paged."""
        report = repo.workspace(model_id, verify=True).verification
        if report is None:  # pragma: no cover - verify=True always sets it
            return {"summary": {}, "passed": True}
        controls = report.controls()
        result: dict[str, Any] = {
            "summary": {**report.counts, "controls": len(controls),
                        "verified_controls": sum(row["verified"] for row in controls)},
            "passed": not report.blocking}
        if wants_rows(summary_only, status is not None):
            rows = [r.as_json() for r in report.results
                    if status is None or r.verdict.status == status]
            result["assertions"] = page(rows, offset, limit)
        return result
