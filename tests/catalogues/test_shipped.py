"""The shipped catalogues: current with their official sources, counted, lazily loaded."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO_ROOT
from threatgate.catalogues.library import SHIPPED, SHIPPED_DIR, CatalogueLibrary

SCRIPT = REPO_ROOT / "scripts" / "convert_catalogues.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("convert_catalogues", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources() -> Path:
    convert = _script()
    try:
        return Path(convert.source_dir(None))
    except SystemExit:
        pytest.skip("the official compliance sources are not beside the repository")


def test_shipped_files_are_what_the_conversion_gives() -> None:
    convert = _script()
    assert convert.stale(_sources()) == []


def test_the_check_mode_of_the_script_fails_on_a_changed_file(tmp_path: Path) -> None:
    convert = _script()
    source = _sources()
    for name, text in convert.outputs(source).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert convert.stale(source, tmp_path) == []
    (tmp_path / "asvs-5.0.json").write_text("{}", encoding="utf-8")
    (tmp_path / "NOTICE").unlink()
    assert sorted(convert.stale(source, tmp_path)) == ["NOTICE", "asvs-5.0.json"]


def test_asvs_counts_and_levels() -> None:
    asvs = SHIPPED.require("asvs-5.0")
    assert len(asvs.requirements) == 345
    assert asvs.levels == ("1", "2", "3") and asvs.cumulative
    # Each requirement's own level, then the cumulative scope of --level N.
    assert [asvs.count_at(level) for level in asvs.levels] == [70, 183, 92]
    assert [len(asvs.scope(level)) for level in asvs.levels] == [70, 253, 345]
    first = asvs.get("V1.1.1")
    assert first is not None and first.parent == "V1.1" and first.levels == ("2",)
    titles = asvs.group_titles
    assert titles["V1"] == "Encoding and Sanitization"
    assert titles["V1.1"] == "Encoding and Sanitization Architecture"


def test_nist_counts_per_baseline() -> None:
    nist = SHIPPED.require("nist-800-53-r5")
    assert nist.levels == ("low", "moderate", "high", "privacy") and not nist.cumulative
    assert {level: len(nist.scope(level)) for level in nist.levels} == {
        "low": 149, "moderate": 287, "high": 370, "privacy": 96}
    # The union of the four baselines.
    assert len(nist.requirements) == 423
    enhancement = nist.get("AC-2(1)")
    assert enhancement is not None
    assert enhancement.text == "Automated System Account Management"
    assert enhancement.parent == "AC-2" and enhancement.levels == ("moderate", "high")
    assert nist.get("AC-1") is not None and nist.get("AC-1").levels == (  # type: ignore[union-attr]
        "low", "moderate", "high", "privacy")


def test_owasp_top10_and_cwe() -> None:
    top10 = SHIPPED.require("owasp-top10-2021")
    assert [r.id for r in top10.requirements] == [f"A{n:02}" for n in range(1, 11)]
    cwe = SHIPPED.require("cwe")
    assert "CWE-639" in cwe
    packs = (REPO_ROOT / "cli" / "threatgate" / "generate" / "packs").glob("*.yaml")
    named = set(_script().pack_cwes(packs))
    assert {r.id for r in cwe.requirements} == named


def test_licenses_and_notice_ship_beside_the_data() -> None:
    for name in ("ASVS-LICENSE.md", "NIST-LICENSE.md", "NOTICE"):
        assert (SHIPPED_DIR / name).is_file(), name
    notice = (SHIPPED_DIR / "NOTICE").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in notice and "not subject to copyright" in notice


def test_library_lists_shipped_frameworks_and_a_folder(tmp_path: Path) -> None:
    assert {"asvs-5.0", "nist-800-53-r5", "owasp-top10-2021", "cwe"} <= set(SHIPPED.ids())
    (tmp_path / "acme-1.json").write_text(
        '{"catalogue": 1, "id": "acme-1", "requirements": [["R1", "One", [], null]]}',
        encoding="utf-8")
    library = CatalogueLibrary(tmp_path)
    assert "acme-1" in library.ids() and library.get("acme-1") is not None
    assert library.get("nope") is None and library.get("../etc") is None


def test_unknown_framework_names_the_closest() -> None:
    from threatgate.errors import InputError

    with pytest.raises(InputError, match=r"did you mean asvs-5\.0"):
        SHIPPED.require("asvs-5.1")


def test_importing_the_package_loads_no_catalogue() -> None:
    probe = ("import sys, threatgate.catalogues.library as l\n"
             "print(l._parse.cache_info().currsize)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=REPO_ROOT)
    assert done.stdout.strip() == "0", done.stderr


@pytest.mark.slow
def test_the_wheel_ships_the_catalogues_with_their_licenses(tmp_path: Path) -> None:
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(REPO_ROOT)],
                   check=True, capture_output=True, text=True)
    (wheel,) = tmp_path.glob("threatgate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in sorted(SHIPPED_DIR.iterdir()):
        assert f"threatgate/catalogues/data/{shipped.name}" in names
