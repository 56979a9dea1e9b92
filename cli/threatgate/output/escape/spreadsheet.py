"""Cells of a CSV file that a spreadsheet opens (CSV injection).

A spreadsheet evaluates a cell that starts like a formula, so text from a model could
run a formula (or worse, DDE) on the reader's machine. The CSV module quotes the
separators; this module keeps the cell from being read as a formula.
"""

from __future__ import annotations

from threatgate.output.escape.text import one_line

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a cell a spreadsheet would evaluate as a formula with a single quote."""
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell


def one_line_cell(cell: str) -> str:
    """A neutralised cell printed on standard output, read line by line by a terminal
    or a CI log: line breaks and other control characters as escapes, tabs kept."""
    return "\t".join(one_line(part) for part in neutralise(cell).split("\t"))
