"""``generate --from-repo`` on hostile repositories: nothing outside the folder is read,
nothing under ``.git/``, no huge or binary file, and malformed files are skipped with a
note, never a crash. The readers and the signal table are checked as a registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repofixtures import RunCli, components, generate_from, signal_places, write_repo
from threatgate.generate.describe import vocabulary
from threatgate.generate.repository import READER_MODULES, READERS
from threatgate.generate.repository.base import MAX_FILE_BYTES, UnreadableFile, readers_for
from threatgate.generate.repository.scan import scan_repository
from threatgate.generate.repository.signals import CLUE_KINDS, first_known, signals
from threatgate.generate.rulepacks import load_packs
from threatgate.generate.wiring import wiring

STRIPE = '{"dependencies": {"stripe": "^15.0.0"}}\n'


def test_symbolic_links_out_of_the_folder_are_not_followed(tmp_path: Path,
                                                           run_cli: RunCli) -> None:
    outside = write_repo(tmp_path / "outside", {"package.json": STRIPE,
                                                "deep/requirements.txt": "openai\n"})
    root = write_repo(tmp_path / "repo", {"requirements.txt": "flask\n"})
    (root / "package.json").symlink_to(outside / "package.json")
    (root / "linked").symlink_to(outside / "deep", target_is_directory=True)
    scan = scan_repository(root)
    assert "payment" not in scan.found and "llm" not in scan.found
    assert any("package.json" in note and "outside" in note for note in scan.notes)
    model, _ = generate_from(run_cli, root)
    assert "payment_provider" not in components(model)


def test_a_link_inside_the_folder_is_read(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"app/package.json": STRIPE})
    (root / "package.json").symlink_to(root / "app" / "package.json")
    assert [c.where for c in scan_repository(root).found["payment"]] == [
        "package.json:1", "app/package.json:1"]


def test_git_folder_is_never_read(tmp_path: Path, run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "repo", {
        ".git/config": "[remote]\nurl = https://token@example.com\n",
        ".git/package.json": STRIPE, "sub/.git/requirements.txt": "openai\n",
        "requirements.txt": "flask\n"})
    (root / "linked.json").symlink_to(root / ".git" / "package.json")
    scan = scan_repository(root)
    assert set(scan.found) == {"http_api", "dependencies"}
    assert not any(path.startswith(".git") or "/.git/" in path for path in scan.files_read)
    result = run_cli("generate", "--from-repo", str(root / ".git"))
    assert result.exit_code == 2 and ".git" in result.output


def test_huge_and_binary_files_are_skipped(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {
        "requirements.txt": "stripe\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1),
        "package.json": b'{"dependencies": {"openai": "1"}}\x00\x01\x02',
        "go.mod": "module x\nrequire github.com/gin-gonic/gin v1.10.0\n"})
    scan = scan_repository(root)
    assert set(scan.found) == {"http_api", "dependencies"}
    notes = "\n".join(scan.notes)
    assert "requirements.txt: skipped" in notes and "size limit" in notes
    assert "package.json: skipped" in notes and "binary" in notes


MALFORMED = {
    "package.json": '{"dependencies": {"stripe": ',
    "pyproject.toml": "[project\ndependencies = [",
    "Pipfile": "[packages\nflask = '*'",
    "composer.json": "[1, 2",
    "docker-compose.yml": "services:\n  db:\n    image: [postgres\n",
    "chart/Chart.yaml": "a: &a [*a, *a, *a]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
    "k8s/deploy.yaml": "kind: Deployment\napiVersion: v1\n" + "[" * 200 + "\n",
    "serverless.yml": "provider: {name: aws\n",
    "template.yaml": "Resources:\n  - !Ref\n  :\n",
    ".github/workflows/ci.yml": "on: [push\n",
    "go.mod": "module x\nrequire (\n  github.com/a/b\n",
    "pom.xml": "<project><dependencies><dependency>",
    "requirements.txt": "django==\nflask\n",
    "settings.py": "MIDDLEWARE = ['" + "a." * 5000 + "\n",
    "nginx.conf": "\x00\n",
    "main.tf": 'resource "aws_s3_bucket" {\n',
}


def test_malformed_files_are_skipped_with_a_note(tmp_path: Path, run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "repo", {**MALFORMED, "Gemfile": "gem 'rails'\n"})
    scan = scan_repository(root)
    notes = "\n".join(scan.notes)
    for skipped in ("package.json", "pyproject.toml", "Pipfile", "composer.json",
                    "docker-compose.yml", "k8s/deploy.yaml", "serverless.yml", "go.mod",
                    "pom.xml", "requirements.txt", ".github/workflows/ci.yml", "nginx.conf"):
        assert f"{skipped}: skipped" in notes, skipped
    assert "payment" not in scan.found and "postgresql" not in scan.found
    model, explained = generate_from(run_cli, root)
    assert "web_app" in components(model)  # the Gemfile still counts
    assert signal_places(explained)["rails"] == ["Gemfile:1"]
    assert explained["repository"]["skipped"] == scan.notes


def test_an_empty_folder_needs_a_description(tmp_path: Path, run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "empty", {"README.md": "# hello\n"})
    result = run_cli("generate", "--from-repo", str(root))
    assert result.exit_code == 2 and "nothing in empty" in result.output
    missing = run_cli("generate", "--from-repo", str(tmp_path / "missing"))
    assert missing.exit_code == 2
    both = run_cli("generate", "--model", "m.yaml", "--from-repo", str(root))
    assert both.exit_code == 2 and "--from-repo" in both.output


def test_from_repo_without_a_value_reads_the_current_folder(tmp_path: Path,
                                                            run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "here", {"requirements.txt": "fastapi\n"})
    result = run_cli("generate", "--from-repo", cwd=root)
    assert result.exit_code == 0, result.output
    assert "id: repository-here" in result.stdout and "rest_api" in result.stdout


# --- readers never crash ---------------------------------------------------------------------

#: One path each reader claims.
READER_PATHS = ["requirements.txt", "pyproject.toml", "package.json", "go.mod", "Cargo.toml",
                "pom.xml", "Pipfile", "composer.json", "Gemfile", "build.gradle.kts",
                "Dockerfile", "docker-compose.yml", "deploy/app.yaml", "chart/Chart.yaml",
                "chart/values.yaml", "chart/templates/x.yaml", "main.tf", "serverless.yml",
                "template.json", ".github/workflows/ci.yml", "Jenkinsfile", "nginx.conf",
                "Caddyfile", "apache2/site.conf", "app/settings.py"]
MANIFEST_LIKE = st.one_of(
    st.text(max_size=400),
    st.text(alphabet='{}[]":,=#\n -.@*&!<>/\\\'abcdefgimnoprstuvy0123456789', max_size=300))


def test_every_reader_has_a_path_here() -> None:
    claimed = {reader.name for path in READER_PATHS for reader in readers_for(path)}
    assert claimed == set(READERS)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=MANIFEST_LIKE, path=st.sampled_from(READER_PATHS))
def test_arbitrary_text_never_crashes_a_reader(text: str, path: str) -> None:
    for reader in readers_for(path):
        try:
            for clue in reader.read(text, path):
                assert clue.kind in CLUE_KINDS and clue.line >= 1 and clue.file == path
        except UnreadableFile:
            pass


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.dictionaries(st.sampled_from(READER_PATHS), MANIFEST_LIKE, max_size=5))
def test_arbitrary_repositories_scan(tmp_path_factory: pytest.TempPathFactory,
                                     texts: dict[str, str]) -> None:
    root = write_repo(tmp_path_factory.mktemp("repo"), {
        p: t.encode("utf-8", "surrogatepass") for p, t in texts.items()})
    scan_repository(root)


# --- the registry and the table ----------------------------------------------------------------


def test_every_reader_module_registers_a_reader() -> None:
    modules = {reader.read.__module__.rsplit(".", 1)[-1] for reader in READERS.values()}
    assert modules == set(READER_MODULES)


def test_every_signal_means_something_the_generator_knows() -> None:
    vocab = vocabulary()
    known = [*vocab.technologies, *wiring().components]
    pack_controls = {control["id"] for pack in load_packs() for rule in pack.rules
                     for control in rule["controls"]}
    for signal in signals().values():
        assert signal.technologies or signal.data or signal.flags or signal.controls, signal.id
        for alternatives in signal.technologies:
            # the last alternative is one the vocabulary has, unless the signal is reported
            # only until the vocabulary names it (it is then listed as not modelled)
            assert first_known(alternatives, known) or signal.id in {
                "command_line", "desktop_app", "reverse_proxy"}, signal.id
        assert set(signal.data) <= set(vocab.data), signal.id
        assert set(signal.flags) <= set(vocab.flags), signal.id
        assert set(signal.controls) <= pack_controls, signal.id


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_an_unreadable_file_is_skipped(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"requirements.txt": "flask\n",
                                          "package.json": STRIPE})
    (root / "package.json").chmod(0)
    try:
        scan = scan_repository(root)
    finally:
        (root / "package.json").chmod(0o644)
    if os.geteuid() != 0:
        assert any("package.json: skipped" in note for note in scan.notes)
    assert "http_api" in scan.found


# --- bounds ---------------------------------------------------------------------------------


def test_the_scan_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from threatgate.generate.repository import scan as scan_module

    deep = "/".join(["d"] * 13)
    root = write_repo(tmp_path / "repo", {
        "Gemfile": "".join(f"gem 'g{i}'\n" for i in range(2100)),
        "package.json": '{"dependencies": {\n' + ",\n".join(
            f'"p{i}": "1"' for i in range(1500)) + "}}\n",
        f"{deep}/requirements.txt": "stripe\n",
        **{f"s{i}/requirements.txt": "flask\n" for i in range(5)}})
    scan = scan_repository(root)
    notes = "\n".join(scan.notes)
    assert "Gemfile: only the first 2000 entries were read" in notes
    assert "package.json: skipped" in notes and "lines and commas" in notes
    assert "payment" not in scan.found  # too deep
    monkeypatch.setattr(scan_module, "MAX_FILES_READ", 3)
    assert "only the first 3 of 7 files" in "\n".join(scan_repository(root).notes)
    monkeypatch.setattr(scan_module, "MAX_FILES_READ", 100)
    monkeypatch.setattr(scan_module, "MAX_TOTAL_SEPARATORS", 10)
    bounded = scan_repository(root)
    assert len(bounded.files_read) == 1 and "were not read" in bounded.notes[-1]


def test_unprintable_file_names_are_left_out(tmp_path: Path, run_cli: RunCli) -> None:
    root = write_repo(tmp_path / "repo", {"requirements.txt": "flask\n",
                                          "a\nb/package.json": STRIPE,
                                          "c\u2028/requirements.txt": "openai\n"})
    scan = scan_repository(root)
    assert set(scan.found) == {"http_api", "dependencies"}
    model, _ = generate_from(run_cli, root)
    assert "rest_api" in components(model)


def test_names_no_model_can_hold_reveal_nothing(tmp_path: Path, run_cli: RunCli) -> None:
    package = ('{"dependencies": {"@langchain/x\\u2028y": "1", "@langchain/' + "a" * 300
               + '": "1", "express": "4"}}')
    root = write_repo(tmp_path / "repo", {"package.json": package})
    scan = scan_repository(root)
    assert "llm" not in scan.found and "http_api" in scan.found
    model, _ = generate_from(run_cli, root)
    assert "llm_service" not in components(model)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
def test_link_loops_and_special_files_are_skipped(tmp_path: Path) -> None:
    root = write_repo(tmp_path / "repo", {"requirements-prod.txt": "flask\n"})
    (root / "requirements.txt").symlink_to(root / "loop")
    (root / "loop").symlink_to(root / "requirements.txt")
    os.mkfifo(root / "package.json")  # reading it would wait for ever
    (root / "d").mkdir()
    (root / "d" / "up").symlink_to(root / "d", target_is_directory=True)
    scan = scan_repository(root)
    assert set(scan.found) == {"http_api", "dependencies"}
    notes = "\n".join(scan.notes)
    assert "requirements.txt: skipped" in notes and "package.json: skipped" in notes
