"""How the data-flow diagram writes coordinates: short and deterministic."""

from __future__ import annotations


def xy(x: float, y: float) -> str:
    """A point as SVG path data and ``points`` lists write it: ``x y``."""
    return f"{num(x)} {num(y)}"


def num(value: float) -> str:
    """Coordinates with one decimal, no trailing ``.0``: short and deterministic."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text
