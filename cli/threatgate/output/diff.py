"""``threatgate diff`` results as text, JSON and a Markdown pull-request comment.

The Markdown starts with a hidden marker line (:data:`MARKER`) so that a bot can find and
update its one comment in place, then a summary table, the regressions, and one
collapsible section per model. It stays under GitHub's comment limit (65,536 characters)
by leaving out the sections that do not fit, and says so.
"""

from __future__ import annotations

import json
from typing import Any

from threatgate.diff.results import DiffResult, FieldChange, ModelDiff, Regression
from threatgate.model.vocabulary import COLLECTIONS, FINDING_RANK
from threatgate.output.escape.markdown import md_comment_cell
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import location, one_line

MARKER = "<!-- threatgate-diff -->"
#: GitHub refuses comments over 65,536 characters; keep a margin.
MARKDOWN_LIMIT = 65_000
_VALUE_WIDTH = 120
_SIGN = {"added": "+", "removed": "-", "changed": "~"}


def render(result: DiffResult, kind: str, *, limit: int = MARKDOWN_LIMIT) -> str:
    if kind == "text":
        return render_text(result)
    if kind == "json":
        return json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
    if kind == "markdown":
        return render_markdown(result, limit=limit)
    raise ValueError(f"unknown diff format {kind!r}")


# --- shared wording --------------------------------------------------------------------------


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                            default=str)
    shown = one_line(shown)
    return shown if len(shown) <= _VALUE_WIDTH else shown[: _VALUE_WIDTH - 1] + "…"


def _field(change: FieldChange, arrow: str = "->") -> str:
    if change.summary:
        return f"{change.field}: {change.summary.replace(' -> ', f' {arrow} ')}"
    return f"{change.field}: {_value(change.before)} {arrow} {_value(change.after)}"


def _ratio(value: Any) -> str:
    return f"{value * 100:.0f}%" if isinstance(value, (int, float)) else "-"


def posture_delta(model: ModelDiff) -> list[tuple[str, str, str]]:
    """(label, before, after) for the posture numbers that changed (all, for added/removed)."""
    before, after = model.before or {}, model.after or {}
    if not before and not after:
        return []
    rows: list[tuple[str, str, str]] = []

    def num(data: dict[str, Any], *path: str) -> str:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return "-" if value is None else str(value)

    for label, path in (
        ("threats", ("threats",)),
        ("critical", ("by_severity", "critical")),
        ("high", ("by_severity", "high")),
        ("medium", ("by_severity", "medium")),
        ("low", ("by_severity", "low")),
        ("unscored", ("by_severity", "unscored")),
        ("open threats", ("threat_states", "open")),
        ("accepted threats", ("threat_states", "accepted")),
        ("mitigated threats", ("threat_states", "mitigated")),
    ):
        rows.append((label, num(before, *path), num(after, *path)))
    rows.append(("mitigation ratio",
                 _ratio(before.get("mitigation_ratio")) if before else "-",
                 _ratio(after.get("mitigation_ratio")) if after else "-"))
    for label, key in (("objectives", "objectives"),
                       ("objectives mitigated", "objectives_mitigated"),
                       ("objectives at risk", "objectives_at_risk"),
                       ("objectives verified", "objectives_verified"),
                       ("controls implemented", "controls_implemented")):
        rows.append((label, num(before, key), num(after, key)))
    if before and after:
        rows = [row for row in rows if row[1] != row[2]]
    return rows


def _status_word(model: ModelDiff, arrow: str = "->") -> str:
    words = model.status
    if model.base_model:
        words += f": {model.base_model} {arrow} {model.model}"
    if model.status in ("renamed", "moved") and model.base_path != model.head_path:
        words += f" from {model.base_path}"
    return words


def _severity_key(r: Regression) -> tuple[bool, int, str, int]:
    """Unacknowledged first, then most severe first, then by place."""
    return (r.acknowledged, FINDING_RANK.get(r.severity, len(FINDING_RANK)), r.path, r.line)


def _titled(entity: str, title: str) -> str:
    return f"{entity} “{title}”" if title else entity


def _where(r: Regression) -> str:
    """file:line, marked when it is a line of the BASE version (what HEAD deleted)."""
    return r.where + (" (at BASE)" if r.side == "base" else "")


def _regression_lines(r: Regression, indent: str) -> list[str]:
    tag = "acknowledged" if r.acknowledged else "REGRESSION"
    line = f"{tag} [{r.kind}] ({r.severity}) {one_line(_where(r))}: {one_line(r.message)}"
    if r.acknowledged:
        line += f" (x-regression-ok: {one_line(r.reason or '')})"
    return [indent + line] + [f"{indent}    - {one_line(d)}" for d in r.details]


# --- text ------------------------------------------------------------------------------------


def _head_label(result: DiffResult) -> str:
    short = result.head_commit[:12] if result.head_commit else "uncommitted"
    return f"{one_line(result.head_ref)} ({short})"


def render_text(result: DiffResult) -> str:
    s = result.summary
    lines = [
        f"threatgate diff {one_line(result.base_ref)} ({result.base_commit[:12]}) -> "
        f"{_head_label(result)}",
        f"models: {s['models_added']} added, {s['models_removed']} removed, "
        f"{s['models_renamed']} renamed or moved, {s['models_modified']} modified, "
        f"{s['models_unreadable']} unreadable; entities: {s['entities_added']} added, "
        f"{s['entities_removed']} removed, {s['entities_changed']} changed",
        f"regressions: {s['regressions']}"
        + (f" (and {s['acknowledged']} acknowledged)" if s["acknowledged"] else ""),
    ]
    if result.repository:
        lines.append("")
        lines.append("configuration")
        for regression in sorted(result.repository, key=_severity_key):
            lines.extend(_regression_lines(regression, "  "))
    if not result.models:
        lines.append("no model changed")
    for model in result.models:
        lines.append("")
        lines.append(f"{one_line(model.model)}  {one_line(model.path)}  "
                     f"({one_line(_status_word(model))})")
        for side, error in (("BASE", model.base_error), ("HEAD", model.head_error)):
            if error:
                lines.append(f"  cannot be read at {side}: {one_line(error)}")
        delta = posture_delta(model)
        if delta:
            lines.append("  posture: " + ", ".join(f"{label} {b} -> {a}"
                                                   for label, b, a in delta))
        for change in model.model_fields:
            lines.append(f"  ~ model {one_line(_field(change))}")
        for entity in model.entities:
            singular = COLLECTIONS.get(entity.kind, entity.kind)
            title = f" \"{one_line(entity.title)}\"" if entity.title else ""
            base = " at BASE" if entity.change == "removed" else ""
            lines.append(f"  {_SIGN[entity.change]} {singular} {one_line(entity.entity)}"
                         f"{title}  ({terminal_location(entity.path, entity.line)}{base})")
            for change in entity.fields:
                lines.append(f"      {one_line(_field(change))}")
        for t in model.transitions:
            lines.append(f"  {t.kind} {one_line(_titled(t.entity, t.title))} {t.what}: "
                         f"{one_line(t.before)} -> {one_line(t.after)}")
        for regression in sorted(model.regressions, key=_severity_key):
            lines.extend(_regression_lines(regression, "  "))
        for note in model.notes:
            lines.append(f"  note: {one_line(note)}")
    for note in result.notes:
        lines.append(f"note: {one_line(note)}")
    return "\n".join(lines) + "\n"


# --- markdown --------------------------------------------------------------------------------


def _md_summary(result: DiffResult) -> list[str]:
    s = result.summary
    failing = result.failing
    if failing:
        verdict = (f"**{len(failing)} security regression{'s' if len(failing) != 1 else ''}**"
                   " need review")
    else:
        verdict = "No unacknowledged security regression"
    if s["acknowledged"]:
        verdict += f" ({s['acknowledged']} acknowledged with `x-regression-ok`)"
    head = md_comment_cell(result.head_ref)
    lines = [
        MARKER,
        f"### Threat model diff: {md_comment_cell(result.base_ref)} → {head}",
        "",
        ("\u26a0\ufe0f " if failing else "\u2705 ") + verdict + ".",
        "",
        f"Models: {s['models_added']} added, {s['models_removed']} removed, "
        f"{s['models_renamed']} renamed or moved, {s['models_modified']} modified"
        + (f", {s['models_unreadable']} unreadable" if s["models_unreadable"] else "")
        + f". Entities: {s['entities_added']} added, {s['entities_removed']} removed, "
        f"{s['entities_changed']} changed.",
        "",
    ]
    return lines


def _pair(before: Any, after: Any) -> str:
    return str(after) if before == after else f"{before} → {after}"


def _summary_row(model: ModelDiff) -> str:
    before, after = model.before or {}, model.after or {}

    def get(data: dict[str, Any], *path: str) -> Any:
        value: Any = data
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return "-" if value is None else value

    crit = _pair(get(before, "by_severity", "critical"), get(after, "by_severity", "critical"))
    high = _pair(get(before, "by_severity", "high"), get(after, "by_severity", "high"))
    ratio = _pair(_ratio(before.get("mitigation_ratio")) if before else "-",
                  _ratio(after.get("mitigation_ratio")) if after else "-")
    mitigated = _pair(get(before, "objectives_mitigated"), get(after, "objectives_mitigated"))
    at_risk = _pair(get(before, "objectives_at_risk"), get(after, "objectives_at_risk"))
    verified = _pair(get(before, "objectives_verified"), get(after, "objectives_verified"))
    failing = sum(not r.acknowledged for r in model.regressions)
    acknowledged = len(model.regressions) - failing
    regressions = str(failing) + (f" (+{acknowledged} ack.)" if acknowledged else "")
    return (f"| {md_comment_cell(model.model)} | {md_comment_cell(_status_word(model, '→'))} | "
            f"{crit} / {high} | "
            f"{ratio} | {mitigated} | {at_risk} | {verified} | {regressions} |")


_TABLE_HEAD = [
    "| Model | Change | Critical / high | Mitigation ratio | Objectives mitigated "
    "| At risk | Verified | Regressions |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
]


def _regression_row(r: Regression) -> str:
    state = "acknowledged" if r.acknowledged else "**regression**"
    why = md_comment_cell(r.message)
    why += "".join(f"<br>• {md_comment_cell(detail)}" for detail in r.details)
    if r.acknowledged:
        why += f"<br>x-regression-ok: {md_comment_cell(r.reason or '')}"
    return f"| {state} | {r.severity} | `{r.kind}` | {md_comment_cell(_where(r))} | {why} |"


def _details(model: ModelDiff) -> list[str]:
    counts = {kind: sum(e.change == kind for e in model.entities)
              for kind in ("added", "removed", "changed")}
    summary = (f"{md_comment_cell(model.model)} ({md_comment_cell(_status_word(model, '→'))}): "
               f"{counts['added']} added, {counts['removed']} removed, "
               f"{counts['changed']} changed")
    failing = sum(not r.acknowledged for r in model.regressions)
    if failing:
        summary += f", {failing} regression{'s' if failing != 1 else ''}"
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    for side, error in (("BASE", model.base_error), ("HEAD", model.head_error)):
        if error:
            lines.append(f"- cannot be read at {side}: {md_comment_cell(error)}")
    delta = posture_delta(model)
    if delta:
        lines += ["", "| Posture | Before | After |", "| --- | --- | --- |"]
        lines += [f"| {label} | {b} | {a} |" for label, b, a in delta]
        lines.append("")
    for change in model.model_fields:
        lines.append(f"- changed model {md_comment_cell(_field(change, '→'))}")
    for entity in model.entities:
        singular = COLLECTIONS.get(entity.kind, entity.kind)
        title = f" “{md_comment_cell(entity.title)}”" if entity.title else ""
        base = " at BASE" if entity.change == "removed" else ""
        lines.append(f"- {entity.change} {singular} **{md_comment_cell(entity.entity)}**{title} "
                     f"({md_comment_cell(location(entity.path, entity.line))}{base})")
        for change in entity.fields:
            lines.append(f"  - {md_comment_cell(_field(change, '→'))}")
    if model.transitions:
        lines.append("")
        for t in model.transitions:
            title = f" “{md_comment_cell(t.title)}”" if t.title else ""
            lines.append(f"- {t.kind} **{md_comment_cell(t.entity)}**{title} {t.what}: "
                         f"{md_comment_cell(t.before)} → {md_comment_cell(t.after)}")
    for note in model.notes:
        lines.append(f"- note: {md_comment_cell(note)}")
    lines += ["", "</details>", ""]
    return lines


def render_markdown(result: DiffResult, *, limit: int = MARKDOWN_LIMIT) -> str:
    """The pull-request comment, never longer than ``limit`` characters."""
    head = _md_summary(result)
    ending = ("\n<sub>Acknowledge an intended regression in the model itself: "
              "`x-regression-ok: [{kind: …, entity: …, reason: …}]`.</sub>\n")
    budget = limit - len("\n".join(head)) - len(ending) - 400  # room for the omission note
    body: list[str] = []
    used = 0
    omitted: dict[str, int] = {"models": 0, "regressions": 0, "details": 0}

    def take(block: list[str], what: str, count: int = 1) -> bool:
        nonlocal used
        size = sum(len(line) + 1 for line in block)
        if used + size > budget:
            omitted[what] += count
            return False
        body.extend(block)
        used += size
        return True

    if result.models:
        if take(list(_TABLE_HEAD), "models"):
            for model in result.models:
                take([_summary_row(model)], "models")
            take([""], "models", 0)
        else:
            omitted["models"] = len(result.models)
    else:
        take(["No model changed.", ""], "models")
    if result.regressions:
        ordered = sorted(result.regressions, key=_severity_key)
        if take(["#### Regressions", "", "| | Severity | Kind | Where | Why it matters |",
                 "| --- | --- | --- | --- | --- |"], "regressions"):
            for regression in ordered:
                take([_regression_row(regression)], "regressions")
            take([""], "regressions", 0)
        else:
            omitted["regressions"] = len(ordered)
    for model in result.models:
        if not model.model_fields and not model.entities and not model.transitions \
                and not model.base_error and not model.head_error and not posture_delta(model):
            continue
        take(_details(model), "details")
    for note in result.notes:
        take([f"- note: {md_comment_cell(note)}"], "details")
    if any(omitted.values()):
        parts = [f"{count} {what}" for what, count in omitted.items() if count]
        body.append(f"> **Summarised**: {', '.join(parts)} left out to stay under GitHub's "
                    "comment size limit; run `threatgate diff` (or `--format json`) for "
                    "the full report.")
        body.append("")
    text = "\n".join(head + body) + ending
    if len(text) > limit:  # only a pathological summary gets here
        text = text[: limit - 80].rsplit("\n", 1)[0] + "\n\n> **Truncated.**\n"
    return text
