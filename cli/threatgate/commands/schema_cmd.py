"""``threatgate schema``: where the JSON Schema lives, for editors and other validators."""

from __future__ import annotations

import click

from threatgate.commands.options import echo
from threatgate.errors import EXIT_OK


@click.command()
@click.option(
    "--path",
    "show_path",
    is_flag=True,
    help="Print the folder holding the schema files instead of the model schema.",
)
@click.option(
    "--name",
    type=click.Choice(["threatmodel", "assertion", "common", "config", "rulepack",
                       "catalogue"]),
    default="threatmodel",
    show_default=True,
    help="Which schema to print.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "markdown"]),
    default="json",
    show_default=True,
    help="json: the schema file itself; markdown: the field-by-field reference "
    "(docs/schema.md with every rule id; with --name rulepack or catalogue, "
    "docs/rulepacks.md).",
)
@click.option(
    "--bundle",
    is_flag=True,
    help="Print one self-contained schema: the files it references embedded under $defs, "
    "every $ref internal (for editors and schema catalogues that take a single URL).",
)
def schema(show_path: bool, name: str, output_format: str, bundle: bool) -> int:
    """Print the JSON Schema of model files (draft 2020-12).

    Point your editor at it for completion and inline checks, e.g. with the YAML
    language server, as the first line of a model file:

    \b
      # yaml-language-server: $schema=<folder>/threatmodel.schema.json

    where <folder> is what `threatgate schema --path` prints, or point it at the URL
    of the release (the `$id` of each schema file); `--bundle` prints the schema as one
    document for tools that cannot follow references between files.
    """
    from threatgate.support.resources import schema_dir

    if bundle and (show_path or output_format != "json"):
        raise click.UsageError("--bundle prints JSON; it does not combine with --path or "
                               "--format markdown")

    folder = schema_dir()
    if output_format == "markdown":
        from threatgate.model.schema import schema_documents
        from threatgate.output.markdown.schema_reference import (
            render_rulepack_reference,
            render_schema_reference,
        )

        render = (render_rulepack_reference if name in ("rulepack", "catalogue")
                  else render_schema_reference)
        echo(render(schema_documents()), nl=False)
        return EXIT_OK
    if show_path:
        echo(str(folder))
        return EXIT_OK
    if bundle:
        import json

        from threatgate.model.bundle import bundle_schema
        from threatgate.model.schema import schema_documents

        bundled = bundle_schema(f"{name}.schema.json", schema_documents())
        echo(json.dumps(bundled, indent=2, ensure_ascii=False))
        return EXIT_OK
    echo((folder / f"{name}.schema.json").read_text(encoding="utf-8"), nl=False)
    return EXIT_OK
