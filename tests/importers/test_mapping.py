"""The shared mapping helpers: ids, names, kept fields, vocabularies."""

from __future__ import annotations

import re

import pytest

from threatgate.importers import ImportRefused
from threatgate.importers.mapping import (
    Draft,
    Fields,
    Source,
    one_line,
    severity_of,
    short_id,
    slug,
    stride_of,
    tags_of,
)

ENTITY_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


@pytest.mark.parametrize("text", ["web-app", "9lives", "", "Ünïcödé name", "a" * 200, "--",
                                  "x/y z", "\ud800"])
def test_slug_is_a_valid_stable_id(text: str) -> None:
    made = slug(text, "C")
    assert ENTITY_ID.match(made) and len(made) <= 64
    assert slug(text, "C") == made


def test_long_ids_stay_distinct() -> None:
    assert slug("a" * 100 + "1", "C") != slug("a" * 100 + "2", "C")


def test_short_id_of_a_uuid() -> None:
    assert short_id("5F0C1A77-3b2e-4c1d-9a8b-1e2f3a4b5c01", "C") == "C-5f0c1a77"
    assert short_id("k-actor-1", "C") == "k-actor-1"


def test_new_ids_never_clash() -> None:
    draft = Draft("demo")
    assert [draft.new_id("web", "C") for _ in range(3)] == ["web", "web-2", "web-3"]


def test_one_line_names() -> None:
    assert one_line("  two\nlines ", "x") == "two lines"
    assert one_line(None, "fallback") == "fallback"
    assert one_line("", "") == "Unnamed"
    long = one_line("word " * 100, "x")
    assert len(long) <= 200 and long.endswith("...")


def test_unmapped_fields_are_kept_and_reported() -> None:
    draft = Draft("demo")
    fields = Fields(Source({}, "f.json"), ("items", 0), {"name": "A", "odd": 1, "empty": ""})
    entry = {"id": "a", "name": fields.text("name")}
    draft.add("components", entry, fields.path)
    draft.keep(fields, entry, "components")
    assert entry["x-demo"] == {"odd": 1}
    assert draft.report.kept == [{"from": "/items/0/odd", "to": "components/a: x-demo.odd"}]


def test_wrong_types_are_refused_with_their_pointer() -> None:
    fields = Fields(Source({}, "f.json"), ("a~b", "c/d"), {"name": ["x"]})
    with pytest.raises(ImportRefused, match=r"expected text, found a list \(at /a~0b/c~1d/name\)"):
        fields.text("name")
    with pytest.raises(ImportRefused, match="expected an object"):
        Fields(Source({}, "f.json"), (), [1])


def test_vocabularies() -> None:
    assert stride_of("Information disclosure") == "information_disclosure"
    assert stride_of("E") == "elevation_of_privilege"
    assert stride_of("Linkability") is None
    assert severity_of("Very High") == "critical"
    assert severity_of("elevated") == "high"
    assert severity_of("TBD") is None
    assert tags_of(["PII data", "-x-", "PII data", "ok"]) == ["PII-data", "x", "ok"]
