"""The cache key of validation results changes with the validation code, not with the rest
of the package, and is computed without reading the code."""

from __future__ import annotations

import os
from pathlib import Path

from threatgate.support.cache import code_digest
from threatgate.validate.files import VALIDATION_CODE


def package(tmp_path: Path) -> Path:
    root = tmp_path / "threatgate"
    for name in VALIDATION_CODE:
        if name.endswith(".py"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("x = 1\n", encoding="utf-8")
        else:
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name / "a.py").write_text("x = 1\n", encoding="utf-8")
    (root / "output").mkdir()
    (root / "output" / "site.py").write_text("x = 1\n", encoding="utf-8")
    return root


def test_a_change_of_the_validation_code_changes_the_key(tmp_path: Path) -> None:
    root = package(tmp_path)
    before = code_digest(root, VALIDATION_CODE)
    rule = root / "validate" / "a.py"
    rule.write_text("x = 22\n", encoding="utf-8")
    assert code_digest(root, VALIDATION_CODE) != before
    again = code_digest(root, VALIDATION_CODE)
    stamp = rule.stat().st_mtime_ns + 1_000_000_000
    os.utime(rule, ns=(stamp, stamp))
    assert code_digest(root, VALIDATION_CODE) != again


def test_other_code_does_not_change_the_key(tmp_path: Path) -> None:
    root = package(tmp_path)
    before = code_digest(root, VALIDATION_CODE)
    (root / "output" / "site.py").write_text("x = 2222\n", encoding="utf-8")
    assert code_digest(root, VALIDATION_CODE) == before
