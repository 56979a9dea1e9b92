"""``threatgate rules``: list, show and test the rule packs of ``generate``; the catalogue."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from threatgate.commands.options import config_option, echo, resolve_config
from threatgate.errors import EXIT_FAILURE, EXIT_OK, InputError

if TYPE_CHECKING:
    from threatgate.generate.rulepacks import RulePack

F = TypeVar("F", bound=Callable[..., Any])

STRIDE = ("spoofing", "tampering", "repudiation", "information_disclosure",
          "denial_of_service", "elevation_of_privilege")


def _pack_options(func: F) -> F:
    func = click.option(
        "--pack", "pack_paths", multiple=True, metavar="PATH",
        type=click.Path(path_type=Path),
        help="Also load this rule pack file, or every *.yaml pack in this folder "
             "(repeatable; added to [generate] packs of threatgate.toml).")(func)
    func = click.option(
        "--no-builtin-packs", "no_builtin", is_flag=True, default=False,
        help="Leave out the packs shipped with threatgate.")(func)
    return config_option(func)


def _format_option(func: F) -> F:
    return click.option("--format", "output_format", type=click.Choice(["text", "json"]),
                        default="text", show_default=True,
                        help="text for people, json for tools.")(func)


def _load(config_path: Path | None, pack_paths: Sequence[Path],
          no_builtin: bool, override: Sequence[Path] = ()) -> list[RulePack]:
    from threatgate.generate.rulepacks import configured_packs

    return configured_packs(resolve_config(config_path), pack_paths, builtin=not no_builtin,
                            override=override)


def _echo(text: str) -> None:
    """Print text that may come from a repository's own packs, without control characters
    that could rewrite the terminal."""
    from threatgate.output.escape.terminal import terminal_text

    echo(terminal_text(text))


def _echo_json(data: Any) -> None:
    echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group()
def rules() -> None:
    """The rule library of `threatgate generate`: packs, rules and the catalogue.

    Rule packs are YAML data (schema: schemas/rulepack.schema.json). The built-in packs
    ship with threatgate; a repository adds its own with

    \b
        [generate]
        packs = ["threatmodels/rules"]     # files, or folders of *.yaml packs

    in threatgate.toml. Every rule carries inline tests (architectures it must fire on
    and stay silent on) that `threatgate rules test` runs.
    """


@rules.command("list")
@click.option("--pack-name", "pack_names", multiple=True, metavar="NAME",
              help="Only rules of the pack with this name, e.g. web (repeatable).")
@click.option("--stride", type=click.Choice(STRIDE), default=None,
              help="Only rules with this STRIDE category.")
@click.option("--scope", type=click.Choice(["component", "dataflow"]), default=None,
              help="Only rules that match components, or only rules that match data flows.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many rules.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Show at most this many rules.")
@_format_option
@_pack_options
def list_rules(pack_names: tuple[str, ...], stride: str | None, scope: str | None,
               offset: int, limit: int | None, output_format: str,
               config_path: Path | None, pack_paths: tuple[Path, ...],
               no_builtin: bool) -> None:
    """List the rules of the loaded packs, in the order they run.

    Each line gives the rule id, its pack, what it matches (component or dataflow), its
    STRIDE categories, default likelihood x impact, and the threat title template.
    """
    from threatgate.generate.rulepacks import compiled_rules, rule_record

    packs = _load(config_path, pack_paths, no_builtin)
    _check_names(packs, pack_names)
    selected = [
        rule for rule in compiled_rules(packs)[0]
        if (not pack_names or rule.pack in pack_names)
        and (stride is None or stride in rule.spec["stride"])
        and (scope is None or rule.spec["scope"] == scope)
    ]
    page = selected[offset:offset + limit if limit else None]
    records = [rule_record(rule) for rule in page]
    if output_format == "json":
        _echo_json({"total": len(selected), "offset": offset, "rules": records})
        return
    if not records:
        echo("No rule packs loaded." if not packs else "No rules match.")
        return
    width = max(len(r["id"]) for r in records)
    for r in records:
        stride_text = ",".join(_short(s) for s in r["stride"])
        _echo(f"{r['id']:<{width}}  {r['scope'][:4]:<4}  {stride_text:<11}  "
                   f"{r['likelihood']}x{r['impact']}  {r['title']}")
    shown = f"{offset + 1}-{offset + len(records)} of " if len(records) < len(selected) else ""
    echo(f"\n{shown}{len(selected)} rule(s) from {len(packs)} pack(s).")


def _short(stride: str) -> str:
    return {"information_disclosure": "I", "denial_of_service": "D",
            "elevation_of_privilege": "E"}.get(stride, stride[:1].upper())


def _check_names(packs: Sequence[RulePack], names: Sequence[str]) -> None:
    known = {pack.name for pack in packs}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InputError(f"unknown rule pack {', '.join(unknown)}; loaded: "
                         f"{', '.join(sorted(known)) or 'none'}")


@rules.command("show")
@click.argument("rule_id", metavar="RULE")
@_format_option
@_pack_options
def show(rule_id: str, output_format: str, config_path: Path | None,
         pack_paths: tuple[Path, ...], no_builtin: bool) -> None:
    """Show one rule: what it matches, the threat it yields, its controls and groups.

    RULE is a rule id such as web.sqli (`threatgate rules list` lists them).
    """
    import difflib

    from threatgate.generate.rulepacks import compiled_rules, rule_record

    by_id = {rule.id: rule for rule in compiled_rules(_load(config_path, pack_paths,
                                                             no_builtin))[0]}
    if rule_id not in by_id:
        close = difflib.get_close_matches(rule_id, list(by_id), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"unknown rule {rule_id!r}{hint}")
    record = rule_record(by_id[rule_id], detail=True)
    if output_format == "json":
        _echo_json(record)
        return
    lines = [
        f"{record['id']}  ({record['pack']} pack, {record['location']})",
        f"  title:       {record['title']}",
        f"  matches:     each {record['scope']}",
        f"  when:        {record['when_text']}",
    ]
    if record["unless_text"]:
        lines.append(f"  unless:      {record['unless_text']}")
    lines += [
        f"  stride:      {', '.join(record['stride'])}",
        f"  cwe:         {', '.join(record['cwe']) or '-'}",
        f"  score:       likelihood {record['likelihood']} x impact {record['impact']}",
        f"  properties:  {', '.join(record['properties'])}",
        f"  attackers:   {', '.join(record['attackers'])}",
        f"  description: {record['description']}",
        "  controls:",
    ]
    for control in record["controls"]:
        refs = f"  [{', '.join(control['compliance'])}]" if control["compliance"] else ""
        lines.append(f"    {control['id']}: {control['title']}{refs}")
    lines.append("  mitigation groups (AND inside, OR across):")
    lines += [f"    - {' + '.join(group)}" for group in record["groups"]]
    lines.append(f"  not applicable when: {record['not_applicable_when']}")
    lines.append(f"  tests: {record['tests']['fires']} fires, {record['tests']['silent']} silent")
    _echo("\n".join(lines))


@rules.command("test")
@click.argument("targets", nargs=-1, metavar="[PACK]...")
@_format_option
@_pack_options
def test(targets: tuple[str, ...], output_format: str, config_path: Path | None,
         pack_paths: tuple[Path, ...], no_builtin: bool) -> int:
    """Run the inline tests of rule packs.

    Each rule's `tests.fires` architectures must make it fire (on exactly the listed
    `elements` when given) and its `tests.silent` architectures must not; a rule without
    one of each fails as untested. Each case runs against its rule alone.

    PACK is the name of a loaded pack, or the path of a pack file or folder to load and
    test on its own (a pack file replaces the built-in or configured pack of the same
    name, so an edited copy can be tested); without PACK every loaded pack is tested.
    Exit status: 0 when every case passes, 1 when one fails, 2 when a pack cannot be
    loaded.
    """
    from threatgate.generate.packtests import test_packs
    from threatgate.generate.rulepacks import pack_files

    paths = [Path(t) for t in targets if Path(t).exists()]
    names = [t for t in targets if not Path(t).exists()]
    for name in names:
        if "/" in name or "\\" in name or name.endswith((".yaml", ".yml")):
            raise InputError(f"{name}: rule pack not found (no such file or folder)")
    files = pack_files(paths)
    packs = _load(config_path, pack_paths, no_builtin, files)
    _check_names(packs, names)
    resolved = {p.resolve() for p in files}
    selected = names + [pack.name for pack in packs if pack.path.resolve() in resolved]
    results = test_packs(packs, selected)
    failures = [r for r in results if not r.ok]
    if output_format == "json":
        _echo_json({
            "passed": len(results) - len(failures), "failed": len(failures),
            "results": [{"rule": r.rule, "kind": r.kind, "index": r.index, "name": r.name,
                         "ok": r.ok, "message": r.message, "location": r.location}
                        for r in results],
        })
    else:
        for r in failures:
            where = "" if r.kind == "missing" else f" {r.kind}[{r.index}] ({r.name})"
            at = f"{r.location}: " if r.location else ""
            _echo(f"{at}FAIL {r.rule}{where}: {r.message}")
        rule_count = len({r.rule for r in results})
        echo(f"{len(results) - len(failures)} passed, {len(failures)} failed "
                   f"({rule_count} rule(s)).")
    return EXIT_FAILURE if failures else EXIT_OK


@rules.command("catalogue")
@click.option("--flags-only", is_flag=True, default=False, help="List only the flags.")
@_format_option
@_pack_options
def catalogue(flags_only: bool, output_format: str, config_path: Path | None,
              pack_paths: tuple[Path, ...], no_builtin: bool) -> None:
    """List the technology types components can name and the behaviour flags.

    A component's effective flags are its type's defaults plus its own `flags`, minus any
    it lists as `no_<flag>`. Types and flags added by loaded packs are included.
    """
    from threatgate.generate.rulepacks import compiled_rules

    merged = compiled_rules(_load(config_path, pack_paths, no_builtin))[1]
    if output_format == "json":
        data: dict[str, Any] = {"flags": dict(sorted(merged.flags.items()))}
        if not flags_only:
            data["types"] = {
                tech.id: {"name": tech.name, "category": tech.category,
                          "description": tech.description, "flags": sorted(tech.flags),
                          "source": tech.source}
                for tech in sorted(merged.types.values(), key=lambda t: t.id)}
        _echo_json(data)
        return
    lines = []
    if not flags_only:
        lines.append("Types (category: default flags)")
        width = max(len(t) for t in merged.types)
        for tech in sorted(merged.types.values(), key=lambda t: t.id):
            flags = ", ".join(sorted(tech.flags)) or "-"
            lines.append(f"  {tech.id:<{width}}  {tech.name} ({tech.category}): {flags}")
        lines.append("")
    lines.append("Flags")
    width = max(len(f) for f in merged.flags)
    lines += [f"  {flag:<{width}}  {text}" for flag, text in sorted(merged.flags.items())]
    _echo("\n".join(lines))
