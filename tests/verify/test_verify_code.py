"""Data-driven tests of the code-structure assertion types (threatgate.verify.languages).

Every assertion type of the family has a case file ``tests/cases/verify/code/<type>.yaml``
in the shape described in :mod:`verifycases`, for example::

    cases:
      - name: py-async-method
        files:
          app/auth.py: |
            class Auth:
                async def login(self): ...
        assertion: {type: function_exists, file: app/auth.py, name: Auth.login}
        status: pass
        line: 2

The shared harness checks each case the way ``threatgate verify`` does; here, besides,
only the named file may be read, so the evidence digest names exactly it.

The case files must cover every language for every type (passing and failing cases, and
cases whose name appears only in a comment or a string literal); the language of a case
is its assertion's ``language``, else its file's extension.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import threatgate.verify  # noqa: F401  (registers the assertion types)
from threatgate.verify import regexes
from threatgate.verify.base import REGISTRY, WorkingTree
from threatgate.verify.languages import EXTENSIONS, LANGUAGES, blank_comments_and_strings
from verifycases import CASES_ROOT, STATUSES, case_params, check_case, load_cases

CASES_DIR = CASES_ROOT / "code"
TYPES = ("function_exists", "class_exists", "decorator_present", "function_calls",
         "import_present", "middleware_registered")


def _own_type(path: Path) -> tuple[str]:
    return (path.stem,)


def all_cases() -> list[tuple[Path, dict[str, Any]]]:
    return [(path, case) for path in sorted(CASES_DIR.glob("*.yaml"))
            for case in load_cases(path, _own_type(path))]


def language_of(case: dict[str, Any]) -> str:
    """The case's language: its ``language``, its file's extension, or ``unknown``."""
    assertion = case["assertion"]
    if assertion.get("language") in LANGUAGES:
        return str(assertion["language"])
    suffix = Path(str(assertion["file"])).suffix.lower()
    return EXTENSIONS.get(suffix, "unknown")


@pytest.mark.parametrize("case", case_params(
    sorted(CASES_DIR.glob("*.yaml")), _own_type,
    lambda path, case: f"{path.stem}::{case['name']}"))
def test_case(case: dict[str, Any], tmp_path: Path) -> None:
    outcome = check_case(case, tmp_path)
    # Only the named file is read, so the evidence digest names exactly it.
    assert outcome.read <= {case["assertion"]["file"]}, outcome.read


def test_every_type_has_a_case_file() -> None:
    assert sorted(p.stem for p in CASES_DIR.glob("*.yaml")) == sorted(TYPES)


def test_every_type_and_language_is_covered() -> None:
    """Per type and language: a pass, a fail, and names only in comments and strings."""
    covered: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path, case in all_cases():
        covered.setdefault((path.stem, language_of(case)), []).append(case)
    missing = []
    for kind in TYPES:
        assert (kind, "unknown") in covered, f"{kind}: no unknown-extension case"
        assert any(c["status"] == "error" and "missing" in c["name"]
                   for c in covered.get((kind, "python"), [])), f"{kind}: no missing file"
        for language in LANGUAGES:
            cases = covered.get((kind, language), [])
            if kind == "decorator_present" and language == "go":
                if not any(c["status"] == "error" for c in cases):
                    missing.append(f"{kind}/{language}: error")
                continue
            for status in ("pass", "fail"):
                if not any(c["status"] == status for c in cases):
                    missing.append(f"{kind}/{language}: {status}")
            for word in ("comment", "string"):
                if not any(c["status"] == "fail" and word in c["name"] for c in cases):
                    missing.append(f"{kind}/{language}: only in a {word}")
        assert any(c["status"] == "error" for c in covered.get((kind, "python"), [])
                   if "syntax" in c["name"]), f"{kind}: no Python syntax error case"
    assert not missing, "\n".join(missing)


def test_every_type_documents_what_a_pass_shows() -> None:
    for name in TYPES:
        check = REGISTRY[name].check
        module = __import__(check.__module__, fromlist=["_"])
        assert "does not show" in (module.__doc__ or ""), name
        assert check.__doc__, name
        assert REGISTRY[name].path_params == ("file",)
        assert not REGISTRY[name].runs_commands


# --- blanking comments and literals ---------------------------------------------------------

#: (language, text, what is left of it once blanked, whitespace collapsed)
BLANKING = [
    ("javascript", 'a("x // y"); // z()\nb(`t ${c("}")} u`); /* d()\n e() */ f(/\'/g);',
     "a( ); b( c( ) ); f( );"),
    ("go", 's := `raw\nf()` + "q\\"g()" // h()\nr := \'x\'; i()', "s := + r := ; i()"),
    ("rust", 'let s = r#"a "q" f()"#; fn g<\'a>(x: &\'a str) { h(\'"\') } /* /* */ i() */ j();',
     "let s = ; fn g<'a>(x: &'a str) { h( ) } j();"),
    ("csharp", 'var s = @"C:\\x"" f()"; var i = $"{d["k"]} g() {{x}}"; var r = """ h() """;',
     "var s = ; var i = d[ ] ; var r = ;"),
    ("java", 'String s = """\n  f()\n  """; char c = \'"\'; g(); // h()',
     "String s = ; char c = ; g();"),
    ("typescript", "const re = a / b / c; const s = '/'; f();",
     "const re = a / b / c; const s = ; f();"),
    ("python", 's = """a\n# b"""  # c\nf(\'x\')', "s = f( )"),
]


@pytest.mark.parametrize(("language", "text", "left"), BLANKING, ids=[b[0] for b in BLANKING])
def test_blanking_examples(language: str, text: str, left: str) -> None:
    blanked = blank_comments_and_strings(text, language)
    assert " ".join(blanked.split()) == left
    assert len(blanked) == len(text)
    assert [i for i, c in enumerate(blanked) if c == "\n"] == [
        i for i, c in enumerate(text) if c == "\n"]


def test_blanking_refuses_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        blank_comments_and_strings("x", "cobol")


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("ab(){}[]'\"`/*#\\$@r\n =;<>!.,:|")),
                    max_size=60),
       language=st.sampled_from(LANGUAGES))
def test_blanking_keeps_length_and_line_breaks(text: str, language: str) -> None:
    blanked = blank_comments_and_strings(text, language)
    assert len(blanked) == len(text)
    for original, new in zip(text, blanked, strict=True):
        assert new == original or (new == " " and original != "\n")


# --- robustness: any text gives a verdict ----------------------------------------------------

CODE_PIECES = [
    *"ab(){}[]'\"`/*#\\$@r\n =;<>!.,:|-",
    "function ", "class ", "fn ", "func ", "def ", "use ", "import ", "from ", "a.use(", "@a",
    "[a]", "#[a]", "=>", "a(", "impl a ", 'r#"', '$"', '@"', '"""', "type a struct",
    "MIDDLEWARE = ['a']", "    "]
SUFFIX = {"python": "py", "javascript": "js", "typescript": "ts", "go": "go", "java": "java",
          "rust": "rs", "csharp": "cs"}
ASSERTIONS = [
    {"type": "function_exists", "name": "a"}, {"type": "function_exists", "name": "a.a"},
    {"type": "class_exists", "name": "a.a"}, {"type": "decorator_present", "name": "a"},
    {"type": "decorator_present", "name": "a", "function": "a"},
    {"type": "function_calls", "function": "a", "calls": "a"},
    {"type": "import_present", "module": "a"}, {"type": "middleware_registered", "name": "a"},
]


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(CODE_PIECES), max_size=60),
       language=st.sampled_from(LANGUAGES))
def test_any_text_gives_a_verdict(pieces: list[str], language: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"f.{SUFFIX[language]}").write_text("".join(pieces), encoding="utf-8")
        for assertion in ASSERTIONS:
            verdict = REGISTRY[assertion["type"]].check(
                {**assertion, "file": f"f.{SUFFIX[language]}"}, WorkingTree(root))
            assert verdict.status in STATUSES and verdict.reason


def test_a_search_out_of_time_is_an_error_verdict(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regexes, "TIMEOUT_SECONDS", 0.01)
    (tmp_path / "a.js").write_text("\nf(" * 100_000, encoding="utf-8")
    verdict = REGISTRY["function_exists"].check(
        {"type": "function_exists", "file": "a.js", "name": "f"}, WorkingTree(tmp_path))
    assert verdict.status == "error", verdict
    assert "time limit" in verdict.reason and verdict.file == "a.js"
