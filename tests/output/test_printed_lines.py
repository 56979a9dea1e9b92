"""Every line a command prints stays one line of its channel, whatever the repository holds.

Hostile file names, folder names and model text go through every command and format that
prints lines; no printed line may hold a control or format character, and no line may
start a GitHub Actions workflow command that threatgate did not mean to write.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import VALID_MODEL, git

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX file names")

#: File and folder names a fork's pull request can commit (Linux allows all of them).
HOSTILE_NAMES = {
    "newline": "a\nb",
    "workflow-command": "x::error title=pwn::y",
    "newline-command": "n\n::error title=pwn::INJECTED",
    "carriage-return": "c\r::warning::INJECTED",
    "percent": "p%0A::error::INJECTED",
    "escape-sequence": "e\x1b[31mred\x1b]8;;https:evil\x07click\x1b]8;;\x07\x1b[2J",
    "line-separator": "l\u2028::error::INJECTED",
    "next-line": "nel\u0085::error::INJECTED",
    "bidi-override": "b\u202eevil\u2066x\u2069",
    "comma-colon": "k,title=pwn:x",
    "older-command": "o ##[error]INJECTED ##[add-mask]x",
}

#: Model text a fork can write (YAML double-quoted escapes) in one-line fields: valid.
HOSTILE_TEXT = (r"T \e]8;;http://evil\aclick\e]8;;\a \e[2J \u2028::error title=pwn::INJECTED ##[error]x"
                r" \x85::notice::INJECTED \u202e x \u2066 %0A x,y:z")
#: The same with line breaks, which one-line fields refuse: the model is invalid.
INVALID_TEXT = HOSTILE_TEXT + r"\r\n::error title=pwn::INJECTED\n::warning::INJECTED"

#: A description (Markdown, several lines) whose lines would be workflow commands.
MULTI_LINE = (r'"Intro.\n::error title=pwn::INJECTED\n\n  ::warning::INJECTED\r\n'
              r'\e]8;;http://evil\aclick\e]8;;\a\n%0A::notice::x"')

#: Control, format and line-separator characters (tab allowed: it is layout).
INVISIBLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                       "\ufeff\ufff9-\ufffb]")
#: A workflow command as threatgate writes it: properties percent-encoded, no raw ``:``/``,``.
WORKFLOW_COMMAND = re.compile(r"::(error|warning|notice)( [a-z]+=[^:,]*(,[a-z]+=[^:,]*)*)?::")

#: (arguments, exit codes a correct run may give); ``{out}`` is a folder under tmp.
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "validate-text": (("validate",), (0, 1)),
    "validate-github": (("validate", "--format", "github"), (0, 1)),
    "gate-text": (("gate", "--verify"), (0, 1)),
    "gate-github": (("gate", "--verify", "--format", "github"), (0, 1)),
    "gate-markdown": (("gate", "--format", "markdown"), (0, 1)),
    "verify-text": (("verify",), (0, 1)),
    "verify-github": (("verify", "--format", "github"), (0, 1)),
    "assess": (("assess", "--details"), (0, 1)),
    "assess-list": (("assess", "--list", "threats"), (0, 1)),
    "assess-controls": (("assess", "--list", "controls"), (0, 1)),
    "assess-findings": (("assess", "--list", "findings"), (0, 1)),
    "site": (("site", "{out}"), (0, 1)),
    "render": (("render", "{model}"), (0, 1)),
    "export-csv": (("export", "--format", "csv"), (0, 1)),
    "export-csv-controls": (("export", "--format", "csv", "--table", "controls"), (0, 1)),
    "export-json": (("export", "--format", "json"), (0, 1)),
    "export-junit": (("export", "--format", "junit"), (0, 1)),
    "export-docx": (("export", "--format", "docx", "--out", "{out}/m.docx"), (0, 1)),
    "diff": (("diff", "HEAD", "--worktree"), (0, 1)),
    "diff-markdown": (("diff", "HEAD", "--worktree", "--format", "markdown"), (0, 1)),
    "findings": (("findings", "list"), (0, 1)),
    "gaps": (("gaps",), (0, 1)),
    "fmt": (("fmt", "--check"), (0, 1)),
}


def hostile_model(text: str) -> str:
    """The valid model with hostile text in its title, threat, control and finding."""
    quoted = f'"{text}"'
    return (VALID_MODEL.replace("title: Web shop", f"title: {quoted}")
            .replace("title: Customer data read through SQL injection", f"title: {quoted}")
            .replace("title: Web application firewall", f"title: {quoted}")
            .replace("title: No WAF rule for /search", f"title: {quoted}")
            .replace("name: Shop API", f"name: {quoted}")
            .replace("owner: shop-team", f"owner: {MULTI_LINE}\ndescription: {MULTI_LINE}"))


def after_line_breaks(name: str) -> list[str]:
    """What follows each line break of a name: printed raw, it would start a line."""
    return [part for part in re.split("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", name)[1:]
            if part]


def assert_lines_are_safe(result: Result, tails: list[str]) -> None:
    for stream, output in (("stdout", result.stdout), ("stderr", result.stderr)):
        for line in output.split("\n"):
            assert not INVISIBLE.search(line), f"{stream}: control character in {line!r}"
            if line.lstrip(" \t").startswith("::"):
                command = WORKFLOW_COMMAND.match(line)
                assert command, f"{stream}: injected command {line!r}"
                properties = (command.group(2) or "").strip().split(",")
                message = line[command.end():]
                assert "title=pwn" not in properties and not message.startswith("INJECTED"), \
                    f"{stream}: injected command {line!r}"
            assert not line.startswith(("INJECTED", *tails)), f"{stream}: split line {line!r}"
            assert "##[" not in line, f"{stream}: workflow command (older form) in {line!r}"


def toml_string(text: str) -> str:
    """``text`` inside a TOML basic string, every unusual character as ``\\uXXXX``."""
    return "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}"
                   for c in text)


def run_everywhere(run_cli: Callable[..., Result], project: Path, model: Path,
                   out: Path, invalid: bool = False) -> None:
    tails = after_line_breaks(str(model.relative_to(project)))
    git(project, "add", "-A")
    git(project, "commit", "-qm", "model")
    model.write_text(model.read_text(encoding="utf-8").replace("likelihood: 4",
                                                               "likelihood: 2"),
                     encoding="utf-8")
    problems = []
    for name, (arguments, codes) in COMMANDS.items():
        args = [a.format(out=out, model=model.relative_to(project)) for a in arguments]
        result = run_cli(*args, cwd=project)
        allowed = (*codes, 2) if invalid else codes
        assert result.exit_code in allowed, (name, result.exit_code, result.output)
        try:
            assert_lines_are_safe(result, tails)
        except AssertionError as error:
            problems.append(f"{name}: {error}")
    assert not problems, "\n".join(problems)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "src").mkdir()
    (root / "src" / "db.py").write_text("cursor.execute(f'select {x}')\n")
    return root


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_file_names(run_cli: Callable[..., Result], repository: Path, tmp_path: Path,
                            name: str) -> None:
    model = repository / "threatmodels" / f"{name}.yaml"
    model.parent.mkdir()
    model.write_text(VALID_MODEL, encoding="utf-8")
    run_everywhere(run_cli, repository, model, tmp_path / "out")


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_configured_folder(run_cli: Callable[..., Result], repository: Path,
                                   tmp_path: Path, name: str) -> None:
    folder = repository / name
    folder.mkdir()
    model = folder / "m.yaml"
    model.write_text(hostile_model(HOSTILE_TEXT).replace("title: [", "title: ["),
                     encoding="utf-8")
    (repository / "threatgate.toml").write_text(f'models = ["{toml_string(name)}"]\n')
    run_everywhere(run_cli, repository, model, tmp_path / "out")


def test_hostile_model_text(run_cli: Callable[..., Result], repository: Path,
                            tmp_path: Path) -> None:
    model = repository / "threatmodels" / "m.yaml"
    model.parent.mkdir()
    model.write_text(hostile_model(HOSTILE_TEXT), encoding="utf-8")
    run_everywhere(run_cli, repository, model, tmp_path / "out")


def test_hostile_text_in_an_invalid_model(run_cli: Callable[..., Result], repository: Path,
                                          tmp_path: Path) -> None:
    """Diagnostics quote the file's keys and values; they stay one line too."""
    model = repository / "threatmodels" / f"{HOSTILE_NAMES['newline-command']}.yaml"
    model.parent.mkdir()
    text = hostile_model(INVALID_TEXT).replace("likelihood: 4", f'likelihood: "{INVALID_TEXT}"')
    model.write_text(text.replace("owner: shop-team", f'"{INVALID_TEXT}": 1'),
                     encoding="utf-8")
    run_everywhere(run_cli, repository, model, tmp_path / "out", invalid=True)


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_missing_configured_folder(run_cli: Callable[..., Result], repository: Path,
                                           name: str) -> None:
    """The error naming a configured folder that does not exist is one line too."""
    (repository / "threatgate.toml").write_text(f'models = ["{toml_string(name)}"]\n')
    for arguments in (("validate", "--format", "github"), ("gate", "--format", "github"),
                      ("assess",), ("render", "x.yaml"), ("export", "--format", "csv")):
        result = run_cli(*arguments, cwd=repository)
        assert result.exit_code == 2, (arguments, result.output)
        assert_lines_are_safe(result, after_line_breaks(name))


#: Configuration a fork's pull request can write, each refused with an error naming it.
HOSTILE_CONFIGURATIONS = [
    '[gate]\n"a\\n::error title=pwn::INJECTED" = 1\n',
    '[gate]\nmax_open_findings = {"x\\r::error::INJECTED" = 1}\n',
    '[gate]\nfail_on_at_risk = "x\\u2028::error::INJECTED\\u001b[2J"\n',
    '"k\\u001b]8;;http://evil\\u0007\\n::warning::INJECTED" = 1\n',
]


@pytest.mark.parametrize("configuration", HOSTILE_CONFIGURATIONS)
def test_hostile_configuration(run_cli: Callable[..., Result], repository: Path,
                               configuration: str) -> None:
    (repository / "threatmodels").mkdir()
    (repository / "threatmodels" / "m.yaml").write_text(VALID_MODEL, encoding="utf-8")
    (repository / "threatgate.toml").write_text(configuration, encoding="utf-8")
    for arguments in (("validate", "--format", "github"), ("gate", "--format", "github"),
                      ("verify", "--format", "github"), ("assess",)):
        result = run_cli(*arguments, cwd=repository)
        assert result.exit_code == 2, (arguments, result.output)
        assert_lines_are_safe(result, [])


def test_files_written_with_out_keep_their_own_escaping(run_cli: Callable[..., Result],
                                                        repository: Path, tmp_path: Path) -> None:
    """Only standard output is escaped for a terminal; a file keeps its format's data."""
    model = repository / "threatmodels" / "m.yaml"
    model.parent.mkdir()
    model.write_text(hostile_model(HOSTILE_TEXT), encoding="utf-8")
    out = tmp_path / "csv"
    assert run_cli("export", "--format", "csv", "--out", str(out), cwd=repository).exit_code == 0
    printed = run_cli("export", "--format", "csv", cwd=repository).stdout
    written = (out / "shop.threats.csv").read_text(encoding="utf-8")
    assert "\x1b]8;;http://evil\x07" in written and "\u2028" in written
    assert "\x1b" not in printed and "\\x1b]8;;http" in printed
    report = tmp_path / "report.md"
    assert run_cli("render", "threatmodels/m.yaml", "--out", str(report),
                   cwd=repository).exit_code == 0
    # The Markdown file is the report itself; on a terminal a line cannot start a command.
    assert "\n::error title=pwn::INJECTED" in report.read_text(encoding="utf-8")
    printed = run_cli("render", "threatmodels/m.yaml", cwd=repository).stdout
    assert "\n\\u003a:error title=pwn::INJECTED" in printed
