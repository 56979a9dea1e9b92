"""``init``: the starting files of a repository that keeps its threat models as code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from threatgate import __version__
from threatgate.model.config import CONFIG_FILE, PYPROJECT
from threatgate.model.schema import MODEL_SCHEMA, schema_url
from threatgate.support.fsutil import atomic_write, create_new
from threatgate.support.resources import template_dir

#: What ``threatgate site`` writes by default: never committed.
IGNORED = "_site/"


@dataclass(frozen=True)
class InitResult:
    created: list[Path]
    skipped: list[Path]
    pre_commit_snippet: str
    #: The reference the gate ratchets against (``origin/main``).
    baseline: str = "origin/main"
    updated: list[Path] = field(default_factory=list)


def default_branch(root: Path) -> str:
    """The remote default branch (``origin/HEAD``'s target), else ``origin/`` + the current
    branch, else ``origin/main``."""
    from threatgate.errors import InputError
    from threatgate.support.git import Repository

    try:
        git = Repository(root)
        found = git.run("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
        name = found.decode("utf-8", "replace").strip()
        if name:
            return name
    except InputError:
        pass
    try:
        branch = Repository(root).run("branch", "--show-current").decode().strip()
    except (InputError, UnicodeDecodeError):
        branch = ""
    return f"origin/{branch or 'main'}"


def ignore_site(root: Path) -> bool | None:
    """Add ``_site/`` to ``.gitignore``: True created, False updated, None already there."""
    path = root / ".gitignore"
    existing = path.read_text(encoding="utf-8") if path.exists() else None
    if existing is not None and any(
            line.strip().rstrip("/") in ("_site", "/_site") for line in existing.splitlines()):
        return None
    text = existing or ""
    separator = "" if not text or text.endswith("\n") else "\n"
    atomic_write(path, (text + separator + "# threatgate site output\n" + IGNORED + "\n")
                 .encode())
    return existing is None


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")
    return slug or "system"


def _template(name: str, **values: str) -> str:
    text = (template_dir() / "init" / name).read_text(encoding="utf-8")
    return Template(text).safe_substitute(values)


def _pyproject_table(config_text: str) -> str:
    """The settings file's body as a ``[tool.threatgate]`` table for pyproject.toml."""
    text = config_text.replace("[rules]", "[tool.threatgate.rules]").replace(
        "[gate]", "[tool.threatgate.gate]").replace(
        "# The same keys work in the [tool.threatgate] table of pyproject.toml.\n", "")
    return "\n[tool.threatgate]\n" + text


def init_repository(
    root: Path, *, models_dir: str = "threatmodels", use_pyproject: bool = False
) -> InitResult:
    """Create the model folder with an example model and the settings; overwrite nothing."""
    created: list[Path] = []
    skipped: list[Path] = []
    model_id = _slug(root.resolve().name)
    model = root / models_dir / f"{model_id}.yaml"
    text = _template(
        "threatmodel.yaml", model_id=model_id, title=root.resolve().name or "My system",
        schema_url=schema_url(MODEL_SCHEMA),
    )
    (created if create_new(model, text.encode()) else skipped).append(model)

    config_text = _template("threatgate.toml")
    if models_dir != "threatmodels":
        config_text = config_text.replace('models = ["threatmodels"]', f'models = ["{models_dir}"]')
    if use_pyproject:
        pyproject = root / PYPROJECT
        existing = pyproject.read_text(encoding="utf-8") if pyproject.exists() else ""
        if re.search(r"^\[tool\.threatgate\]", existing, re.MULTILINE):
            skipped.append(pyproject)
        else:
            separator = "" if not existing or existing.endswith("\n") else "\n"
            atomic_write(pyproject, (existing + separator + _pyproject_table(config_text)).encode())
            created.append(pyproject)
    else:
        config = root / CONFIG_FILE
        (created if create_new(config, config_text.encode()) else skipped).append(config)
    baseline = default_branch(root)
    snippet = _template("pre-commit-config.yaml", version=__version__, baseline=baseline)
    updated: list[Path] = []
    ignored = ignore_site(root)
    if ignored is not None:
        (created if ignored else updated).append(root / ".gitignore")
    return InitResult(created, skipped, snippet, baseline, updated)
