"""The wheel ships the schemas and templates inside the package, and works from there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT, VALID_MODEL, build_once

pytestmark = pytest.mark.slow


def build_wheel(out: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(REPO_ROOT)],
        check=True, capture_output=True, text=True,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built once per run (whichever worker asks first)."""
    (built,) = build_once(tmp_path_factory, "wheel", build_wheel).glob("threatgate-*.whl")
    return built


def test_wheel_contains_package_schemas_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "threatgate/__init__.py" in names
    assert "threatgate/commands/main.py" in names
    for schema in sorted((REPO_ROOT / "schemas").glob("*.json")):
        assert f"threatgate/_data/schemas/{schema.name}" in names
    for template in sorted((REPO_ROOT / "templates").rglob("*")):
        if template.is_file():
            relative = template.relative_to(REPO_ROOT / "templates").as_posix()
            assert f"threatgate/_data/templates/{relative}" in names
    assert not any(name.startswith("cli/") for name in names), "no top-level 'cli' module"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "threatgate = threatgate.commands.entry:main" in text


def test_installed_wheel_validates_from_its_own_data(wheel: Path, tmp_path: Path) -> None:
    """Install the wheel into a fresh environment that reuses this one's dependencies."""
    env_dir = tmp_path / "env"
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    # Dependencies come from this interpreter's site-packages, after the wheel's files.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (Path(site) / "deps.pth").write_text("\n".join(deps) + "\n")
    model = tmp_path / "m.yaml"
    model.write_text(VALID_MODEL, encoding="utf-8")
    # A PYTHONPATH naming a source checkout would import that instead of the wheel.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    done = subprocess.run(
        [str(python), "-c",
         "import threatgate.support.resources as r, sys; print(r.schema_dir());"
         "from threatgate.commands.main import main; sys.argv=['threatgate','validate',"
         f"'--no-cache',{str(model)!r}]; main()"],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "/_data/schemas" in done.stdout.splitlines()[0]


def _metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode("utf-8")


def test_wheel_is_typed(wheel: Path) -> None:
    assert "threatgate/py.typed" in zipfile.ZipFile(wheel).namelist()
    assert "Classifier: Typing :: Typed" in _metadata(wheel)


def _link_targets(markdown: str) -> list[str]:
    """Targets of Markdown links, images, reference definitions and HTML src/href,
    outside fenced code blocks."""
    prose = re.sub(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", "", markdown,
                   flags=re.MULTILINE | re.DOTALL)
    return (re.findall(r"\]\(\s*([^)\s]+)", prose)
            + re.findall(r"^ {0,3}\[[^\]]+\]:\s*(\S+)", prose, flags=re.MULTILINE)
            + re.findall(r"\b(?:src|href)=[\"']([^\"']+)", prose))


def test_long_description_has_only_absolute_links(wheel: Path) -> None:
    """PyPI shows the README without the repository around it: a relative link is dead."""
    metadata = _metadata(wheel)
    assert "Description-Content-Type: text/markdown" in metadata
    body = metadata.split("\n\n", 1)[1]
    assert "threatgate" in body and len(body) > 1000, "the README is the long description"
    targets = _link_targets(body)
    assert targets, "the README has links"
    relative = [t for t in targets if not re.match(r"^(https?|mailto):", t)]
    assert not relative, relative
    readme_targets = _link_targets((REPO_ROOT / "README.md").read_text(encoding="utf-8"))
    assert any(not t.startswith("http") for t in readme_targets), \
        "the README itself keeps relative links (they work on GitHub)"


def test_readme_links_rewriting_keeps_code_and_unknown_targets() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    try:
        from hatch_build import absolute_links
    finally:
        sys.path.remove(str(REPO_ROOT))
    text = ("See [docs](docs/ci.md#x), ![i](./docs/ci.md \"t\"), [top](#usage), "
            "[web](https://example.com/a), [gone](no/such/file.md).\n"
            "[ref]: docs/schema.md\n<img src=\"docs/ci.md\">\n"
            "```markdown\n![b](docs/ci.md)\n```\n")
    out = absolute_links(text, REPO_ROOT)
    base = "https://github.com/threatgate/threatgate"
    assert f"[docs]({base}/blob/main/docs/ci.md#x)" in out
    assert f"![i]({base}/raw/main/docs/ci.md \"t\")" in out
    assert f"[top]({base}/blob/main/README.md#usage)" in out
    assert "[web](https://example.com/a)" in out and "[gone](no/such/file.md)" in out
    assert f"[ref]: {base}/blob/main/docs/schema.md" in out
    assert f'<img src="{base}/raw/main/docs/ci.md">' in out
    assert "```markdown\n![b](docs/ci.md)\n```" in out
