"""Locate the data files shipped with threatgate: JSON schemas and templates.

A wheel carries them inside the package (``threatgate/_data/``); an editable install or a
source checkout reads them from the repository's top-level ``schemas/`` and ``templates/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: The installed ``threatgate`` package (its code, and in a wheel its ``_data``).
PACKAGE_DIR = Path(__file__).resolve().parent.parent


@cache
def data_dir(name: str) -> Path:
    """Return the folder holding the shipped ``schemas`` or ``templates``."""
    bundled = PACKAGE_DIR / "_data" / name
    if bundled.is_dir():
        return bundled
    checkout = PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise RuntimeError(f"threatgate is installed without its {name!r} data folder")


def schema_dir() -> Path:
    return data_dir("schemas")


def template_dir() -> Path:
    return data_dir("templates")
