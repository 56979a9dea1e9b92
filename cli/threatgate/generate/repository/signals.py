"""What a clue means: the signal table of ``signals.yaml``, loaded once and matched.

A signal is one thing a repository can show (Django, PostgreSQL, Stripe, a CSRF
middleware, a Terraform S3 bucket, ...): the names that reveal it per kind of clue, and
what it means for the generator, in the generator's own vocabulary
(``generate/data/keywords.yaml``): technologies, data kinds, behaviour flags, and the
generated controls it is evidence for. A technology may be written as a list of
alternatives, the first one the vocabulary knows being used, so that the table keeps
working as the vocabulary grows (``[search_index, database]``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from threatgate.generate.repository.base import Clue

SIGNALS_FILE = Path(__file__).resolve().parent / "signals.yaml"
#: The kinds of clue the readers give, each the key of a ``match`` table.
CLUE_KINDS = ("python", "npm", "go", "cargo", "maven", "gem", "composer", "image",
              "terraform", "cloudformation", "kubernetes", "helm", "ci", "serverless",
              "webserver", "header", "middleware", "project")
FIELDS = {"name", "technologies", "data", "flags", "controls", "match"}


@dataclass(frozen=True)
class Signal:
    """One thing a repository can show, and what it means for the generator."""

    id: str
    name: str
    #: Each entry: the alternatives for one technology, the first known one is used.
    technologies: tuple[tuple[str, ...], ...]
    data: tuple[str, ...]
    flags: tuple[str, ...]
    #: Generated controls (the rule packs' control ids) this signal is evidence of.
    controls: tuple[str, ...]
    match: Mapping[str, tuple[str, ...]]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuntimeError(f"{SIGNALS_FILE.name}: {where} must be a list of names")
    return tuple(value)


def _signal(key: str, spec: Any) -> Signal:
    if not isinstance(spec, dict) or not set(spec) <= FIELDS or "name" not in spec:
        raise RuntimeError(f"{SIGNALS_FILE.name}: {key} must have a name and only "
                           f"{', '.join(sorted(FIELDS))}")
    technologies = tuple(_strings(t if isinstance(t, list) else [t], f"{key}.technologies")
                         for t in spec.get("technologies", []))
    match = spec.get("match")
    if not isinstance(match, dict) or not match or not set(match) <= set(CLUE_KINDS):
        raise RuntimeError(f"{SIGNALS_FILE.name}: {key}.match must map clue kinds "
                           f"({', '.join(CLUE_KINDS)}) to names")
    return Signal(key, str(spec["name"]), technologies,
                  _strings(spec.get("data", []), f"{key}.data"),
                  _strings(spec.get("flags", []), f"{key}.flags"),
                  _strings(spec.get("controls", []), f"{key}.controls"),
                  {kind: tuple(normalise(kind, p) for p in _strings(names, f"{key}.match"))
                   for kind, names in match.items()})


@cache
def signals(path: Path = SIGNALS_FILE) -> dict[str, Signal]:
    """The shipped signal table (a defect in it is a bug, not user input)."""
    from threatgate.model.loader import load_text

    data = load_text(path.read_text(encoding="utf-8")).data
    return {key: _signal(key, spec) for key, spec in data["signals"].items()}


_IMAGE_DIGEST = re.compile(r"@[\w.+-]+:[0-9a-fA-F]*$")
_IMAGE_TAG = re.compile(r":[\w.-]*$")


def normalise(kind: str, value: str) -> str:
    """The form names are compared in: lower case; Python names as PEP 503 says; an
    image without registry host, ``library/``, tag or digest."""
    name = value.strip().lower()
    if kind == "python":
        return re.sub(r"[-_.]+", "-", name)
    if kind == "image":
        name = _IMAGE_TAG.sub("", _IMAGE_DIGEST.sub("", name))
        parts = name.split("/")
        if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
            parts = parts[1:]
        if parts[:1] == ["library"]:
            parts = parts[1:]
        return "/".join(parts)
    return name


@dataclass(frozen=True)
class Index:
    """Exact names per clue kind, and the wildcard patterns, each with its signals."""

    exact: Mapping[tuple[str, str], tuple[str, ...]]
    patterns: Mapping[str, tuple[tuple[str, str], ...]]

    def lookup(self, kind: str, name: str) -> list[str]:
        found = list(self.exact.get((kind, name), ()))
        found += [signal for pattern, signal in self.patterns.get(kind, ())
                  if fnmatch.fnmatchcase(name, pattern) and signal not in found]
        return found


@cache
def index(path: Path = SIGNALS_FILE) -> Index:
    exact: dict[tuple[str, str], list[str]] = {}
    patterns: dict[str, list[tuple[str, str]]] = {}
    for signal in signals(path).values():
        for kind, names in signal.match.items():
            for name in names:
                if any(c in name for c in "*?["):
                    patterns.setdefault(kind, []).append((name, signal.id))
                else:
                    exact.setdefault((kind, name), []).append(signal.id)
    return Index({k: tuple(v) for k, v in exact.items()},
                 {k: tuple(v) for k, v in patterns.items()})


def signals_of(clue: Clue, path: Path = SIGNALS_FILE) -> list[str]:
    """The signals a clue reveals (an image is also looked up by its last part)."""
    table = index(path)
    name = normalise(clue.kind, clue.value)
    found = table.lookup(clue.kind, name)
    if clue.kind == "image" and "/" in name:
        found += [s for s in table.lookup("image", PurePosixPath(name).name) if s not in found]
    return found


def first_known(alternatives: Iterable[str], known: Iterable[str]) -> str | None:
    """The first of ``alternatives`` that is in ``known``."""
    names = set(known)
    return next((name for name in alternatives if name in names), None)
