"""``threatgate gate``: fail CI when a model crosses the thresholds."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from threatgate.commands.options import (
    config_option,
    parse_outputs,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
    write_outputs,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from threatgate.model.vocabulary import FINDING_SEVERITIES, SEVERITY_ORDER

if TYPE_CHECKING:
    from threatgate.gate.run import GateReport, Thresholds
    from threatgate.model.config import Config
    from threatgate.workspace import Workspace

FORMATS = ["text", "json", "github", "sarif", "junit", "codequality", "markdown"]


def _open_findings(values: tuple[str, ...]) -> dict[str, int]:
    limits: dict[str, int] = {}
    for value in values:
        severity, _, count = value.partition("=")
        if severity not in FINDING_SEVERITIES or not count.isdigit():
            raise click.BadParameter(
                f"{value!r}: write SEVERITY=N with SEVERITY one of "
                f"{', '.join(FINDING_SEVERITIES)}, e.g. high=0",
                param_hint="--max-open-findings",
            )
        limits[severity] = int(count)
    return limits


def build_gate_report(paths: tuple[Path, ...], config: Config, day: dt.date,
                      thresholds: Thresholds, *, today: str | None, use_cache: bool = True,
                      run_verify: bool = False,
                      baseline: str | None = None) -> tuple[Workspace, GateReport]:
    """Load, assess (and verify when the thresholds need it) and gate these models.

    The one way a gate report is built, shared by `threatgate gate` and `threatgate export`.
    """
    from threatgate.gate.run import DriftedAssertion, GateReport, gate_model
    from threatgate.workspace import load_workspace

    workspace = load_workspace(
        paths, config, day, use_cache=use_cache,
        verify=run_verify or thresholds.require_verified or bool(thresholds.fail_on_drift),
        baseline=thresholds.fail_on_drift, progress=progress_bar)
    drifted: dict[str, list[DriftedAssertion]] = {}
    if workspace.verification is not None:
        for _then, now in workspace.verification.drift.drifted:
            p = now.planned
            drifted.setdefault(p.model, []).append(
                DriftedAssertion(p.control, p.type, p.line, now.verdict.reason))
    results = [gate_model(a, thresholds, drifted.get(a.model_id))
               for a in workspace.assessments]
    if baseline:
        from threatgate.gate.ratchet import apply_baseline, baseline_assessments, baseline_keys

        known = baseline_keys(baseline_assessments(config, baseline, day), thresholds)
        results = [apply_baseline(result, known) for result in results]
    report = GateReport(results, workspace.invalid, thresholds, generated_at(today, day),
                        baseline)
    return workspace, report


def generated_at(today: str | None, day: dt.date) -> str:
    """The report's timestamp: midnight of the pinned day, else the current UTC time."""
    if today or os.environ.get("THREATGATE_TODAY"):
        return f"{day.isoformat()}T00:00:00Z"
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--fail-on-critical/--no-fail-on-critical", default=None,
              help="Fail on critical threats that are neither mitigated nor accepted.")
@click.option("--fail-on-unmitigated-high/--no-fail-on-unmitigated-high", default=None,
              help="Fail on high or critical threats with no active mitigation (an "
                   "acceptance still in force counts as handled).")
@click.option("--min-mitigation-ratio", type=click.FloatRange(0, 1), default=None,
              metavar="RATIO", help="Fail when mitigated threats / all threats is below RATIO.")
@click.option("--fail-on-at-risk", type=click.Choice(SEVERITY_ORDER), default=None,
              help="Fail on objectives at risk whose tier is this or higher.")
@click.option("--fail-on-expired/--no-fail-on-expired", default=None,
              help="Fail on expired acceptances and attestations.")
@click.option("--max-open-findings", multiple=True, metavar="SEVERITY=N",
              help="Fail when more than N findings of SEVERITY or above are open "
                   "(repeatable), e.g. high=0.")
@click.option("--require-evidence/--no-require-evidence", default=None,
              help="Fail on implemented controls without assertions.")
@click.option("--require-verified/--no-require-verified", default=None,
              help="Verify the evidence and fail on implemented controls that are not "
                   "verified (no assertions, or failing ones).")
@click.option("--fail-on-drift", metavar="REF", default=None,
              help="Verify the evidence at git REF too and fail on assertions that passed "
                   "there and fail now.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Verify the evidence (no commands) so that objectives can reach the "
                   "verified level; implied by --require-verified and --fail-on-drift.")
@click.option("--fail-on-empty/--no-fail-on-empty", default=None,
              help="Fail on a model without threats and objectives (always reported).")
@click.option("--baseline", metavar="REF", default=None,
              help="Ratchet: fail only on problems that are new relative to git REF (the "
                   "same check on the same entity of the same model failing there is "
                   "reported, not failing). Lets a team adopt the gate on a legacy model.")
@click.option("--no-cache", is_flag=True,
              help="Validate every model afresh instead of reusing cached results.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when a model fails (read the verdict from the report, e.g. "
                   "`jq .pass`); usage errors still exit 2.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text",
              show_default=True, help="What to print on standard output.")
@click.option("--output", "outputs", multiple=True, metavar="FORMAT=FILE",
              help="Also write a report to FILE (repeatable), e.g. sarif=gate.sarif, "
                   "junit=gate.xml, codequality=gl-code-quality.json, json=gate.json.")
@config_option
@today_option
def gate(paths: tuple[Path, ...], fail_on_critical: bool | None,
         fail_on_unmitigated_high: bool | None, min_mitigation_ratio: float | None,
         fail_on_at_risk: str | None, fail_on_expired: bool | None,
         max_open_findings: tuple[str, ...], require_evidence: bool | None,
         require_verified: bool | None, fail_on_drift: str | None, run_verify: bool,
         fail_on_empty: bool | None, baseline: str | None, no_cache: bool, exit_zero: bool,
         output_format: str,
         outputs: tuple[str, ...],
         config_path: Path | None, today: str | None) -> None:
    """Apply thresholds to every model and exit 1 when one fails.

    Thresholds come from the [gate] table of the settings, and a flag overrides the same
    setting there. With no threshold set anywhere, the gate only reports the posture and
    passes. Models that are not valid cannot be assessed and always fail.

    The JSON output keeps ThreatAtlas's field names (product_id, product_name,
    generated_at, thresholds, summary, pass, failures), so `jq .pass` works; each model
    is listed under "models" with "failure_details" giving the file and line at fault.

    Unlike ThreatAtlas, --fail-on-critical fails only on critical threats that are
    neither mitigated nor accepted, so the gate can turn green once they are handled.

    Exit status: 0 when every model passes, 1 when one fails, 2 for a usage error.
    """
    from threatgate.gate.run import Thresholds
    from threatgate.output import gate as render

    config = resolve_config(config_path)
    day = resolve_today(today)
    targets = parse_outputs(outputs, FORMATS)
    settings: dict[str, Any] = dict(config.gate)
    flags = {
        "fail_on_critical": fail_on_critical,
        "fail_on_unmitigated_high": fail_on_unmitigated_high,
        "min_mitigation_ratio": min_mitigation_ratio,
        "fail_on_at_risk": fail_on_at_risk,
        "fail_on_expired": fail_on_expired,
        "require_evidence": require_evidence,
        "require_verified": require_verified,
        "fail_on_drift": fail_on_drift,
        "fail_on_empty": fail_on_empty,
    }
    settings.update({k: v for k, v in flags.items() if v is not None})
    if max_open_findings:
        settings["max_open_findings"] = {**settings.get("max_open_findings", {}),
                                         **_open_findings(max_open_findings)}
    thresholds = Thresholds(**settings)
    workspace, report = build_gate_report(paths, config, day, thresholds, today=today,
                                          use_cache=not no_cache, run_verify=run_verify,
                                          baseline=baseline)
    write_outputs(targets, lambda kind: render.render(report, kind))
    click.echo(render.render(report, output_format), nl=False)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and summary_file:
        with Path(summary_file).open("a", encoding="utf-8") as handle:
            handle.write(render.render(report, "markdown"))
    if workspace.report.unreadable:
        raise click.exceptions.Exit(EXIT_USAGE)
    raise click.exceptions.Exit(EXIT_OK if report.passed or exit_zero else EXIT_FAILURE)
