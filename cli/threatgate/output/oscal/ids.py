"""Identifiers of the OSCAL documents: control ids, source catalogs and stable UUIDs.

A model maps a control to requirements written ``FRAMEWORK:REQUIREMENT``
(``asvs-5.0:V1.2.4``, ``nist-800-53-r5:AC-2(1)``). OSCAL names a requirement by the
``control-id`` of a catalog, a token (a letter or ``_`` first, then letters, digits,
``.``, ``-`` or ``_``), and the catalog by an ``href``. :func:`control_id` and
:func:`catalog_href` give both, as docs/oscal.md documents them.

Every UUID is a version-5 UUID of the model id and the entity it names
(:func:`entity_uuid`), so the same model always gives the same document.
"""

from __future__ import annotations

import json
import re
import uuid

#: The OSCAL release the documents follow (the last of the 1.1 line).
OSCAL_VERSION = "1.1.3"
#: The namespace of threatgate's own properties (``props[].ns``), described in docs/oscal.md.
NAMESPACE = "https://github.com/threatgate/threatgate/blob/main/docs/oscal.md"
#: The namespace of every UUID the documents carry.
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)

#: NIST SP 800-53 rev5 as NIST publishes it in OSCAL (the official catalog document).
NIST_800_53_R5_CATALOG = ("https://raw.githubusercontent.com/usnistgov/oscal-content/main/"
                          "nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json")
#: Frameworks with an official OSCAL catalog; any other is named by :data:`URN_PREFIX`.
OFFICIAL_CATALOGS = {"nist-800-53-r5": NIST_800_53_R5_CATALOG}
#: ``urn:threatgate:framework:<framework id>`` names a framework without an OSCAL catalog
#: (ASVS, OWASP Top 10, CWE, frameworks imported into the repository).
URN_PREFIX = "urn:threatgate:framework:"

#: ``AC-2``, ``ac-2``, ``AC-02(01)``, ``ac-2.1``: family, control, enhancement.
_NIST_ID = re.compile(r"([a-z]{2})-0*(\d+)(?:\(0*(\d+)\)|\.0*(\d+))?")
#: What a token may hold after its first character (ASCII; everything else becomes '-').
_NOT_TOKEN = re.compile(r"[^a-z0-9._-]+")


def split_reference(reference: str) -> tuple[str, str]:
    """``asvs-5.0:V1.2.4`` -> (``asvs-5.0``, ``V1.2.4``): the framework is before the first
    colon (a requirement id may hold colons, as ``A01:2021`` does)."""
    framework, _, requirement = reference.partition(":")
    return framework, requirement


def is_nist(framework: str) -> bool:
    return framework.startswith("nist-800-53")


def control_id(framework: str, requirement: str) -> str:
    """The OSCAL ``control-id`` of a requirement of a framework.

    NIST SP 800-53: as NIST's catalogs write it, ``AC-2(1)`` -> ``ac-2.1`` (zero padding
    dropped: ``AC-02(01)`` is the same control). Any other framework (and a NIST id of
    another form): lower case, each run of characters other than ASCII letters, digits,
    ``.``, ``-`` and ``_`` as one ``-`` (none at the end), and a leading ``_`` when the
    result would not start with a letter: ``V1.2.4`` -> ``v1.2.4``, ``A01:2021`` ->
    ``a01-2021``, ``6.2.4`` -> ``_6.2.4``.
    """
    lowered = requirement.strip().lower()
    if is_nist(framework):
        found = _NIST_ID.fullmatch(lowered)
        if found:
            family, number, enhancement, dotted = found.groups()
            part = enhancement or dotted
            return f"{family}-{int(number)}" + (f".{int(part)}" if part else "")
    token = _NOT_TOKEN.sub("-", lowered)
    token = token.rstrip("-") or token
    return token if token[:1].isalpha() else "_" + token


def catalog_href(framework: str) -> str:
    """Where the catalog of a framework is: NIST's official OSCAL catalog, else a URN."""
    return OFFICIAL_CATALOGS.get(framework, URN_PREFIX + framework)


def entity_uuid(model_id: str, *entity: str) -> str:
    """The UUID of an entity of a model's documents: the same inputs, the same UUID."""
    return str(uuid.uuid5(UUID_NAMESPACE, json.dumps([model_id, *entity], ensure_ascii=False)))


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders the numbers in ids by value: V1.2.10 after V1.2.9."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", text) if part)
