"""A changed field in words: what was added and removed, never both values in full.

``mitigated_by: -C7 in group 2``, ``objectives: +CO3``, ``assertions: +1 (pattern_absent
src/db.py)``, ``properties.confidentiality: medium -> high``, ``likelihood: 4 -> 2``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

#: Longest rendering of one value before it is cut with an ellipsis.
VALUE_WIDTH = 80


def shown(value: Any) -> str:
    """One value on one line, cut at :data:`VALUE_WIDTH`."""
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        brief = [f"{k}: {shown(v)}" for k, v in value.items()
                 if k in ("id", "type", "file", "path", "name", "kind", "entity")]
        text = "{" + ", ".join(brief) + "}" if brief else json.dumps(value, default=str)
    elif isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        text = "[" + ", ".join(str(v) for v in value) + "]"
    else:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                default=str)
    text = " ".join(str(text).split())
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _list_change(before: list[Any], after: list[Any], where: str = "") -> list[str]:
    old, new = Counter(_key(v) for v in before), Counter(_key(v) for v in after)
    values = {_key(v): v for v in [*before, *after]}
    added = [values[k] for k in (new - old).elements()]
    removed = [values[k] for k in (old - new).elements()]
    parts = [f"+{shown(v)}{where}" for v in added] + [f"-{shown(v)}{where}" for v in removed]
    if not parts and before != after:
        parts.append("reordered" + where)
    return parts


def _groups_change(before: list[Any], after: list[Any]) -> list[str]:
    """Mitigation groups compared position by position (``-C7 in group 2``)."""
    if sorted(map(_key, before)) == sorted(map(_key, after)):
        return ["groups reordered"]
    parts: list[str] = []
    for number in range(1, max(len(before), len(after)) + 1):
        was = before[number - 1] if number <= len(before) else None
        now = after[number - 1] if number <= len(after) else None
        if was == now:
            continue
        if was is None:
            parts.append(f"+group {number} {shown(now)}")
        elif now is None:
            parts.append(f"-group {number} {shown(was)}")
        elif isinstance(was, list) and isinstance(now, list):
            parts += _list_change(was, now, f" in group {number}")
        else:
            parts.append(f"group {number}: {shown(was)} -> {shown(now)}")
    return parts


def describe(before: Any, after: Any) -> str:
    """What changed between two values of one field, in words."""
    if isinstance(before, list) and isinstance(after, list):
        nested = any(isinstance(v, list) for v in [*before, *after])
        return ", ".join(_groups_change(before, after) if nested
                         else _list_change(before, after))
    if isinstance(before, dict) and isinstance(after, dict):
        parts = []
        for key in [*before, *(k for k in after if k not in before)]:
            if before.get(key) != after.get(key):
                parts.append(f"{key}: {describe(before.get(key), after.get(key))}")
        return "; ".join(parts)
    if before is None:
        return f"set to {shown(after)}"
    if after is None:
        return f"{shown(before)} removed"
    return f"{shown(before)} -> {shown(after)}"
