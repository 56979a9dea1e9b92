"""``init``: the starting files of a repository that keeps its threat models as code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from threatgate import __version__
from threatgate.model.config import CONFIG_FILE, PYPROJECT
from threatgate.support.fsutil import atomic_write, create_new
from threatgate.support.resources import template_dir


@dataclass(frozen=True)
class InitResult:
    created: list[Path]
    skipped: list[Path]
    pre_commit_snippet: str


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
        "threatmodel.yaml", model_id=model_id, title=root.resolve().name or "My system"
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
    snippet = _template("pre-commit-config.yaml", version=__version__)
    return InitResult(created, skipped, snippet)
