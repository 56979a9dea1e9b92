"""``threatgate add|edit|remove KIND ...`` and ``threatgate set-status``: edit a model in place.

One subcommand per kind of entity, with one option per field of the schema (built from
:func:`threatgate.edits.entities.fields_of`). The work is done by :mod:`threatgate.edits.entities`
through :func:`threatgate.document.editor.edit_file`: only the touched entries change, the result
is validated, the write is atomic and serialised by a lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from threatgate.commands.options import resolve_today
from threatgate.edits.entities import KINDS, FieldSpec, Kind, fields_of
from threatgate.errors import ThreatgateError
from threatgate.model.config import Config, load_config
from threatgate.output.escape.terminal import terminal_location

T = TypeVar("T")
MODEL = click.Path(dir_okay=False, path_type=Path)
FORMATS = click.Choice(["text", "json"])

EXAMPLES: dict[str, str] = {
    "asset": "threatgate add asset --name 'Cardholder data' --property confidentiality "
             "--property integrity",
    "attacker": "threatgate add attacker --name 'External attacker' --position external "
                "--capability 'Sends arbitrary HTTP requests without credentials.'",
    "objective": "threatgate add objective --asset A1 --attacker ATK1 --group C1,C2 "
                 "--group C3",
    "threat": "threatgate add threat --id T7 --title 'Card data read through SQL injection'"
              " --likelihood 4 --impact 5 --stride information_disclosure --objective CO1 "
              "--mitigation C2",
    "control": "threatgate add control --title 'Parameterised queries only' "
               "--status in_progress --assertion '{type: file_exists, file: src/db.py}'",
    "assumption": "threatgate add assumption --description 'TLS ends at the load balancer' "
                  "--attested-by platform-team --expires 2027-06-30",
    "acceptance": "threatgate add acceptance --threat T9 --owner cto "
                  "--justification 'legacy endpoint until Q2' --review-by 2027-03-31",
    "component": "threatgate add component --name 'Payments DB' --type database "
                 "--boundary internal",
    "dataflow": "threatgate add dataflow --from web --to api --protocol https --data A1",
    "trust-boundary": "threatgate add trust-boundary --id dmz --name DMZ",
}

#: An id of each kind, for the examples of the help.
EXAMPLE_IDS = {"asset": "A1", "attacker": "ATK1", "objective": "CO1", "threat": "T1",
               "control": "C1", "assumption": "AS1", "acceptance": "T9", "component": "api",
               "dataflow": "DF1", "trust-boundary": "dmz"}


# --- shared helpers -------------------------------------------------------------------------


def _display(path: Path) -> str:
    from threatgate.model.discovery import display_path

    return display_path(path, Path.cwd())


def _config(model: Path | None, config_path: Path | None) -> Config:
    """The settings of the repository holding the model (or of the current folder)."""
    start = model.resolve().parent if model is not None and model.exists() else Path.cwd()
    return load_config(start, config_path)


def _fail(path: Path, exc: ThreatgateError, subject: str | None = None) -> NoReturn:
    """Report a refused edit the way validate reports problems; exit with its code."""
    from threatgate.commands.edit_errors import echo_edit_error
    from threatgate.edits.entities import EditingError

    where = _display(path)
    echo_edit_error(where, exc)
    if isinstance(exc, EditingError):
        for ref in exc.references:
            via = (f" (names {ref.target}, which goes with {subject})"
                   if subject and ref.target != subject else "")
            click.echo(f"{terminal_location(where, ref.line)}: {ref.describe()}{via}", err=True)
        for detail in exc.details:
            click.echo(f"  {detail}", err=True)
    raise click.exceptions.Exit(exc.exit_code)


def _apply(model: Path | None, config_path: Path | None, today: str | None,
           ident: str | None, dry_run: bool, change: Callable[[Any], T]) -> tuple[Path, Any]:
    """Run ``change`` on the model under the lock; report a refusal and exit."""
    from threatgate.document.editor import edit_file
    from threatgate.edits.entities import resolve_model

    day = resolve_today(today)
    path = resolve_model(model, _config(model, config_path), ident)
    config = _config(path, config_path)
    try:
        outcome = edit_file(path, lambda editor: change(editor), today=day,
                            max_depth=config.max_depth, max_bytes=config.max_file_size,
                            rules=config.rules, write=not dry_run)
    except ThreatgateError as exc:
        _fail(path, exc, ident)
    return path, outcome


def _emit(path: Path, outcome: Any, dry_run: bool, output_format: str,
          summary: dict[str, Any], lines: list[str], *, warn: bool = False) -> None:
    """Print what changed: text lines or a JSON summary; with --dry-run, the diff too.

    With ``warn``, validation warnings the edit introduced are printed too (standard
    error). ``add`` and ``remove`` leave them out: a new entry is naturally unlinked until
    the next command links it, and removals already list what they leave orphaned.
    """
    from threatgate.edits.entities import unified_diff

    diff = unified_diff(outcome.before, outcome.after, _display(path)) if dry_run else None
    # New warnings (a wont_do control in a mitigation group, ...): the edit is made, but the
    # user hears what it implies, on standard error so that output stays parseable.
    for problem in (outcome.warnings if warn else ()):
        click.echo(f"{terminal_location(_display(path), problem.line, problem.column)}: warning: "
                   f"{problem.message} [{problem.rule}]", err=True)
    if output_format == "json":
        record = {"path": _display(path), **summary, "changed": outcome.changed,
                  "dry_run": dry_run}
        if diff is not None:
            record["diff"] = diff
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
        return
    if diff:
        click.echo(diff, nl=False)
    for line in lines:
        click.echo(line, err=dry_run)
    if dry_run:
        click.echo("(dry run: nothing was written)", err=True)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
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


def _common_params() -> list[click.Parameter]:
    params: list[click.Parameter] = []

    def collect(*args: Any, **kwargs: Any) -> None:  # pragma: no cover - never called
        return None

    decorated = _common(collect)
    params.extend(getattr(decorated, "__click_params__", []))
    return list(reversed(params))


# --- field options --------------------------------------------------------------------------


class _ChoiceList(click.Choice[str]):
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
        return tuple(super(_ChoiceList, self).convert(part, param, ctx) for part in parts)


def _field_option(spec: FieldSpec, action: str) -> click.Option:
    param = f"field_{spec.name}"
    text = spec.description.strip()
    text = text if text.endswith(".") else text + "."
    if spec.shape == "boolean":
        return click.Option([f"--{spec.option}/--no-{spec.option}", param], default=None,
                            help=text)
    kind: Any = None
    metavar = "TEXT"
    if spec.choices:
        kind = _ChoiceList(spec.choices) if spec.is_list else click.Choice(spec.choices)
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


def _field_values(kind: Kind, options: dict[str, Any]) -> dict[str, Any]:
    """The field options that were given, as model values (field -> value)."""
    from threatgate.edits.entities import EditingError
    from threatgate.edits.findings import FindingError, parse_assertion

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
            except FindingError as exc:
                raise EditingError(f"--assertion: {exc.message}", exit_code=2) from None
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


def _assignments(kind: Kind, texts: tuple[str, ...]) -> dict[str, Any]:
    from threatgate.edits.entities import parse_assignment

    return dict(parse_assignment(kind, text) for text in texts)


SET_HELP = ("Set any field of the schema, e.g. --set owner=platform-team or "
            "--set x-ticket=SEC-12 (extension fields start with x-). Numbers, booleans and "
            "lists ([a, b]) are read as YAML; text stays text. Repeatable.")


def _model_argument() -> click.Argument:
    return click.Argument(["model"], type=MODEL, required=False)


def _model_help() -> str:
    return ("MODEL is the model file or a model's id (e.g. shop); without it, the "
            "repository's only model (or, for an existing id, the one model that defines "
            "it).")


# --- add --------------------------------------------------------------------------------------


def _add_command(kind: Kind) -> click.Command:
    def callback(model: Path | None, entity_id: str | None, assignments: tuple[str, ...],
                 dry_run: bool, output_format: str, config_path: Path | None,
                 today: str | None, **options: Any) -> None:
        from threatgate.edits.entities import add_entity

        values = {**_field_values(kind, options), **_assignments(kind, assignments)}
        day = resolve_today(today)
        path, outcome = _apply(model, config_path, today, None, dry_run,
                               lambda editor: add_entity(editor, kind, values,
                                                         entity_id=entity_id, today=day))
        added = outcome.value
        name = added.entity_id or "(without id)"
        verb = "would add" if dry_run else "added"
        _emit(path, outcome, dry_run, output_format,
              {"action": "add", "kind": kind.name, "id": added.entity_id,
               "entry": added.entry},
              [f"{_display(path)}: {verb} {kind.label} {name}"])

    required = [s for s in fields_of(kind.name) if s.required]
    needs = ", ".join(f"--{s.option}" for s in required) or "nothing"
    numbering = ("the next free id in the style of the existing ones (T1..Tn -> T<n+1>)"
                 if kind.prefix else "an id made from --name")
    if kind.name == "acceptance":
        numbering = ("no id, unless the model's acceptances have ids (then the next free "
                     "one); an acceptance can always be named by the threat or objective "
                     "it accepts")
    help_text = (
        f"Add {_article(kind.label)} to MODEL.\n\n{_model_help()}\n\n"
        f"A new {kind.label} needs {needs}. Without --id it gets {numbering}; ids are "
        "unique across every kind of entity, and an id in use is refused (exit 1, nothing "
        "written). The entry is appended to the list in the style of its neighbours; "
        "nothing else in the file changes. The edited model must stay valid: new "
        "validation errors are reported as path:line:col and nothing is written.\n\n"
        f"\b\nExample:\n  {EXAMPLES[kind.name]}"
    )
    params: list[click.Parameter] = [
        _model_argument(),
        click.Option(["--id", "entity_id"], metavar="ID",
                     help="Id of the new entity. Default: the next free one."),
        *[_field_option(spec, "add") for spec in fields_of(kind.name)],
        click.Option(["--set", "assignments"], multiple=True, metavar="FIELD=VALUE",
                     help=SET_HELP),
        *_common_params(),
    ]
    return click.Command(kind.name, callback=callback, params=params, help=help_text,
                         short_help=f"Add {_article(kind.label)}.")


def _article(noun: str) -> str:
    from threatgate.model.vocabulary import article

    return article(noun)


# --- edit -------------------------------------------------------------------------------------


def _edit_command(kind: Kind) -> click.Command:
    def callback(ident: str, model: Path | None, assignments: tuple[str, ...],
                 unset: tuple[str, ...], add_to: tuple[str, ...],
                 remove_from: tuple[str, ...], dry_run: bool, output_format: str,
                 config_path: Path | None, today: str | None, **options: Any) -> None:
        from threatgate.edits.entities import EditRequest, edit_entity, parse_items

        request = EditRequest(
            set={**_field_values(kind, options), **_assignments(kind, assignments)},
            unset=unset,
            add_to=[parse_items(kind, text) for text in add_to],
            remove_from=[parse_items(kind, text) for text in remove_from])
        path, outcome = _apply(model, config_path, today, ident, dry_run,
                               lambda editor: edit_entity(editor, kind, ident, request))
        edited = outcome.value
        if not edited.changed:
            line = (f"{_display(path)}: {kind.label} {edited.entity_id} already has these "
                    "values; nothing changed")
        else:
            verb = "would change" if dry_run else "changed"
            line = (f"{_display(path)}: {kind.label} {edited.entity_id}: {verb} "
                    f"{', '.join(edited.fields)}")
        _emit(path, outcome, dry_run, output_format,
              {"action": "edit", "kind": kind.name, "id": edited.entity_id,
               "fields": edited.fields, "before": edited.before, "after": edited.after},
              [line], warn=True)

    selector = (" (its id, the threat or objective it accepts, or its position such as "
                "'#2')" if kind.name == "acceptance" else "")
    help_text = (
        f"Change fields of the {kind.label} ID{selector} in MODEL.\n\n{_model_help()}\n\n"
        "Only that entry is rewritten; comments inside it are kept where they still "
        "apply, and every byte outside it stays as it was. A field option sets the "
        "field (a list option replaces the whole list); --unset removes an optional "
        "field; --add-to and --remove-from change single items of a list field. An edit "
        "that would leave the model invalid is refused with the problems as "
        "path:line:col. Ids cannot be changed.\n\n"
        f"\b\nExamples:\n  threatgate edit {kind.name} {EXAMPLE_IDS[kind.name]} "
        "--set x-ticket=SEC-12\n"
        f"  threatgate edit {kind.name} {EXAMPLE_IDS[kind.name]} --unset tags"
        + ("\n  threatgate edit threat T1 --likelihood 3 --add-to mitigations=C4"
           if kind.name == "threat" else "")
        + ("\n  threatgate edit objective CO1 --add-to mitigated_by=C4,C5"
           if kind.name == "objective" else "")
    )
    params: list[click.Parameter] = [
        click.Argument(["ident"], metavar="ID"),
        _model_argument(),
        *[_field_option(spec, "edit") for spec in fields_of(kind.name)],
        click.Option(["--set", "assignments"], multiple=True, metavar="FIELD=VALUE",
                     help=SET_HELP),
        click.Option(["--unset"], multiple=True, metavar="FIELD",
                     help="Remove an optional field. Repeatable."),
        click.Option(["--add-to"], multiple=True, metavar="FIELD=ITEM",
                     help="Add items to a list field, e.g. --add-to mitigations=C3,C4 (for "
                          "mitigated_by: one group, --add-to mitigated_by=C3,C4). Items "
                          "already there are skipped. Repeatable."),
        click.Option(["--remove-from"], multiple=True, metavar="FIELD=ITEM",
                     help="Take items out of a list field, e.g. --remove-from tags=legacy; "
                          "an optional list left empty is removed. Repeatable."),
        *_common_params(),
    ]
    return click.Command(kind.name, callback=callback, params=params, help=help_text,
                         short_help=f"Change fields of {_article(kind.label)}.")


# --- remove -----------------------------------------------------------------------------------


def _removal_lines(path: Path, removed: Any, dry_run: bool) -> list[str]:
    from threatgate.model.vocabulary import COLLECTIONS

    where = _display(path)
    verb = "would remove" if dry_run else "removed"
    label = KINDS[removed.kind].label
    lines = [f"{where}: {verb} {label} {removed.entity_id}"]
    for dropped in removed.dropped:
        lines.append(f"  also {verb} {COLLECTIONS[dropped.collection]} {dropped.entity_id}: "
                     f"{dropped.reason}")
    for cleaned in removed.cleaned:
        what = ", ".join(cleaned.removed)
        owner = f"{COLLECTIONS[cleaned.collection]} {cleaned.entity_id}"
        if cleaned.unset:
            lines.append(f"  {owner}: {cleaned.field} {what} removed")
            continue
        extra = (f" ({cleaned.empty_groups} empty mitigation group(s) removed)"
                 if cleaned.empty_groups else "")
        lines.append(f"  {owner} {cleaned.field}: {what} taken out{extra}")
    if removed.generation_removed:
        lines.append(f"  generation.removed: {', '.join(removed.generation_removed)} "
                     "recorded, so `threatgate generate` never brings them back")
    if removed.orphaned_controls:
        lines.append("  orphaned controls (no longer serving any objective or threat): "
                     + ", ".join(removed.orphaned_controls))
    return lines


def _removal_summary(removed: Any) -> dict[str, Any]:
    from threatgate.edits.entities import kind_name

    return {
        "action": "remove", "kind": removed.kind, "id": removed.entity_id,
        "removed": [{"kind": kind_name(d.collection), "id": d.entity_id,
                     "reason": d.reason} for d in removed.dropped],
        "references": [{"line": r.line, "kind": kind_name(r.collection), "id": r.owner,
                        "field": r.field, "target": r.target} for r in removed.references],
        "cleaned": [{"kind": kind_name(c.collection), "id": c.entity_id, "field": c.field,
                     "removed": c.removed, "empty_groups": c.empty_groups,
                     "unset": c.unset} for c in removed.cleaned],
        "generation_removed": removed.generation_removed,
        "orphaned_controls": removed.orphaned_controls,
    }


def _remove_command(kind: Kind) -> click.Command:
    def callback(ident: str, model: Path | None, force: bool, dry_run: bool,
                 output_format: str, config_path: Path | None, today: str | None) -> None:
        from threatgate.edits.entities import remove_entity

        path, outcome = _apply(model, config_path, today, ident, dry_run,
                               lambda editor: remove_entity(editor, kind, ident, force=force))
        _emit(path, outcome, dry_run, output_format, _removal_summary(outcome.value),
              _removal_lines(path, outcome.value, dry_run))

    cascade = ""
    if kind.name in ("asset", "attacker"):
        cascade = (f"The objectives built on the {kind.label} are removed with it (and "
                   "listed); what references those objectives counts as a reference. ")
    help_text = (
        f"Remove the {kind.label} ID from MODEL.\n\n{_model_help()}\n\n"
        f"{cascade}If anything else references it, nothing is removed: each reference "
        "is listed as path:line: KIND ID FIELD and the exit status is 1. --force removes "
        "the references too: the id leaves every list naming it (a mitigation group left "
        "empty goes too), and entries that cannot exist without it (a data flow without "
        "its component, an acceptance without its threat, a finding without its control) "
        "are removed and listed. Controls left serving no objective and no threat are "
        "reported as orphaned. A generated entity (origin: generated, or listed in "
        "generation.emitted) is recorded in generation.removed so that `threatgate "
        "generate --model` never brings it back. Comments and blank lines around the "
        "entry stay.\n\n"
        f"\b\nExamples:\n  threatgate remove {kind.name} {EXAMPLE_IDS[kind.name]} --dry-run\n"
        f"  threatgate remove {kind.name} {EXAMPLE_IDS[kind.name]} --force"
    )
    params: list[click.Parameter] = [
        click.Argument(["ident"], metavar="ID"),
        _model_argument(),
        click.Option(["--force"], is_flag=True,
                     help="Remove even if referenced, and remove the references too."),
        *_common_params(),
    ]
    return click.Command(kind.name, callback=callback, params=params, help=help_text,
                         short_help=f"Remove {_article(kind.label)}.")


# --- the groups -------------------------------------------------------------------------------



@click.group()
def add() -> None:
    """Add an entity to a model: asset, attacker, objective, threat, control, assumption,
    acceptance, component, dataflow or trust-boundary.

    Each kind takes one option per field of the schema (`threatgate add KIND --help`),
    plus --set FIELD=VALUE for anything else. The edit keeps every comment and byte of
    the rest of the file, is refused if it would make the model invalid, is written
    atomically and serialised by a lock (MODEL.lock): concurrent edits never lose one
    another, and a killed process leaves the old file or the new one.

    Exit status: 0 ok, 1 refused (id in use, an edit that would make the model
    invalid), 2 usage error or unreadable file.
    """


@click.group()
def edit() -> None:
    """Change fields of an entity of a model (asset, attacker, objective, threat,
    control, assumption, acceptance, component, dataflow or trust-boundary).

    Only the edited entry changes. Exit status: 0 ok (also when nothing needed to
    change), 1 refused, 2 usage error or unreadable file.
    """


@click.group()
def remove() -> None:
    """Remove an entity from a model (asset, attacker, objective, threat, control,
    assumption, acceptance, component, dataflow or trust-boundary).

    A referenced entity is removed only with --force, which removes the references
    too. Exit status: 0 removed, 1 refused (referenced, or the result would be
    invalid), 2 usage error or unreadable file.
    """


for _kind in KINDS.values():
    add.add_command(_add_command(_kind))
    edit.add_command(_edit_command(_kind))
    remove.add_command(_remove_command(_kind))


# --- set-status -------------------------------------------------------------------------------


@click.command("set-status")
@click.argument("control", metavar="CONTROL")
@click.argument("status", metavar="STATUS")
@click.argument("model", type=MODEL, required=False)
@click.option("--note", metavar="TEXT",
              help="Why the status changed; appended to the control's notes as "
                   "'YYYY-MM-DD OLD -> NEW: TEXT' (the date is --today).")
@_common
def set_status(control: str, status: str, model: Path | None, note: str | None,
               dry_run: bool, output_format: str, config_path: Path | None,
               today: str | None) -> None:
    """Set the status of CONTROL in MODEL to STATUS.

    STATUS is one of planned, in_progress, implemented, not_applicable, wont_do (only
    implemented counts as active). MODEL is the model file or a model's id; it defaults
    to the repository's only model, or the one model that defines CONTROL. Only the
    control's entry changes. Setting the status the control already has changes nothing
    (exit 0), so scripts can run the same command twice.

    \b
    Example:
      threatgate set-status C3 implemented --note "rolled out in v2.4"
    """
    from threatgate.edits.entities import set_status as change_status

    day = resolve_today(today)
    path, outcome = _apply(model, config_path, today, control, dry_run,
                           lambda editor: change_status(editor, control, status, note=note,
                                                        today=day))
    change = outcome.value
    where = _display(path)
    if not change.changed:
        skipped = " (the note was not added)" if note else ""
        line = f"{where}: control {control} is already {status}; nothing changed{skipped}"
    else:
        verb = "would move" if dry_run else "moved"
        noted = "; note added to its notes" if change.note else ""
        line = f"{where}: control {control} {verb} from {change.before} to {status}{noted}"
    _emit(path, outcome, dry_run, output_format,
          {"action": "set-status", "kind": "control", "id": control,
           "from": change.before, "to": change.after, "note": change.note}, [line],
          warn=True)
