"""``threatgate render MODEL``: one model's report as Markdown or a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    protected_paths,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import one_line
from threatgate.support.outputs import check_file, write_file

if TYPE_CHECKING:
    from threatgate.views.report import Report


@click.command()
@click.argument("model", metavar="MODEL")
@click.option("--format", "output_format", type=click.Choice(["markdown", "html"]),
              default="markdown", show_default=True,
              help="markdown: GitHub/GitLab-flavoured Markdown with a Mermaid data-flow "
                   "diagram; html: one self-contained page (inline style and script, the "
                   "diagram as SVG).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (atomically) instead of standard output.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Check the controls' assertions first (without commands) and show each "
                   "assertion's verdict; objectives can then reach the verified level.")
@click.option("--no-cache", is_flag=True,
              help="Validate every model afresh instead of reusing cached results.")
@config_option
@today_option
def render(model: str, output_format: str, out_file: Path | None, run_verify: bool,
           no_cache: bool, config_path: Path | None, today: str | None) -> int:
    """Render one model's report: Markdown for GitHub or GitLab, or an HTML page.

    MODEL is a model file (e.g. threatmodels/shop.yaml) or a model id (e.g. shop).

    \b
    The report has, in this order: a summary table (posture, threats by severity,
    mitigation ratio, objectives, controls, verification, findings), the data-flow
    diagram (Mermaid in Markdown, SVG in HTML; trust boundaries as groups) with the
    components, data flows and trust boundaries, the assets and attackers with the
    asset x attacker matrix of control objectives, the objectives, threats by
    severity with their controls, controls with status and evidence, assumptions,
    risk acceptances with review dates, findings and the compliance mapping.

    Every entity has a stable anchor (#threat-T1, #control-C1, #objective-CO1, ...)
    and references between them are links. All text from the model is escaped: in
    Markdown it is shown literally (no formatting, no HTML); in HTML descriptions
    are rendered as Markdown without raw HTML and with only http, https, mailto and
    relative links. The date is shown only when --today (or THREATGATE_TODAY) is set.

    Exit status: 0 when the report was rendered, 1 when the model is not valid, 2 for
    a usage error, an unknown model or input that cannot be read.
    """
    from threatgate.model.discovery import model_file
    from threatgate.views.reports import load_reports
    from threatgate.workspace import load_workspace

    config = resolve_config(config_path)
    day = resolve_today(today)
    path = model_file(Path(model), config)
    if path is None:
        raise InputError(f"no model with id {model!r} in "
                         f"{', '.join(config.models)} (give a model id or a .yaml file)")
    if not path.is_file():
        raise InputError(f"{model}: no such model file")
    if out_file is not None:
        check_file(out_file, protected_paths(config), label=f"--out {out_file}", what="the report")
    workspace = load_workspace((path,), config, day, verify=run_verify,
                               use_cache=not no_cache, keep_data=True, progress=progress_bar)
    if workspace.report.unreadable:
        for result in workspace.report.files:
            for d in result.diagnostics:
                echo(f"{terminal_location(d.path, d.line, d.column)}: error: {one_line(d.message)} "
                           f"[{d.rule}]",
                           err=True)
        return EXIT_USAGE
    loaded = load_reports(workspace, config)
    if loaded.invalid:
        entry = loaded.invalid[0]
        echo(f"threatgate: error: {terminal_location(entry.path)}: not a valid model, cannot "
                   f"render it: {one_line(entry.problem)}", err=True)
        return EXIT_FAILURE
    text = _render(loaded.models[0].report, output_format, day.isoformat() if today else None)
    if out_file is None:
        echo(text, nl=False)
    else:
        write_file(out_file, text.encode("utf-8"), protected_paths(config),
                   label=f"--out {out_file}", what="the report")
        echo(f"wrote {terminal_location(out_file.as_posix())}", err=True)
    return EXIT_OK


def _render(report: Report, output_format: str, generated: str | None) -> str:
    """The report as one HTML page or as Markdown with a Mermaid diagram."""
    if output_format == "html":
        from threatgate.output.html.site import render_model_html

        return render_model_html(report, generated=generated)
    from threatgate.output.markdown.report import render_report_markdown
    from threatgate.output.mermaid import render_mermaid

    return render_report_markdown(report, render_mermaid(report.diagram), generated=generated)
