"""``threatgate import``: a model from a file made by another threat modelling tool."""

from __future__ import annotations

import json
from pathlib import Path

import click

from threatgate.commands.options import (
    config_option,
    echo,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_OK, InputError
from threatgate.importers import REGISTRY


@click.command("import")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "format_name", type=click.Choice(sorted(REGISTRY)), default=None,
              help="Format of SOURCE. Default: detected from its content.")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="The model file to write (.yaml), inside the repository, e.g. "
                   "threatmodels/NAME.yaml.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--id", "model_id", metavar="ID", default=None,
              help="Model id. Default: made from the source's title.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True, help="Format of the fidelity report.")
@config_option
@today_option
def import_command(source: Path, format_name: str | None, out: Path, force: bool,
                   model_id: str | None, output_format: str, config_path: Path | None,
                   today: str | None) -> int:
    """Import SOURCE, a model made in another tool, as a threatgate model.

    \b
    Formats (--from, detected from the content when absent):
      threagile        Threagile YAML model
      threat-dragon    OWASP Threat Dragon JSON, version 2 (and 1)
      threat-composer  AWS Threat Composer JSON export
      pytm             OWASP pytm JSON report (tm.py --json), never the Python model

    The model is written in the layout of `threatgate fmt` and only when `threatgate
    validate` accepts it. The fidelity report (stdout) says what mapped to what, and
    where each field without an equivalent was kept: in an `x-<format>` extension field
    of the entity or of the model. Nothing is dropped silently. Ids are derived from the
    source's ids: importing the same file again gives the same bytes.

    \b
    Example:
      threatgate import tm.json --out threatmodels/booking.yaml

    Exit status: 0 written, 1 the content is malformed or not in the format (nothing
    written; the error names the line and the JSON pointer), 2 unreadable SOURCE, --out
    outside the repository or already there without --force.
    """
    import re

    from threatgate.importers.convert import import_model, report_data, report_text
    from threatgate.model.discovery import display_path
    from threatgate.model.loader import LoadError, read_bytes
    from threatgate.support.outputs import check_new_model, write_new_model

    if model_id is not None and not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", model_id):
        raise click.BadParameter("lower-case letters, digits, '.', '_' and '-', starting "
                                 "with a letter or digit, at most 64", param_hint="--id")
    config = resolve_config(config_path)
    shown_source, shown_out = display_path(source, Path.cwd()), display_path(out, Path.cwd())
    check_new_model(out, config.root, label=f"--out {shown_out}", replace=force)
    try:
        raw = read_bytes(source, config.max_file_size)
    except LoadError as exc:
        raise InputError(exc.message, path=shown_source) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=shown_source) from None
    imported = import_model(raw, shown_source, format_name=format_name, chosen_id=model_id,
                            today=resolve_today(today), max_depth=config.max_depth)
    write_new_model(out, imported.text.encode("utf-8"), config.root,
                    label=f"--out {shown_out}", replace=force)
    data = report_data(imported, shown_source, shown_out)
    if output_format == "json":
        echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        echo(report_text(data), nl=False)
    return EXIT_OK
