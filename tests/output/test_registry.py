"""The output-format registry: the commands offer exactly the registered formats, every
writer is found without importing every renderer, and adding a format is one module."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

import threatgate.output
from conftest import REPO_ROOT
from threatgate.commands.export_cmd import export
from threatgate.commands.gate_cmd import gate
from threatgate.commands.validate_cmd import validate
from threatgate.commands.verify_cmd import verify
from threatgate.output import registry

PACKAGE = REPO_ROOT / "cli" / "threatgate"


def choices(command: click.Command) -> list[str]:
    (param,) = [p for p in command.params if p.name == "output_format"]
    assert isinstance(param.type, click.Choice)
    return list(param.type.choices)


@pytest.mark.parametrize(("command", "kind", "expected"), [
    (validate, "validation", ["text", "json", "github"]),
    (gate, "gate", ["text", "json", "github", "sarif", "junit", "codequality", "markdown"]),
    (verify, "verify", ["text", "json", "github", "markdown", "junit", "sarif"]),
])
def test_command_choices_are_the_registered_formats(command, kind, expected):
    assert registry.format_names(kind) == expected
    assert choices(command) == expected


def test_export_offers_its_documents_and_the_gate_report_files():
    assert registry.format_names("export") == ["json", "docx", "threat-dragon", "oscal",
                                               "oscal-ar"]
    assert registry.format_names("gate", report_files_only=True) == [
        "sarif", "junit", "codequality"]
    assert choices(export) == ["csv", "json", "docx", "threat-dragon", "oscal", "oscal-ar",
                               "sarif", "junit", "codequality"]
    assert [(f.suffix, f.binary) for f in registry.formats("export")] == [
        (".json", False), (".docx", True), (".json", False), (".oscal.json", False),
        (".oscal-ar.json", False)]


def test_every_writer_is_found_by_its_kind():
    """discover(kind) finds modules by the literal kind; every registration keeps to it."""
    for module in pkgutil.iter_modules(threatgate.output.__path__):
        if not module.ispkg:
            importlib.import_module(f"threatgate.output.{module.name}")
    everything = registry.registered()
    assert {f.kind for f in everything} >= {"validation", "gate", "verify", "export"}
    for found in everything:
        source = inspect.getsource(sys.modules[found.write.__module__])
        assert f'@register_format("{found.kind}", "{found.name}"' in source, found


def test_unknown_formats_are_refused():
    with pytest.raises(ValueError, match="unknown verify report format 'pdf'"):
        registry.render("verify", "pdf", None)


def test_a_format_is_registered_once():
    registry.register_format("test-kind", "one", 1)(str)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_format("test-kind", "one", 1)(repr)


NEW_FORMAT = '''\
"""Gate results as one word (a format added by this test only)."""

from threatgate.output.registry import register_format


@register_format("gate", "verdict", 80)
def render_verdict(report) -> str:
    return ("pass" if report.passed else "fail") + "\\n"
'''


def test_adding_a_format_is_one_module(tmp_path: Path, project: Path, write_model):
    checkout = tmp_path / "checkout"
    shutil.copytree(PACKAGE, checkout / "cli" / "threatgate",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for data in ("schemas", "templates"):
        (checkout / data).symlink_to(REPO_ROOT / data)
    (checkout / "cli" / "threatgate" / "output" / "verdict.py").write_text(
        NEW_FORMAT, encoding="utf-8")
    write_model()
    done = subprocess.run(
        [sys.executable, "-c", "from threatgate.commands.main import main; main()",
         "gate", "--format", "verdict", "--output", "verdict=out/verdict.txt"],
        capture_output=True, text=True, cwd=project,
        env={"PYTHONPATH": str(checkout / "cli"), "PATH": "/usr/bin:/bin",
             "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert (done.returncode, done.stdout, done.stderr) == (0, "pass\n", "")
    assert (project / "out" / "verdict.txt").read_text(encoding="utf-8") == "pass\n"
