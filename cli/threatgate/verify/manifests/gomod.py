"""``go.mod``: ``require`` lines and blocks (``replace`` and ``exclude`` are not applied)."""

from __future__ import annotations

from threatgate.verify.manifests.base import (
    Declaration,
    Manifest,
    ManifestError,
    manifest_format,
)


@manifest_format("go.mod", "go.mod", names=("go.mod",))
def read_go_mod(text: str, path: str) -> Manifest:
    declarations: list[Declaration] = []
    block: str | None = None
    block_line = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            elif block == "require":
                declarations.append(_go_require(line, number, path))
            continue
        verb, _, rest = line.partition(" ")
        rest = rest.strip()
        if verb.endswith("(") and len(verb) > 1:
            verb, rest = verb[:-1], "("
        if rest == "(":
            block, block_line = verb, number
        elif verb == "require":
            declarations.append(_go_require(rest, number, path))
    if block is not None:
        raise ManifestError(f"{path} line {block_line}: the {block} block is never closed")
    return Manifest("go", declarations)


def _go_require(entry: str, number: int, path: str) -> Declaration:
    parts = entry.split()
    if len(parts) != 2:
        raise ManifestError(f"{path} line {number}: expected 'module/path vX.Y.Z', "
                            f"found {entry[:80]!r}")
    module = parts[0].strip('"`')
    return Declaration(module, parts[1], "require", number, "go")
