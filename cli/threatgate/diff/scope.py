"""Which files a change is reviewed on: the configuration at BASE, and at HEAD.

A pull request writes the configuration as well as the models, so the settings that
decide what is reviewed (``models``, ``exclude``) are read on both sides: a file is
reviewed when either side's configuration makes it a model file, and a change of the
configuration that stops reviewing a model, or that loosens the gate or the rules, is
itself a regression (:mod:`threatgate.diff.regressions.configuration`).

The configuration of a side is the file the current one was read from, as it was at that
side (an explicit ``--config`` outside the repository holds for both sides); where none
existed, the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from threatgate.errors import ConfigError
from threatgate.model.config import (
    CONFIG_FILE,
    PYPROJECT,
    Config,
    build_config,
    parse_toml,
    settings_of,
)
from threatgate.model.discovery import in_model_folders
from threatgate.support.git import Repository


@dataclass
class SideConfig:
    """The configuration of one side, and the file (relative to the top) it came from."""

    config: Config
    path: str | None = None
    text: str = ""

    def is_model_path(self, top: Path, path: str) -> bool:
        """Whether this configuration makes ``path`` (relative to ``top``) a model file."""
        return in_model_folders(top / path, self.config)


@dataclass
class ReviewScope:
    """The configurations of both sides of a change."""

    base: SideConfig
    head: SideConfig
    notes: list[str] = field(default_factory=list)

    @property
    def sides(self) -> tuple[SideConfig, SideConfig]:
        return self.base, self.head


def _relative(path: Path | None, top: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(top).as_posix()
    except ValueError:
        return None


def _candidates(current: Config, top: Path) -> list[str] | None:
    """The files that may hold the configuration at another revision (None: the current
    configuration is outside the repository and holds for every revision)."""
    if current.source is not None:
        source = _relative(current.source, top)
        if source is None:
            return None
        if current.source.name not in (CONFIG_FILE, PYPROJECT):
            return [source]  # an explicit file of another name: that file only
    root = _relative(current.root, top)
    if root is None:
        return None
    prefix = "" if root == "." else root + "/"
    return [prefix + CONFIG_FILE, prefix + PYPROJECT]


def config_at(git: Repository, top: Path, current: Config, commit: str) -> SideConfig:
    """The configuration as it was at ``commit``: the defaults where there was none."""
    candidates = _candidates(current, top)
    if candidates is None:
        return SideConfig(current, _relative(current.source, top))
    entries = git.files_at(commit, candidates)
    for path in candidates:
        found = entries.get(path)
        if found is None or not found.is_regular_file or found.size > current.max_file_size:
            continue
        source = top / path
        try:
            text = found.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{path} at {commit[:12]}: not UTF-8 text") from None
        settings = settings_of(source, parse_toml(source, text))
        if settings is None:
            continue  # a pyproject.toml without [tool.threatgate]
        return SideConfig(build_config(current.root, source, settings), path, text)
    return SideConfig(build_config(current.root, None, {}))


def current_side(current: Config, top: Path) -> SideConfig:
    """The configuration of the working tree, as it was loaded."""
    path = _relative(current.source, top)
    text = ""
    if current.source is not None:
        try:
            text = current.source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
    return SideConfig(current, path, text)


def review_scope(git: Repository, top: Path, current: Config, base_commit: str,
                 head_commit: str | None) -> ReviewScope:
    """The configurations of BASE and HEAD (None: the working tree's, as loaded)."""
    notes: list[str] = []
    head = (current_side(current, top) if head_commit is None
            else _readable(git, top, current, head_commit, "HEAD", notes))
    base = _readable(git, top, current, base_commit, "BASE", notes, fallback=head)
    return ReviewScope(base, head, notes)


def _readable(git: Repository, top: Path, current: Config, commit: str, side: str,
              notes: list[str], fallback: SideConfig | None = None) -> SideConfig:
    try:
        return config_at(git, top, current, commit)
    except ConfigError as exc:
        chosen = fallback or current_side(current, top)
        notes.append(f"the configuration at {side} cannot be used ({exc}); the files "
                     f"reviewed follow {'HEAD' if fallback else 'the working tree'}'s")
        return chosen
