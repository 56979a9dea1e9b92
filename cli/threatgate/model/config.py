"""Repository root discovery and the ``threatgate.toml`` / ``[tool.threatgate]`` settings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from threatgate.errors import ConfigError
from threatgate.model.loader import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH
from threatgate.support.outputs import inside

CONFIG_FILE = "threatgate.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class Config:
    """Effective settings. ``root`` is the repository root every relative path starts at."""

    root: Path
    source: Path | None = None
    models: tuple[str, ...] = ("threatmodels",)
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    cache: bool = True
    rules: dict[str, str] = field(default_factory=dict)
    expiring_days: int = 30
    gate: dict[str, Any] = field(default_factory=dict)
    generate_packs: tuple[str, ...] = ()
    builtin_packs: bool = True
    #: The ``[jira]`` table as written (read by the Jira integration).
    jira: dict[str, Any] = field(default_factory=dict)
    #: The ``[confluence]`` table as written (read by the Confluence integration).
    confluence: dict[str, Any] = field(default_factory=dict)
    #: ``[compliance] folder``: the repository's own compliance catalogues.
    compliance_folder: str = "compliance"

    @property
    def model_dirs(self) -> list[Path]:
        return [self.root / folder for folder in self.models]

    @property
    def pack_paths(self) -> list[Path]:
        """The extra rule packs of ``[generate] packs``, relative to the repository root."""
        return [self.root / pack for pack in self.generate_packs]

    @property
    def compliance_dir(self) -> Path:
        """The folder of the repository's own compliance catalogues."""
        return self.root / self.compliance_folder


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return "threatgate" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return False


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding a config file or a ``.git``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / ".git").exists():
            return folder
        if (folder / PYPROJECT).is_file() and _has_tool_table(folder / PYPROJECT):
            return folder
    return start


#: Python reads integers of at most this many digits (``sys.get_int_max_str_digits``).
MAX_INTEGER_DIGITS = 4300
_LONG_NUMBER = re.compile(rf"(?<![0-9_])[0-9_]{{{MAX_INTEGER_DIGITS + 1},}}")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return parse_toml(path, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    """The TOML ``text`` of the file ``path`` (named in errors)."""
    import tomllib  # only when there is a settings file to read

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError:  # an integer too long for Python to read
        found = next((run for run in _LONG_NUMBER.finditer(text)
                      if len(run.group().replace("_", "")) > MAX_INTEGER_DIGITS), None)
        where = f" (line {text.count(chr(10), 0, found.start()) + 1})" if found else ""
        raise ConfigError(f"{path}: invalid TOML: a number of more than "
                          f"{MAX_INTEGER_DIGITS} digits{where}") from None


def settings_of(source: Path, document: dict[str, Any]) -> dict[str, Any] | None:
    """The threatgate settings in a parsed configuration file (``[tool.threatgate]`` of a
    ``pyproject.toml``), or None when a ``pyproject.toml`` has none."""
    if source.name != PYPROJECT:
        return document
    tool = document.get("tool")
    settings = tool.get("threatgate") if isinstance(tool, dict) else None
    return settings if isinstance(settings, dict) else None


def load_config(start: Path, explicit: Path | None = None, *,
                remember: bool = True) -> Config:
    """Read the settings for the repository containing ``start`` (or the file given);
    ``remember=False`` (a run with ``--no-cache``) checks them afresh, keeping nothing."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        root, source = explicit.resolve().parent, explicit
        settings = settings_of(explicit, _read_toml(explicit)) or {}
    else:
        root = find_root(start)
        source, settings = None, {}
        if (root / CONFIG_FILE).is_file():
            source = root / CONFIG_FILE
            settings = _read_toml(source)
        elif (root / PYPROJECT).is_file() and _has_tool_table(root / PYPROJECT):
            source = root / PYPROJECT
            settings = _read_toml(source)["tool"]["threatgate"]
    return build_config(root, source, settings, remember=remember)


def build_config(root: Path, source: Path | None, settings: dict[str, Any], *,
                 remember: bool = True) -> Config:
    check_ranges(source, settings)
    check_settings(source, settings, remember=remember)
    models = tuple(settings.get("models", Config.models))
    exclude = tuple(settings.get("exclude", ()))
    packs = tuple(settings.get("generate", {}).get("packs", ()))
    check_confined(root, source, "models", models)
    check_confined(root, source, "generate.packs", packs)
    compliance_folder = settings.get("compliance", {}).get("folder", Config.compliance_folder)
    check_confined(root, source, "compliance.folder", (compliance_folder,))
    check_confined(root, source, "exclude", exclude, patterns=True)
    return Config(
        root=root,
        source=source,
        models=models,
        exclude=exclude,
        max_file_size=settings.get("max_file_size", DEFAULT_MAX_BYTES),
        max_depth=settings.get("max_depth", DEFAULT_MAX_DEPTH),
        cache=settings.get("cache", True),
        rules=dict(settings.get("rules", {})),
        expiring_days=settings.get("expiring_days", 30),
        gate=dict(settings.get("gate", {})),
        generate_packs=packs,
        builtin_packs=settings.get("generate", {}).get("builtin_packs", True),
        jira=dict(settings.get("jira", {})),
        confluence=dict(settings.get("confluence", {})),
        compliance_folder=compliance_folder,
    )


#: A drive (``C:/...``, ``C:x`` is drive-relative on Windows) or a UNC share: absolute on
#: Windows, where the configuration may be read too. ``x::y`` is an ordinary name elsewhere.
WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:/" if os.name != "nt" else r"[A-Za-z]:|//")


def check_confined(root: Path, source: Path | None, setting: str, values: tuple[str, ...],
                   *, patterns: bool = False) -> None:
    """Refuse a configured path that could lead outside the repository root.

    The configuration is as untrusted as the models (a pull request writes both), so a
    path it names must not be absolute, and must resolve (symbolic links followed) to
    ``root`` or below it. Glob ``patterns`` are only matched, never opened: for them it is
    enough that they are relative and have no ``..`` segment.
    """
    real_root = root.resolve()
    for value in values:
        text = value.replace("\\", "/")
        pure = PurePosixPath(text)
        if pure.is_absolute() or WINDOWS_ABSOLUTE.match(text):
            problem = "is an absolute path"
        elif patterns and ".." in pure.parts:
            problem = "has a '..' segment"
        elif not patterns and not inside((real_root / text).resolve(), real_root):
            problem = f"resolves outside the repository (to {(real_root / text).resolve()})"
        else:
            continue
        where = f"{source}: " if source is not None else "(default setting) "
        raise ConfigError(f"{where}{setting}: {value!r} {problem}; every configured path "
                          f"must stay inside the repository ({real_root})")


def check_settings(source: Path | None, settings: dict[str, Any], *,
                   remember: bool = True) -> None:
    """Refuse settings the schema does not allow, or that name a rule that does not exist.

    Settings found valid before are known valid from the cache (a signed entry keyed by
    their exact content, the schema and the rules' code), so that a run whose models all
    come from the cache loads neither the schema validator nor the rules for them.
    """
    if not settings:
        return  # the empty table is valid: the schema requires nothing, names no rule
    from threatgate.model import settings_verdicts

    known_valid, record = (settings_verdicts.lookup(settings) if remember
                           else (False, settings_verdicts.nothing))
    if known_valid:
        return
    from threatgate.model import schema

    problems = schema.check(settings, schema.CONFIG_SCHEMA)
    if problems:
        raise ConfigError(f"{source}: {problems[0].message}")
    if settings.get("rules"):
        from threatgate.validate.rules import RULES

        unknown = sorted(set(settings["rules"]) - set(RULES))
        if unknown:
            raise ConfigError(f"{source}: rules: unknown rule id(s) {', '.join(unknown)}; "
                              f"known: {', '.join(sorted(RULES))}")
    record()


#: No setting nests deeper than this (``[gate]``, ``[rules]``, lists of folders).
MAX_SETTINGS_DEPTH = 8
#: Upper bounds the schema leaves open, with the limit in words: beyond them a value
#: cannot be used (a read of that many bytes, a date that many days away) and is refused.
SETTING_MAXIMA = {"max_file_size": (1 << 30, "1 GiB"), "expiring_days": (36_500, "100 years")}


def check_ranges(source: Path | None, settings: dict[str, Any]) -> None:
    """Refuse settings nested too deeply or numbers out of the range they can be used in."""
    pending: list[tuple[Any, int]] = [(settings, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_SETTINGS_DEPTH:
            raise ConfigError(f"{source}: settings nested more than {MAX_SETTINGS_DEPTH} "
                              "levels deep")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    for key, (maximum, in_words) in SETTING_MAXIMA.items():
        value = settings.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > maximum:
            raise ConfigError(f"{source}: {key} = {value} is out of range: at most "
                              f"{maximum} ({in_words})")
