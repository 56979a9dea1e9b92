"""Import-layer contracts: the core stays free of the CLI, renderers and heavy libraries."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, VALID_MODEL, modules_loaded_by

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
    run = modules_loaded_by(["validate", "--no-cache", str(model)], tmp_path,
                            ("git", "jinja2", "markdown_it", "mcp", "pydantic", "anyio", "docx"))
    assert (run.modules, run.code) == ([], 0), run.stdout + run.stderr


#: The MCP SDK (and what it brings: pydantic, anyio) is imported by the server alone.
MCP_SERVER = ("integrations", "mcp")
MCP_COMMAND = ("commands", "mcp_cmd.py")
MCP_LIBRARIES = ("mcp", "pydantic", "anyio", "starlette", "uvicorn", "httpx")
#: httpx is also the library of the integrations' own HTTP client, and only of it.
HTTP_CLIENT = ("integrations", "http")


def test_the_mcp_sdk_stays_off_every_other_module() -> None:
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        if parts[:2] == MCP_SERVER or parts == MCP_COMMAND:
            continue
        for name in _imports(path):
            if name.split(".")[0] == "httpx" and parts[:2] == HTTP_CLIENT:
                continue
            assert name.split(".")[0] not in MCP_LIBRARIES, f"{path} imports {name}"
            assert not name.startswith("threatgate.integrations.mcp"), f"{path} imports {name}"


def test_other_commands_run_without_loading_the_mcp_sdk(tmp_path: Path) -> None:
    (tmp_path / "threatmodels").mkdir()
    (tmp_path / "threatmodels" / "m.yaml").write_text(VALID_MODEL, encoding="utf-8")
    probe = (
        "import sys\n"
        "from threatgate.commands.main import main\n"
        "codes = []\n"
        "for argv in (['--help'], ['assess'], ['gaps'], ['findings', 'list']):\n"
        "    sys.argv = ['threatgate', *argv]\n"
        "    try:\n        main()\n    except SystemExit as exit:\n"
        "        codes.append(exit.code)\n"
        f"loaded = [m for m in {MCP_LIBRARIES!r} if m in sys.modules]\n"
        "print('LOADED', loaded, 'CODES', codes, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=tmp_path)
    assert "LOADED [] CODES [0, 0, 0, 0]" in done.stderr, done.stdout + done.stderr


def test_loader_uses_libyaml_through_the_c_extension() -> None:
    from threatgate.model import loader

    # The compiled parser, never ruamel.yaml's pure-Python one.
    parser = loader.yaml_parser().parser
    assert parser.__module__.endswith("_ruamel_yaml"), parser.__module__
    assert parser.__module__ != "ruamel.yaml.parser"


def test_a_run_whose_results_are_cached_loads_no_parser_validator_or_rules(
        tmp_path: Path) -> None:
    """The second validation of an unchanged model (settings and model from the cache)
    imports neither ruamel.yaml, nor the schema validator, nor the rules."""
    model = tmp_path / "threatmodels" / "m.yaml"
    model.parent.mkdir()
    model.write_text(VALID_MODEL, encoding="utf-8")
    (tmp_path / "threatgate.toml").write_text(
        'expiring_days = 20\n[rules]\nunused-control = "off"\n', encoding="utf-8")
    env = {**os.environ, "THREATGATE_CACHE_DIR": str(tmp_path / "cache"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    heavy = ("ruamel", "jsonschema_rs", "threatgate.validate.rules",
             "threatgate.catalogues.model")
    first = modules_loaded_by(["validate", "threatmodels/m.yaml"], tmp_path, heavy, env)
    assert first.code == 0 and "ruamel.yaml" in first.modules  # the model was parsed
    second = modules_loaded_by(["validate", "threatmodels/m.yaml"], tmp_path, heavy, env)
    assert (second.modules, second.code) == ([], 0), second.stderr


# --- the shape of the package -----------------------------------------------------------------

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
MAX_ROOT_MODULES = 8


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ``import from`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _package_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _import_graph() -> tuple[dict[str, set[str]], list[str]]:
    """Every module's imports of other package modules (at any depth), and private imports."""
    modules = _package_modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    private: list[str] = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                graph[name].update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(name, path, node)
                if not source.startswith("threatgate"):
                    continue
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    graph[name].add(target if target in modules else source)
                    if (alias.name.startswith("_") and not alias.name.startswith("__")
                            and source != name):
                        private.append(f"{name} imports {source}.{alias.name}")
    return graph, private


def test_no_private_name_is_imported_from_another_module() -> None:
    _, private = _import_graph()
    assert private == []


def test_no_import_cycles() -> None:
    graph, _ = _import_graph()
    # A package importing its own submodules (to register them) is not a cycle.
    edges = {name: {t for t in targets if t in graph and t != name
                    and not t.startswith(name + ".")}
             for name, targets in graph.items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join(
            [*visiting[visiting.index(node):], node])
        visiting.append(node)
        for target in sorted(edges[node]):
            visit(target)
        visiting.pop()
        done.add(node)

    for module in sorted(edges):
        visit(module)


def test_modules_stay_small_and_the_root_holds_few() -> None:
    sizes = {str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}
    assert len(list(PACKAGE.glob("*.py"))) <= MAX_ROOT_MODULES


def test_functions_stay_short() -> None:
    long_ones = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_ones.append(f"{path.relative_to(PACKAGE)}:{node.name} ({length})")
    assert long_ones == []


def test_click_only_under_commands() -> None:
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] != "commands":
            assert not any(n.split(".")[0] == "click" for n in _imports(path)), path


#: The layers, from the bottom up (docs/architecture.md): each imports only those before it.
LAYERS = ("diagnostics", "errors", "support", "model", "catalogues", "validate", "document",
          "analysis", "verify", "workspace", "compliance", "edits", "gate", "diff", "history",
          "generate", "importers", "views", "output", "integrations", "commands")
#: The settings check their ``[rules]`` table against the rule registry when loaded, so that
#: an unknown rule id is refused by every command, not only by those that validate.
LAYER_EXCEPTIONS = {("threatgate.model.config", "validate")}


def test_layers_import_only_the_layers_below() -> None:
    graph, _ = _import_graph()
    upward = []
    for module, targets in graph.items():
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in LAYERS:
            continue
        for target in targets:
            layer = target.split(".")[1] if target.count(".") else ""
            if (layer in LAYERS and LAYERS.index(layer) > LAYERS.index(parts[1])
                    and (module, layer) not in LAYER_EXCEPTIONS):
                upward.append(f"{module} imports {target}")
    assert upward == []
