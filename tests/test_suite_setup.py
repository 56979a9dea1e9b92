"""`pip install -e ".[test]"` then `python -m pytest` works on a fresh machine: the test
extra installs every library the suite imports and every plugin its options need."""

from __future__ import annotations

import ast
import importlib.metadata
import shlex
import sys
import tomllib
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO_ROOT, TESTS_DIR

#: Options of pytest's addopts that only a plugin understands, and the plugin's distribution.
PLUGIN_OPTIONS = {"-n": "pytest-xdist", "--numprocesses": "pytest-xdist",
                  "--dist": "pytest-xdist", "--maxprocesses": "pytest-xdist"}


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def installed_for_tests() -> set[str]:
    """The distributions `pip install -e ".[test]"` asks for (not what they pull in)."""
    project = pyproject()["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def imported_top_level(source: str) -> set[str]:
    """The top-level modules a file imports absolutely."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_test_extra_installs_every_library_the_suite_imports() -> None:
    declared = installed_for_tests()
    local = ({path.stem for path in TESTS_DIR.rglob("*.py")} | {"threatgate"}
             | {path.stem for path in REPO_ROOT.glob("*.py")})  # hatch_build, the build hook
    providers = importlib.metadata.packages_distributions()
    missing = []
    for path in sorted(TESTS_DIR.rglob("*.py")):
        for module in imported_top_level(path.read_text(encoding="utf-8")):
            if module in sys.stdlib_module_names or module in local or module == "__future__":
                continue
            provided_by = {canonicalize_name(name) for name in providers.get(module, [module])}
            if not provided_by & declared:
                missing.append(f"{path.relative_to(REPO_ROOT)} imports {module} "
                               f"({', '.join(sorted(provided_by))})")
    assert missing == [], "add to the test extra in pyproject.toml:\n" + "\n".join(missing)


def test_the_test_extra_installs_the_plugins_addopts_needs() -> None:
    declared = installed_for_tests()
    options = shlex.split(pyproject()["tool"]["pytest"]["ini_options"]["addopts"])
    needed = {PLUGIN_OPTIONS[option.split("=")[0]] for option in options
              if option.split("=")[0] in PLUGIN_OPTIONS}
    assert "pytest-xdist" in needed, "the suite is meant to run on every core"
    assert needed <= declared, f"add to the test extra in pyproject.toml: {needed - declared}"
