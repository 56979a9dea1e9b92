"""Assessments as text, JSON and Markdown: summaries by default, details and listings on request."""

from __future__ import annotations

import json
from typing import Any

from threatgate.analysis.assessment import InvalidModel, ModelAssessment
from threatgate.analysis.listings import Page
from threatgate.output.escape.markdown import md_cell
from threatgate.output.escape.terminal import terminal_location
from threatgate.output.escape.text import location, one_line

DETAIL_LIMIT = 10


def model_summary(a: ModelAssessment) -> dict[str, Any]:
    states = a.threat_states
    return {
        "id": a.model_id,
        "title": a.title,
        "path": a.path,
        "system": a.system,
        "owner": a.owner,
        "threats": {"total": len(a.threats), "by_severity": a.by_severity, **states,
                    "mitigation_ratio": a.mitigation_ratio},
        "objectives": a.objective_states,
        "controls": {**a.control_progress, "by_status": a.controls_by_status},
        "findings": a.findings_by_status,
        "expiring": {"expired": sum(d.expired for d in a.dated),
                     "expiring": sum(not d.expired for d in a.dated)},
        "verification_run": a.verification_run,
        "review_queue": len(a.review_queue),
        "leverage": [r.control for r in a.leverage[:3]],
        "empty": a.empty,
    }


def _totals(models: list[dict[str, Any]]) -> dict[str, Any]:
    def add(into: dict[str, Any], part: dict[str, Any]) -> None:
        for key, value in part.items():
            if isinstance(value, dict):
                add(into.setdefault(key, {}), value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                into[key] = into.get(key, 0) + value

    totals: dict[str, Any] = {"models": len(models)}
    for model in models:
        for section in ("threats", "objectives", "controls", "findings", "expiring"):
            add(totals.setdefault(section, {}), model[section])
    threats = totals.get("threats", {})
    threats["mitigation_ratio"] = (round(threats.get("mitigated", 0) / threats["total"], 4)
                                   if threats.get("total") else 0.0)
    return totals


def summary_json(assessments: list[ModelAssessment], invalid: list[InvalidModel],
                 today: str, details: bool = False) -> str:
    models = [model_summary(a) for a in assessments]
    if details:
        for model, a in zip(models, assessments, strict=True):
            model["open_threats"] = [
                {"id": t.id, "title": t.title, "severity": t.severity, "state": t.state}
                for t in _residual(a)]
            model["at_risk"] = [
                {"id": o.id, "tier": o.tier, "reason": o.posture.reason,
                 "missing": o.posture.missing,
                 **({"blocked": o.posture.why_no_group} if o.posture.why_no_group else {})}
                for o in a.objectives if o.posture.status == "at_risk"]
            model["review_queue"] = [
                {"kind": q.kind, "id": q.entity, "message": q.message, "line": q.location[0]}
                for q in a.review_queue]
            model["leverage"] = [
                {"control": r.control, "closes": r.closes, "advances": r.advances,
                 "threats": r.threats} for r in a.leverage]
    document = {"today": today, "totals": _totals(models), "models": models,
                "invalid": [{"path": bad.path, "line": bad.line, "column": bad.column,
                             "problem": bad.problem} for bad in invalid]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _residual(a: ModelAssessment) -> list[Any]:
    """What is still open, highest severity first."""
    from threatgate.model.vocabulary import SEVERITY_RANK

    return sorted((t for t in a.threats if t.state != "mitigated"),
                  key=lambda t: (t.state == "accepted", SEVERITY_RANK[t.severity],
                                 -(t.score or 0), t.id))


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in values.items())


def summary_text(assessments: list[ModelAssessment], invalid: list[InvalidModel],
                 details: bool = False) -> str:
    out: list[str] = []
    for a in assessments:
        s = a.threat_states
        o = a.objective_states
        progress = a.control_progress
        expired = sum(d.expired for d in a.dated)
        out.append(f"{a.model_id}: {one_line(a.title)} ({terminal_location(a.path)})")
        out.append(f"  threats     {len(a.threats)}: {_counts(a.by_severity)}; mitigated "
                   f"{s['mitigated']}, accepted {s['accepted']}, open {s['open']}; "
                   f"mitigation ratio {a.mitigation_ratio:.2f}")
        verified = (f"verified {o['verified']}" if a.verification_run
                    else "verification not run")
        out.append(f"  objectives  {o['total']}: mitigated {o['mitigated']} (by controls "
                   f"{o['mitigated_by_controls']}, by assumption "
                   f"{o['mitigated_by_assumption']}), {verified}, at risk "
                   f"{o['at_risk']}, unassessed {o['unassessed']}")
        statuses = _counts(a.controls_by_status).replace(
            f"implemented {progress['implemented']}",
            f"implemented {progress['implemented']} ("
            + (f"verified {progress['verified']})" if a.verification_run
               else "verification not run)"), 1)
        out.append(f"  controls    {progress['defined']}: {statuses}")
        if a.findings:
            out.append(f"  findings    {len(a.findings)}: {_counts(a.findings_by_status)}")
        if a.dated:
            out.append(f"  expiring    {expired} expired, {len(a.dated) - expired} "
                       "expiring soon")
        if a.empty:
            out.append("  empty       no threats and no objectives yet")
        if a.review_queue:
            out.append(f"  next        {len(a.review_queue)} item(s) need review "
                       "(threatgate assess --list queue)")
        if details:
            out += _details_text(a)
    for bad in invalid:
        out.append(f"{one_line(bad.path)}: cannot be assessed: {one_line(bad.problem)}")
    return "\n".join(out) + "\n"


def _details_text(a: ModelAssessment) -> list[str]:
    out = []
    residual = _residual(a)
    if residual:
        out.append("  still open, highest first:")
        out += [f"    {t.id} [{t.severity}{', accepted' if t.state == 'accepted' else ''}] "
                f"{one_line(t.title)}" for t in residual[:DETAIL_LIMIT]]
    at_risk = [o for o in a.objectives if o.posture.status == "at_risk"]
    if at_risk:
        out.append("  objectives at risk:")
        for o in at_risk[:DETAIL_LIMIT]:
            missing = f", missing {', '.join(o.posture.missing)}" if o.posture.missing else ""
            reason = one_line(o.posture.reason_text())
            out.append(f"    {o.id} [{o.tier}] {reason}{missing}")
    dind = sorted({c for o in a.objectives for c in o.posture.defense_in_depth})
    if dind:
        out.append(f"  defense in depth (not required): {', '.join(dind)}")
    if a.review_queue:
        out.append("  review queue:")
        out += [f"    {terminal_location(a.path, q.location[0])}: {one_line(q.message)}"
                for q in a.review_queue[:DETAIL_LIMIT]]
    if a.leverage:
        out.append("  remediation leverage:")
        for r in a.leverage[:DETAIL_LIMIT]:
            out.append(f"    {r.control} ({r.status}) closes {len(r.closes)}, advances "
                       f"{len(r.advances)} objective(s), mitigates {len(r.threats)} open "
                       f"threat(s): {one_line(r.title)}")
    return out


def summary_markdown(assessments: list[ModelAssessment], invalid: list[InvalidModel],
                     details: bool = False) -> str:
    out = ["| Model | Threats | Critical | High | Mitigated | Ratio | Objectives at risk "
           "| Controls implemented | Verified |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for a in assessments:
        o, p = a.objective_states, a.control_progress
        out.append(f"| {md_cell(a.title)} ({md_cell(a.model_id)}) | {len(a.threats)} | "
                   f"{a.by_severity['critical']} | {a.by_severity['high']} | "
                   f"{a.threat_states['mitigated']} | {a.mitigation_ratio * 100:.0f}% | "
                   f"{o['at_risk']} of {o['total']} | {p['implemented']} of {p['defined']} | "
                   f"{p['verified'] if a.verification_run else 'not run'} |")
    for bad in invalid:
        out.append(f"| {md_cell(bad.path)} | invalid: {md_cell(bad.problem)} | | | | | | | |")
    if details:
        for a in assessments:
            out += ["", f"### {md_cell(a.title)}", ""]
            residual = _residual(a)
            if residual:
                out += ["| Threat | Severity | State | Title |", "| --- | --- | --- | --- |"]
                out += [f"| {md_cell(t.id)} | {t.severity} | {t.state} | {md_cell(t.title)} |"
                        for t in residual]
            if a.review_queue:
                out += ["", "**Review queue**", ""]
                out += [f"1. {md_cell(q.message)} ({md_cell(location(a.path, q.location[0]))})"
                        for q in a.review_queue[:DETAIL_LIMIT]]
    return "\n".join(out) + "\n"


def _format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


LISTING_COLUMNS: dict[str, tuple[str, ...]] = {
    "threats": ("model", "id", "severity", "score", "status", "mitigated_by", "title"),
    "objectives": ("model", "id", "tier", "status", "reason", "asset", "attacker", "missing"),
    "controls": ("model", "id", "status", "verification", "assertions", "objectives", "title"),
    "findings": ("model", "id", "severity", "status", "control", "title"),
    "queue": ("model", "kind", "id", "message"),
    "leverage": ("model", "id", "status", "closes", "advances", "threats", "title"),
    "expiring": ("model", "kind", "id", "date", "days_left", "status"),
}


def page_text(page: Page) -> str:
    columns = LISTING_COLUMNS[page.listing]
    rows = [[one_line(_format_value(row.get(c))) for c in columns] for row in page.rows]
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    shown = f"{page.offset + 1}-{page.offset + len(page.rows)}" if page.rows else "none"
    lines.append(f"({shown} of {page.total} {page.listing})")
    return "\n".join(lines) + "\n"


def page_json(page: Page) -> str:
    return json.dumps(page.as_json(), indent=2, ensure_ascii=False) + "\n"


def page_markdown(page: Page) -> str:
    columns = LISTING_COLUMNS[page.listing]
    out = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    out += ["| " + " | ".join(md_cell(_format_value(row.get(c))) for c in columns) + " |"
            for row in page.rows]
    out.append("")
    out.append(f"{len(page.rows)} of {page.total} {page.listing} shown.")
    return "\n".join(out) + "\n"
