"""``threatgate render MODEL``: one model's report as Markdown or a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.commands.options import (
    config_option,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError
from threatgate.output.escape.terminal import terminal_location


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
           no_cache: bool, config_path: Path | None, today: str | None) -> None:
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
    from threatgate.commands.site_cmd import load_reports
    from threatgate.workspace import load_workspace

    config = resolve_config(config_path)
    day = resolve_today(today)
    path = Path(model)
    by_path = path.suffix in (".yaml", ".yml") or path.is_file()
    if by_path and not path.is_file():
        raise InputError(f"{model}: no such model file")
    workspace = load_workspace((path,) if by_path else (), config, day, verify=run_verify,
                               use_cache=not no_cache, keep_data=True, progress=progress_bar)
    if workspace.report.unreadable:
        for result in workspace.report.files:
            for d in result.diagnostics:
                click.echo(f"{terminal_location(d.path, d.line, d.column)}: error: {d.message} "
                           f"[{d.rule}]",
                           err=True)
        raise click.exceptions.Exit(EXIT_USAGE)
    loaded = load_reports(workspace, config, None if by_path else model)
    if loaded.invalid:
        entry = loaded.invalid[0]
        click.echo(f"threatgate: error: {entry.path}: not a valid model, cannot render it: "
                   f"{entry.problem}", err=True)
        raise click.exceptions.Exit(EXIT_FAILURE)
    if not loaded.models:
        raise InputError(f"no model with id {model!r} in "
                         f"{', '.join(config.models)} (give a model id or a .yaml file)")
    report = loaded.models[0].report
    generated = day.isoformat() if today else None
    if output_format == "html":
        from threatgate.output.html.site import render_model_html

        text = render_model_html(report, generated=generated)
    else:
        from threatgate.output.markdown.report import render_report_markdown
        from threatgate.output.mermaid import render_mermaid

        text = render_report_markdown(report, render_mermaid(report.diagram),
                                      generated=generated)
    if out_file is None:
        click.echo(text, nl=False)
    else:
        from threatgate.support.fsutil import atomic_write

        if out_file.suffix.lower() in (".yaml", ".yml") and out_file.exists():
            # Most likely the model itself, named by mistake: never replace it.
            raise InputError(f"--out {out_file}: is a YAML file (a model?); refusing to "
                             "overwrite it with the report")
        try:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(out_file, text.encode("utf-8"))
        except OSError as exc:
            raise InputError(f"--out {out_file}: cannot write: {exc.strerror or exc}") from None
        click.echo(f"wrote {out_file.as_posix()}", err=True)
    raise click.exceptions.Exit(EXIT_OK)
