"""Indented JSON written by the site is byte for byte ``json.dumps(indent=2)``'s."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threatgate.output.html.indented_json import indented_json, indented_json_pieces


class Text(str):
    """A str subclass (as markupsafe's Markup is)."""


SCALARS = (st.none() | st.booleans() | st.integers() | st.floats()
           | st.text() | st.text().map(Text) | st.sampled_from(["\ud800", "\udcff", "\x00"]))
KEYS = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
VALUES = st.recursive(SCALARS, lambda inner: (
    st.lists(inner, max_size=4) | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(KEYS, inner, max_size=4)), max_leaves=25)


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_indented_json_is_json_dumps(value: Any) -> None:
    assert indented_json(value) == dumps(value)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.integers(min_value=0, max_value=4))
def test_the_pieces_make_the_same_text(value: Any, depth: int) -> None:
    assert "".join(indented_json_pieces(value, depth)) == dumps(value) + "\n"


@pytest.mark.parametrize("value", [{"a": object()}, [1, {2, 3}], {(1, 2): "key"}])
def test_what_json_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        indented_json(value)
