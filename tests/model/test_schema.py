"""The JSON Schema of model files: data-driven cases, and checks of the schema documents.

Case files ``tests/cases/schema/*.yaml`` hold small models, each valid or invalid for one
entity kind (a ``$defs`` entry of the model schema, ``model`` for the top level, or
``assertion``)::

    entity: component           # default for the file's cases; a case may override it
    cases:
      - name: misspelt-key
        assertion: file_exists  # optional: the assertion type the case is about
        model: |
          threatgate: 1
          ...
        problems:               # present: an invalid example; absent: a valid one
          - {rule: schema-additional-properties, line: 6, column: 9, message: "did you mean"}
        xfail: "why the product is wrong here"   # optional

A valid example asserts that the model loads and meets the schema (semantic rules may
still warn). An invalid example asserts that loading and the schema report exactly the
listed problems (rule, line, column and message substrings, in any order).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from casefiles import check_case_shape, matches, problems_of, read_yaml, render, xfail_marks
from conftest import TESTS_DIR, VALID_MODEL
from threatgate.model.loader import load_bytes
from threatgate.validate.rules import RULES

REPO_ROOT = TESTS_DIR.parent
CASES_DIR = TESTS_DIR / "cases" / "schema"
SCHEMA_DIR = REPO_ROOT / "schemas"
TEMPLATE = REPO_ROOT / "templates" / "init" / "threatmodel.yaml"

CASE_KEYS = frozenset({"name", "description", "entity", "assertion", "model", "problems", "xfail"})
PROBLEM_KEYS = frozenset({"rule", "line", "column", "message", "message_not"})


def _read_json(name: str) -> Any:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def entity_kinds() -> list[str]:
    """Every kind a case can be about: the top level, each $defs entry, assertions."""
    return ["model", *_read_json("threatmodel.schema.json")["$defs"], "assertion"]


def assertion_types() -> list[str]:
    return list(_read_json("assertion.schema.json")["properties"]["type"]["enum"])


def load_case_file(path: Path) -> list[dict[str, Any]]:
    """Read and sanity-check one case file; return its cases with their entity filled in."""
    document = read_yaml(path)
    assert isinstance(document, dict), f"{path.name}: not a mapping"
    assert set(document) <= {"entity", "description", "cases"}, f"{path.name}: unknown keys"
    cases = document.get("cases")
    assert isinstance(cases, list) and cases, f"{path.name}: no cases"
    kinds, types = entity_kinds(), assertion_types()
    names: set[str] = set()
    out = []
    for case in cases:
        where = check_case_shape(path, case, names, CASE_KEYS, PROBLEM_KEYS)
        case = {**case, "entity": case.get("entity", document.get("entity"))}
        assert case["entity"] in kinds, f"{where}: unknown entity {case['entity']!r}"
        assert case.get("assertion") in (None, *types), f"{where}: unknown assertion type"
        for problem in case.get("problems") or []:
            assert isinstance(problem.get("rule"), str), f"{where}: no rule"
            assert problem["rule"] not in RULES, f"{where}: semantic rules go in cases/rules"
        out.append(case)
    return out


def case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.yaml"))


def all_cases() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in case_files():
        for case in load_case_file(path):
            yield f"{path.name}::{case['name']}", case


def _params() -> list[Any]:
    params = []
    for case_id, case in all_cases():
        params.append(pytest.param(case, id=case_id, marks=xfail_marks(case)))
    return params


@pytest.mark.parametrize("case", _params())
def test_schema_case(case: dict[str, Any]) -> None:
    # Loader and schema problems only: the semantic rules have their own cases.
    reported = [p for p in problems_of(case["model"]) if p[1] not in RULES]
    expected = case.get("problems") or []
    report = (
        f"expected {[(e['rule'], e['line'], e['column'], e['message']) for e in expected]}; "
        f"reported:\n{render(reported)}"
    )
    unmatched = list(reported)
    for wanted in expected:
        hit = next((p for p in unmatched if matches(wanted, p)), None)
        assert hit is not None, report
        unmatched.remove(hit)
    assert not unmatched, report
    assert all(p[0] == "error" for p in reported), report


def _assertion_types_in(text: str) -> set[str]:
    data = load_bytes(text.encode("utf-8")).data
    found = set()
    for collection in ("controls", "findings"):
        for entry in data.get(collection) or []:
            for assertion in entry.get("assertions") or []:
                if isinstance(assertion, dict) and isinstance(assertion.get("type"), str):
                    found.add(assertion["type"])
    return found


def test_every_entity_kind_has_cases() -> None:
    valid: set[str] = set()
    invalid: set[str] = set()
    for _case_id, case in all_cases():
        if not case.get("xfail"):
            (invalid if case.get("problems") else valid).add(case["entity"])
    missing = [f"{kind}: no valid case" for kind in entity_kinds() if kind not in valid]
    missing += [f"{kind}: no invalid case" for kind in entity_kinds() if kind not in invalid]
    assert not missing, "\n".join(missing)


def test_every_assertion_type_has_cases() -> None:
    """One valid example and one rejected for a misspelt parameter, per assertion type."""
    valid: set[str] = set()
    misspelt: set[str] = set()
    for case_id, case in all_cases():
        kind = case.get("assertion")
        if kind is None or case.get("xfail"):
            continue
        assert kind in _assertion_types_in(case["model"]), f"{case_id}: no {kind} assertion"
        if not case.get("problems"):
            valid.add(kind)
        elif any(p["rule"] == "schema-additional-properties" for p in case["problems"]):
            misspelt.add(kind)
    missing = [f"{kind}: no valid case" for kind in assertion_types() if kind not in valid]
    missing += [
        f"{kind}: no case with a misspelt parameter"
        for kind in assertion_types()
        if kind not in misspelt
    ]
    assert not missing, "\n".join(missing)


# --- the schema documents ------------------------------------------------------------------

SCHEMA_FILES = sorted(path.name for path in SCHEMA_DIR.glob("*.schema.json"))


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    document = _read_json(name)
    assert document.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)


#: Keywords whose value is one subschema, or a list of subschemas, to walk into. ``if`` and
#: ``not`` are left out: their ``properties`` are conditions on values, not declarations.
SUBSCHEMA = ("items", "then", "else", "additionalProperties", "contains", "propertyNames")
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _described_entries(schema: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every entry of ``properties`` and ``$defs`` in a schema, with its JSON pointer."""
    if not isinstance(schema, dict):
        return
    for keyword in ("properties", "$defs"):
        for name, entry in (schema.get(keyword) or {}).items():
            here = f"{pointer}/{keyword}/{_escape(name)}"
            yield here, entry
            yield from _described_entries(entry, here)
    for name, entry in (schema.get("patternProperties") or {}).items():
        yield from _described_entries(entry, f"{pointer}/patternProperties/{_escape(name)}")
    for keyword in SUBSCHEMA:
        yield from _described_entries(schema.get(keyword), f"{pointer}/{keyword}")
    for keyword in SUBSCHEMA_LISTS:
        for index, entry in enumerate(schema.get(keyword) or []):
            yield from _described_entries(entry, f"{pointer}/{keyword}/{index}")


#: Properties that carry no description of their own, only a bare $ref to a described
#: definition of common.schema.json, unlike every other $ref property of the schema.


def _description_params() -> list[Any]:
    params = []
    for name in SCHEMA_FILES:
        document = _read_json(name)
        top_level = document.get("properties", {})
        for pointer, entry in _described_entries(document):
            param_id = f"{name}#{pointer}"
            marks = []
            params.append(pytest.param(name, pointer, entry, top_level, id=param_id, marks=marks))
    return params


@pytest.mark.parametrize(("name", "pointer", "entry", "top_level"), _description_params())
def test_schema_entry_has_description(
    name: str, pointer: str, entry: Any, top_level: dict[str, Any]
) -> None:
    if entry is True:
        # A boolean schema cannot hold a description. It is accepted only to re-admit,
        # under additionalProperties: false, a property the same document describes at
        # its top level (an assertion's type, id and description).
        key = pointer.rsplit("/", 1)[-1]
        assert isinstance(top_level.get(key), dict), f"{name}#{pointer}: true, described nowhere"
        assert top_level[key].get("description"), f"{name}#{pointer}: true, described nowhere"
        return
    assert isinstance(entry, dict), f"{name}#{pointer} is not an object"
    description = entry.get("description")
    assert isinstance(description, str) and description.strip(), (
        f"{name}#{pointer} has no description"
    )


# --- models that must stay valid ----------------------------------------------------------


def test_conftest_model_is_valid() -> None:
    problems = problems_of(VALID_MODEL)
    assert not problems, render(problems)


def test_init_template_is_valid() -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert "${model_id}" in text and "${title}" in text
    text = text.replace("${model_id}", "example").replace("${title}", "Example")
    problems = problems_of(text)
    assert not problems, render(problems)
