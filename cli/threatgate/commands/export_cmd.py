"""``threatgate export``: models as CSV, JSON, Word, SARIF, JUnit or GitLab Code Quality."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from threatgate.commands.options import (
    config_option,
    echo,
    progress_bar,
    resolve_config,
    resolve_today,
    today_option,
)
from threatgate.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, InputError
from threatgate.output.escape.terminal import terminal_document, terminal_location
from threatgate.output.registry import format_names

if TYPE_CHECKING:
    import datetime as dt

    from threatgate.analysis.assessment import ModelAssessment
    from threatgate.model.config import Config
    from threatgate.output.csv_export import Verdicts
    from threatgate.output.model_export import ModelDocument
    from threatgate.workspace import Workspace

#: The threats and controls tables, over every model: the one mode that is not one
#: document per model (see the "export" formats of the output registry).
CSV = "csv"


@dataclass
class _Exported:
    """A valid model, read again for its data, with its assessment."""

    data: dict[str, Any]
    assessment: ModelAssessment
    sha256: str


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[MODEL]...")
@click.option("--format", "output_format", required=True,
              type=click.Choice([CSV, *format_names("export"),
                                 *format_names("gate", report_files_only=True)]),
              help="csv: threats and controls tables; json: the normalised model with its "
                   "assessment; docx: a Word report; oscal, oscal-ar: an OSCAL component "
                   "definition, OSCAL assessment results of the verification; sarif, "
                   "junit, codequality: the gate's report, as `threatgate gate --format` "
                   "writes it.")
@click.option("--out", "out_value", type=click.Path(), default=None,
              metavar="PATH",
              help="Where to write instead of standard output. csv: a folder receiving "
                   "<model>.threats.csv and <model>.controls.csv per model. json, docx, "
                   "oscal, ...: a file for one model, or a folder (an existing one, one "
                   "ending in '/', or always for several models) receiving <model>.json, "
                   "<model>.docx, <model>.oscal.json, ... "
                   "sarif, junit, codequality: a file. Files are replaced atomically; an "
                   "existing folder is never overwritten by a file.")
@click.option("--table", type=click.Choice(["threats", "controls"]), default=None,
              help="csv: which table to print (default threats); with --out, write only "
                   "this table.")
@click.option("--excel", is_flag=True,
              help="csv: start with a UTF-8 byte order mark so that Excel reads the "
                   "encoding right.")
@click.option("--verify", "run_verify", is_flag=True,
              help="Check the controls' assertions first (as `threatgate verify`, without "
                   "commands): objectives reach the verified level, and the exports carry "
                   "the verdicts.")
@click.option("--no-cache", is_flag=True,
              help="Validate every model afresh instead of reusing cached results.")
@config_option
@today_option
def export(paths: tuple[Path, ...], output_format: str, out_value: str | None,
           table: str | None, excel: bool, run_verify: bool, no_cache: bool,
           config_path: Path | None, today: str | None) -> int:
    """Export models for spreadsheets, other tools, auditors and code scanning.

    MODEL is a model file, a folder of them or a model id (e.g. shop); without
    any, every model in the configured folders. Models are validated and assessed
    as `threatgate assess` does.

    \b
    csv    Two tables, one row per threat and one per control, the model id first:
           threats: id, title, severity, score, likelihood, impact, state, stride,
             cwe, components, objectives, mitigations (with their status),
             mitigated_by, accepted_by, review_by, file, line;
           controls: id, title, status, active, verification, objectives, threats,
             compliance, owner, assertions, assertions_passed (with --verify),
             findings_open, file, line.
           RFC 4180 quoting, CRLF line ends, UTF-8 (--excel adds a byte order mark),
           lists joined with "; ". A cell starting with =, +, -, @, a tab or a
           carriage return gets a leading single quote, so that a spreadsheet shows
           it as text and never runs it as a formula (CSV injection).
    json   {"threatgate_export": 1, "model", "assessment", "posture",
           "verification", "source": {"path", "sha256"}}: the model with every
           collection present and defaults filled, the `assess --format json
           --details` document, each entity's computed state, the assertion
           verdicts (with --verify, else null) and the file's SHA-256.
    docx   A Word report for audits: title page, summary, objectives, threats by
           severity with controls, controls with evidence, assumptions, acceptances,
           findings, compliance mapping. Needs: pip install 'threatgate[docx]'.
           Binary: needs --out, or standard output redirected away from a terminal.
    threat-dragon
           An OWASP Threat Dragon v2 JSON model, to edit the diagram there: cells
           with the model's ids, each threat on its first component or data flow;
           `threatgate import` reads it back.
    oscal, oscal-ar
           OSCAL 1.1 component definition (controls as implemented requirements) and
           assessment results of the verification, run for it (docs/oscal.md).
    sarif, junit, codequality
           The report `threatgate gate --format ...` writes for these models, with
           the thresholds of the [gate] settings. Export does not enforce them.

    Output is deterministic: the same models and --today give the same bytes (the
    Word report is dated --today, OSCAL documents at its midnight).

    \b
    Examples:
      threatgate export --format csv --out exports/
      threatgate export threatmodels/shop.yaml --format json | jq .assessment.totals
      threatgate export threatmodels/shop.yaml --format docx --out shop.docx --verify
      threatgate export --format sarif --out threatgate.sarif

    Exit status: 0 when everything was exported; 1 when a model is not valid (its
    problems are printed, the valid models are still exported); 2 for a usage error or
    input that cannot be read.
    """
    from threatgate.workspace import load_workspace

    if table and output_format != CSV:
        raise click.UsageError("--table applies to --format csv")
    if excel and output_format != CSV:
        raise click.UsageError("--excel applies to --format csv")
    out = Path(out_value) if out_value else None
    as_folder = _names_folder(out_value)
    config = resolve_config(config_path)
    day = resolve_today(today)
    paths = _resolve_ids(paths, config)
    if output_format in format_names("gate", report_files_only=True):
        workspace, blob = _gate_report(paths, config, day, today, run_verify, no_cache,
                                       output_format)
        _emit_file(out, blob, binary=False, as_folder=as_folder)
        return _finish(workspace)
    workspace = load_workspace(paths, config, day, use_cache=not no_cache, progress=progress_bar,
                               verify=run_verify or _needs_verification(output_format))
    models = _valid_models(workspace, config)
    verdicts = _verdicts(workspace) if workspace.verification is not None else None
    if output_format == CSV:
        _export_csv(models, out, table, excel, verdicts)
    else:
        _export_each(models, output_format, out, as_folder, day, verdicts, workspace, today)
    return _finish(workspace)


def _needs_verification(output_format: str) -> bool:
    """Whether the document reports on the verification (it then runs, as with --verify)."""
    from threatgate.output.registry import format_of

    return (output_format in format_names("export")
            and format_of("export", output_format).needs_verification)


def _generated_at(today: str | None, day: dt.date) -> str:
    """When the export ran (just after its verification, if any): midnight of a pinned
    --today, else now."""
    from threatgate.gate.report import generated_at

    return generated_at(today, day)


def _finish(workspace: Workspace) -> int:
    """Report the models that could not be exported; return the exit status."""
    from threatgate.output.diagnostics import text_line

    failed = [result for result in workspace.report.files
              if any(d.severity == "error" for d in result.diagnostics)]
    for result in failed:
        for diagnostic in result.diagnostics:
            echo(text_line(diagnostic), err=True)
        echo(f"threatgate: {terminal_location(result.display)}: not a valid model; "
             "not exported", err=True)
    if workspace.report.unreadable:
        return EXIT_USAGE
    return EXIT_FAILURE if failed else EXIT_OK


def _resolve_ids(paths: tuple[Path, ...], config: Config) -> tuple[Path, ...]:
    """Replace each MODEL that is a model id by its file, as `threatgate render` does."""
    from threatgate.model.discovery import model_file

    resolved = []
    for path in paths:
        found = model_file(path, config)
        if found is None:
            raise InputError(f"{path}: no such file or folder, nor a model id in "
                             f"{', '.join(config.models)}")
        resolved.append(found)
    return tuple(resolved)


def _valid_models(workspace: Workspace, config: Config) -> list[_Exported]:
    """Read each valid model's data again (validation keeps only the assessment)."""
    from threatgate.model.loader import LoadError, load_bytes, read_bytes

    out = []
    assessed = {a.path: a for a in workspace.assessments}
    for result in workspace.report.files:
        assessment = assessed.get(result.display)
        if assessment is None or any(d.severity == "error" for d in result.diagnostics):
            continue
        try:
            raw = read_bytes(Path(result.display), config.max_file_size)
            data = load_bytes(raw, max_depth=config.max_depth).data
        except (OSError, LoadError) as exc:
            raise InputError(f"{result.display}: changed or vanished while exporting: "
                             f"{getattr(exc, 'message', None) or exc}") from None
        # The file name as text any output can hold (bytes invalid in UTF-8 as \xNN).
        shown = dataclasses.replace(assessment, path=printable_path(assessment.path))
        out.append(_Exported(data, shown, hashlib.sha256(raw).hexdigest()))
    return out


def _verdicts(workspace: Workspace) -> dict[str, Verdicts]:
    """model id -> (control id, assertion index) -> (status, reason)."""
    found: dict[str, dict[tuple[str, int], tuple[str, str]]] = {}
    for result in workspace.verification.results if workspace.verification else []:
        p = result.planned
        found.setdefault(p.model, {})[(p.control, p.index)] = (result.verdict.status,
                                                               result.verdict.reason)
    return dict(found)


def _export_csv(models: list[_Exported], out: Path | None, table: str | None, excel: bool,
                verdicts: dict[str, Verdicts] | None) -> None:
    from threatgate.output.csv_export import TABLES, render_csv

    pairs = [(m.data, m.assessment) for m in models]
    if out is None:
        if models:
            _emit_file(None, render_csv(table or "threats", pairs, verdicts=verdicts,
                                        excel=excel, one_line_cells=True),
                       binary=False, as_folder=False)
        return
    folder = _folder(out)
    for model in models:
        for name in [table] if table else TABLES:
            target = folder / f"{model.assessment.model_id}.{name}.csv"
            _write(target, render_csv(name, [(model.data, model.assessment)],
                                      verdicts=verdicts, excel=excel))


def _export_each(models: list[_Exported], output_format: str, out: Path | None,
                 as_folder: bool, day: dt.date, verdicts: dict[str, Verdicts] | None,
                 workspace: Workspace, today: str | None) -> None:
    """One document per model, in a registered export format."""
    from threatgate.output.registry import format_of

    stamp = _generated_at(today, day)
    document_format = format_of("export", output_format)
    several = len(models) > 1
    if out is None and several:
        raise InputError(f"{len(models)} models selected and --format {output_format} makes "
                         "one document per model: pass --out FOLDER, or one model file")
    into_folder = out is not None and (several or out.is_dir() or as_folder)
    for model in models:
        blob = _render_bytes("export", output_format,
                            _document(model, day, verdicts, workspace, stamp))
        if out is None:
            _emit_file(None, blob, binary=document_format.binary, as_folder=False)
        elif into_folder:
            _write(_folder(out) / f"{model.assessment.model_id}{document_format.suffix}", blob)
        else:
            _write(out, blob)


def _document(model: _Exported, day: dt.date, verdicts: dict[str, Verdicts] | None,
              workspace: Workspace, stamp: str) -> ModelDocument:
    """The model with what verification found about it, if it ran."""
    from threatgate.output.model_export import ModelDocument

    a = model.assessment
    results = None
    if workspace.verification is not None:
        results = [r.as_json() for r in workspace.verification.results
                   if r.planned.model == a.model_id
                   and printable_path(r.planned.model_path) == a.path]
    return ModelDocument(model.data, a, model.sha256, day,
                         None if verdicts is None else verdicts.get(a.model_id, {}), results,
                         stamp)


def _gate_report(paths: tuple[Path, ...], config: Config, day: dt.date, today: str | None,
                 run_verify: bool, no_cache: bool, kind: str) -> tuple[Workspace, bytes]:
    """The gate's report for these models, built the way `threatgate gate` builds it."""
    from threatgate.gate.report import GateRun, build_gate_report
    from threatgate.gate.run import Thresholds
    run = GateRun(Thresholds(**dict(config.gate)), today=today, use_cache=not no_cache,
                  verify=run_verify)
    workspace, report = build_gate_report(paths, config, day, run, progress_bar)
    return workspace, _render_bytes("gate", kind, report)


def printable_path(path: str) -> str:
    """``path`` with the bytes of a file name that are not valid UTF-8 (held as lone
    surrogates, ``surrogateescape``) written as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _render_bytes(kind: str, name: str, result: Any) -> bytes:
    """``result`` in format ``name``; text is UTF-8, where a model file name that is not
    valid UTF-8 (lone surrogates, from ``surrogateescape``) is written as ``\\udcXX``."""
    from threatgate.output.registry import format_of

    written = format_of(kind, name).write(result)
    return written.encode("utf-8", "backslashreplace") if isinstance(written, str) else written


def _names_folder(value: str | None) -> bool:
    """Whether --out was written as a folder (with a trailing slash)."""
    return bool(value) and str(value).endswith(("/", os.sep))


def _folder(out: Path) -> Path:
    """``out`` as a folder to write into, created if needed."""
    from threatgate.commands.options import command_config, protected_paths
    from threatgate.support.outputs import check_folder

    check_folder(out, protected_paths(command_config()), label=f"--out {out}", what="the export")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create the folder: "
                         f"{exc.strerror or exc}") from None
    return out


def _write(target: Path, blob: bytes) -> None:
    """Replace ``target`` under the write rule of :mod:`threatgate.support.outputs`."""
    from threatgate.commands.options import command_config, protected_paths
    from threatgate.support.outputs import write_file

    write_file(target, blob, protected_paths(command_config()), label=str(target),
               what="the export")
    echo(f"wrote {target.as_posix()}", err=True)


def _is_terminal(stream: BinaryIO) -> bool:
    return stream.isatty()


def _emit_file(out: Path | None, blob: bytes, *, binary: bool, as_folder: bool) -> None:
    """Write to ``out``, or to standard output (binary only when it is not a terminal)."""
    if out is not None:
        if as_folder or out.is_dir():
            raise InputError(f"--out {out}: is a folder; give a file name for this report")
        _write(out, blob)
        return
    stream = sys.stdout.buffer
    if binary and _is_terminal(stream):
        raise InputError("a Word document is binary: pass --out FILE, or redirect standard "
                         "output to a file")
    if not binary:
        blob = terminal_document(blob.decode("utf-8", "replace")).encode("utf-8", "replace")
    stream.write(blob)
    stream.flush()
    sys.stdout.flush()
