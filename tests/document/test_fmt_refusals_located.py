"""A refusal of fmt always points at the value it is about, never at 1:1."""

from __future__ import annotations

import pytest

from threatgate.document import canonical
from threatgate.document.canonical import FormatError, first_difference, format_text

TEXT = "threatgate: 1\nid: shop\ntitle: Web shop\nx-list:\n  - a\n  - 5\n"


@pytest.mark.parametrize(("left", "right", "path"), [
    ({"a": [1, 2]}, {"a": [1, 2]}, None),
    ({"a": float("nan")}, {"a": float("nan")}, None),
    ({"a": [1, 2], "b": 1}, {"a": [1, "2"], "b": 2}, ("a", 1)),
    ({"a": {"b": 1}}, {"a": {"c": 1}}, ("a",)),
    ({"a": [1]}, {"a": [1, 2]}, ("a",)),
])
def test_first_difference_in_document_order(left: object, right: object,
                                            path: tuple[object, ...] | None) -> None:
    assert first_difference(left, right) == path


def test_a_change_of_data_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canonical, "_round_trip", lambda body: body.replace("- 5", "- '5'"))
    with pytest.raises(FormatError) as refused:
        format_text(TEXT)
    assert (refused.value.rule, refused.value.line, refused.value.column) == ("fmt-unsafe", 6, 5)


def test_a_lost_comment_is_located(monkeypatch: pytest.MonkeyPatch) -> None:
    text = TEXT.replace("  - 5\n", "  - 5  # five\n") + "# the end\n"
    monkeypatch.setattr(canonical, "_round_trip", lambda body: body.replace("  # five", ""))
    with pytest.raises(FormatError) as refused:
        format_text(text)
    assert (refused.value.rule, refused.value.line, refused.value.column) == ("fmt-unsafe", 6, 8)
