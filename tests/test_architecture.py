"""Import-layer contracts: the core stays free of the CLI, renderers and heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, VALID_MODEL

PACKAGE = REPO_ROOT / "cli" / "threatgate"
CORE_EXCLUDED = ("commands", "output", "integrations")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def _core_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py")
            if p.relative_to(PACKAGE).parts[0] not in CORE_EXCLUDED
            and p.name != "__main__.py"]


@pytest.mark.parametrize("module", _core_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_never_imports_cli_renderers_or_integrations(module: Path) -> None:
    for name in _imports(module):
        assert not name.startswith("click"), f"{module} imports {name}"
        for layer in CORE_EXCLUDED:
            assert not name.startswith(f"threatgate.{layer}"), f"{module} imports {name}"


def test_renderers_never_import_commands() -> None:
    for module in (PACKAGE / "output").rglob("*.py"):
        assert not any(n.startswith(("click", "threatgate.commands")) for n in _imports(module))


def test_validate_path_keeps_heavy_imports_off(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    probe = (
        "import sys\n"
        "from threatgate.commands.main import main\n"
        f"sys.argv = ['threatgate', 'validate', '--no-cache', {str(model)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        "heavy = [m for m in ('git', 'jinja2', 'markdown_it', 'mcp', 'docx')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, 'CODE', code)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path)
    assert "HEAVY [] CODE 0" in done.stdout, done.stdout + done.stderr


def test_loader_uses_libyaml_through_the_c_extension() -> None:
    from threatgate.model import loader

    # The compiled parser, never ruamel.yaml's pure-Python one.
    assert loader.CParser.__module__.endswith("_ruamel_yaml"), loader.CParser.__module__
    assert loader.CParser.__module__ != "ruamel.yaml.parser"
