"""``configuration-weakened``: the change edits the configuration so that less is checked.

The configuration is written by the same pull request as the models, so the change is
compared with BASE's (:mod:`threatgate.diff.scope`). Weakening is any of:

* a model file present at HEAD that BASE's ``models``/``exclude`` review and HEAD's do
  not (the gate at HEAD would no longer see it; the diff still compares it);
* a ``[gate]`` threshold loosened or removed (a flag switched off, a minimum lowered, a
  maximum raised, ``fail_on_at_risk`` moved to a higher tier);
* a ``[rules]`` severity lowered (``error`` -> ``warning`` -> ``off``) or unset.

One regression for the configuration file, every weakening in its details. A note
acknowledging it names the configuration file (``threatgate.toml`` or
``pyproject.toml``, as its path in the repository) and may sit in any model the change
touches.
"""

from __future__ import annotations

import re
from typing import Any

from threatgate.diff.regressions.base import regression_check
from threatgate.diff.results import Regression
from threatgate.diff.sides import ModelFiles
from threatgate.model.vocabulary import SEVERITY_RANK

#: Severities of a semantic rule, weakest first.
RULE_RANK = {"off": 0, "warning": 1, "error": 2}
#: How many hidden model files are named before "and N more".
SHOWN = 20


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def looser(key: str, before: Any, after: Any) -> bool:
    """Whether a ``[gate]`` threshold fails less at HEAD than at BASE."""
    if before == after or before is None:
        return False
    if after is None:
        return True
    if isinstance(before, bool):
        return bool(before) and not after
    if _number(before) and _number(after):
        return bool(after < before) if key.startswith("min_") else bool(after > before)
    if key == "fail_on_at_risk" and before in SEVERITY_RANK and after in SEVERITY_RANK:
        return SEVERITY_RANK[after] < SEVERITY_RANK[before]
    if isinstance(before, dict) and isinstance(after, dict):
        return any(looser(f"max_{k}", v, after.get(k)) for k, v in before.items())
    return True  # another value of another kind: say so


def _shown(value: Any) -> str:
    return "(unset)" if value is None else str(value)


def _settings_changes(base: Any, head: Any) -> list[str]:
    lines = []
    for key in sorted(set(base.gate) | set(head.gate)):
        was, now = base.gate.get(key), head.gate.get(key)
        if looser(key, was, now):
            lines.append(f"gate.{key}: {_shown(was)} -> {_shown(now)}")
    for rule in sorted(set(base.rules) | set(head.rules)):
        was, now = base.rules.get(rule), head.rules.get(rule)
        if was is not None and RULE_RANK.get(str(now), -1) < RULE_RANK.get(str(was), 0):
            lines.append(f"rules.{rule}: {_shown(was)} -> {_shown(now)}")
    return lines


def _hidden(files: ModelFiles) -> list[str]:
    base, head = files.scope.sides
    if (base.config.root, base.config.models, base.config.exclude) == (
            head.config.root, head.config.models, head.config.exclude):
        return []  # the same files are models on both sides: nothing to list
    present = files.git.files(files.head_commit, files.pathspecs)
    return [path for path in present
            if base.is_model_path(files.top, path) and not head.is_model_path(files.top, path)]


def _line(text: str, details: list[str]) -> int:
    """The line of the first setting named in ``details`` (1 when it is not found)."""
    lines = text.splitlines()
    for detail in details:
        key = detail.split(":", 1)[0].rsplit(".", 1)[-1]
        for number, line in enumerate(lines, start=1):
            if re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
                return number
    return 1


@regression_check("configuration-weakened", order=5, scope="repository", severity="high")
def find_configuration_weakened(files: ModelFiles) -> list[Regression]:
    base, head = files.scope.sides
    details = _settings_changes(base.config, head.config)
    hidden = _hidden(files)
    loosened = len(details)
    if hidden:
        more = f" and {len(hidden) - SHOWN} more" if len(hidden) > SHOWN else ""
        details.insert(0, "model files no longer reviewed at HEAD: "
                       + ", ".join(hidden[:SHOWN]) + more)
    if not details:
        return []
    path = head.path or base.path or "threatgate.toml"
    line = _line(head.text, ["exclude: ", "models: "] if hidden else details)
    what = []
    if hidden:
        what.append(f"stops reviewing {len(hidden)} model file(s) (the gate at HEAD "
                    "would not see them)")
    if loosened:
        what.append(f"loosens {loosened} setting(s) of the gate or the rules")
    return [Regression(
        "configuration-weakened", "(configuration)", path,
        f"the change to the configuration {' and '.join(what)}", path, line, "head",
        aliases=frozenset({path}), severity="high", details=details)]
