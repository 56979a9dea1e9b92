"""``threatgate compliance import``: a source file made into a catalogue of the repository.

The source is read and checked completely before anything is written; the catalogue file
is then written atomically into the configured folder, so a bad file leaves nothing
behind and a good one replaces an older import whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from threatgate.catalogues.library import SUFFIX, library_for
from threatgate.catalogues.model import FRAMEWORK_ID, Catalogue, dump_catalogue
from threatgate.catalogues.readers import read_source
from threatgate.errors import InputError
from threatgate.model.config import Config
from threatgate.support.outputs import write_into


@dataclass(frozen=True)
class Imported:
    catalogue: Catalogue
    path: Path
    replaced: bool


def framework_id_from(path: Path) -> str:
    """A framework id made from a file name: ``OWASP_ASVS_5.0.0_en.flat.json`` ->
    ``owasp-asvs-5.0.0-en.flat``."""
    stem = path.name.split(".json")[0] if path.suffix.lower() == ".json" else path.stem
    return re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._") or "framework"


def import_catalogue(source: Path, config: Config, framework: str | None = None, *,
                     replace: bool = False) -> Imported:
    """Read ``source`` as the catalogue ``framework`` and write it into the repository."""
    framework = framework or framework_id_from(source)
    if not FRAMEWORK_ID.fullmatch(framework):
        raise InputError(f"--id {framework!r}: a framework id is lower-case letters, digits, "
                         "'.', '_' or '-', starting with a letter or digit, e.g. acme-2024")
    library = library_for(config)
    if library.is_shipped(framework):
        raise InputError(f"{framework!r} is a shipped catalogue; give the import another "
                         "id with --id")
    target = config.compliance_dir / f"{framework}{SUFFIX}"
    existed = target.exists()
    if existed and not replace:
        raise InputError(f"{target}: the framework {framework!r} is already imported; "
                         "--replace writes over it")
    try:
        catalogue = read_source(source, framework)
    except InputError as exc:
        raise InputError(exc.message, path=str(source)) from None
    written = write_into(config.compliance_dir, f"{framework}{SUFFIX}",
                         dump_catalogue(catalogue).encode("utf-8"))
    return Imported(catalogue, written, existed)
