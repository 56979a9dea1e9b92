"""The colours of the pictures: the site's own (``templates/site/assets/site.css``), so a
critical threat is the same red in a table, a badge of text and a matrix cell.

SVG drawn into a page cannot read the stylesheet's custom properties when it is saved
or printed on its own, so the values are repeated here; a test keeps both in step.
"""

from __future__ import annotations

from functools import lru_cache

#: ``--critical`` ... ``--unscored`` of site.css.
SEVERITY_COLOURS = {
    "critical": "#a40e26",
    "high": "#d1242f",
    "medium": "#bc4c00",
    "low": "#4d6a00",
    "unscored": "#57606a",
}
#: ``--fg``, ``--muted``, ``--line``, ``--ok``, ``--warn``, ``--bad`` of site.css.
INK = "#1b1f24"
MUTED = "#57606a"
LINE = "#d0d7de"
OK = "#1a7f37"
WARN = "#9a6700"
BAD = "#cf222e"
WHITE = "#ffffff"
#: ``a { color }`` of site.css.
LINK = "#0969da"
FONT_FAMILY = "system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"

#: The colour of each part of a bar, by the segment's key (views.pictures).
SEGMENT_COLOURS = {
    "mitigated_by_controls": OK,
    "mitigated_by_assumption": LINK,
    "at_risk": BAD,
    "at_risk_failing_evidence": "#82071e",
    "at_risk_missing_controls": BAD,
    "at_risk_expired_attestation": "#a40e26",
    "at_risk_pending_attestation": "#bc4c00",
    "at_risk_insufficient_by_design": "#6e2c58",
    "at_risk_no_mitigation_group": "#e5534b",
    "unassessed": WARN,
    "planned": "#6e7781",
    "in_progress": WARN,
    "implemented": OK,
    "not_applicable": "#afb8c1",
    "wont_do": "#d1242f",
    "verification_verified": OK,
    "verification_failing": BAD,
    "verification_pending": WARN,
    "verification_none": "#afb8c1",
    "coverage_verified": OK,
    "coverage_covered": "#4ac26b",
    "coverage_partial": WARN,
    "coverage_planned": "#6e7781",
    "coverage_unmapped": BAD,
    "coverage_excluded": "#afb8c1",
}


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


@lru_cache(maxsize=64)
def tint(colour: str, share: float) -> str:
    """``colour`` mixed with white, ``share`` of it kept (a light fill that prints)."""
    mixed = (round(255 - (255 - c) * share) for c in _channels(colour))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2) of a ``#rrggbb`` colour."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(fill: str) -> str:
    """White or ink, whichever reads better on ``fill`` (WCAG contrast)."""
    light = luminance(fill)
    return WHITE if (1.05 / (light + 0.05)) >= (light + 0.05) / (luminance(INK) + 0.05) \
        else INK
