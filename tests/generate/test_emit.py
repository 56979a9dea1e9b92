"""The direct writer of generated models writes exactly what ruamel.yaml and fmt write."""

from __future__ import annotations

from typing import Any

import pytest

from threatgate.document.canonical import format_text
from threatgate.generate import assemble
from threatgate.generate.describe import describe
from threatgate.generate.emit import emit
from threatgate.generate.engine import apply_packs
from threatgate.generate.rulepacks import load_packs

PACKS = load_packs()


@pytest.mark.parametrize("text", [
    "Web shop where customers sign in with a password and pay by card with Stripe",
    "Web: app # with 'quotes' and \"double\" - yes: no",
    "true", "123", "- a dash first", "null: ~ [x] {y}",
    "multi-line\n  indented\nlines  \nwith trailing spaces",
    "Login \x00\x1b[31m with \u202e OAuth and {{ jinja }} ${shell}",
    "Nightly batch job exports customer records as CSV to a partner SFTP server",
])
def test_direct_text_equals_the_canonical_round_trip(text: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    model = assemble.assemble(describe(text), packs=PACKS,
                              run=lambda m: apply_packs(m, PACKS)).model
    fast = assemble.dump_model(model)
    monkeypatch.setattr(assemble, "emit", lambda *args, **kwargs: None)
    slow = assemble.dump_model(model)
    assert fast == slow
    body = slow.split("\n", 1)[1]
    assert format_text(body) == body


@pytest.mark.parametrize("value", [{"k": None}, {"k": "x" * 5000}, {"k": [{}]}])
def test_values_it_does_not_write_are_left_to_ruamel(value: dict[str, Any]) -> None:
    assert emit(value) is None


@pytest.mark.parametrize("text", ["?", ":x", "? a", ": b", "a: b", "#x", "x #y", "-", "- a",
                                  "ok.", "O'Brien's app", "(a) b", "a\tb", "é"])
def test_scalars_are_written_as_ruamel_writes_them(text: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    model = {"threatgate": 1, "id": "x", "title": text,
             "threats": [{"id": "T1", "title": text, "tags": [text]}]}
    fast = assemble.dump_model(model)
    monkeypatch.setattr(assemble, "emit", lambda *args, **kwargs: None)
    assert assemble.dump_model(model) == fast
