"""Cells of a CSV file that a spreadsheet opens (CSV injection).

A spreadsheet evaluates a cell that starts like a formula, so text from a model could
run a formula (or worse, DDE) on the reader's machine. The CSV module quotes the
separators; this module keeps the cell from being read as a formula.
"""

from __future__ import annotations

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet would evaluate as a formula with a single quote."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell
