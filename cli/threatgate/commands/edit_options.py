"""What the edit verbs (``add``, ``edit``, ``remove``, ``set-status``) share: the model
they edit, the options built from the schema's fields, running the edit and printing it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from threatgate.commands.options import echo, resolve_today
from threatgate.document.errors import EditError
from threatgate.edits.fields import FieldSpec, Kind, fields_of
from threatgate.model.config import Config, load_config

if TYPE_CHECKING:
    from threatgate.document.transaction import EditOutcome

T = TypeVar("T")
MODEL = click.Path(dir_okay=False, path_type=Path)
FORMATS = click.Choice(["text", "json"])


# --- shared helpers -------------------------------------------------------------------------


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the current folder when below it."""
    from threatgate.model.discovery import display_path

    return display_path(path, Path.cwd())


def edit_config(model: Path | None, config_path: Path | None) -> Config:
    """The settings of the repository holding the model (or of the current folder)."""
    start = model.resolve().parent if model is not None and model.exists() else Path.cwd()
    return load_config(start, config_path)


def apply_edit(model: Path | None, config_path: Path | None, today: str | None,
               ident: str | None, dry_run: bool,
               change: Callable[[Any], T]) -> tuple[Path, EditOutcome[T]]:
    """Run ``change`` on the model under the lock (a refusal raises :class:`EditError`)."""
    from threatgate.document.transaction import edit_file
    from threatgate.edits.entities import resolve_model

    day = resolve_today(today)
    path = resolve_model(model, edit_config(model, config_path), ident)
    config = edit_config(path, config_path)
    outcome = edit_file(path, change, today=day, max_depth=config.max_depth,
                        max_bytes=config.max_file_size, rules=config.rules, write=not dry_run)
    return path, outcome


def emit_change(path: Path, outcome: EditOutcome[Any], dry_run: bool, output_format: str,
                summary: dict[str, Any], lines: list[str], *, warn: bool = False) -> None:
    """Print what changed: text lines or a JSON summary; with --dry-run, the diff too.

    With ``warn``, validation warnings the edit introduced are printed too (standard
    error). ``add`` and ``remove`` leave them out: a new entry is naturally unlinked until
    the next command links it, and removals already list what they leave orphaned.
    """
    from threatgate.edits.entities import unified_diff
    from threatgate.output.diagnostics import text_line

    diff = unified_diff(outcome.before, outcome.after, shown_path(path)) if dry_run else None
    # New warnings (a wont_do control in a mitigation group, ...): the edit is made, but the
    # user hears what it implies, on standard error so that output stays parseable.
    for warning in (outcome.warnings if warn else ()):
        echo(text_line(warning), err=True)
    if output_format == "json":
        record = {"path": shown_path(path), **summary, "changed": outcome.changed,
                  "dry_run": dry_run}
        if diff is not None:
            record["diff"] = diff
        echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    if diff:
        echo(diff, nl=False)
    for line in lines:
        echo(line, err=dry_run)
    if dry_run:
        echo("(dry run: nothing was written)", err=True)


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--dry-run, --format, --config and --today, shared by every verb."""
    from threatgate.commands.options import config_option, today_option

    func = today_option(config_option(func))
    func = click.option("--format", "output_format", type=FORMATS, default="text",
                        show_default=True,
                        help="text: what changed, in words; json: a machine-readable "
                             "summary of the change.")(func)
    return click.option("--dry-run", is_flag=True,
                        help="Print the change as a unified diff instead of writing it "
                             "(the edit is still checked).")(func)


def common_params() -> list[click.Parameter]:
    """The parameters of :func:`common_options`, for commands built without decorators."""
    params: list[click.Parameter] = []

    def collect(*args: Any, **kwargs: Any) -> None:  # pragma: no cover - never called
        return None

    decorated = common_options(collect)
    params.extend(getattr(decorated, "__click_params__", []))
    return list(reversed(params))


# --- field options --------------------------------------------------------------------------


class ChoiceList(click.Choice[str]):
    """A choice that also takes comma-separated values (--stride spoofing,tampering).

    Each value is checked on its own, so a typo still gets Click's "is not one of" error
    naming the one bad value; the option yields a tuple per occurrence.
    """

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        parts = [part.strip() for part in str(value).split(",") if part.strip()]
        if not parts:
            self.fail(f"{value!r} is empty; give one of {', '.join(self.choices)}.",
                      param, ctx)
        return tuple(super(ChoiceList, self).convert(part, param, ctx) for part in parts)


def field_option(spec: FieldSpec, action: str) -> click.Option:
    param = f"field_{spec.name}"
    text = spec.description.strip()
    text = text if text.endswith(".") else text + "."
    if spec.shape == "boolean":
        return click.Option([f"--{spec.option}/--no-{spec.option}", param], default=None,
                            help=text)
    kind: Any = None
    metavar = "TEXT"
    if spec.choices:
        kind = ChoiceList(spec.choices) if spec.is_list else click.Choice(spec.choices)
        metavar = "[" + "|".join(spec.choices) + "]"
    elif spec.shape == "integer":
        kind = click.IntRange(spec.minimum, spec.maximum)
        metavar = f"{spec.minimum}-{spec.maximum}" if spec.minimum is not None else "N"
    elif spec.shape == "groups":
        metavar = "ID,ID..."
        text += " One mitigation group per option, its controls comma-separated."
    elif spec.shape == "assertions":
        metavar = "YAML"
        text += " A YAML flow mapping, e.g. '{type: file_exists, file: src/app.py}'."
    elif spec.shape == "list":
        metavar = "VALUE"
    if spec.is_list:
        text += (" Repeatable or comma-separated" if spec.shape == "list"
                 else " Repeatable")
        text += ("; replaces the whole list (to change single items use --add-to and "
                 "--remove-from)." if action == "edit" else ".")
    if action == "add" and spec.required:
        text += " Required."
    # The field's own name works too (--properties as well as --property).
    field_name = spec.name.replace("_", "-")
    names = [f"--{spec.option}"] + ([f"--{field_name}"] if field_name != spec.option else [])
    return click.Option([*names, param], type=kind, multiple=spec.is_list,
                        metavar=metavar, help=text)


def field_values(kind: Kind, options: dict[str, Any]) -> dict[str, Any]:
    """The field options that were given, as model values (field -> value)."""
    from threatgate.edits.findings import parse_assertion

    values: dict[str, Any] = {}
    for spec in fields_of(kind.name):
        value = options.get(f"field_{spec.name}")
        if value is None or value == ():
            continue
        if spec.shape == "groups":
            value = [[c.strip() for c in group.split(",") if c.strip()] for group in value]
        elif spec.shape == "assertions":
            try:
                value = [parse_assertion(text) for text in value]
            except EditError as exc:
                raise EditError.usage(f"--assertion: {exc.message}") from None
        elif spec.is_list and not spec.choices:
            # Repeated or comma-separated: --mitigation C1 --mitigation C2, --mitigations C1,C2
            value = list(dict.fromkeys(part.strip() for item in value
                                       for part in item.split(",") if part.strip()))
        elif spec.is_list:
            # Each occurrence of a choice list is a tuple (comma-separated values).
            value = list(dict.fromkeys(part for item in value
                                       for part in (item if isinstance(item, tuple)
                                                    else (item,))))
        values[spec.name] = value
    return values


def parsed_assignments(kind: Kind, texts: tuple[str, ...]) -> dict[str, Any]:
    from threatgate.edits.fields import parse_assignment

    return dict(parse_assignment(kind, text) for text in texts)


SET_HELP = ("Set any field of the schema, e.g. --set owner=platform-team or "
            "--set x-ticket=SEC-12 (extension fields start with x-). Numbers, booleans and "
            "lists ([a, b]) are read as YAML; text stays text. Repeatable.")


def model_argument() -> click.Argument:
    return click.Argument(["model"], type=MODEL, required=False)


def model_help() -> str:
    return ("MODEL is the model file or a model's id (e.g. shop); without it, the "
            "repository's only model (or, for an existing id, the one model that defines "
            "it).")


