"""Terraform (``*.tf``): the types of ``resource`` and ``data`` blocks, the providers
(``provider "aws"`` blocks and ``required_providers`` entries), the ``source`` of each
``module`` (as ``module:<source>``) and a state ``backend``.

HCL is not parsed: block headers are matched line by line, which is all the mapping needs
and cannot fail on a file Terraform itself would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from threatgate.generate.repository.base import Clue, LineIndex, repository_reader

_BLOCK = re.compile(r"""^[ \t]*(resource|data)[ \t]+"([A-Za-z0-9_-]+)"[ \t]+"[^"\n]*"[ \t]*\{""",
                    re.MULTILINE)
_PROVIDER = re.compile(r"""^[ \t]*provider[ \t]+"?([A-Za-z0-9_-]+)"?[ \t]*\{""", re.MULTILINE)
_REQUIRED = re.compile(r"""^[ \t]*required_providers[ \t]*\{""", re.MULTILINE)
_REQUIRED_ENTRY = re.compile(r"""^[ \t]*([A-Za-z0-9_-]+)[ \t]*=[ \t]*\{""", re.MULTILINE)
_MODULE = re.compile(r"""^[ \t]*module[ \t]+"[^"\n]*"[ \t]*\{""", re.MULTILINE)
_SOURCE = re.compile(r'^[ \t]*source[ \t]*=[ \t]*"([^"\n]+)"', re.MULTILINE)
#: Most ``module`` blocks read in a file.
MAX_MODULES = 200
_BACKEND = re.compile(r"""^[ \t]*backend[ \t]+"([A-Za-z0-9_-]+)"[ \t]*\{""", re.MULTILINE)


def _proof(path: str, block: str, name: str) -> dict[str, str]:
    return {"type": "pattern_matches", "file": path,
            "pattern": rf"{block}\s+\"{re.escape(name)}\""}


#: Longest ``required_providers`` block read (a block that never closes ends there), and
#: most such blocks read in a file (a module has one).
MAX_BLOCK = 20_000
MAX_REQUIRED_BLOCKS = 10


def _block_end(text: str, start: int) -> int:
    """Where the block whose body starts at ``start`` (after its ``{``) closes."""
    depth, limit = 1, min(len(text), start + MAX_BLOCK)
    for found in re.finditer(r"[{}]", text[start:limit]):
        depth += 1 if found[0] == "{" else -1
        if depth == 0:
            return start + found.start()
    return limit


def _required_providers(text: str, path: str, lines: LineIndex) -> Iterator[Clue]:
    for block in islice(_REQUIRED.finditer(text), MAX_REQUIRED_BLOCKS):
        end = _block_end(text, block.end())
        for entry in _REQUIRED_ENTRY.finditer(text, block.end(), end):
            yield Clue("terraform", entry[1], path, lines.line(entry.start()))


@repository_reader("terraform", "Terraform (*.tf)", claims=lambda path: path.endswith(".tf"))
def read_terraform(text: str, path: str) -> Iterator[Clue]:
    lines = LineIndex(text)
    for match in _BLOCK.finditer(text):
        yield Clue("terraform", match[2], path, lines.line(match.start()),
                   _proof(path, match[1], match[2]))
    for match in _PROVIDER.finditer(text):
        yield Clue("terraform", match[1], path, lines.line(match.start()))
    yield from _required_providers(text, path, lines)
    for block in islice(_MODULE.finditer(text), MAX_MODULES):
        source = _SOURCE.search(text, block.end(), _block_end(text, block.end()))
        if source is not None:  # the registry or repository the module comes from
            yield Clue("terraform", f"module:{source[1]}", path, lines.line(source.start()))
    for match in _BACKEND.finditer(text):
        yield Clue("terraform", "backend", path, lines.line(match.start()))
