"""Commands are thin: they return their exit code and import no other command's module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO_ROOT

COMMANDS = REPO_ROOT / "cli" / "threatgate" / "commands"
RETURNING = ("assess_cmd", "badge_cmd", "gaps_cmd", "render_cmd", "site_cmd", "schema_cmd")
#: Modules every command may use: the shared options and the group itself.
SHARED = {"threatgate.commands.options", "threatgate.commands.main"}


def _tree(name: str) -> ast.Module:
    return ast.parse((COMMANDS / f"{name}.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", RETURNING)
def test_command_returns_its_exit_code(name: str) -> None:
    tree = _tree(name)
    raised = [ast.unparse(node.exc) for node in ast.walk(tree)
              if isinstance(node, ast.Raise) and node.exc is not None]
    assert not [r for r in raised if "exceptions.Exit" in r], raised
    command = next(node for node in tree.body if isinstance(node, ast.FunctionDef)
                   and any("command" in ast.unparse(d) for d in node.decorator_list))
    assert command.returns is not None and ast.unparse(command.returns) == "int"


@pytest.mark.parametrize("name", RETURNING)
def test_command_imports_no_other_command(name: str) -> None:
    imported = {node.module for node in ast.walk(_tree(name))
                if isinstance(node, ast.ImportFrom) and node.module}
    others = {m for m in imported if m.startswith("threatgate.commands.")} - SHARED
    assert not others, f"{name} imports {sorted(others)}"


def test_render_and_site_share_the_report_views() -> None:
    for name in ("render_cmd", "site_cmd"):
        imported = {node.module for node in ast.walk(_tree(name))
                    if isinstance(node, ast.ImportFrom)}
        assert "threatgate.views.reports" in imported, name


def test_site_command_fits_on_a_screen() -> None:
    site = next(node for node in _tree("site_cmd").body
                if isinstance(node, ast.FunctionDef) and node.name == "site")
    assert site.end_lineno is not None and site.end_lineno - site.lineno + 1 <= 80


def test_returned_code_is_the_exit_status(run_cli, write_model, project: Path) -> None:
    write_model("threatgate: 1\nid: shop\ntitle: x\nthreats: [{id: T1}]\n", "bad.yaml")
    assert run_cli("assess", cwd=project).exit_code == 1
    assert run_cli("gaps", cwd=project).exit_code == 1
    assert run_cli("schema", "--path").exit_code == 0
