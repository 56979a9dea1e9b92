"""``threatgate set FIELD VALUE [MODEL]``: the model's own fields (id, title, owner...)."""

from __future__ import annotations

from pathlib import Path

import click

from threatgate.commands.edit_options import (
    MODEL,
    apply_edit,
    common_options,
    emit_change,
    shown_path,
)


@click.command("set")
@click.argument("field", metavar="FIELD")
@click.argument("value", metavar="VALUE")
@click.argument("model", type=MODEL, required=False)
@common_options
def set_field(field: str, value: str, model: Path | None, dry_run: bool, output_format: str,
              config_path: Path | None, today: str | None) -> None:
    """Set a top-level FIELD of MODEL to VALUE: id, title, description, system, owner
    or badge.

    MODEL is the model file or a model's id; it defaults to the repository's only
    model. Only that field's value changes (comments and layout are kept); the result
    is validated like every edit, so `badge` takes public or private and `id` a model
    id. A new id renames the model: `threatgate diff` shows the rename. Setting the
    value a field already has changes nothing (exit 0).

    \b
    Examples:
      threatgate set owner payments-team
      threatgate set badge public threatmodels/payments.yaml
      threatgate set id payments-api payments
    """
    from threatgate.edits.toplevel import set_model_field

    path, outcome = apply_edit(model, config_path, today, None, dry_run,
                               lambda editor: set_model_field(editor, field, value))
    change = outcome.value
    where = shown_path(path)
    if not change.changed:
        line = f"{where}: {field} is already {value!r}; nothing changed"
    else:
        verb = "would set" if dry_run else "set"
        was = "unset" if change.before is None else repr(change.before)
        line = f"{where}: {verb} {field} to {value!r} (was {was})"
    emit_change(path, outcome, dry_run, output_format,
                {"action": "set", "field": field, "from": change.before, "to": value},
                [line])
