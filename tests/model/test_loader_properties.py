"""Property tests of the loader and of check_bytes, the per-file validation entry point.

* any bytes: load_bytes raises nothing but LoadError, check_bytes raises nothing at all;
* any JSON-like document dumped by PyYAML loads back equal;
* the valid model, damaged at random, yields only well-formed, located problems.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import VALID_MODEL
from threatgate.model import schema
from threatgate.model.loader import LoadError, load_bytes, resolve_plain
from threatgate.model.vocabulary import COLLECTIONS
from threatgate.validate.files import check_bytes

TODAY = dt.date(2026, 6, 1)
SEVERITIES = {"error", "warning"}

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Keys of the model format, so that generated documents reach the schema and the rules.
TOP_KEYS = [
    "threatgate", "id", "title", "description", "system", "owner", "frameworks", "badge",
    "tags", "components", "dataflows", "trust_boundaries", "assets", "attackers",
    "objectives", "threats", "controls", "assumptions", "acceptances", "findings", "x-extra",
]  # fmt: skip
ENTITY_KEYS = [
    "id", "name", "title", "type", "boundary", "from", "to", "data", "properties",
    "capability", "position", "asset", "attacker", "mitigated_by", "assumptions", "stride",
    "likelihood", "impact", "severity", "objectives", "components", "dataflows",
    "mitigations", "status", "compliance", "assertions", "threat", "objective", "owner",
    "justification", "review_by", "expires", "attested_by", "control", "reason", "file",
    "pattern", "glob", "tags",
]  # fmt: skip
WORDS = [
    "A1", "ATK1", "CO1", "T1", "C1", "C2", "AS1", "F1", "DF1", "web", "api", "internet",
    "implemented", "planned", "dismissed", "external", "integrity", "confidentiality",
    "spoofing", "high", "low", "file_exists", "src/db.py", "2027-06-30", "2027-02-30",
]  # fmt: skip


# --- well-formedness of results --------------------------------------------------------------


def assert_summary_well_formed(summary: dict[str, Any]) -> None:
    assert set(summary) <= {"id", "id_at", "problems"}
    assert summary["id"] is None or isinstance(summary["id"], str)
    for problem in summary["problems"]:
        severity, rule, line, column, message = problem
        assert severity in SEVERITIES
        assert isinstance(rule, str) and rule
        assert type(line) is int and line >= 1, problem
        assert type(column) is int and column >= 1, problem
        assert isinstance(message, str) and message
    if "id_at" in summary:
        line, column = summary["id_at"]
        assert line >= 1 and column >= 1


def assert_loads_or_refuses(raw: bytes, max_depth: int = 32) -> None:
    try:
        document = load_bytes(raw, max_depth=max_depth, locate=True)
    except LoadError as error:
        assert isinstance(error.rule, str) and error.rule
        assert isinstance(error.message, str) and error.message
        assert error.line >= 1 and error.column >= 1
    else:
        assert isinstance(document.data, dict)
        assert all(line >= 1 and column >= 1 for line, column in document.locations.values())


# --- random bytes -------------------------------------------------------------------------

#: Fragments that steer random input into the interesting corners of YAML and encodings.
FRAGMENTS = [
    b"{", b"}", b"[", b"]", b":", b": ", b",", b"- ", b"? ", b"\n", b"  ", b"\t", b"\r\n",
    b"\r", b"#", b"&a ", b"*a", b"!!int ", b"!!str ", b"!x ", b"!!python/object ", b"!<!> ",
    b"---\n", b"...\n", b"%YAML 1.2\n", b"%TAG ! tag:x,1:\n", b'"', b"'", b"\\", b"|", b">-",
    b"\x00", b"\x07", b"\x1b", b"\x7f", b"\xff", b"\xfe", b"\xc3", b"\xef\xbb\xbf",
    "é".encode(), "\u2028".encode(), "\x85".encode(), "😀".encode(), b"threatgate", b"id",
    b"title", b"threats", b"controls", b"1", b"0x1F", b"0o7", b".inf", b".nan", b"~",
    b"null", b"yes", b"2027-02-30", b"9" * 40,
]  # fmt: skip
yamlish_bytes = st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(b"".join)
any_bytes = st.one_of(st.binary(max_size=600), yamlish_bytes)


@FAST
@given(raw=any_bytes, max_depth=st.integers(min_value=1, max_value=40))
@example(raw=b"", max_depth=32)
@example(raw=b"\xef\xbb\xbf", max_depth=32)
@example(raw=b"[" * 100, max_depth=32)
@example(raw=b"a: &x [*x]", max_depth=32)
@example(raw=b"\xff\xfea\x00", max_depth=32)
def test_load_bytes_raises_only_load_error(raw: bytes, max_depth: int) -> None:
    assert_loads_or_refuses(raw, max_depth)


@FAST
@given(raw=any_bytes, max_depth=st.integers(min_value=2, max_value=40))
@example(raw=b"threatgate: 1\nid: m\ntitle: M\nthreats: [{id: T1}]\n", max_depth=32)
@example(raw=b"threats: [1, [], {}, null]\ncontrols: {}\n", max_depth=32)
@example(raw=b"objectives: [{mitigated_by: [1, [2], [[]]]}]\n", max_depth=32)
def test_check_bytes_never_raises(raw: bytes, max_depth: int) -> None:
    assert_summary_well_formed(check_bytes(raw, TODAY, max_depth))


# --- random documents round-trip --------------------------------------------------------------

#: Strings PyYAML may write plain: starting with a letter, they can only resolve to a bool
#: or null in YAML 1.2, and PyYAML quotes every such word (YAML 1.1's sets contain 1.2's).
plain_text = st.from_regex(r"[A-Za-z][A-Za-z0-9 _./:#@,'\"-]{0,20}", fullmatch=True)
#: Any text, written double-quoted (see QuotingDumper), so no resolution applies at all.
any_text = st.text(st.characters(codec="utf-8"), max_size=30)
words = st.sampled_from(WORDS)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    plain_text,
    words,
)
keys = st.one_of(st.sampled_from(ENTITY_KEYS), plain_text)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    )


json_values = st.recursive(scalars, _extend, max_leaves=20)
entities = st.lists(
    st.dictionaries(st.sampled_from(ENTITY_KEYS), json_values, max_size=6), max_size=3
)
model_shaped = st.dictionaries(
    st.sampled_from(TOP_KEYS) | plain_text,
    st.one_of(json_values, entities),
    max_size=8,
).map(lambda d: {"threatgate": 1, **d} if "threatgate" not in d and len(d) % 2 else d)
documents = st.one_of(model_shaped, st.dictionaries(keys, json_values, max_size=6), json_values)


class QuotingDumper(yaml.SafeDumper):
    """A safe dumper that writes every string double-quoted."""


def _quoted(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')


QuotingDumper.add_representer(str, _quoted)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> set[tuple[Any, ...]]:
    found = {prefix}
    if isinstance(value, dict):
        for key, child in value.items():
            found |= _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found |= _paths(child, (*prefix, index))
    return found


#: (collection, field) pairs whose non-string values crash the semantic rules (product bug):
#: smells.py builds sets and dicts keyed by these values without checking they are strings.
def _check_round_trip(value: Any, text: str) -> None:
    raw = text.encode("utf-8")
    if isinstance(value, dict):
        document = load_bytes(raw, locate=True)
        assert document.data == value
        assert set(document.locations) == _paths(value)
    else:
        try:
            load_bytes(raw)
        except LoadError as error:
            assert error.rule in {"not-a-mapping", "file-empty"}
        else:  # pragma: no cover - only a mapping is a model
            raise AssertionError(f"{value!r} loaded as a model")


@SLOW
@given(value=documents, flow=st.booleans())
def test_dumped_documents_load_back_equal(value: Any, flow: bool) -> None:
    assume(_depth(value) <= 30)
    text = yaml.safe_dump(value, allow_unicode=True, sort_keys=False, default_flow_style=flow)
    _check_round_trip(value, text)


@SLOW
@given(value=documents)
@example(value={"threats": [{"id": ["T1"], "mitigations": [{"C1": None}]}], "id": [1]})
def test_check_bytes_never_raises_on_documents(value: Any) -> None:
    assume(_depth(value) <= 30)
    raw = yaml.safe_dump(value, allow_unicode=True).encode("utf-8")
    assert_summary_well_formed(check_bytes(raw, TODAY, 32))


def _entity_fields() -> list[Any]:
    """Every (collection, field) of the model schema."""
    document = schema.schema_documents()[schema.MODEL_SCHEMA]
    params = []
    for collection in COLLECTIONS:
        definition = document["properties"][collection]["items"]["$ref"].rsplit("/", 1)[-1]
        for field in document["$defs"][definition]["properties"]:
            params.append(pytest.param(collection, field, id=f"{collection}.{field}"))
    return params


WRONG_SHAPES = [["X1"], {"a": "X1"}, [["X1"]], [{"a": 1}], [None], 7, True, None, 1.5, "", "X1"]
#: A model using every kind of entity, so that every rule has something to look at.
FULL_MODEL = load_bytes(VALID_MODEL.encode()).data


@pytest.mark.parametrize(("collection", "field"), _entity_fields())
def test_wrong_shapes_never_crash(collection: str, field: str) -> None:
    """Any value of any shape in any field of any entity is reported, never a crash."""
    for shape in WRONG_SHAPES:
        for base in ({}, FULL_MODEL):
            data = copy.deepcopy(base)
            entry = {"id": "X1", field: shape}
            entries = data.setdefault(collection, [])
            entries.append(entry)
            if entries[0] is not entry:
                entries.insert(0, dict(entries[0], **{field: shape}))
            raw = json.dumps({"threatgate": 1, "id": "m", "title": "M", **data}).encode()
            summary = check_bytes(raw, TODAY, 32)
            assert_summary_well_formed(summary)


quoted_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), any_text),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=15,
)


@SLOW
@given(value=st.dictionaries(any_text, quoted_values, max_size=6), width=st.sampled_from([20, 80]))
@example(value={"k": "yes", "no": "2027-02-30", "on": "0x1F", "n": "1e3", "~": ".inf"}, width=80)
@example(value={"k": "a\u2028b\x85c\ufeffd\te\r\nf"}, width=80)
def test_quoted_strings_load_back_exactly(value: dict[str, Any], width: int) -> None:
    text = yaml.dump(value, Dumper=QuotingDumper, allow_unicode=True, width=width)
    _check_round_trip(value, text)


@FAST
@given(number=st.integers(min_value=-(10**300), max_value=10**300))
def test_integers_resolve_to_themselves(number: int) -> None:
    assert resolve_plain(str(number)) == number
    if number >= 0:
        assert resolve_plain(hex(number)) == number
        assert resolve_plain(f"0o{number:o}") == number


@FAST
@given(number=st.floats(allow_nan=False, allow_infinity=False))
def test_floats_resolve_to_themselves(number: float) -> None:
    value = resolve_plain(repr(number))
    assert type(value) is float
    assert value == number and math.copysign(1, value) == math.copysign(1, number)


@FAST
@given(text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=60))
def test_resolve_plain_never_raises(text: str) -> None:
    value = resolve_plain(text)
    assert value is None or isinstance(value, (str, int, float, bool))


# --- mutations of the valid model -------------------------------------------------------------

VALID_LINES = VALID_MODEL.splitlines(keepends=True)
inserted = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=8),
    st.sampled_from(["\t", ":", ": ", "- ", "{", "}", "[", "]", "&a ", "*a", "!x ", "#", '"',
                     "'", "\n", "  ", "---\n", "\x07", "\x00", "é", "\ufeff", "\r"]),
)  # fmt: skip


@st.composite
def mutated_models(draw: st.DrawFn) -> str:
    lines = list(VALID_LINES)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        if not lines:
            break
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            at = draw(st.integers(min_value=0, max_value=len(lines[i])))
            lines[i] = lines[i][:at] + draw(inserted) + lines[i][at:]
    return "".join(lines)


@FAST
@given(text=mutated_models())
def test_mutated_model_yields_located_problems(text: str) -> None:
    raw = text.encode("utf-8")
    summary = check_bytes(raw, TODAY, 32)
    assert_summary_well_formed(summary)
    assert_loads_or_refuses(raw)


@pytest.mark.parametrize("index", range(len(VALID_LINES)))
def test_deleting_a_line_is_reported_or_harmless(index: int) -> None:
    """Every line of the valid model matters or is optional; either way the result is clean."""
    text = "".join(VALID_LINES[:index] + VALID_LINES[index + 1 :])
    summary = check_bytes(text.encode(), TODAY, 32)
    assert_summary_well_formed(summary)
    for _, _, line, _, _ in summary["problems"]:
        assert line <= len(VALID_LINES), summary


def test_valid_model_has_no_problems() -> None:
    summary = check_bytes(VALID_MODEL.encode(), TODAY, 32)
    assert summary["problems"] == []
    assert summary["id"] == "shop"
    assert summary["id_at"] == [2, 1]
