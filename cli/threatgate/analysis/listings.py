"""Listings over assessments: one row per entity, with filters and pagination.

Every listing command works the same way: pick a listing, filter by status, control or
objective, page with offset and limit. Rows are plain dicts so that every renderer (text
table, JSON, Markdown) shows the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from threatgate.analysis.assessment import ModelAssessment
from threatgate.model.vocabulary import SEVERITY_RANK

LISTINGS = ("threats", "objectives", "controls", "findings", "queue", "leverage", "expiring")

#: Statuses a listing can be filtered by (for --help and for clear errors).
STATUSES: dict[str, tuple[str, ...]] = {
    "threats": ("mitigated", "accepted", "open"),
    "objectives": ("mitigated", "at_risk", "unassessed", "verified"),
    "controls": ("planned", "in_progress", "implemented", "not_applicable", "wont_do",
                 "verified", "failing"),
    "findings": ("discovered", "acknowledged", "remediated", "verified", "dismissed"),
    "queue": (),
    "leverage": ("planned", "in_progress"),
    "expiring": ("expired", "expiring"),
}


@dataclass
class Page:
    listing: str
    total: int
    offset: int
    limit: int | None
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"listing": self.listing, "total": self.total, "offset": self.offset,
                "limit": self.limit, "items": self.rows}


def _threats(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for t in sorted(a.threats, key=lambda t: (SEVERITY_RANK[t.severity], -(t.score or 0), t.id)):
        yield {"model": a.model_id, "id": t.id, "title": t.title, "severity": t.severity,
               "score": t.score, "status": t.state, "mitigated_by": t.mitigated_by,
               "controls": t.mitigations, "objectives": t.objectives,
               "path": a.path, "line": t.location[0]}


def _objectives(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for o in a.objectives:
        p = o.posture
        yield {"model": a.model_id, "id": o.id, "asset": o.asset, "attacker": o.attacker,
               "tier": o.tier, "status": p.status, "mitigated_by": p.mitigated_by,
               "level": p.level, "reason": p.reason, "group": p.group,
               "assumption": p.assumption, "missing": p.missing,
               "defense_in_depth": p.defense_in_depth, "accepted": o.accepted,
               "controls": sorted({*p.group, *p.missing, *p.defense_in_depth}),
               "path": a.path, "line": o.location[0]}


def _controls(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for c in a.controls:
        yield {"model": a.model_id, "id": c.id, "title": c.title, "status": c.status,
               "verification": c.verification, "assertions": c.assertions,
               "objectives": c.objectives, "threats": c.threats,
               "path": a.path, "line": c.location[0]}


def _findings(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for f in a.findings:
        yield {"model": a.model_id, "id": f.id, "control": f.control, "title": f.title,
               "severity": f.severity, "status": f.status, "path": a.path,
               "line": f.location[0]}


def _queue(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for q in a.review_queue:
        yield {"model": a.model_id, "priority": q.priority, "kind": q.kind, "id": q.entity,
               "message": q.message, "path": a.path, "line": q.location[0]}


def _leverage(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for r in a.leverage:
        yield {"model": a.model_id, "id": r.control, "title": r.title, "status": r.status,
               "closes": r.closes, "advances": r.advances, "threats": r.threats,
               "path": a.path}


def _expiring(a: ModelAssessment) -> Iterable[dict[str, Any]]:
    for d in a.dated:
        yield {"model": a.model_id, "kind": d.kind, "id": d.label, "date": d.date,
               "days_left": d.days_left, "status": "expired" if d.expired else "expiring",
               "path": a.path, "line": d.location[0]}


_ROWS = {"threats": _threats, "objectives": _objectives, "controls": _controls,
         "findings": _findings, "queue": _queue, "leverage": _leverage, "expiring": _expiring}


def _status_matches(listing: str, row: dict[str, Any], status: str) -> bool:
    if listing == "objectives" and status == "verified":
        return bool(row["level"] == "verified")
    if listing == "controls" and status in ("verified", "failing"):
        return bool(row["verification"] == status)
    return bool(row.get("status") == status)


def _control_matches(listing: str, row: dict[str, Any], control: str) -> bool:
    if listing in ("threats", "objectives"):
        return control in row["controls"]
    if listing == "findings":
        return bool(row["control"] == control)
    return bool(row.get("id") == control)


def _objective_matches(listing: str, row: dict[str, Any], objective: str) -> bool:
    if listing in ("threats", "controls"):
        return objective in row["objectives"]
    if listing == "leverage":
        return objective in row["advances"]
    return bool(row.get("id") == objective)


def listing(assessments: list[ModelAssessment], name: str, *, status: str | None = None,
            control: str | None = None, objective: str | None = None, offset: int = 0,
            limit: int | None = None) -> Page:
    """Rows of one listing over all models, filtered, then paged."""
    if name not in _ROWS:
        raise ValueError(f"unknown listing {name!r}; one of {', '.join(LISTINGS)}")
    rows = [row for a in assessments for row in _ROWS[name](a)]
    if name == "queue":
        rows.sort(key=lambda r: (r["priority"], r["model"], r["line"]))
    if status:
        rows = [r for r in rows if _status_matches(name, r, status)]
    if control:
        rows = [r for r in rows if _control_matches(name, r, control)]
    if objective:
        rows = [r for r in rows if _objective_matches(name, r, objective)]
    page = rows[offset: offset + limit if limit is not None else None]
    return Page(name, len(rows), offset, limit, page)
