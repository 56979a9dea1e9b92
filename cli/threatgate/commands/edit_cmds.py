"""``threatgate add|edit|remove KIND ...`` and ``threatgate set-status``: edit a model in place.

One subcommand per kind of entity, with one option per field of the schema (built from
:func:`threatgate.edits.fields.fields_of`). The work is done by
:mod:`threatgate.edits.entities` and :mod:`threatgate.edits.removal` through
:func:`threatgate.document.transaction.edit_file`: only the touched entries change, the
result is validated, the write is atomic and serialised by a lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from threatgate.commands.edit_options import (
    MODEL,
    SET_HELP,
    apply_edit,
    common_options,
    common_params,
    emit_change,
    field_option,
    field_values,
    model_argument,
    model_help,
    parsed_assignments,
    shown_path,
)
from threatgate.commands.options import resolve_today
from threatgate.edits.fields import KINDS, Kind, fields_of
from threatgate.model.vocabulary import article

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


# --- add --------------------------------------------------------------------------------------


def _add_command(kind: Kind) -> click.Command:
    def callback(model: Path | None, entity_id: str | None, assignments: tuple[str, ...],
                 dry_run: bool, output_format: str, config_path: Path | None,
                 today: str | None, **options: Any) -> None:
        from threatgate.edits.entities import add_entity

        values = {**field_values(kind, options), **parsed_assignments(kind, assignments)}
        day = resolve_today(today)
        path, outcome = apply_edit(model, config_path, today, None, dry_run,
                               lambda editor: add_entity(editor, kind, values,
                                                         entity_id=entity_id, today=day))
        added = outcome.value
        name = added.entity_id or "(without id)"
        verb = "would add" if dry_run else "added"
        emit_change(path, outcome, dry_run, output_format,
              {"action": "add", "kind": kind.name, "id": added.entity_id,
               "entry": added.entry},
              [f"{shown_path(path)}: {verb} {kind.label} {name}"])

    required = [s for s in fields_of(kind.name) if s.required]
    needs = ", ".join(f"--{s.option}" for s in required) or "nothing"
    numbering = ("the next free id in the style of the existing ones (T1..Tn -> T<n+1>)"
                 if kind.prefix else "an id made from --name")
    if kind.name == "acceptance":
        numbering = ("no id, unless the model's acceptances have ids (then the next free "
                     "one); an acceptance can always be named by the threat or objective "
                     "it accepts")
    help_text = (
        f"Add {article(kind.label)} to MODEL.\n\n{model_help()}\n\n"
        f"A new {kind.label} needs {needs}. Without --id it gets {numbering}; ids are "
        "unique across every kind of entity, and an id in use is refused (exit 1, nothing "
        "written). The entry is appended to the list in the style of its neighbours; "
        "nothing else in the file changes. The edited model must stay valid: new "
        "validation errors are reported as path:line:col and nothing is written.\n\n"
        f"\b\nExample:\n  {EXAMPLES[kind.name]}"
    )
    params: list[click.Parameter] = [
        model_argument(),
        click.Option(["--id", "entity_id"], metavar="ID",
                     help="Id of the new entity. Default: the next free one."),
        *[field_option(spec, "add") for spec in fields_of(kind.name)],
        click.Option(["--set", "assignments"], multiple=True, metavar="FIELD=VALUE",
                     help=SET_HELP),
        *common_params(),
    ]
    return click.Command(kind.name, callback=callback, params=params, help=help_text,
                         short_help=f"Add {article(kind.label)}.")


# --- edit -------------------------------------------------------------------------------------


def _edit_command(kind: Kind) -> click.Command:
    def callback(ident: str, model: Path | None, assignments: tuple[str, ...],
                 unset: tuple[str, ...], add_to: tuple[str, ...],
                 remove_from: tuple[str, ...], dry_run: bool, output_format: str,
                 config_path: Path | None, today: str | None, **options: Any) -> None:
        from threatgate.edits.entities import EditRequest, edit_entity
        from threatgate.edits.fields import parse_items

        request = EditRequest(
            set={**field_values(kind, options), **parsed_assignments(kind, assignments)},
            unset=unset,
            add_to=[parse_items(kind, text) for text in add_to],
            remove_from=[parse_items(kind, text) for text in remove_from])
        path, outcome = apply_edit(model, config_path, today, ident, dry_run,
                               lambda editor: edit_entity(editor, kind, ident, request))
        edited = outcome.value
        if not edited.changed:
            line = (f"{shown_path(path)}: {kind.label} {edited.entity_id} already has these "
                    "values; nothing changed")
        else:
            verb = "would change" if dry_run else "changed"
            line = (f"{shown_path(path)}: {kind.label} {edited.entity_id}: {verb} "
                    f"{', '.join(edited.fields)}")
        emit_change(path, outcome, dry_run, output_format,
              {"action": "edit", "kind": kind.name, "id": edited.entity_id,
               "fields": edited.fields, "before": edited.before, "after": edited.after},
              [line], warn=True)

    selector = (" (its id, the threat or objective it accepts, or its position such as "
                "'#2')" if kind.name == "acceptance" else "")
    help_text = (
        f"Change fields of the {kind.label} ID{selector} in MODEL.\n\n{model_help()}\n\n"
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
        model_argument(),
        *[field_option(spec, "edit") for spec in fields_of(kind.name)],
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
        *common_params(),
    ]
    return click.Command(kind.name, callback=callback, params=params, help=help_text,
                         short_help=f"Change fields of {article(kind.label)}.")


# --- remove -----------------------------------------------------------------------------------


def _removal_lines(path: Path, removed: Any, dry_run: bool) -> list[str]:
    from threatgate.model.vocabulary import COLLECTIONS

    where = shown_path(path)
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
    from threatgate.edits.fields import kind_name

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
        from threatgate.edits.removal import remove_entity

        path, outcome = apply_edit(model, config_path, today, ident, dry_run,
                               lambda editor: remove_entity(editor, kind, ident, force=force))
        emit_change(path, outcome, dry_run, output_format, _removal_summary(outcome.value),
              _removal_lines(path, outcome.value, dry_run))

    cascade = ""
    if kind.name in ("asset", "attacker"):
        cascade = (f"The objectives built on the {kind.label} are removed with it (and "
                   "listed); what references those objectives counts as a reference. ")
    help_text = (
        f"Remove the {kind.label} ID from MODEL.\n\n{model_help()}\n\n"
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
        model_argument(),
        click.Option(["--force"], is_flag=True,
                     help="Remove even if referenced, and remove the references too."),
        *common_params(),
    ]
    return click.Command(kind.name, callback=callback, params=params, help=help_text,
                         short_help=f"Remove {article(kind.label)}.")


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
@common_options
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
    path, outcome = apply_edit(model, config_path, today, control, dry_run,
                           lambda editor: change_status(editor, control, status, note=note,
                                                        today=day))
    change = outcome.value
    where = shown_path(path)
    if not change.changed:
        skipped = " (the note was not added)" if note else ""
        line = f"{where}: control {control} is already {status}; nothing changed{skipped}"
    else:
        verb = "would move" if dry_run else "moved"
        noted = "; note added to its notes" if change.note else ""
        line = f"{where}: control {control} {verb} from {change.before} to {status}{noted}"
    emit_change(path, outcome, dry_run, output_format,
          {"action": "set-status", "kind": "control", "id": control,
           "from": change.before, "to": change.after, "note": change.note}, [line],
          warn=True)

