"""``threatgate gate``: fail CI when a model crosses the thresholds.

The threshold flags come from the gate check registry (threatgate.gate.checks): one
option per check, in the checks' order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from threatgate.commands.options import (
    config_option,
    echo,
    parse_outputs,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
    write_outputs,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError
from threatgate.gate.checks import CHECKS, GateCheck
from threatgate.output.registry import format_names, render

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def threshold_option(check: GateCheck) -> Decorator:
    """The click option of a gate check, as its registration describes it."""
    option, flag = check.option, check.flag
    if option.kind == "switch":
        return click.option(f"{flag}/--no-{flag[2:]}", check.name, default=None,
                            help=option.help)
    if option.kind == "ratio":
        return click.option(flag, check.name, type=click.FloatRange(0, 1), default=None,
                            metavar=option.metavar, help=option.help)
    if option.kind == "choice":
        return click.option(flag, check.name, type=click.Choice((*option.choices, OFF)),
                            default=None,
                            help=f"{option.help} '{OFF}' switches off a configured value.")
    if option.kind == "repeated":
        return click.option(flag, check.name, multiple=True, metavar=option.metavar,
                            help=option.help)
    return click.option(flag, check.name, metavar=option.metavar, default=None,
                        help=option.help)


def verify_option() -> Decorator:
    implied = " and ".join(check.flag for check in CHECKS if check.needs_verification)
    return click.option("--verify", "run_verify", is_flag=True,
                        help="Verify the evidence (no commands) so that objectives can reach "
                             f"the verified level; implied by {implied}.")


def threshold_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Every check's option, in order, with --verify after the checks that imply it."""
    decorators = [threshold_option(check) for check in CHECKS]
    last_verifying = max(i for i, check in enumerate(CHECKS) if check.needs_verification)
    decorators.insert(last_verifying + 1, verify_option())
    for decorate in reversed(decorators):
        func = decorate(func)
    return func


#: The value of a choice flag that switches the configured threshold off.
OFF = "off"


def first_existing(root: Path, refs: tuple[str, ...]) -> str | None:
    """The first of ``refs`` that names a commit here (the last one's error otherwise)."""
    if not refs:
        return None
    from threatgate.support.git import Repository

    repository = Repository(root)
    for ref in refs[:-1]:
        try:
            repository.resolve(ref)
        except InputError:
            echo(f"gate: baseline {ref} does not exist here; trying the next one", err=True)
            continue
        return ref
    repository.resolve(refs[-1])
    return refs[-1]


def thresholds_from(configured: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """The [gate] settings with the flags given on the command line applied over them."""
    settings = dict(configured)
    for check in CHECKS:
        value = flags[check.name]
        if value is None or value == ():
            continue
        if value == OFF:
            settings.pop(check.name, None)
            continue
        if check.parse is not None:
            try:
                value = check.parse(value)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint=check.flag) from None
        if check.merges:
            value = {**settings.get(check.name, {}), **value}
        settings[check.name] = value
    return settings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@threshold_options
@click.option("--baseline", "baselines", metavar="REF", multiple=True,
              help="Ratchet: fail only on problems that are new relative to git REF (the "
                   "same check on the same entity of the same model failing there is "
                   "reported, not failing). Lets a team adopt the gate on a legacy model. "
                   "Repeatable: the first REF that exists is used (e.g. --baseline "
                   "origin/main --baseline HEAD, for a first push).")
@click.option("--no-cache", is_flag=True,
              help="Validate every model afresh instead of reusing cached results.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when a model fails (read the verdict from the report, e.g. "
                   "`jq .pass`); usage errors still exit 2.")
@click.option("--format", "output_format", type=click.Choice(format_names("gate")),
              default="text", show_default=True, help="What to print on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report to FILE (repeatable), e.g. sarif=gate.sarif, "
                   "junit=gate.xml, codequality=gl-code-quality.json, json=gate.json.")
@config_option
@today_option
def gate(paths: tuple[Path, ...], run_verify: bool, baselines: tuple[str, ...],
         no_cache: bool,
         exit_zero: bool, output_format: str, outputs: tuple[str, ...],
         config_path: Path | None, today: str | None, **flags: Any) -> int:
    """Apply thresholds to every model and exit 1 when one fails.

    Thresholds come from the [gate] table of the settings, and a flag overrides the same
    setting there. With no threshold set anywhere, the gate only reports the posture and
    passes. Models that are not valid cannot be assessed and always fail.

    The JSON output keeps the field names of ThreatAtlas, a hosted threat-modelling
    service whose gate JSON CI pipelines already read (product_id, product_name,
    generated_at, thresholds, summary, pass, failures), so `jq .pass` works; each model
    is listed under "models" with "failure_details" giving the file and line at fault.

    Unlike ThreatAtlas, --fail-on-critical fails only on critical threats that are
    neither mitigated nor accepted, so the gate can turn green once they are handled.
    A switch set in the settings is turned off with its --no- form, a choice with
    'off' (--fail-on-at-risk off).

    Exit status: 0 when every model passes, 1 when one fails, 2 for a usage error.
    """
    from threatgate.gate.report import GateRun, build_gate_report
    from threatgate.gate.run import Thresholds

    config = resolve_config(config_path)
    day = resolve_today(today)
    targets = parse_outputs(outputs, format_names("gate"))
    thresholds = Thresholds(**thresholds_from(config.gate, flags))
    run = GateRun(thresholds, today=today, use_cache=not no_cache, verify=run_verify,
                  baseline=first_existing(config.root, baselines))
    workspace, report = build_gate_report(paths, config, day, run, progress_bar)
    write_outputs(targets, lambda kind: render("gate", kind, report))
    echo(render("gate", output_format, report), nl=False,
         workflow_commands=output_format == "github")
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary_file:
        with Path(summary_file).open("a", encoding="utf-8") as handle:
            handle.write(render("gate", "markdown", report))
    if workspace.report.unreadable:
        return EXIT_USAGE
    return EXIT_OK if report.passed or exit_zero else EXIT_FAILURE
