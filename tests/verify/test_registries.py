"""The registries of the verifier: assertion types, manifest readers, configuration formats
and source languages. Adding one is one module (or one entry), reachable without any
other code edit (an assertion type also gets its parameters in the assertion schema, the
file format), and every one has data-driven cases under ``tests/cases/verify/``."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import threatgate.verify  # noqa: F401  (registers the assertion types)
from casefiles import read_yaml
from conftest import REPO_ROOT
from threatgate.model.schema import schema_documents
from threatgate.verify import assertions
from threatgate.verify.base import REGISTRY
from threatgate.verify.configfiles import FORMATS as CONFIG_FORMATS
from threatgate.verify.configfiles import format_of
from threatgate.verify.languages import EXTENSIONS, LANGUAGES, language_of
from threatgate.verify.languages.registry import TABLE
from threatgate.verify.manifests import FORMATS as MANIFEST_FORMATS
from threatgate.verify.manifests import manifest_kind
from verifycases import CASES_ROOT

PACKAGE = REPO_ROOT / "cli" / "threatgate"


def assertion_modules() -> list[str]:
    return sorted(f"{assertions.__name__}.{m.name}" for m in pkgutil.iter_modules(assertions.__path__))


def case_types() -> set[str]:
    """Every assertion type some case file under tests/cases/verify/ checks."""
    found: set[str] = set()
    for path in CASES_ROOT.rglob("*.yaml"):
        for case in read_yaml(path).get("cases") or []:
            found.add(case["assertion"]["type"])
    return found


# --- assertion types ------------------------------------------------------------------------


def test_every_assertion_module_registers_a_type() -> None:
    registering = {kind.check.__module__ for kind in REGISTRY.values()}
    assert set(assertion_modules()) == registering


def test_every_assertion_type_has_data_driven_cases() -> None:
    assert set(REGISTRY) - case_types() == set()


def test_every_assertion_type_is_in_the_model_schema() -> None:
    """The schema is the file format: the one other place a new type is written (its
    parameters), and it names exactly the registered types."""
    documents = schema_documents()
    spec = documents["assertion.schema.json"]
    enum = spec["properties"]["type"]["enum"]
    assert sorted(enum) == sorted(REGISTRY)
    assert sorted(spec["$defs"]) >= sorted(REGISTRY)


def test_assertion_modules_do_not_import_each_other() -> None:
    """An assertion module only uses shared helpers, so removing one breaks no other."""
    for module in assertion_modules():
        source = Path(importlib.import_module(module).__file__ or "").read_text(encoding="utf-8")
        assert "threatgate.verify.assertions" not in source, module


def test_adding_an_assertion_type_is_one_module(tmp_path: Path) -> None:
    """A new module under verify/assertions/ is registered, planned and checked, and
    nothing else changes."""
    copy = tmp_path / "threatgate"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "verify" / "assertions" / "always_true.py").write_text(
        '"""A probe type: passes. It does not show anything."""\n\n'
        "from typing import Any\n\n"
        "from threatgate.verify.base import Tree, Verdict, assertion_type\n\n\n"
        '@assertion_type("always_true")\n'
        "def always_true(assertion: dict[str, Any], tree: Tree) -> Verdict:\n"
        '    return Verdict.passed("always")\n', encoding="utf-8")
    script = (
        "from pathlib import Path\n"
        "from threatgate.verify import REGISTRY, WorkingTree\n"
        "from threatgate.verify.runner import planned_from, run_assertions\n"
        "assert REGISTRY['always_true'].check.__module__.endswith('.always_true')\n"
        "results = run_assertions(planned_from([{'type': 'always_true'}]), WorkingTree(Path('.')))\n"
        "print(results[0].verdict.status, results[0].verdict.reason)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(tmp_path)}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "pass always\n"


# --- manifests, configuration formats, languages ------------------------------------------


def test_every_manifest_reader_is_chosen_by_its_file_names_and_has_cases() -> None:
    cases = {p.stem for p in (CASES_ROOT / "dependencies").glob("*.yaml")}
    for kind, fmt in MANIFEST_FORMATS.items():
        assert fmt.names or fmt.suffixes, kind
        for name in fmt.names:
            assert manifest_kind(f"deps/{name}") == kind
        for suffix in fmt.suffixes:
            assert manifest_kind(f"deps/x{suffix}") == kind
        assert kind.replace(".", "-") in cases, f"{kind}: no case file"


def test_every_configuration_format_is_recognised_and_has_cases() -> None:
    cases = {p.stem for p in (CASES_ROOT / "config").glob("*.yaml")}
    for name, fmt in CONFIG_FORMATS.items():
        assert fmt.extensions or fmt.named, name
        for extension in fmt.extensions:
            assert format_of(f"conf/app{extension}", None) == name
            assert format_of(f"conf/APP{extension.upper()}", None) == name
        assert format_of("conf/any", name) == name
        assert name in cases, f"{name}: no case file"
    assert format_of("conf/.env.local", None) == "env"


def test_every_language_is_chosen_by_its_extensions() -> None:
    assert tuple(language.name for language in TABLE) == LANGUAGES
    for language in TABLE:
        assert language.extensions, language.name
        for extension in language.extensions:
            assert EXTENSIONS[extension] == language.name
            assert language_of({"file": f"src/a{extension}"}) == language.name
        assert language_of({"file": "src/a.txt", "language": language.name}) == language.name
