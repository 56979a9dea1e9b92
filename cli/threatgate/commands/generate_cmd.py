"""``threatgate generate``: a complete model from a feature description, merges, objectives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from threatgate.commands.options import (
    config_option,
    echo,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError, PolicyFailure
from threatgate.output.escape.terminal import terminal_location, terminal_text

if TYPE_CHECKING:
    from threatgate.model.config import Config

DEFAULT_COMMAND = "describe"
MODEL = click.Path(dir_okay=False, path_type=Path)


class GenerateGroup(click.Group):
    """``generate TEXT`` and ``generate --model FILE`` run ``describe``, the default command.

    Only an argument that is exactly the name of a subcommand (``objectives``,
    ``describe``) selects it, so a quoted description that merely starts with
    "objectives" is still a description. ``generate -- objectives`` or
    ``generate describe objectives`` describes the single word.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group(cls=GenerateGroup)
def generate() -> None:
    """Generate threat models: from a feature description, into an existing model, or
    the objective matrix.

    \b
    threatgate generate "User login with OAuth and password reset by email"
        a complete model on stdout (or --out FILE): components, data flows, assets,
        attackers, the asset x attacker objective matrix, threats with scores and
        planned controls in mitigation groups, compliance references
    threatgate generate --model threatmodels/shop.yaml
        re-run the rules on the model's components and data flows and add the new
        threats and controls; what you wrote or removed is never touched
    threatgate generate objectives [FILE...]
        (re)derive the objective matrix after assets or attackers changed

    Everything is offline and deterministic (keyword matching and rule packs); the
    optional --suggest-with URL asks a language model for more, marked for review.
    See `threatgate generate describe --help` for every option. A description that is
    exactly "objectives" is written `threatgate generate -- objectives`.
    """


def _display(path: Path) -> str:
    from threatgate.model.discovery import display_path

    return display_path(path, Path.cwd())


def _load_packs(packs: tuple[Path, ...], builtin: bool, config: Config) -> list[Any]:
    """The packs to run: built-in ones, the settings' `[generate] packs`, then --pack."""
    from threatgate.generate.rulepacks import configured_packs

    loaded = configured_packs(config, list(packs), builtin=builtin)
    if not loaded:
        raise InputError("no rule pack to run: drop --no-builtin-packs or give --pack")
    return loaded


def _confirm_technologies(description: Any) -> Any:
    """Ask, per detected technology, whether to keep it (prompts on stderr)."""
    from threatgate.generate.describe import drop, vocabulary

    vocab = vocabulary()
    dropped = []
    for detection in description.technologies:
        words = ", ".join(f'"{w}"' for w in detection.words)
        name = vocab.technologies[detection.key].name
        try:
            keep = click.confirm(f"Keep {name} ({detection.key}, from {terminal_text(words)})?",
                                 default=True, err=True)
        except click.Abort:  # end of input or Ctrl-C: nothing is written
            echo(err=True)
            raise InputError(f"--interactive: no answer for {name} ({detection.key}); "
                             "nothing was written") from None
        if not keep:
            dropped.append(detection.key)
    return drop(description, dropped)


def _explain(explained: dict[str, Any], output_format: str, to_stderr: bool) -> None:
    from threatgate.generate.assemble import explanation_text

    if output_format == "json":
        rendered = json.dumps(explained, indent=2, ensure_ascii=False) + "\n"
    elif output_format == "yaml":
        from threatgate.generate.assemble import dump_plain

        rendered = dump_plain(explained)
    else:
        rendered = explanation_text(explained)
        if "repository" in explained:
            from threatgate.generate.repository.evidence import explanation_text as scanned

            rendered += scanned(explained["repository"])
    echo(terminal_text(rendered), nl=False, err=to_stderr)


@generate.command(DEFAULT_COMMAND)
@click.argument("description", required=False, metavar="[DESCRIPTION]")
@click.option("--model", "model_path", type=MODEL, default=None,
              help="Instead of a description: re-run the rules on this model file's "
                   "components and data flows and merge the new threats and controls into "
                   "it in place.")
@click.option("--from-repo", "from_repo", is_flag=False, flag_value=".", default=None,
              type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]",
              help="Also read the repository in DIR (default: the current folder): its "
                   "dependency manifests, container, Kubernetes, Terraform, serverless, CI "
                   "and web-server files say which technologies it uses; nothing is run. "
                   "DESCRIPTION becomes optional; give it before --from-repo.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the generated model to this file (folders are created). Default: "
                   "stdout.")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@click.option("--id", "model_id", metavar="ID", default=None,
              help="Model id. Default: made from the title.")
@click.option("--title", default=None, help="Model title. Default: the description's first "
              "sentence.")
@click.option("--interactive", "-i", is_flag=True,
              help="Confirm or drop each detected technology before generating.")
@click.option("--explain", is_flag=True,
              help="Print which words triggered which technology, data kind and flag, and "
                   "which rules fired (on stderr when the model goes to stdout).")
@click.option("--format", "output_format", type=click.Choice(["text", "yaml", "json"]),
              default="text", show_default=True, help="Format of the explanation.")
@click.option("--pack", "packs", multiple=True, type=click.Path(path_type=Path),
              metavar="PATH", help="An extra rule pack (file or folder of packs). Repeatable.")
@click.option("--no-builtin-packs", is_flag=True,
              help="Run only the --pack packs, not the ones shipped with threatgate.")
@click.option("--suggest-with", "suggest_url", metavar="URL", default=None,
              help="Also ask an OpenAI-compatible chat-completions endpoint for threats and "
                   "controls; they are written with origin: suggested, for review. Reads "
                   "THREATGATE_LLM_API_KEY, THREATGATE_LLM_MODEL and THREATGATE_LLM_TIMEOUT.")
@config_option
@today_option
def describe_command(description: str | None, model_path: Path | None,
                     from_repo: Path | None, out: Path | None,
                     force: bool, model_id: str | None, title: str | None, interactive: bool,
                     explain: bool, output_format: str, packs: tuple[Path, ...],
                     no_builtin_packs: bool, suggest_url: str | None,
                     config_path: Path | None, today: str | None) -> int:
    """Generate a complete model from DESCRIPTION, or merge into --model FILE.

    DESCRIPTION is free text, quoted as one argument. A deterministic phrase matcher
    finds technologies (browser, web app, REST API, OAuth identity provider, database,
    object storage, queue, payment provider, LLM, CI/CD, ...) and data kinds
    (credentials, personal data, card data, files, secrets, ...); the generator builds
    components, data flows and trust boundaries from them, adds what they imply, runs
    the rule packs, and derives the asset x attacker objectives with their mitigation
    groups. Every entry carries `origin: generated`; the model passes `threatgate
    validate` and `threatgate fmt --check`.
    `threatgate rules catalogue` lists the technology types and behaviour flags.

    \b
    Examples:
      threatgate generate "Card payments with Stripe for the web shop" --out threatmodels/pay.yaml
      threatgate generate "Public REST API with API keys" --explain --format json
      threatgate generate --model threatmodels/pay.yaml
      threatgate generate --from-repo . --explain --out threatmodels/app.yaml
      threatgate generate -- objectives        # the description is the word "objectives"

    Exit status: 0 ok, 1 the merge would make the model invalid, 2 usage error
    (no description, --out exists, unreadable file, unreachable --suggest-with endpoint).
    """
    if model_path is not None:
        if description is not None:
            raise click.UsageError("give either DESCRIPTION or --model FILE, not both")
        for flag, given in (("--out", out), ("--id", model_id), ("--title", title),
                            ("--interactive", interactive or None), ("--from-repo", from_repo)):
            if given is not None:
                raise click.UsageError(f"{flag} applies to a new model, not to --model")
        return _merge(model_path, explain, output_format, packs, not no_builtin_packs,
                      suggest_url, config_path, today)
    if description is None and from_repo is None:
        raise click.UsageError('give a DESCRIPTION (e.g. threatgate generate "User login '
                               'with OAuth"), --from-repo [DIR] or --model FILE')
    if out is not None and out.exists() and not force:
        raise InputError(f"{_display(out)} exists; use --force to overwrite it")
    _new_model(description, out, model_id, title, interactive, explain, output_format, packs,
               not no_builtin_packs, suggest_url, resolve_today(today),
               resolve_config(config_path), from_repo)
    return EXIT_OK


def _detect(text: str | None, repository: Path | None) -> tuple[Any, Any]:
    """The detection result of the description and/or the repository, and the scan."""
    from threatgate.generate.describe import describe

    if repository is None:
        return describe(text or ""), None
    from threatgate.generate.repository.scan import repository_description, scan_repository

    scan = scan_repository(repository)
    return repository_description(scan, text), scan


def _new_model(text: str | None, out: Path | None, model_id: str | None, title: str | None,
               interactive: bool, explain: bool, output_format: str, packs: tuple[Path, ...],
               builtin: bool, suggest_url: str | None, day: Any, config: Config,
               repository: Path | None = None) -> None:
    from threatgate.generate.assemble import assemble, dump_model, explanation
    from threatgate.generate.engine import apply_packs
    from threatgate.support.fsutil import atomic_write
    from threatgate.validate.files import check_bytes

    if model_id is not None:
        import re

        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", model_id):
            raise click.BadParameter("lower-case letters, digits, '.', '_' and '-', starting "
                                     "with a letter or digit, at most 64", param_hint="--id")
    if title is not None and (not title.strip() or "\n" in title or len(title) > 200):
        raise click.BadParameter("one line of 1 to 200 characters", param_hint="--title")
    found, scan = _detect(text, repository)
    if interactive:
        found = _confirm_technologies(found)
    loaded = _load_packs(packs, builtin, config)
    if title is None and scan is not None and text is None:
        title = f"Repository {scan.name}"
    assembled = assemble(found, packs=loaded, run=lambda m: apply_packs(m, loaded),
                         model_id=model_id, title=title.strip() if title else None)
    proposed = None
    if scan is not None:
        from threatgate.generate.repository.evidence import apply_to_model

        proposed = apply_to_model(assembled.model, scan)
    if suggest_url:
        from threatgate.generate import suggest
        from threatgate.integrations import llm

        settings = llm.Settings.from_environment(suggest_url)
        suggestions = suggest.suggest(llm.client(settings), assembled.model)
        suggest.add_to_model(assembled.model, suggestions)
        _report_suggestions(suggestions)
    rendered = dump_model(assembled.model)
    problems = [p for p in check_bytes(rendered.encode("utf-8"), day, 64)["problems"]
                if p[0] == "error"]
    if problems:
        _, rule, line, _, message = problems[0]
        raise PolicyFailure(f"the generated model is not valid ({rule} at line {line}: "
                              f"{message}); nothing written")
    if explain:
        explained = explanation(assembled, found)
        if scan is not None and proposed is not None:
            from threatgate.generate.repository.evidence import with_repository

            explained = with_repository(explained, scan, proposed)
        _explain(explained, output_format, to_stderr=out is None)
    if out is None:
        echo(rendered, nl=False)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, rendered.encode("utf-8"))
    except OSError as exc:
        raise InputError(f"{_display(out)}: cannot write: {exc.strerror or exc}") from None
    model = assembled.model
    echo(f"{_display(out)}: wrote model {model['id']}: "
               f"{len(model.get('components', []))} components, "
               f"{len(model.get('threats', []))} threats, "
               f"{len(model.get('controls', []))} controls, "
               f"{len(model.get('objectives', []))} objectives", err=True)


def _report_suggestions(suggestions: Any) -> None:
    from threatgate.generate.suggest import describe_dropped

    echo(f"suggestions: {len(suggestions.threats)} threats and "
               f"{len(suggestions.controls)} controls (origin: suggested, review them)",
               err=True)
    for note in describe_dropped(suggestions.dropped):
        echo(f"  dropped: {terminal_text(note)}", err=True)


def _merge(path: Path, explain: bool, output_format: str, packs: tuple[Path, ...],
           builtin: bool, suggest_url: str | None, config_path: Path | None,
           today: str | None) -> int:
    from threatgate.document.errors import EditError
    from threatgate.document.transaction import edit_file
    from threatgate.generate.regenerate import regenerate
    from threatgate.model.config import load_config

    day = resolve_today(today)
    config = load_config(path.resolve().parent if path.exists() else Path.cwd(), config_path)
    loaded = _load_packs(packs, builtin, config)
    ask = None
    if suggest_url:
        from threatgate.integrations import llm

        ask = llm.client(llm.Settings.from_environment(suggest_url))
    fired: list[Any] = []
    notes: dict[str, Any] = {}

    def change(editor: Any) -> Any:
        done = regenerate(editor, loaded)
        fired.extend(done.fired)
        notes["retired"] = done.retired
        result = done.merged
        if ask is not None:
            from threatgate.generate import suggest

            suggestions = suggest.suggest(ask, editor.data)
            suggest.apply(editor, suggestions)
            notes["suggestions"] = suggestions
        return result

    try:
        outcome = edit_file(path, change, today=day, max_depth=config.max_depth,
                            max_bytes=config.max_file_size, rules=config.rules)
    except EditError as exc:
        where = _display(path)
        echo(f"{terminal_location(where, exc.line, exc.column)}: error: {exc.message} "
                   f"[{exc.rule}]", err=True)
        for problem in exc.problems:
            echo(f"{terminal_location(where, problem.line, problem.column)}: error: "
                       f"{terminal_text(problem.message)} [{problem.rule}] (in the merged text, "
                       "not written)", err=True)
        return exc.exit_code
    result = outcome.value
    if "suggestions" in notes:
        _report_suggestions(notes["suggestions"])
    summary = {
        "path": _display(path), "changed": outcome.changed, "added": result.added,
        "kept": result.kept, "conflicts": result.conflicts,
        "retired": notes["retired"].removed, "retired_kept": notes["retired"].marked,
        "not_restored": result.not_restored,
        "newly_removed": result.newly_removed,
        "unlisted_frameworks": result.unlisted_frameworks,
        "suggested": notes["suggestions"].ids if "suggestions" in notes else [],
    }
    if explain and output_format == "json":
        echo(json.dumps({**summary, "rules": [
            {"rule": f.rule, "elements": list(f.elements), "reason": f.reason}
            for f in fired]}, indent=2, ensure_ascii=False))
        return EXIT_OK
    _report_merge(_display(path), result, notes["retired"])
    if explain:
        for f in fired:
            echo(f"  {f.rule} on {', '.join(f.elements)}: {terminal_text(f.reason)}")
    return EXIT_OK


def _report_merge(where: str, result: Any, retired: Any) -> None:
    """What a merge did, for a person: added, kept, retired, refused."""
    added = ", ".join(f"{len(v)} {k}" for k, v in result.added.items()) or "nothing new"
    echo(f"{where}: added {added}; {len(result.kept)} already present (left as written), "
         f"{len(result.not_restored)} removed by hand (not restored)")
    if retired.removed:
        echo(f"  retired (their rule no longer fires): {', '.join(retired.removed)}")
    if retired.marked:
        echo(f"  rule no longer fires, kept because you edited or linked them (tagged "
             f"retired): {terminal_text(', '.join(retired.marked))}", err=True)
    if result.conflicts:
        echo(f"  not written, the id is held by an entry the generator did not write: "
             f"{terminal_text(', '.join(result.conflicts))}; rename that entry to get "
             "the generated one", err=True)
    if result.unlisted_frameworks:
        echo(f"  the new controls map to {', '.join(result.unlisted_frameworks)}; add "
             "them to the model's `frameworks` to track compliance", err=True)


@generate.command("objectives")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True, help="Output format of the summary.")
@config_option
@today_option
def objectives_command(paths: tuple[Path, ...], output_format: str,
                       config_path: Path | None, today: str | None) -> int:
    """(Re)derive the asset x attacker objective matrix of model files, in place.

    PATHS are model files or folders; without them the configured model folders are
    read. Every asset x attacker pair without an objective gets one (id CO-<asset>-
    <attacker>, origin: generated, no controls yet: unassessed until you link
    mitigation groups). An objective whose asset or attacker no longer exists is
    marked `status: removed` with a `removed_reason`, never deleted; assessment, the
    gate and the reference checks then ignore it. Objectives you deleted by hand
    (listed in generation.removed) are not brought back. Only the changed entries are
    rewritten; comments and layout elsewhere stay as they are.

    Exit status: 0 ok, 1 an edit would make a model invalid, 2 usage error.
    """
    from threatgate.document.errors import EditError
    from threatgate.document.transaction import edit_file
    from threatgate.generate.objectives import apply_matrix
    from threatgate.model.discovery import discover

    day = resolve_today(today)
    config = resolve_config(config_path)
    files = discover(list(paths), config)
    rows = []
    failed = False
    for model_file in files:
        try:
            outcome = edit_file(model_file.path, apply_matrix, today=day,
                                max_depth=config.max_depth, max_bytes=config.max_file_size,
                                rules=config.rules)
        except EditError as exc:
            failed = True
            where = terminal_location(model_file.display, exc.line, exc.column)
            echo(f"{where}: error: {terminal_text(exc.message)} "
                       f"[{exc.rule}]", err=True)
            for problem in exc.problems:
                where = terminal_location(model_file.display, problem.line, problem.column)
                echo(f"{where}: error: "
                           f"{terminal_text(problem.message)} [{problem.rule}]", err=True)
            if exc.exit_code == EXIT_USAGE:
                return EXIT_USAGE
            continue
        change = outcome.value
        rows.append({"path": model_file.display,
                     "added": [e["id"] for e in change.added],
                     "removed": [{"id": i, "reason": r} for _, i, r in change.removed],
                     "not_restored": change.skipped})
    if output_format == "json":
        echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for row in rows:
            echo(f"{row['path']}: {len(row['added'])} objectives added, "
                       f"{len(row['removed'])} marked removed")
            for gone in row["removed"]:
                echo(f"  {gone['id']} removed: {terminal_text(gone['reason'])}")
    return EXIT_FAILURE if failed else EXIT_OK
