"""The published schema: an ``$id`` on every file, one self-contained bundle, no fetching."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from casefiles import read_yaml
from conftest import REPO_ROOT, TESTS_DIR
from threatgate import __version__
from threatgate.errors import ThreatgateError
from threatgate.model import schema
from threatgate.model.bundle import bundle_schema, referenced_files
from threatgate.model.loader import LoadError, load_bytes

SCHEMA_DIR = REPO_ROOT / "schemas"
NAMES = sorted(path.name for path in SCHEMA_DIR.glob("*.schema.json"))


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_file_has_the_id_of_this_release(name: str) -> None:
    document = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert document["$id"] == schema.schema_url(name)
    assert f"/v{__version__}/schemas/{name}" in document["$id"]


def test_the_modeline_points_at_the_released_schema() -> None:
    line = schema.modeline()
    assert line == f"# yaml-language-server: $schema={schema.schema_url()}"
    assert "/main/" not in line and f"v{__version__}" in line


@pytest.mark.parametrize("name", NAMES)
def test_the_bundle_has_only_internal_references_that_resolve(name: str) -> None:
    bundled = bundle_schema(name, schema.schema_documents())
    jsonschema.Draft202012Validator.check_schema(bundled)
    refs = list(_refs(bundled))
    assert all(ref.startswith("#") for ref in refs), [r for r in refs if not r.startswith("#")]
    # A registry of the bundle alone: a pointer leading nowhere fails to resolve.
    resolver = Registry().with_resource(
        "urn:bundle", Resource.from_contents(bundled, default_specification=DRAFT202012),
    ).resolver(base_uri="urn:bundle")
    for ref in set(refs):
        resolver.lookup(ref)
    assert "$id" not in bundled


def _samples() -> Iterator[tuple[str, Any]]:
    """Model data from the schema case files (valid and invalid), the repository's models."""
    for path in sorted((TESTS_DIR / "cases" / "schema").glob("*.yaml")):
        for case in read_yaml(path)["cases"]:
            try:
                data = load_bytes(case["model"].encode("utf-8")).data
            except LoadError:  # not a model at all: the loader's cases
                continue
            yield f"{path.stem}::{case['name']}", data
    for path in sorted((REPO_ROOT / "threatmodels").glob("*.yaml")):
        yield path.name, load_bytes(path.read_bytes()).data


def test_the_bundle_accepts_and_rejects_what_the_split_schemas_do() -> None:
    bundled = bundle_schema(schema.MODEL_SCHEMA, schema.schema_documents())
    reference = jsonschema.Draft202012Validator(bundled, registry=Registry())
    fast = jsonschema_rs.Draft202012Validator(bundled, retriever=schema.never_fetch)
    documents = schema.schema_documents()
    split_reference = jsonschema.Draft202012Validator(
        documents[schema.MODEL_SCHEMA], registry=Registry().with_resources(
            (schema.document_uri(name, document),
             Resource.from_contents(document, default_specification=DRAFT202012))
            for name, document in documents.items()))
    verdicts = {True: 0, False: 0}
    for sample, data in _samples():
        expected = schema.is_valid(data)
        verdicts[expected] += 1
        assert fast.is_valid(data) is expected, sample
        # Python's regular expressions differ from ECMA 262 on a final newline: compare
        # the reference implementation with itself.
        assert reference.is_valid(data) is split_reference.is_valid(data), sample
    assert verdicts[True] >= 10 and verdicts[False] >= 10, verdicts


def test_validation_never_fetches_a_reference() -> None:
    """A reference the shipped files do not hold fails offline instead of downloading."""
    documents = dict(schema.schema_documents())
    broken = {**documents[schema.MODEL_SCHEMA],
              "properties": {"x": {"$ref": "missing.schema.json"}}}
    with pytest.raises(Exception, match=r"missing\.schema\.json"):
        jsonschema_rs.Draft202012Validator(
            broken, registry=jsonschema_rs.Registry(
                [(schema.document_uri(n, d), d) for n, d in documents.items()],
                retriever=schema.never_fetch),
            retriever=schema.never_fetch)
    with pytest.raises(LookupError):
        schema.never_fetch(schema.schema_url("missing.schema.json"))


def test_a_reference_to_an_unknown_file_is_refused() -> None:
    documents = {"a.schema.json": {"$ref": "b.schema.json#/$defs/x"}}
    with pytest.raises(ThreatgateError, match=r"b\.schema\.json"):
        referenced_files("a.schema.json", documents)


def test_the_bundle_embeds_each_referenced_file_once_under_its_name() -> None:
    documents = {
        "a.schema.json": {"$id": "https://x/a.schema.json",
                          "properties": {"p": {"$ref": "b.schema.json#/$defs/x"},
                                         "q": {"$ref": "b.schema.json"},
                                         "r": {"$ref": "#/$defs/own"}},
                          "$defs": {"own": {"type": "string"}}},
        "b.schema.json": {"$id": "https://x/b.schema.json", "$schema": "s",
                          "$defs": {"x": {"$ref": "#/$defs/y"}, "y": {"type": "integer"}}},
    }
    bundled = bundle_schema("a.schema.json", documents)
    assert bundled["properties"]["p"]["$ref"] == "#/$defs/b.schema.json/$defs/x"
    assert bundled["properties"]["q"]["$ref"] == "#/$defs/b.schema.json"
    assert bundled["properties"]["r"]["$ref"] == "#/$defs/own"
    embedded = bundled["$defs"]["b.schema.json"]
    assert embedded["$defs"]["x"]["$ref"] == "#/$defs/b.schema.json/$defs/y"
    assert "$id" not in embedded and "$schema" not in embedded
    validator = jsonschema.Draft202012Validator(bundled, registry=Registry())
    assert validator.is_valid({"p": 1, "r": "s"})
    assert not validator.is_valid({"p": "one"})
    assert documents["b.schema.json"]["$defs"]["x"]["$ref"] == "#/$defs/y", "input untouched"


def test_schema_bundle_command_prints_the_bundle(run_cli: Any) -> None:
    result = run_cli("schema", "--bundle")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == bundle_schema(schema.MODEL_SCHEMA,
                                                      schema.schema_documents())
    config = run_cli("schema", "--bundle", "--name", "config")
    assert json.loads(config.output)["title"] == "threatgate configuration"
    refused = run_cli("schema", "--bundle", "--path")
    assert refused.exit_code == 2



def test_init_and_generate_write_the_modeline_of_this_release(tmp_path: Any) -> None:
    from threatgate.edits.scaffold import init_repository
    from threatgate.generate.assemble import dump_model

    result = init_repository(tmp_path)
    model = next(path for path in result.created if path.suffix == ".yaml")
    assert model.read_text(encoding="utf-8").splitlines()[0] == schema.modeline()
    generated = dump_model({"threatgate": 1, "id": "m", "title": "M"})
    assert generated.splitlines()[0] == schema.modeline()


def test_check_jsonschema_validates_models_with_the_bundle_alone(run_cli: Any,
                                                                 tmp_path: Any) -> None:
    """A consumer's own validator, given the one document and no network, accepts the
    repository's model and rejects a broken one."""
    import subprocess
    import sys

    pytest.importorskip("check_jsonschema")
    bundled = tmp_path / "threatmodel.bundle.json"
    bundled.write_text(run_cli("schema", "--bundle").output, encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("threatgate: 1\nid: m\ntitle: M\nthreats: [{id: T1}]\n",
                      encoding="utf-8")

    def check(*models: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "check_jsonschema", "--schemafile", str(bundled),
             *map(str, models)], capture_output=True, text=True, check=False, timeout=120)

    good = check(*sorted((REPO_ROOT / "threatmodels").glob("*.yaml")))
    assert good.returncode == 0, good.stdout + good.stderr
    assert check(broken).returncode == 1
