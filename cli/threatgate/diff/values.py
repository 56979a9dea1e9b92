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


def _pair_groups(before: list[Any], after: list[Any]) -> dict[int, int]:
    """HEAD group index -> the BASE group it continues: the same controls first, then
    the one sharing most controls."""
    sets = [set(map(_key, g)) if isinstance(g, list) else {_key(g)} for g in before]
    news = [set(map(_key, g)) if isinstance(g, list) else {_key(g)} for g in after]
    pairs: dict[int, int] = {}
    for j, group in enumerate(news):
        same = next((i for i, g in enumerate(sets) if g == group and i not in pairs.values()),
                    None)
        if same is not None:
            pairs[j] = same
    for j, group in enumerate(news):
        if j in pairs:
            continue
        free = [(len(g & group), -i) for i, g in enumerate(sets) if i not in pairs.values()]
        best = max(free, default=(0, 0))
        if best[0]:
            pairs[j] = -best[1]
    return pairs


def _groups_change(before: list[Any], after: list[Any]) -> list[str]:
    """Mitigation groups, each compared with the BASE group it continues
    (``-C7 in group 2``; numbers are positions at HEAD, at BASE for a removed group)."""
    pairs = _pair_groups(before, after)
    parts: list[str] = []
    for j, now in enumerate(after):
        if j not in pairs:
            parts.append(f"+group {j + 1} {shown(now)}")
            continue
        was = before[pairs[j]]
        if isinstance(was, list) and isinstance(now, list):
            parts += _list_change(was, now, f" in group {j + 1}")
    for i, was in enumerate(before):
        if i not in pairs.values():
            parts.append(f"-group {i + 1} {shown(was)}")
    parts = [p for p in parts if not p.startswith("reordered")]
    return parts or ["groups reordered"]


def describe(before: Any, after: Any) -> str:
    """What changed between two values of one field, in words."""
    if isinstance(before, list) and after is None:
        after = []
    if isinstance(after, list) and before is None:
        before = []
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
