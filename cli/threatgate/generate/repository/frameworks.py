"""Framework settings read as text: the middleware a Django settings module lists.

``settings.py`` (or a module of a ``settings/`` package) is read, never imported: each
quoted dotted name ending in ``Middleware`` is a ``middleware`` clue, proved by
``middleware_registered``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from threatgate.generate.repository.base import Clue, LineIndex, file_name, repository_reader

_MIDDLEWARE = re.compile(r"""["']((?:[A-Za-z_][A-Za-z0-9_]*\.)+[A-Za-z_][A-Za-z0-9_]*"""
                         r"""Middleware)["']""")


def is_settings(path: str) -> bool:
    parts = path.split("/")
    return file_name(path) == "settings.py" or (
        parts[-1].endswith(".py") and parts[-2:-1] == ["settings"])


@repository_reader("frameworks", "framework settings (Django settings.py)", claims=is_settings)
def read_settings(text: str, path: str) -> Iterator[Clue]:
    lines = LineIndex(text)
    for match in _MIDDLEWARE.finditer(text):
        if "#" in text[text.rfind("\n", 0, match.start()) + 1:match.start()]:
            continue  # commented out
        name = match[1]
        yield Clue("middleware", name, path, lines.line(match.start()),
                   {"type": "middleware_registered", "file": path,
                    "name": name.rsplit(".", 1)[-1]})
