"""The identifiers of the OSCAL exports: control ids, catalogs and UUIDs."""

from __future__ import annotations

import re
import uuid

import pytest

from threatgate.output.oscal.ids import (
    NIST_800_53_R5_CATALOG,
    catalog_href,
    control_id,
    entity_uuid,
    natural_key,
    split_reference,
)

#: OSCAL's token (control-id), ASCII part.
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")


@pytest.mark.parametrize(("requirement", "expected"), [
    ("AC-2", "ac-2"), ("AC-2(1)", "ac-2.1"), ("ac-2.1", "ac-2.1"), ("AC-02(01)", "ac-2.1"),
    ("SI-10", "si-10"), ("SC-7(21)", "sc-7.21"), ("PT-5(2)", "pt-5.2"),
    ("AC-2(1)(a)", "ac-2-1-a"),  # not a control id of the catalog: the general rule
])
def test_nist_ids_are_written_as_nist_catalogs_write_them(requirement: str,
                                                          expected: str) -> None:
    assert control_id("nist-800-53-r5", requirement) == expected


@pytest.mark.parametrize(("framework", "requirement", "expected"), [
    ("asvs-5.0", "V1.2.4", "v1.2.4"), ("asvs-5.0", "V14.1.1", "v14.1.1"),
    ("owasp-top10-2021", "A01:2021", "a01-2021"), ("cwe", "CWE-79", "cwe-79"),
    ("pci-dss-4.0", "6.2.4", "_6.2.4"), ("custom", "Über/Größe", "_-ber-gr-e"),
    ("custom", "-x", "_-x"), ("custom", "a__b..c", "a__b..c"), ("custom", "x.1)", "x.1"),
    ("custom", "()", "_-"),
    ("asvs-5.0", "AC-2(1)", "ac-2-1"),  # the NIST form only for NIST
])
def test_other_ids_are_lower_case_tokens(framework: str, requirement: str,
                                         expected: str) -> None:
    assert control_id(framework, requirement) == expected
    assert TOKEN.fullmatch(expected)


def test_a_requirement_id_may_hold_colons() -> None:
    assert split_reference("owasp-top10-2021:A01:2021") == ("owasp-top10-2021", "A01:2021")


def test_catalogs_are_the_official_one_or_a_documented_urn() -> None:
    assert catalog_href("nist-800-53-r5") == NIST_800_53_R5_CATALOG
    assert NIST_800_53_R5_CATALOG.startswith("https://raw.githubusercontent.com/usnistgov/")
    assert catalog_href("asvs-5.0") == "urn:threatgate:framework:asvs-5.0"
    assert catalog_href("my-policy-1") == "urn:threatgate:framework:my-policy-1"


def test_uuids_are_version_5_and_depend_on_model_and_entity_only() -> None:
    one = entity_uuid("shop", "control", "C1")
    assert uuid.UUID(one).version == 5
    assert one == entity_uuid("shop", "control", "C1")
    assert len({one, entity_uuid("shop", "control", "C2"),
                entity_uuid("shop2", "control", "C1"),
                # no ambiguity where the parts join
                entity_uuid("shop", "control:C1"), entity_uuid("shop:control", "C1")}) == 5


def test_numbers_sort_by_value() -> None:
    ids = ["v1.2.10", "v1.2.9", "v1.10.1", "v1.2.4", "v2"]
    assert sorted(ids, key=natural_key) == ["v1.2.4", "v1.2.9", "v1.2.10", "v1.10.1", "v2"]
