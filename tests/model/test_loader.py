"""Unit tests of threatgate.model.loader: scalars, refusals, locations, limits, reading files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from conftest import VALID_MODEL
from threatgate.model.loader import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    LoadedDocument,
    LoadError,
    decode,
    load_bytes,
    load_text,
    read_bytes,
    resolve_plain,
)

BOM = b"\xef\xbb\xbf"


def value_of(scalar: str) -> Any:
    """The value the loader gives ``scalar`` written as the value of a key."""
    return load_text(f"v: {scalar}\n").data["v"]


def load_error(text: str | bytes, **options: Any) -> LoadError:
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    with pytest.raises(LoadError) as caught:
        load_bytes(raw, **options)
    return caught.value


# --- scalars: the YAML 1.2 core schema ----------------------------------------------------


@pytest.mark.parametrize(
    "scalar",
    [
        # dates and times are not resolved: they stay the text written
        "2027-06-30",
        "2027-02-30",
        "2027-6-3",
        "2027-06-30T10:00:00Z",
        "2027-06-30 10:00:00",
        "12:30:00",
        # YAML 1.1 booleans are plain words in 1.2
        "yes",
        "no",
        "Yes",
        "NO",
        "on",
        "off",
        "On",
        "OFF",
        "y",
        "n",
        # not quite numbers, booleans or nulls
        "tRUE",
        "nULL",
        "nil",
        "None",
        "0b101",
        "1_000",
        "0x",
        "0o",
        "0o8",
        "0x1G",
        "0X1F",
        "1.2.3",
        "+",
        ".",
        "1e",
        ".iNf",
        ".nAn",
        "nan",
        "inf",
        "-.nan",
        "1,5",
        "v1",
        "12e3x",
    ],
)
def test_plain_scalars_that_stay_strings(scalar: str) -> None:
    assert value_of(scalar) == scalar
    assert resolve_plain(scalar) == scalar


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("0", 0),
        ("7", 7),
        ("-7", -7),
        ("+7", 7),
        ("007", 7),
        ("12345678901234567890", 12345678901234567890),
        ("0x1F", 31),
        ("0xff", 255),
        ("0xFF", 255),
        ("0o17", 15),
        ("0o0", 0),
    ],
)
def test_integers(scalar: str, expected: int) -> None:
    value = value_of(scalar)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("1.5", 1.5),
        ("-2.5", -2.5),
        ("+2.5", 2.5),
        (".5", 0.5),
        ("1.", 1.0),
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("-2.5e-3", -0.0025),
        ("6.02e+23", 6.02e23),
        ("0.0", 0.0),
        (".inf", math.inf),
        (".Inf", math.inf),
        (".INF", math.inf),
        ("+.inf", math.inf),
        ("-.inf", -math.inf),
        ("-.Inf", -math.inf),
    ],
)
def test_floats(scalar: str, expected: float) -> None:
    value = value_of(scalar)
    assert type(value) is float
    assert value == expected


@pytest.mark.parametrize("scalar", [".nan", ".NaN", ".NAN"])
def test_nan(scalar: str) -> None:
    value = value_of(scalar)
    assert type(value) is float
    assert math.isnan(value)


@pytest.mark.parametrize("scalar", ["", "~", "null", "Null", "NULL"])
def test_nulls(scalar: str) -> None:
    assert value_of(scalar) is None


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
    ],
)
def test_booleans(scalar: str, expected: bool) -> None:
    assert value_of(scalar) is expected


@pytest.mark.parametrize(
    "scalar",
    ['"123"', "'1.5'", '"true"', "'null'", '""', '"~"', "'.inf'", '"0x1F"', "'2027-06-30'"],
)
def test_quoted_scalars_stay_strings(scalar: str) -> None:
    assert value_of(scalar) == scalar[1:-1]


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("|\n  123\n", "123\n"),
        (">-\n  true\n", "true"),
    ],
)
def test_block_scalars_stay_strings(scalar: str, expected: str) -> None:
    assert value_of(scalar) == expected


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        ("!!str 123", "123"),
        ("!!str true", "true"),
        ("! 123", "123"),
        ('!!int "42"', 42),
        ("!!int 0x10", 16),
        ("!!float 1", 1.0),
        ("!!float .inf", math.inf),
        ("!!bool false", False),
        ('!!null ""', None),
        ("!!null ~", None),
        ("!<tag:yaml.org,2002:str> 5", "5"),
    ],
)
def test_core_tags(scalar: str, expected: Any) -> None:
    value = value_of(scalar)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("scalar", "message"),
    [
        ("!!int one", "'one' is not a valid !!int"),
        ("!!int 1.5", "'1.5' is not a valid !!int"),
        ("!!int true", "'true' is not a valid !!int"),
        ("!!float abc", "'abc' is not a valid !!float"),
        ("!!bool yes", "'yes' is not a valid !!bool"),
        ("!!null 0", "'0' is not a valid !!null"),
        ("!!timestamp 2027-01-01", "tag 'tag:yaml.org,2002:timestamp' is not allowed"),
        ("!!binary aGk=", "tag 'tag:yaml.org,2002:binary' is not allowed"),
        ("!custom x", "tag '!custom' is not allowed"),
        ("!!python/object/apply:os.system [ls]", "python/object/apply:os.system"),
        ("!!set {a}", "tag 'tag:yaml.org,2002:set' is not allowed"),
        ("!!omap [a: 1]", "tag 'tag:yaml.org,2002:omap' is not allowed"),
    ],
)
def test_tags_refused(scalar: str, message: str) -> None:
    error = load_error(f"a: 1\nv: {scalar}\n")
    assert error.rule == "yaml-tag"
    assert message in error.message
    assert (error.line, error.column) == (2, 4)


def test_core_collection_tags_accepted() -> None:
    assert load_text("--- !!map\nv: !!seq [1]\nw: !!map {a: b}\n").data == {
        "v": [1],
        "w": {"a": "b"},
    }


def test_keys_are_always_strings() -> None:
    data = load_text("1: a\ntrue: b\nnull: c\n2027-01-01: d\n1.5: e\n~: f\n").data
    assert data == {"1": "a", "true": "b", "null": "c", "2027-01-01": "d", "1.5": "e", "~": "f"}


@pytest.mark.parametrize("key", ["!custom k", "!!python/object/apply:os.system k", "!!int k"])
def test_tags_on_keys_refused(key: str) -> None:
    assert load_error(f"{key}: 1\n").rule == "yaml-tag"


@pytest.mark.parametrize("text", ["v: " + "9" * 5000, "v: !!int " + "9" * 5000])
def test_huge_integers_do_not_escape_as_value_error(text: str) -> None:
    try:
        value = load_text(text).data["v"]
    except LoadError as error:  # refusing is acceptable, but with a clear message
        assert "set_int_max_str_digits" not in error.message
    else:
        assert value == 10**5000 - 1


def test_huge_hexadecimal_and_octal_integers_are_refused_with_a_location() -> None:
    for digits in ("0x" + "f" * 5000, "0o" + "7" * 5000):
        with pytest.raises(LoadError) as caught:
            load_text("v: " + digits)
        assert (caught.value.rule, caught.value.line, caught.value.column) == ("yaml-number", 1, 4)
    assert value_of("0x" + "f" * 900) == 16**900 - 1


# --- the document ------------------------------------------------------------------------


def test_valid_model_loads() -> None:
    data = load_bytes(VALID_MODEL.encode()).data
    assert data["threatgate"] == 1
    assert data["id"] == "shop"
    assert data["objectives"][0]["mitigated_by"] == [["C1"], ["C2"]]
    assert data["assumptions"][0]["expires"] == "2027-06-30"
    assert data["acceptances"][0]["review_by"] == "2026-12-31"
    assert data["controls"][0]["assertions"][0]["pattern"] == 'execute\\(f"'


@pytest.mark.parametrize(
    "text",
    ["---\na: 1\n", "a: 1\n...\n", "---\na: 1\n...\n", "%YAML 1.2\n---\na: 1\n", "{a: 1}"],
)
def test_explicit_document_markers(text: str) -> None:
    assert load_text(text).data == {"a": 1}


def test_bom_accepted() -> None:
    plain = load_bytes(VALID_MODEL.encode(), locate=True)
    with_bom = load_bytes(BOM + VALID_MODEL.encode(), locate=True)
    assert with_bom.data == plain.data
    assert with_bom.locations == plain.locations
    assert "\ufeff" not in with_bom.data
    assert load_text("\ufeffa: 1\n").data == {"a": 1}


def test_bom_does_not_shift_error_locations() -> None:
    error = load_error(BOM + b"a: 1\na: 2\n")
    assert (error.rule, error.line, error.column) == ("yaml-duplicate-key", 2, 1)


def test_crlf_line_endings() -> None:
    text = VALID_MODEL.replace("\n", "\r\n").encode()
    document = load_bytes(text, locate=True)
    assert document.data == load_bytes(VALID_MODEL.encode()).data
    assert document.locations[("controls", 0, "status")] == (42, 5)


@pytest.mark.parametrize(
    ("text", "rule", "line", "column"),
    [
        ("a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", 3, 1),
        ("a:\n  - {x: 1, x: 2}\n", "yaml-duplicate-key", 2, 12),
        ("a: &x 1\n", "yaml-anchor", 1, 4),
        ("a: 1\nb: *x\n", "yaml-anchor", 2, 4),
        ("a: 1\n? [k]\n: v\n", "yaml-complex-key", 2, 3),
        ("a: 1\n{k: 1}: v\n", "yaml-complex-key", 2, 1),
        ("a: 1\n---\nb: 2\n", "yaml-multiple-documents", 2, 1),
        ("a: [1, 2\n", "yaml-syntax", 2, 1),
        ("a: b: c\n", "yaml-syntax", 1, 5),
        ("a:\n\t- 1\n", "yaml-tab", 2, 1),
        ("", "file-empty", 1, 1),
        ("# only a comment\n", "file-empty", 1, 1),
        ("---\n", "file-empty", 1, 1),
        ("--- ''\n", "file-empty", 1, 1),
        ("- a\n", "not-a-mapping", 1, 1),
        ("\n\n- a\n", "not-a-mapping", 3, 1),
        ("just text\n", "not-a-mapping", 1, 1),
        ("42\n", "not-a-mapping", 1, 1),
    ],
)
def test_refusals_are_located(text: str, rule: str, line: int, column: int) -> None:
    error = load_error(text)
    assert (error.rule, error.line, error.column) == (rule, line, column)
    assert error.message
    assert str(error) == error.message


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # with max_depth 2, every collection below is one level too deep: a list or
        # mapping where a key belongs is refused first, whatever its tag
        ("a:\n  ? [k]\n  : v\n", "yaml-complex-key"),
        ("a:\n  ? !!set {k}\n  : v\n", "yaml-complex-key"),
        # then a tag outside the core schema
        ("a:\n  b: !!omap [x]\n", "yaml-tag"),
        ("a:\n  - !!set {x}\n", "yaml-tag"),
        # then the depth
        ("a:\n  - [x]\n", "yaml-depth"),
        ("a:\n  b: !!seq [x]\n", "yaml-depth"),
    ],
)
def test_refusals_of_a_collection_come_in_a_fixed_order(text: str, rule: str) -> None:
    assert load_error(text, max_depth=2).rule == rule


def test_billion_laughs_refused_at_first_anchor() -> None:
    lines = ['a: &a ["lol", "lol"]']
    lines += [f"{c}: &{c} [*{p}, *{p}, *{p}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    error = load_error("\n".join(lines) + "\n")
    assert (error.rule, error.line, error.column) == ("yaml-anchor", 1, 4)


def test_load_error_defaults_to_first_position() -> None:
    error = LoadError("some-rule", "some message")
    assert (error.rule, error.message, error.line, error.column) == (
        "some-rule",
        "some message",
        1,
        1,
    )


# --- decoding ----------------------------------------------------------------------------


def test_decode_strips_bom() -> None:
    assert decode(BOM + b"a: 1\n") == "a: 1\n"
    assert decode("café: ü\n".encode()) == "café: ü\n"


def test_decode_refuses_nul() -> None:
    with pytest.raises(LoadError) as caught:
        decode(b"a: 1\nb: x\x00y\n")
    assert (caught.value.rule, caught.value.line, caught.value.column) == ("file-binary", 2, 5)


def test_decode_refuses_invalid_utf8() -> None:
    with pytest.raises(LoadError) as caught:
        decode(b"a: 1\nb: caf\xe9\n")
    error = caught.value
    assert (error.rule, error.line, error.column) == ("file-encoding", 2, 7)
    assert "0xe9" in error.message and "offset 11" in error.message


def test_decode_nul_column_counts_characters() -> None:
    with pytest.raises(LoadError) as caught:
        decode("a: ééé\x00\n".encode())
    assert (caught.value.line, caught.value.column) == (1, 7)


def test_control_character_location_counts_characters() -> None:
    error = load_error("a: " + "é" * 30 + "\nb: x\x07\n")
    assert (error.line, error.column) == (2, 5)


# --- locations ---------------------------------------------------------------------------


def test_locations_of_keys_and_items_are_one_based() -> None:
    document = load_bytes(VALID_MODEL.encode(), locate=True)
    where = document.locations
    assert where[()] == (1, 1)
    assert where[("threatgate",)] == (1, 1)
    assert where[("id",)] == (2, 1)
    assert where[("frameworks",)] == (5, 1)
    assert where[("frameworks", 0)] == (5, 14)
    # flow mapping items: the item at its '{', its keys where they are written
    assert where[("components", 0)] == (7, 5)
    assert where[("components", 0, "id")] == (7, 6)
    assert where[("components", 1, "boundary")] == (8, 42)
    assert where[("dataflows", 0, "data", 0)] == (10, 59)
    # block mapping items: the item at its first key
    assert where[("assets", 0)] == (15, 5)
    assert where[("assets", 0, "name")] == (16, 5)
    assert where[("assets", 0, "properties", 1)] == (17, 35)
    # nested lists
    assert where[("objectives", 0, "mitigated_by", 1)] == (28, 26)
    assert where[("objectives", 0, "mitigated_by", 1, 0)] == (28, 27)
    assert where[("controls", 0, "assertions", 0, "pattern")] == (45, 49)
    assert all(line >= 1 and column >= 1 for line, column in where.values())


def test_every_key_and_item_is_located() -> None:
    document = load_bytes(VALID_MODEL.encode(), locate=True)

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [prefix]
        if isinstance(value, dict):
            for key, child in value.items():
                found += paths(child, (*prefix, key))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                found += paths(child, (*prefix, index))
        return found

    assert set(paths(document.data)) == set(document.locations)


def test_root_location_is_the_first_node() -> None:
    assert load_text("# comment\n\nthreatgate: 1\n", locate=True).locations[()] == (3, 1)
    assert load_text("  a: 1\n", locate=True).locations[()] == (1, 3)


def test_locations_only_when_asked() -> None:
    assert load_bytes(VALID_MODEL.encode()).locations == {}


def test_locate_falls_back_to_nearest_parent() -> None:
    document = load_bytes(VALID_MODEL.encode(), locate=True)
    assert document.locate(("controls", 0, "status")) == (42, 5)
    # a key the schema complains about but the file does not have: its mapping
    assert document.locate(("controls", 0, "owner")) == document.locations[("controls", 0)]
    assert document.locate(("controls", 7, "id")) == document.locations[("controls",)]
    assert (
        document.locate(("controls", 0, "assertions", 0, "scope", 2))
        == (document.locations[("controls", 0, "assertions", 0)])
    )
    assert document.locate(("nowhere", "at", 3)) == (1, 1)
    assert document.locate(()) == (1, 1)


def test_locate_without_locations() -> None:
    document = LoadedDocument({"a": 1})
    assert document.locate(("a",)) == (1, 1)
    assert document.locate(()) == (1, 1)
    partial = LoadedDocument({"a": {"b": 1}}, {("a",): (4, 2)})
    assert partial.locate(("a", "b", 0)) == (4, 2)
    assert partial.locate(("c",)) == (1, 1)


# --- nesting depth ---------------------------------------------------------------------------


def nested_flow(levels: int) -> str:
    """A mapping holding ``levels - 1`` nested lists: ``levels`` collections in all."""
    return "a: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"


def test_default_depth_limit() -> None:
    assert DEFAULT_MAX_DEPTH == 32
    load_text(nested_flow(32))
    error = load_error(nested_flow(33))
    assert (error.rule, error.line, error.column) == ("yaml-depth", 1, 35)
    assert "deeper than 32 levels" in error.message


@pytest.mark.parametrize("limit", [2, 3, 5, 100])
def test_depth_limit_is_configurable(limit: int) -> None:
    load_text(nested_flow(limit), max_depth=limit)
    error = load_error(nested_flow(limit + 1), max_depth=limit)
    assert error.rule == "yaml-depth"
    assert (error.line, error.column) == (1, 3 + limit)
    assert f"deeper than {limit} levels" in error.message


def test_depth_limit_counts_block_collections() -> None:
    text = "a:\n  b:\n    - c: 1\n"
    assert load_text(text, max_depth=4).data == {"a": {"b": [{"c": 1}]}}
    error = load_error(text, max_depth=3)
    assert (error.rule, error.line, error.column) == ("yaml-depth", 3, 7)


def test_very_deep_input_is_refused_without_recursion() -> None:
    error = load_error("[" * 200_000 + "]" * 200_000)
    assert error.rule == "yaml-depth"


def test_deep_nesting_within_a_raised_limit_builds_iteratively() -> None:
    levels = 5_000
    data = load_text(nested_flow(levels), max_depth=levels).data["a"]
    depth = 1
    while data:
        data = data[0]
        depth += 1
    assert depth == levels - 1


# --- reading files -----------------------------------------------------------------------


class _Handle:
    """A file handle that fails the test when read; fstat works on the real file."""

    def __init__(self, real: Any, read: Any = None) -> None:
        self._real = real
        self._read = read

    def __enter__(self) -> _Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()

    def fileno(self) -> int:
        return int(self._real.fileno())

    def read(self, size: int = -1) -> bytes:
        if self._read is None:
            raise AssertionError("the file was read")
        return bytes(self._read(size))


class _PathStub:
    def __init__(self, path: Path, read: Any = None) -> None:
        self._path = path
        self._read = read
        self.opened = 0

    def open(self, mode: str = "r") -> _Handle:
        assert mode == "rb"
        self.opened += 1
        return _Handle(self._path.open(mode), self._read)


def test_read_bytes_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(b"a: 1\n")
    assert read_bytes(path) == b"a: 1\n"
    assert read_bytes(path, 5) == b"a: 1\n"
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024


def test_read_bytes_refuses_an_oversized_file_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(b"a: 12\n")
    stub = _PathStub(path)
    with pytest.raises(LoadError) as caught:
        read_bytes(stub, 5)  # type: ignore[arg-type]
    assert stub.opened == 1
    error = caught.value
    assert (error.rule, error.line, error.column) == ("file-too-large", 1, 1)
    assert "6 bytes" in error.message and "limit of 5 bytes" in error.message
    assert "max_file_size" in error.message


def test_read_bytes_refuses_a_huge_sparse_file_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(DEFAULT_MAX_BYTES * 100)
    with pytest.raises(LoadError) as caught:
        read_bytes(path)
    assert caught.value.rule == "file-too-large"


def test_read_bytes_refuses_a_file_that_grew_after_the_size_check(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_bytes(b"a: 1\n")
    reads: list[int] = []

    def grown(size: int) -> bytes:
        reads.append(size)
        return b"x" * size

    with pytest.raises(LoadError) as caught:
        read_bytes(_PathStub(path, grown), 10)  # type: ignore[arg-type]
    assert reads == [11], "reads at most one byte past the cap"
    assert caught.value.rule == "file-too-large"


def test_read_bytes_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_bytes(tmp_path / "missing.yaml")


def test_read_bytes_of_a_folder_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        read_bytes(tmp_path)
