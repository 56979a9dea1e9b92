"""One edit error: what the engine raises, and how the error boundary prints it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import VALID_MODEL
from threatgate.commands.main import report_error
from threatgate.diagnostics import Diagnostic, Severity
from threatgate.document.errors import EditError
from threatgate.document.transaction import edit_file
from threatgate.errors import EXIT_FAILURE, EXIT_USAGE

TODAY = dt.date(2026, 6, 1)


def printed(exc: EditError, capsys: pytest.CaptureFixture[str]) -> str:
    report_error(exc)
    return capsys.readouterr().err


def test_a_refusal_names_the_file_it_was_given_as(capsys: pytest.CaptureFixture[str]) -> None:
    error = EditError("no threat T9 in this model").name_file("models/shop.yaml")
    assert printed(error, capsys) == "models/shop.yaml: error: no threat T9 in this model\n"
    assert error.exit_code == EXIT_FAILURE
    assert EditError.usage("bad value").exit_code == EXIT_USAGE


def test_a_refusal_at_one_place_is_that_place_alone(capsys: pytest.CaptureFixture[str]) -> None:
    error = EditError("duplicate key 'a'", line=4, column=1, rule="yaml-duplicate-key")
    error.name_file("m.yaml")
    assert printed(error, capsys) == "m.yaml:4:1: error: duplicate key 'a' [yaml-duplicate-key]\n"


def test_problems_are_located_in_the_text_that_was_not_written(
        capsys: pytest.CaptureFixture[str]) -> None:
    problem = Diagnostic("m.yaml", 3, 5, Severity.ERROR, "no control has id 'C9'",
                         "dangling-reference")
    error = EditError("the edit would make the model invalid", problems=[problem],
                      pointers=[(7, "threat T1 mitigations")], details=["see the docs"])
    error.name_file("m.yaml")
    assert printed(error, capsys) == (
        "m.yaml: error: the edit would make the model invalid\n"
        "m.yaml:3:5: error: no control has id 'C9' [dangling-reference] (in the edited "
        "text, not written)\n"
        "m.yaml:7: threat T1 mitigations\n"
        "  see the docs\n")


def test_a_path_already_named_stays(capsys: pytest.CaptureFixture[str]) -> None:
    error = EditError("refused").name_file("a.yaml").name_file("b.yaml")
    assert error.path == "a.yaml"


def test_edit_file_names_the_file_in_every_refusal(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(VALID_MODEL + "title: twice\n", encoding="utf-8")

    with pytest.raises(EditError) as refused:
        edit_file(path, lambda editor: None, today=TODAY, display="shop.yaml")
    assert refused.value.path == "shop.yaml"
    assert [d.rule for d in refused.value.diagnostics] == ["yaml-duplicate-key"]

    def refuse(editor: object) -> None:
        raise EditError("not today")

    path.write_text(VALID_MODEL, encoding="utf-8")
    with pytest.raises(EditError) as refused:
        edit_file(path, refuse, today=TODAY, display="shop.yaml")
    assert (refused.value.path, refused.value.headline) == ("shop.yaml", True)
    assert path.read_text(encoding="utf-8") == VALID_MODEL

