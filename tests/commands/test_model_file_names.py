"""Model files whose names are not valid UTF-8: `site` and `export` show the bad bytes as
``\\xNN`` and never crash."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from ruamel.yaml import YAML

from conftest import CASES_DIR, VALID_MODEL

CASES = CASES_DIR / "filenames" / "names.yaml"
#: One document per model (into a folder), then reports of the whole workspace (a file).
EXPORTS = ("json", "csv", "docx")
REPORTS = ("sarif", "junit", "codequality")


def load_names() -> list[dict[str, Any]]:
    names = YAML(typ="safe", pure=True).load(CASES.read_text(encoding="utf-8"))["names"]
    assert isinstance(names, list) and names
    return names


def files_under(folder: Path) -> dict[str, bytes]:
    return {os.fsdecode(path): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.skipif(os.name == "nt", reason="file names are UTF-16 on Windows")
@pytest.mark.parametrize("case", load_names(), ids=lambda case: case["name"])
def test_site_and_export(case: dict[str, Any], project: Path,
                         run_cli: Callable[..., Result]) -> None:
    name = bytes.fromhex(case["hex"]) + b".yaml"
    model = VALID_MODEL if case["valid"] else "threatgate: 1\nid: broken\n"
    try:
        with open(os.path.join(os.fsencode(project / "threatmodels"), name), "wb") as handle:
            handle.write(model.encode("utf-8"))
    except OSError:
        pytest.skip("the file system refuses this file name")
    models_before = files_under(project / "threatmodels")
    expected = 0 if case["valid"] else 1
    results = {"site": run_cli("site", str(project / "out"), cwd=project)}
    for kind in EXPORTS:
        out = project / "exports" / kind
        results[kind] = run_cli("export", "--format", kind, "--out", f"{out}/", cwd=project)
    for kind in REPORTS:
        out = project / "exports" / f"report.{kind}"
        results[kind] = run_cli("export", "--format", kind, "--out", str(out), cwd=project)
    for command, result in results.items():
        assert result.exit_code != 3, f"{command}: {result.output}"
        assert result.exit_code == (0 if command == "site" else expected), result.output
    written = {**files_under(project / "out"), **files_under(project / "exports")}
    for path, data in written.items():
        if not path.endswith(".docx"):
            text = data.decode("utf-8")  # never the raw bytes of the name
            assert "\udc80" not in text
    if case["valid"]:
        exported = files_under(project / "exports" / "json")
        assert len(exported) == 1
        document = next(iter(exported.values())).decode("utf-8")
        shown = name.decode("utf-8", "backslashreplace").replace("\\", "\\\\")
        assert shown in document
    assert files_under(project / "threatmodels") == models_before
