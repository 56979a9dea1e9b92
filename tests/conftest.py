"""Shared fixtures: a CLI runner with an isolated cache, and small model builders.

The suite runs in several processes (pytest-xdist, ``-n logical`` in pyproject.toml): nothing
here may use a fixed path outside the test's own temporary folders, or a fixed port. What
is expensive to build and the same for every process is built once per run
(:func:`build_once`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from filelock import FileLock

from threatgate.commands.main import cli

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
#: Expected outputs of renderers; regenerate with THREATGATE_UPDATE_GOLDEN=1 and review.
GOLDEN_DIR = TESTS_DIR / "golden"
#: Data-driven cases (YAML files), shared by the test modules of every package folder.
CASES_DIR = TESTS_DIR / "cases"
FIXED_TODAY = "2026-06-01"

#: A small, valid model that triggers no warning. Tests copy and modify it.
VALID_MODEL = """\
threatgate: 1
id: shop
title: Web shop
owner: shop-team
frameworks: [asvs-5.0]
components:
  - {id: web, name: Browser, type: client, boundary: internet}
  - {id: api, name: Shop API, type: api, boundary: internal}
dataflows:
  - {id: DF1, from: web, to: api, protocol: https, data: [A1]}
trust_boundaries:
  - {id: internet, name: Internet}
  - {id: internal, name: Internal}
assets:
  - id: A1
    name: Customer data
    properties: [confidentiality, integrity]
attackers:
  - id: ATK1
    name: External attacker
    capability: Sends arbitrary HTTP requests from the internet without credentials.
    position: external
objectives:
  - id: CO1
    asset: A1
    attacker: ATK1
    properties: [confidentiality]
    mitigated_by: [[C1], [C2]]
    assumptions: [AS1]
threats:
  - id: T1
    title: Customer data read through SQL injection
    stride: [information_disclosure]
    likelihood: 4
    impact: 5
    objectives: [CO1]
    components: [api]
    mitigations: [C1]
controls:
  - id: C1
    title: Parameterised queries only
    status: implemented
    compliance: ["asvs-5.0:V1.2.4"]
    assertions:
      - {type: pattern_absent, file: src/db.py, pattern: 'execute\\(f"'}
  - id: C2
    title: Web application firewall
    status: planned
assumptions:
  - {id: AS1, description: TLS is terminated by the load balancer, attested_by: platform-team, expires: "2027-06-30"}
acceptances:
  - {threat: T1, owner: cto, justification: legacy endpoint, review_by: "2026-12-31"}
findings:
  - {id: F1, control: C2, title: No WAF rule for /search, severity: medium, status: acknowledged}
"""


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own cache folder and a fixed date."""
    monkeypatch.setenv("THREATGATE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.setenv("THREATGATE_TODAY", FIXED_TODAY)
    monkeypatch.delenv("THREATGATE_DEBUG", raising=False)


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Invoke ``threatgate`` through Click's runner, optionally from another folder."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder (a git repository root) with a threatmodels/ folder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "threatmodels").mkdir()
    return tmp_path


@pytest.fixture
def write_model(project: Path) -> Callable[..., Path]:
    """Write model text (or bytes) under the project's threatmodels/ folder."""

    def write(text: str | bytes = VALID_MODEL, name: str = "model.yaml") -> Path:
        path = project / "threatmodels" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00+00:00",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity and no user or system configuration."""
    env = {**os.environ, **GIT_IDENTITY, "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=repo, env=env, check=True,
                          capture_output=True, text=True)
    return done.stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Iterator[Path]:
    """A throwaway git repository with a fixed identity."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    yield repo


@dataclass(frozen=True)
class Loaded:
    """What a run of the command line in a fresh interpreter imported (among the names
    asked about), its exit status and its output."""

    modules: list[str]
    code: object
    stdout: str
    stderr: str


def modules_loaded_by(argv: list[str], cwd: Path, names: tuple[str, ...],
                      env: dict[str, str] | None = None) -> Loaded:
    """Run ``threatgate ARGV`` in a fresh interpreter and list the modules among ``names``
    (each a module and its submodules) it imported."""
    probe = ("import json, sys\nfrom threatgate.commands.main import main\n"
             f"sys.argv = ['threatgate', *{argv!r}]\n"
             "try:\n    main()\n    code = 0\nexcept SystemExit as exit:\n    code = exit.code\n"
             f"names = {names!r}\n"
             "loaded = sorted(m for m in sys.modules if any(m == n or m.startswith(n + '.')"
             " for n in names))\n"
             "print('\\nPROBE', json.dumps([loaded, code]), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)
    marker = done.stderr.rfind("\nPROBE ")
    assert marker >= 0, done.stdout + done.stderr
    modules, code = json.loads(done.stderr[marker + len("\nPROBE "):])
    return Loaded(modules, code, done.stdout, done.stderr[:marker])


def check_golden(name: str, actual: str | bytes) -> None:
    """Compare ``actual`` with ``tests/golden/NAME``; THREATGATE_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN_DIR / name
    if os.environ.get("THREATGATE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(actual, bytes):
            path.write_bytes(actual)
        else:
            path.write_text(actual, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path} is missing: run with THREATGATE_UPDATE_GOLDEN=1"
    expected: str | bytes = (path.read_bytes() if isinstance(actual, bytes)
                             else path.read_text(encoding="utf-8"))
    assert actual == expected, (f"{name} differs from its golden file: regenerate with "
                                "THREATGATE_UPDATE_GOLDEN=1 and review the diff")


@pytest.fixture
def golden() -> Callable[[str, str | bytes], None]:
    """The golden-file check (:func:`check_golden`) as a fixture."""
    return check_golden


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str,
               build: Callable[[Path], None]) -> Path:
    """The folder ``name`` of this test run, filled by ``build`` exactly once.

    Under pytest-xdist every worker has its own base temporary folder; their parent is
    the run's own, so the first worker to get here builds the folder under a file lock
    and the others wait for it, then reuse it. A build that fails leaves no mark: the next
    worker tries again (and reports its own failure)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    target, done = root / name, root / f"{name}.done"
    with FileLock(root / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            build(target)
            done.touch()
    return target


@dataclass(frozen=True)
class PreCommit:
    """The real pre-commit tool, with this checkout's hooks (.pre-commit-hooks.yaml).

    Like ``pre-commit try-repo``, the hooks come from a commit of the working tree as it
    is (uncommitted and untracked files included); unlike it, one pre-commit home serves
    the whole run, so each hook environment is installed once, not once per call."""

    executable: str
    config: Path
    home: Path

    def run(self, repo: Path, hook: str, *args: str,
            env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """``pre-commit run HOOK --verbose ARGS...`` in ``repo``."""
        return subprocess.run(
            [self.executable, "run", "--config", str(self.config), hook, "--verbose", *args],
            cwd=repo, env={**env, "PRE_COMMIT_HOME": str(self.home)},
            capture_output=True, text=True, timeout=600,
        )


def snapshot_hooks(target: Path) -> None:
    """Commit the working tree's files (tracked or not ignored) into ``target/repo`` and
    write ``target/config.yaml`` naming that commit and every hook it declares."""
    repo = target / "repo"
    repo.mkdir()
    listed = git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is left out
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot")
    hooks = yaml.safe_load((repo / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    config = {"repos": [{"repo": str(repo), "rev": git(repo, "rev-parse", "HEAD").strip(),
                         "hooks": [{"id": hook["id"]} for hook in hooks]}]}
    (target / "config.yaml").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (target / "home").mkdir()


@pytest.fixture(scope="session")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> PreCommit:
    """pre-commit with this checkout's hooks, shared by every test (and worker) of the run."""
    # The pre-commit of this interpreter's environment (the virtual environment the tests
    # run in), not another one that happens to be on PATH.
    executable = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip(f"pre-commit is not installed beside {sys.executable}")
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("needs threatgate's own git checkout to install its hooks from")
    hooks = build_once(tmp_path_factory, "pre-commit-hooks", snapshot_hooks)
    return PreCommit(executable, hooks / "config.yaml", hooks / "home")
