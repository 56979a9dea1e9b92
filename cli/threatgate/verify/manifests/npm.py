"""``package.json``: ``dependencies``, ``devDependencies``, ``peerDependencies``,
``optionalDependencies`` (``npm:name@range`` aliases match both names)."""

from __future__ import annotations

import re

from threatgate.verify.manifests.base import (
    Declaration,
    Manifest,
    ManifestError,
    find_line,
    manifest_format,
)
from threatgate.verify.textdata import load_json

NPM_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


@manifest_format("package.json", "package.json", names=("package.json",))
def read_package_json(text: str, path: str) -> Manifest:
    data = load_json(text, path, ManifestError)
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the top level is not an object")
    declarations: list[Declaration] = []
    for section in NPM_SECTIONS:
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise ManifestError(f"{path}: {section} is not an object")
        section_at = re.search(rf"\"{re.escape(section)}\"\s*:", text)
        start = section_at.end() if section_at else 0
        for name, spec in entries.items():
            if not isinstance(spec, str):
                raise ManifestError(f"{path}: {section}.{name} is not a version string")
            line = find_line(text, rf"\"{re.escape(name)}\"\s*:", start)
            also = None
            if spec.startswith("npm:"):  # an alias: npm:real-name@range
                body = spec[4:]
                scope = "@" if body.startswith("@") else ""
                real, _, spec = body[len(scope):].partition("@")
                also = scope + real
            declarations.append(Declaration(name, spec, section, line, "semver", also))
    return Manifest("npm", declarations)
