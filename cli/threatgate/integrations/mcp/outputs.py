"""Generation and output tools: a model drafted from a feature description, the rule packs
run again over a model (``generate --model``), and a model exported in any format.

Generation is :mod:`threatgate.generate` (no network: the LLM suggestions of
``--suggest-with`` are not offered here). A new model is written only into the first
configured model folder, under its id, and never over an existing file. Exports are
rendered by the output registry and returned, never written.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from threatgate.errors import InputError, PolicyFailure
from threatgate.integrations.mcp.common import Change, ModelId, change_result, tool

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from threatgate.integrations.mcp.repository import Repository
    from threatgate.workspace import Workspace

ExportFormat = Literal["csv", "json", "markdown", "html", "docx", "sarif", "oscal"]
#: A model id that can name a file in the model folder (no '/', no leading '.').
NEW_ID = r"[a-z0-9][a-z0-9._-]{0,63}"
NewId = Annotated[str, Field(pattern=f"^{NEW_ID}$",
                             description="Id of the new model (lower-case, digits, . _ -).")]


def register(server: MCPServer, repo: Repository) -> None:
    """Add the generation and output tools to ``server``."""
    _register_generation(server, repo)
    _register_export(server, repo)


def _draft(repo: Repository, description: str, from_repository: bool,
           model_id: str | None, title: str | None) -> tuple[dict[str, Any], str, str]:
    """The drafted model, its YAML text (checked valid) and what it was drafted from.

    With ``from_repository`` the repository's files are read as ``generate --from-repo``
    reads them (manifests, containers, infrastructure, CI; nothing is run, nothing
    outside the repository is read), merged with the description when there is one."""
    from threatgate.generate.assemble import assemble, dump_model
    from threatgate.generate.describe import describe
    from threatgate.generate.engine import apply_packs
    from threatgate.generate.rulepacks import configured_packs
    from threatgate.validate.files import check_bytes

    text = description.strip()
    scan = None
    if from_repository:
        from threatgate.generate.repository.scan import repository_description, scan_repository

        scan = scan_repository(repo.root)
        found = repository_description(scan, text or None)
    else:
        found = describe(text)
    packs = configured_packs(repo.config)
    assembled = assemble(found, packs=packs, run=lambda m: apply_packs(m, packs),
                         model_id=model_id, title=title.strip() if title else None)
    if scan is not None:
        from threatgate.generate.repository.evidence import apply_to_model

        apply_to_model(assembled.model, scan)
    rendered = dump_model(assembled.model)
    problems = [p for p in check_bytes(rendered.encode("utf-8"), repo.today(),
                                       repo.config.max_depth)["problems"] if p[0] == "error"]
    if problems:
        _, rule, line, _, message = problems[0]
        raise PolicyFailure(f"the generated model is not valid ({rule} at line {line}: "
                            f"{message}); nothing written")
    return assembled.model, rendered, found.text


def _register_generation(server: MCPServer, repo: Repository) -> None:
    @tool(server)
    def generate_threat_model(
            description: Annotated[str, Field(max_length=20_000)] = "",
            from_repository: bool = False, model_id: NewId | None = None,
            title: Annotated[str, Field(min_length=1, max_length=200)] | None = None,
            write: bool = False) -> dict[str, Any]:
        """Draft a complete model from a feature description and/or the repository's
        files (dependency manifests, containers, Kubernetes, Terraform, CI, web-server
        configs, as `threatgate generate --from-repo` reads them, never running anything):
        technologies, data, components, threats, controls, objectives; every entry
        origin: generated. With write, it is saved as <first
        model folder>/<id>.yaml (never over a file); otherwise the YAML is returned."""
        from threatgate.support.fsutil import atomic_write

        if not from_repository and not description.strip():
            raise InputError("the description is empty: describe the feature or set "
                             "from_repository")
        model, rendered, described = _draft(repo, description[:20_000], from_repository,
                                            model_id, title)
        counts = {key: len(model.get(key, [])) for key in (
            "components", "assets", "attackers", "objectives", "threats", "controls")}
        result: dict[str, Any] = {"id": model["id"], "counts": counts, "written": None,
                                  "described": described[:2_000]}
        if not write:
            return {**result, "yaml": rendered}
        if not re.fullmatch(NEW_ID, str(model["id"])):
            raise InputError(f"the drafted id {model['id']!r} cannot name a file; give "
                             "model_id")
        target = repo.config.model_dirs[0] / f"{model['id']}.yaml"
        if target.exists() or target.is_symlink():
            raise InputError(f"{repo.shown(target)} exists; give another model_id")
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, rendered.encode("utf-8"))
        return {**result, "written": repo.shown(target)}

    @tool(server)
    def regenerate_controls(model_id: ModelId = None) -> Change:
        """Run the rule packs again over a model's architecture (`threatgate generate
        --model`): threats and controls the packs now imply are added; entries already
        there, or removed by hand, are left alone; generated entries whose rule no longer
        fires are retired (removed when untouched, else kept and tagged retired)."""
        from threatgate.generate.regenerate import regenerate
        from threatgate.generate.rulepacks import configured_packs

        packs = configured_packs(repo.config)
        path, outcome = repo.edit(model_id, lambda editor: regenerate(editor, packs))
        merged, retired = outcome.value.merged, outcome.value.retired
        return change_result(path, outcome, {
            "added": merged.added, "kept": merged.kept, "not_restored": merged.not_restored,
            "conflicts": merged.conflicts, "retired": retired.removed,
            "retired_kept": retired.marked,
            "unlisted_frameworks": merged.unlisted_frameworks},
            [(collection, entity_id) for collection, ids in merged.added.items()
             for entity_id in ids])


def _one_model(repo: Repository, model_id: str | None) -> tuple[Workspace, dict[str, Any],
                                                                 bytes]:
    """The workspace of one valid model, its data, and its file's bytes."""
    from threatgate.model.loader import read_bytes

    path = repo.model_path(model_id)
    workspace = repo.workspace(repo.shown(path), keep_data=True)
    if not workspace.assessments:
        bad = workspace.invalid[0]
        raise InputError(f"{bad.path}:{bad.line}:{bad.column}: not a valid model, cannot "
                         f"export it: {bad.message} [{bad.rule}]")
    data = next(iter(workspace.data.values()))
    return workspace, data, read_bytes(path, repo.config.max_file_size)


def _rendered(repo: Repository, model_id: str | None, output_format: str,
              table: str) -> str | bytes:
    """The model in ``output_format``, rendered by the registered writer."""
    from threatgate.output.registry import format_of

    day = repo.today()
    if output_format == "sarif":
        from threatgate.gate.report import GateRun, build_gate_report
        from threatgate.gate.run import Thresholds

        run = GateRun(Thresholds(**dict(repo.config.gate)))
        _, gated = build_gate_report((repo.model_path(model_id),), repo.config, day, run)
        return format_of("gate", "sarif").write(gated)
    workspace, data, raw = _one_model(repo, model_id)
    assessment = workspace.assessments[0]
    if output_format == "csv":
        from threatgate.output.csv_export import render_csv

        return render_csv(table, [(data, assessment)], one_line_cells=True)
    if output_format in ("markdown", "html"):
        from threatgate.views.reports import load_reports

        report = load_reports(workspace, repo.config).models[0].report
        if output_format == "html":
            from threatgate.output.html.site import render_model_html

            return render_model_html(report, generated=None)
        from threatgate.output.markdown.report import render_report_markdown
        from threatgate.output.mermaid import render_mermaid

        return render_report_markdown(report, render_mermaid(report.diagram), generated=None)
    from threatgate.output.model_export import ModelDocument

    document = ModelDocument(data, assessment, hashlib.sha256(raw).hexdigest(), day)
    return format_of("export", output_format).write(document)


def _register_export(server: MCPServer, repo: Repository) -> None:
    @tool(server, read_only=True)
    def export_threat_model(format: ExportFormat, model_id: ModelId = None,
                            table: Literal["threats", "controls"] = "threats",
                            max_chars: Annotated[int, Field(ge=1000, le=10_000_000)]
                            = 1_000_000) -> dict[str, Any]:
        """Export one model: csv (the threats or controls table), json (the normalised
        model with its assessment), markdown or html (the report), docx (a Word report,
        base64), sarif (the gate's report), oscal (an OSCAL 1.1 component definition of
        the controls and the requirements they implement). Content longer than max_chars
        is refused."""
        content = _rendered(repo, model_id, format, table)
        if isinstance(content, bytes) and format == "docx":
            text, encoding = base64.b64encode(content).decode("ascii"), "base64"
        else:
            text = content.decode("utf-8") if isinstance(content, bytes) else content
            encoding = "utf-8"
        if len(text) > max_chars:
            raise InputError(f"the {format} export has {len(text)} characters, more than "
                             f"max_chars={max_chars}; raise max_chars or use `threatgate "
                             "export` to write it to a file")
        return {"format": format, "model": model_id, "encoding": encoding,
                "characters": len(text), "content": text}
