#!/usr/bin/env python3
"""Convert the official compliance sources into the catalogues threatgate ships.

Reads ``shared/reference/compliance/`` (the OWASP ASVS 5.0 flat JSON, CC BY-SA 4.0, and
NIST's OSCAL SP 800-53 rev5 resolved baseline catalogs and profiles, public domain) and
writes ``cli/threatgate/catalogues/data/``:

* ``asvs-5.0.json``: all ASVS requirements with chapter, section and level 1-3;
* ``nist-800-53-r5.json``: every control and enhancement of the LOW, MODERATE, HIGH and
  PRIVACY baselines with its title, the baselines as levels;
* ``owasp-top10-2021.json``: the ten 2021 categories (the table below);
* ``cwe.json``: the CWE ids the built-in rule packs name;
* the two licenses, copied, and a NOTICE with the attribution.

``--check`` writes nothing and exits 1 when a shipped file differs from what the sources
give (the test suite runs it). Run from anywhere: paths start at the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "cli"))

from threatgate.catalogues.model import (  # noqa: E402
    Catalogue,
    Group,
    Requirement,
    dump_catalogue,
)
from threatgate.catalogues.readers.asvs import catalogue_from_asvs  # noqa: E402
from threatgate.catalogues.readers.oscal import oscal_walk, profile_ids  # noqa: E402

TARGET = REPO / "cli" / "threatgate" / "catalogues" / "data"
PACKS = REPO / "cli" / "threatgate" / "generate" / "packs"
SOURCE_ENV = "THREATGATE_COMPLIANCE_SOURCES"
ASVS_FILE = "OWASP_ASVS_5.0.0_en.flat.json"
NIST_FILE = "NIST_SP-800-53_rev5_{}-baseline{}-min.json"
BASELINES = ("LOW", "MODERATE", "HIGH", "PRIVACY")
LICENSES = ("ASVS-LICENSE.md", "NIST-LICENSE.md")

OWASP_TOP10_2021 = (
    ("A01", "Broken Access Control"),
    ("A02", "Cryptographic Failures"),
    ("A03", "Injection"),
    ("A04", "Insecure Design"),
    ("A05", "Security Misconfiguration"),
    ("A06", "Vulnerable and Outdated Components"),
    ("A07", "Identification and Authentication Failures"),
    ("A08", "Software and Data Integrity Failures"),
    ("A09", "Security Logging and Monitoring Failures"),
    ("A10", "Server-Side Request Forgery (SSRF)"),
)

NOTICE = """\
Compliance catalogues shipped with threatgate (cli/threatgate/catalogues/data/)
===============================================================================

Converted by scripts/convert_catalogues.py, never edited by hand.

asvs-5.0.json
  OWASP Application Security Verification Standard 5.0.0, (c) the OWASP Foundation
  and the ASVS project leaders and contributors, https://owasp.org/www-project-application-security-verification-standard/
  Licensed under the Creative Commons Attribution-ShareAlike 4.0 International license
  (CC BY-SA 4.0), see ASVS-LICENSE.md. Changes: the requirements of the flat JSON
  export re-encoded as a threatgate catalogue (id, text, level, section); the text is
  unchanged apart from collapsed white space. This adaptation is shared under the same
  license.

nist-800-53-r5.json
  NIST Special Publication 800-53 Revision 5 (5.1.1) controls and the SP 800-53B LOW,
  MODERATE, HIGH and PRIVACY baselines, from NIST's OSCAL content
  (https://github.com/usnistgov/oscal-content). A work of the United States government,
  not subject to copyright in the United States; see NIST-LICENSE.md. Only control
  ids, titles, families and baseline membership are kept.

owasp-top10-2021.json
  The category ids and names of the OWASP Top 10 2021, (c) the OWASP Foundation,
  CC BY-SA 4.0 (see ASVS-LICENSE.md for the license text).

cwe.json
  The CWE ids named by threatgate's built-in rule packs. CWE is a trademark of The
  MITRE Corporation; only the ids are used here.
"""


def source_dir(explicit: str | None) -> Path:
    """The folder of the sources: ``--source``, ``$THREATGATE_COMPLIANCE_SOURCES``, or
    ``shared/reference/compliance`` beside the repository (or one level further up)."""
    if explicit or os.environ.get(SOURCE_ENV):
        return Path(explicit or os.environ[SOURCE_ENV])
    for base in (REPO.parent, REPO.parent.parent):
        found = base / "shared" / "reference" / "compliance"
        if found.is_dir():
            return found
    raise SystemExit(f"no compliance sources found; pass --source or set {SOURCE_ENV}")


def _load(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def asvs(source: Path) -> Catalogue:
    return catalogue_from_asvs(
        _load(source / ASVS_FILE), "asvs-5.0",
        title="OWASP Application Security Verification Standard 5.0.0", version="5.0.0",
        source=ASVS_FILE, license="CC-BY-SA-4.0")


def _label_key(label: str, families: list[str]) -> tuple[int, tuple[int, ...]]:
    family, *numbers = re.split(r"[^0-9A-Za-z]+", label.lower())
    return families.index(family), tuple(int(n) for n in numbers if n.isdigit())


def nist(source: Path) -> Catalogue:
    """The union of the four baselines; each requirement lists the baselines it is in."""
    membership: dict[str, list[str]] = {}
    for baseline in BASELINES:
        for oscal_id in profile_ids(_load(source / NIST_FILE.format(baseline, "_profile"))):
            membership.setdefault(oscal_id, []).append(baseline.lower())
    controls: dict[str, tuple[str, str, str | None]] = {}
    groups: dict[str, Group] = {}
    for baseline in ("HIGH", "PRIVACY"):
        found_groups, found = oscal_walk(
            _load(source / NIST_FILE.format(baseline, "-resolved-profile_catalog")))
        for group in found_groups:
            groups.setdefault(group.id, group)
        for control in found:
            controls.setdefault(control.oscal_id, (control.label, control.title,
                                                   control.parent))
    missing = sorted(set(membership) - set(controls))
    if missing:
        raise SystemExit(f"baseline controls without a title in the catalogs: {missing}")
    families = [g.id for g in groups.values() if g.parent is None]
    labels = {controls[oscal_id][0] for oscal_id in membership}
    by_label = {label: (title, parent) for label, title, parent in controls.values()}
    requirements = []
    for oscal_id, levels in membership.items():
        label, title, parent = controls[oscal_id]
        if parent is not None and parent not in labels and parent not in groups:
            # An enhancement in a baseline whose control is in none (PM-5(1)): the
            # control is kept as the heading it sits under, not as a requirement.
            heading, family = by_label[parent]
            groups[parent] = Group(parent, heading, family)
        requirements.append(Requirement(label, title, tuple(levels), parent))
    requirements.sort(key=lambda r: _label_key(r.id, families))
    return Catalogue(
        "nist-800-53-r5", "NIST SP 800-53 Rev. 5 (LOW, MODERATE, HIGH and PRIVACY baselines)",
        tuple(requirements), tuple(groups.values()), tuple(b.lower() for b in BASELINES),
        False, "5.1.1", "NIST_SP-800-53_rev5_*-baseline (OSCAL)", "public-domain")


def owasp_top10() -> Catalogue:
    return Catalogue("owasp-top10-2021", "OWASP Top 10 2021",
                     tuple(Requirement(i, title) for i, title in OWASP_TOP10_2021),
                     version="2021", license="CC-BY-SA-4.0")


def pack_cwes(packs: Iterable[Path]) -> dict[str, list[str]]:
    """CWE id -> the ids of the rules that name it, over the rule packs."""
    from ruamel.yaml import YAML

    named: dict[str, list[str]] = {}
    for pack in packs:
        document = YAML(typ="safe", pure=True).load(pack.read_text(encoding="utf-8"))
        for rule in document.get("rules", []):
            for cwe in rule.get("cwe", []):
                named.setdefault(cwe, []).append(rule["id"])
    return named


def cwe() -> Catalogue:
    named = pack_cwes(sorted(PACKS.glob("*.yaml")))
    ordered = sorted(named, key=lambda cwe_id: int(cwe_id.split("-")[1]))
    return Catalogue("cwe", "CWE weaknesses named by the built-in rule packs", tuple(
        Requirement(cwe_id, f"{cwe_id} (rule-pack rules: {', '.join(sorted(named[cwe_id]))})")
        for cwe_id in ordered), license="CWE ids (MITRE)")


def outputs(source: Path) -> dict[str, str]:
    """File name -> content of everything written to the data folder."""
    files = {f"{c.id}.json": dump_catalogue(c)
             for c in (asvs(source), nist(source), owasp_top10(), cwe())}
    for name in LICENSES:
        files[name] = (source / name).read_text(encoding="utf-8")
    files["NOTICE"] = NOTICE
    return files


def stale(source: Path, target: Path = TARGET) -> list[str]:
    """The shipped files that differ from a fresh conversion (or are missing)."""
    return [name for name, text in outputs(source).items()
            if not (target / name).is_file()
            or (target / name).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="folder of the official source files")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a shipped file is out of date")
    args = parser.parse_args(argv)
    source = source_dir(args.source)
    if args.check:
        out_of_date = stale(source)
        for name in out_of_date:
            print(f"{TARGET / name}: out of date; run scripts/convert_catalogues.py")
        return 1 if out_of_date else 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, text in outputs(source).items():
        (TARGET / name).write_text(text, encoding="utf-8")
        print(f"wrote {TARGET / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
