"""Small hand-built models and reports for the tests of the pictures.

Not a test module: tests/views/test_picture_counts.py counts by hand what these models
give, tests/output/test_picture_svg.py draws them (golden files).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from handbuilt import GATE_MODEL
from threatgate.analysis.assess import assess_model
from threatgate.model.loader import load_text
from threatgate.views.report import Report
from threatgate.views.report_builder import build_report

TODAY = dt.date(2026, 6, 1)

#: Scores on the edge of the scale, a float score, out-of-range and half-given scores.
EDGES_MODEL = """\
threatgate: 1
id: edges
title: Edges
threats:
  - {id: T1, title: Top corner, likelihood: 5, impact: 5}
  - {id: T2, title: Float score, likelihood: 4.0, impact: 2}
  - {id: T3, title: Only likelihood, likelihood: 3}
  - {id: T4, title: Explicit severity, severity: high}
  - {id: T5, title: Bottom corner, likelihood: 1, impact: 1, mitigations: [C1]}
  - {id: T6, title: Bottom corner again, likelihood: 1, impact: 1}
  - {id: T7, title: Off the scale, likelihood: 6, impact: 2}
controls:
  - {id: C1, title: Done, status: implemented}
"""

EMPTY_MODEL = "threatgate: 1\nid: nothing\ntitle: Nothing\n"


def report_of(text: str, evidence: dict[str, Any] | None = None, *,
              verified: bool = False) -> Report:
    """The report of a model as of TODAY; ``verified``: as if verify had run."""
    data = load_text(text).data
    assessment = assess_model(data, path="m.yaml", today=TODAY, evidence=evidence)
    return build_report(data, assessment, TODAY, {} if verified else None)


def many(number: int) -> list[tuple[Report, str]]:
    """``number`` models: model i keeps the gate model's first i % 9 threats."""
    base = report_of(GATE_MODEL)
    return [(dataclasses.replace(base, model_id=f"m{i:04}", title=f"Model {i}",
                                 threats=base.threats[: i % 9]), f"models/m{i:04}.html")
            for i in range(number)]
