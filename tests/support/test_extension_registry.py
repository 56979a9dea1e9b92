"""The registry every extension point is built on."""

from __future__ import annotations

import pytest

from threatgate.diff.regressions import base as regressions
from threatgate.gate.checks import base as checks
from threatgate.support.registry import Registry
from threatgate.validate.rules import base as rules
from threatgate.verify import base as assertions
from threatgate.verify.configfiles import base as configfiles
from threatgate.verify.manifests import base as manifests


def test_entries_keep_their_order_and_a_name_is_registered_once() -> None:
    table: Registry[str, int] = Registry("widget")
    assert table.add("b", 2) == 2
    table.add("a", 1)
    assert list(table) == ["b", "a"]
    with pytest.raises(ValueError, match="widget 'a' registered twice"):
        table.add("a", 3)
    assert table["a"] == 1


@pytest.mark.parametrize("table", [
    checks.REGISTRY, rules.RULES, assertions.REGISTRY, regressions.REGISTRY,
    configfiles.FORMATS, manifests.FORMATS,
], ids=lambda t: t.what)
def test_every_extension_point_is_a_registry(table: Registry[str, object]) -> None:
    assert isinstance(table, Registry)
