"""The one configuration of ruamel.yaml's round-trip mode that reads and writes model text."""

from __future__ import annotations

from typing import Any


def round_trip_yaml() -> Any:
    """A round-trip YAML instance in fmt's layout that keeps quotes and refuses duplicates.

    A new instance each time: callers change its indentation for the text they render.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.allow_duplicate_keys = False
    return yaml
