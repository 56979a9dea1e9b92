"""Dependency evidence: a package is declared in a manifest, at an acceptable version.

``dependency_exists`` passes when the manifest declares the package in any of the
sections listed below. A pass shows that the manifest names the package; it does not show
that the code uses it, which version a resolver picks, or what a lock file pins.

``dependency_version`` passes when *every* declaration of the package in the manifest
declares a version whose **floor** satisfies ``constraint``. The floor is the lowest
version the declaration admits: ``requests==2.31.0`` and ``^4.17.0`` have the floors
2.31.0 and 4.17.0, ``>=2.0,<3`` has 2.0, ``go.mod``'s ``v1.4.2`` (a minimum under Go's
version selection) has 1.4.2, and Maven's ``[1.2,2.0)`` has 1.2. So ``>=2.31`` in the
model *fails* against ``requests>=2.0`` in the manifest: the manifest still allows 2.0.
An exclusive floor (``>2.0``) counts as "just above 2.0": it satisfies ``>=2.0`` and
``>2.0`` but not ``>=2.1``. Only the floor is compared, so an upper bound in the
constraint is checked against the floor, not against everything the declaration allows.
A declaration without a version (``requests``, ``*``, a URL, a path, a git source, a
workspace or parent-managed version, a dist tag such as ``latest``), without a lower
bound (``<3``) or admitting no version at all (``>=2,<1``) fails with the reason. A pass
shows that the manifest cannot resolve below the constraint; it does not show what a
lock file or a deployment actually uses.

Manifests, chosen by file name:

* ``*.txt`` / ``*.in`` (requirements): PEP 508 lines, ``\\`` continuations, comments,
  ``--hash`` and other per-line options, ``-e ...#egg=name``. ``-r``/``-c`` includes are
  **not** followed (a fail names them). Unnamed URL or path lines are skipped.
* ``pyproject.toml``: ``[project]`` ``dependencies`` and ``optional-dependencies``,
  ``[dependency-groups]``, and ``[tool.poetry]`` ``dependencies`` (not ``python``),
  ``dev-dependencies`` and ``group.*.dependencies`` (Poetry constraints: ``^``, ``~``,
  ``~=``, comparisons, ``1.2.*``, ``,`` for and, ``||`` for or).
* ``package.json``: ``dependencies``, ``devDependencies``, ``peerDependencies``,
  ``optionalDependencies`` (``npm:name@range`` aliases match both names).
* ``go.mod``: ``require`` lines and blocks (``replace`` and ``exclude`` are not applied).
* ``Cargo.toml``: ``[dependencies]``, ``[dev-dependencies]``, ``[build-dependencies]``,
  the same under ``[target.*]`` and ``[workspace.dependencies]``; strings or tables with
  ``version``; a ``package = "real"`` rename matches both names.
* ``pom.xml``: every ``<dependency>`` (including ``<dependencyManagement>``, profiles and
  plugins), namespace-aware; ``name`` is ``groupId:artifactId`` or just ``artifactId``;
  ``${property}`` versions are resolved from ``<properties>`` and ``project.version`` of
  this file only (parent POMs are not read); a ``<dependency>`` without a version is
  ignored by ``dependency_version`` when another declaration of it has one (the managed
  version). A file with a DTD (``<!DOCTYPE``/``<!ENTITY``) is refused, not parsed.

Names: Python names compare after PEP 503 normalisation (``Foo_Bar`` is ``foo-bar``); npm,
Go and Cargo names exactly; Maven coordinates exactly and case-sensitively.

Constraints: PEP 440 specifiers for Python manifests (a bare version means ``==``);
semantic-version ranges for the others: ``^``, ``~`` (and ``~>``), ``>=``, ``<=``, ``>``,
``<``, ``=``, ``x``/``X``/``*`` wildcards and partial versions, hyphen ranges
``1.2 - 2.3``, ``||`` alternatives, and comparators joined by spaces or commas (and). A
bare version means exactly that version, except for ``Cargo.toml`` where it means ``^``
(Cargo's rule, for both the manifest and the constraint). Versions may start with ``v``
(Go). Prereleases are ordered per SemVer 2.0 (``1.0.0-alpha < 1.0.0-alpha.1 <
1.0.0-beta < 1.0.0-rc.1 < 1.0.0``; build metadata is ignored) and, like PEP 440
prereleases, are compared by that order only: a prerelease floor is not rejected just for
being a prerelease. Maven versions are compared when they are numeric (at most three
parts), optionally ending in ``.RELEASE``/``.Final``/``.GA`` (the release itself) or
``-SNAPSHOT`` (just before it); another qualifier is an ``error``.

A malformed manifest or constraint is an ``error`` naming the problem, never a crash.
"""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from threatgate.verify.base import EvidenceError, Tree, Verdict, assertion_type

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version


class ManifestError(Exception):
    """The manifest or the constraint cannot be read: the verdict is ``error``."""


class NoVersion(Exception):
    """The declaration states no usable version: the verdict is ``fail``."""


# --- semantic versions ---------------------------------------------------------------------

_IDENT = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_FULL = re.compile(rf"v?(\d+)\.(\d+)\.(\d+)(?:-({_IDENT}))?(?:\+{_IDENT})?")
_PARTIAL = re.compile(
    rf"v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-({_IDENT}))?(?:\+{_IDENT})?")


@dataclass(frozen=True, order=False)
class SemVer:
    """A semantic version; comparison follows SemVer 2.0 precedence (build ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _FULL.fullmatch(text.strip())
        if match is None or max(len(g) for g in match.groups()[:3]) > 30:
            raise ValueError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH)")
        return cls(int(match[1]), int(match[2]), int(match[3]), _prerelease(match[4]))

    def key(self) -> tuple[Any, ...]:
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: SemVer) -> bool:
        return bool(self.key() < other.key())

    def __le__(self, other: SemVer) -> bool:
        return bool(self.key() <= other.key())

    def __gt__(self, other: SemVer) -> bool:
        return bool(self.key() > other.key())

    def __ge__(self, other: SemVer) -> bool:
        return bool(self.key() >= other.key())

    def same(self, other: SemVer) -> bool:
        return bool(self.key() == other.key())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{'.'.join(map(str, self.prerelease))}" if self.prerelease else text


def _prerelease(text: str | None) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() and len(p) <= 30 else p for p in text.split("."))


#: A comparator of a desugared range: (operator, version), operator one of = > >= < <=.
Comparator = tuple[str, SemVer]
#: Alternatives (joined by ||), each a list of comparators that must all hold.
Range = list[list[Comparator]]

_ZERO = SemVer(0, 0, 0, (0,))  # the lowest version there is: nothing is below it
_OPS = ("~>", ">=", "<=", "^", "~", ">", "<", "=")
_HYPHEN = re.compile(r"(\S+)\s+-\s+(\S+)")


def parse_range(text: str, *, bare_is_caret: bool = False) -> Range:
    """An npm/Cargo range as alternatives of comparators; ValueError if malformed."""
    if len(text) > 1000:
        raise ValueError("range is too long")
    alternatives: Range = []
    for part in text.split("||"):
        part = part.strip()
        hyphen = _HYPHEN.fullmatch(part)
        if hyphen:
            alternatives.append(_desugar(">=", hyphen[1]) + _desugar("<=", hyphen[2]))
            continue
        part = re.sub(r"(~>|>=|<=|\^|~|>|<|=)\s+", r"\1", part)
        comparators: list[Comparator] = []
        for token in (t for t in re.split(r"[\s,]+", part) if t):
            op = next((o for o in _OPS if token.startswith(o)), "")
            version = token[len(op):]
            if not op and bare_is_caret:
                op = "^"
            comparators += _desugar(op or "=", version)
        alternatives.append(comparators)
    return alternatives


def _desugar(op: str, text: str) -> list[Comparator]:
    match = _PARTIAL.fullmatch(text)
    if match is None:
        shown = (op if op != "=" else "") + text
        raise ValueError(f"{shown!r} is not a version or a range")
    parts: list[int | None] = []
    for group in match.groups()[:3]:
        if group is None or group in "xX*" or (parts and parts[-1] is None):
            parts.append(None)
        else:
            if len(group) > 30:
                raise ValueError(f"{text!r}: number too long")
            parts.append(int(group))
    major, minor, patch = parts
    pre = _prerelease(match[4])
    if pre and patch is None:
        raise ValueError(f"{text!r}: a prerelease needs a full MAJOR.MINOR.PATCH version")
    if major is None:  # *, x
        return [("<", _ZERO)] if op in (">", "<") else []
    low = SemVer(major, minor or 0, patch or 0, pre)
    if minor is None:
        up_partial = SemVer(major + 1, 0, 0, (0,))
    elif patch is None:
        up_partial = SemVer(major, minor + 1, 0, (0,))
    else:
        up_partial = SemVer(major, minor, patch + 1, (0,))
    full = patch is not None
    if op == "=":
        return [("=", low)] if full else [(">=", low), ("<", up_partial)]
    if op == "^":
        if major > 0 or minor is None:
            upper = SemVer(major + 1, 0, 0, (0,))
        elif minor > 0 or patch is None:
            upper = SemVer(0, minor + 1, 0, (0,))
        else:
            upper = SemVer(0, 0, patch + 1, (0,))
        return [(">=", low), ("<", upper)]
    if op in ("~", "~>"):
        upper = (SemVer(major + 1, 0, 0, (0,)) if minor is None
                 else SemVer(major, minor + 1, 0, (0,)))
        return [(">=", low), ("<", upper)]
    if op == ">":
        return [(">", low)] if full else [(">=", SemVer(*_drop_pre(up_partial)))]
    if op == ">=":
        return [(">=", low)]
    if op == "<":
        return [("<", low)] if full else [("<", SemVer(low.major, low.minor, low.patch, (0,)))]
    # <=
    return [("<=", low)] if full else [("<", up_partial)]


def _drop_pre(version: SemVer) -> tuple[int, int, int]:
    return version.major, version.minor, version.patch


def _holds(comparator: Comparator, version: SemVer) -> bool:
    op, bound = comparator
    if op == "=":
        return version.same(bound)
    if op == ">":
        return version > bound
    if op == ">=":
        return version >= bound
    if op == "<":
        return version < bound
    return version <= bound


def _holds_just_above(comparator: Comparator, version: SemVer) -> bool:
    """Whether the comparator holds for the versions immediately above ``version``."""
    op, bound = comparator
    if op == "=":
        return False
    if op in (">", ">="):
        return version >= bound
    return version < bound


def range_admits(rng: Range, version: SemVer, *, exclusive: bool = False) -> bool:
    """Whether the range holds at ``version`` (or just above it when ``exclusive``)."""
    holds = _holds_just_above if exclusive else _holds
    return any(all(holds(c, version) for c in alt) for alt in rng)


def range_floor(rng: Range) -> tuple[SemVer, bool] | None:
    """(lowest admitted version, exclusive) of a range; None without a lower bound.

    Raises :class:`NoVersion` when the range admits no version at all.
    """
    floors: list[tuple[SemVer, bool]] = []
    for alt in rng:
        lows = [(v, op == ">") for op, v in alt if op in ("=", ">", ">=")]
        if not lows:
            return None
        best = lows[0]
        for low in lows[1:]:
            if low[0] > best[0] or (low[0].same(best[0]) and low[1]):
                best = low
        holds = _holds_just_above if best[1] else _holds
        if all(holds(c, best[0]) for c in alt):
            floors.append(best)
    if not floors:
        raise NoVersion("admits no version at all")
    result = floors[0]
    for floor in floors[1:]:
        if floor[0] < result[0] or (floor[0].same(result[0]) and not floor[1]):
            result = floor
    return result


# --- Maven versions -----------------------------------------------------------------------

_MAVEN = re.compile(r"(\d{1,30})(?:\.(\d{1,30}))?(?:\.(\d{1,30}))?"
                    r"(?:[.-](?:(final|ga|release)|(snapshot)))?", re.IGNORECASE)
_MAVEN_RANGE = re.compile(r"\s*([\[(])\s*([^,\[\]()]*?)\s*(?:(,)\s*([^,\[\]()]*?)\s*)?([\])])\s*")


def maven_version(text: str) -> SemVer:
    match = _MAVEN.fullmatch(text.strip())
    if match is None:
        raise ManifestError(f"cannot compare the Maven version {text!r}: only numeric versions "
                            "(at most three parts) with .RELEASE/.Final/.GA or -SNAPSHOT are "
                            "understood")
    return SemVer(int(match[1]), int(match[2] or 0), int(match[3] or 0),
                  ("SNAPSHOT",) if match[5] else ())


def maven_floor(text: str) -> tuple[SemVer, bool] | None:
    text = text.strip()
    if not text.startswith(("[", "(")):
        return maven_version(text), False  # a soft requirement: this version
    floors: list[tuple[SemVer, bool]] = []
    pos = 0
    while pos < len(text):
        match = _MAVEN_RANGE.match(text, pos)
        if match is None:
            raise ManifestError(f"{text!r} is not a Maven version range")
        opening, low, comma, _high, closing = match.groups()
        if comma is None and (opening != "[" or closing != "]" or not low):
            raise ManifestError(f"{text!r}: a single version in a range is written [1.0]")
        if not low:
            return None
        floors.append((maven_version(low), opening == "("))
        pos = match.end()
        if pos < len(text):
            if text[pos] != ",":
                raise ManifestError(f"{text!r} is not a Maven version range")
            pos += 1
    if not floors:
        raise ManifestError(f"{text!r} is not a Maven version range")
    return min(floors, key=lambda f: (f[0].key(), f[1]))


# --- PEP 440 ---------------------------------------------------------------------------------


def _packaging() -> Any:
    try:
        import packaging.specifiers
        import packaging.utils
        import packaging.version
    except ImportError:  # pragma: no cover - packaging is a dependency
        raise EvidenceError("checking Python manifests needs the 'packaging' library") from None
    return packaging


def canonical_python_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pep440_floor(specifiers: SpecifierSet) -> tuple[Version, bool] | None:
    """(lowest admitted version, exclusive) of a specifier set; None without a lower bound."""
    version_type = _packaging().version
    lows: list[tuple[Version, bool]] = []
    for spec in specifiers:
        op, text = spec.operator, spec.version
        if op in ("<", "<=", "!="):
            continue
        if op == "===":
            try:
                lows.append((version_type.Version(text), False))
            except version_type.InvalidVersion:
                raise NoVersion(f"pins the arbitrary string {text!r}") from None
            continue
        lows.append((version_type.Version(text.removesuffix(".*")), op == ">"))
    if not lows:
        return None
    best = lows[0]
    for low in lows[1:]:
        if low[0] > best[0] or (low[0] == best[0] and low[1]):
            best = low
    if not best[1] and not specifiers.contains(best[0], prereleases=True):
        best = (best[0], True)  # excluded by !=: the floor is just above it
    if best[1] and not pep440_admits_above(specifiers, best[0]):
        raise NoVersion("admits no version at all")
    return best


def pep440_admits_above(specifiers: SpecifierSet, version: Version) -> bool:
    """Whether every specifier holds for the versions immediately above ``version``."""
    version_type = _packaging().version
    for spec in specifiers:
        op, text = spec.operator, spec.version
        if op == "===" or (op == "==" and not text.endswith(".*")):
            return False
        if op == "!=" and not text.endswith(".*"):
            continue
        if op == ">":
            if not version >= version_type.Version(text):
                return False
        elif op == "<=":
            if not version < version_type.Version(text):
                return False
        elif not spec.contains(version, prereleases=True):
            return False
    return True


_POETRY_OPS = r"\^|~=|~|>=|<=|==|!=|>|<|="


def poetry_floor(text: str) -> tuple[Version, bool] | None:
    """The floor of a Poetry constraint (``^1.2``, ``~1.2``, ``>=1,<2``, ``1.2.*``, ``||``).

    Each alternative is translated to PEP 440 specifiers (``^1.2.3`` is ``>=1.2.3,<2``,
    ``~1.2`` is ``>=1.2,<1.3``, a bare version is ``==``) and its floor found as for a
    PEP 508 requirement; an alternative that admits nothing is left out.
    """
    packaging = _packaging()
    version_type, specifiers = packaging.version, packaging.specifiers
    floors: list[tuple[Version, bool]] = []
    empty = False
    for alternative in re.split(r"\|\|?", text):
        alternative = re.sub(rf"({_POETRY_OPS})\s+", r"\1", alternative.strip())
        specs: list[str] = []
        for token in (t for t in re.split(r"[\s,]+", alternative) if t):
            match = re.fullmatch(rf"({_POETRY_OPS})?(.+)", token)
            assert match is not None  # a non-empty token always matches
            op, version_text = match[1] or "", match[2]
            if version_text == "*":
                continue
            try:
                version = version_type.Version(re.sub(r"(\.\*)+$", "", version_text))
            except version_type.InvalidVersion:
                raise ManifestError(f"{text!r} is not a valid Poetry constraint") from None
            if op in ("^", "~"):
                specs += [f">={version}", f"<{_poetry_upper(op, version.release)}"]
            elif version_text.endswith(".*") and op in ("", "=", "==", "!="):
                specs.append(f"{'!=' if op == '!=' else '=='}{version}.*")
            else:
                specs.append(f"{op if op not in ('', '=') else '=='}{version}")
        try:
            floor = pep440_floor(specifiers.SpecifierSet(",".join(specs)))
        except specifiers.InvalidSpecifier:
            raise ManifestError(f"{text!r} is not a valid Poetry constraint") from None
        except NoVersion:
            empty = True
            continue
        if floor is None:
            return None
        floors.append(floor)
    if not floors:
        raise NoVersion("admits no version at all" if empty else "declares no version")
    return min(floors, key=lambda f: (f[0], f[1]))


def _poetry_upper(op: str, release: tuple[int, ...]) -> str:
    """The exclusive upper bound of Poetry's ``^`` or ``~`` on a release."""
    if op == "^":
        index = next((i for i, part in enumerate(release) if part), len(release) - 1)
    else:
        index = 0 if len(release) == 1 else 1
    return ".".join(map(str, (*release[:index], release[index] + 1)))


# --- declarations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """One place where the manifest names a package."""

    name: str                   # as written
    spec: str | None            # the version requirement as written; None when none
    section: str
    line: int | None = None
    syntax: str = "pep508"      # pep508 poetry semver cargo go maven
    also: str | None = None     # another name that matches (a rename or an alias)
    no_version: str = ""        # why there is no version, when spec is None

    def shown(self) -> str:
        if self.spec is not None:
            joiner = "" if self.syntax == "pep508" or not self.spec else " "
            return f"{self.name}{joiner}{self.spec}"
        return self.name + (f" ({self.no_version})" if self.no_version else "")


@dataclass
class Manifest:
    ecosystem: str              # python npm cargo go maven
    declarations: list[Declaration]
    notes: list[str] = field(default_factory=list)


def _find_line(text: str, pattern: str, start: int = 0) -> int | None:
    """The line of the first match of ``pattern`` (built from escaped names) from ``start``.

    When nothing matches after ``start``, the whole text is searched.
    """
    compiled = re.compile(pattern, re.MULTILINE)
    found = compiled.search(text, start) or (compiled.search(text) if start else None)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def _toml_header(*parts: str) -> str:
    """A pattern of the dotted TOML table name ``parts`` (each part optionally quoted)."""
    return r"[ \t]*\.[ \t]*".join(rf"[\"']?{re.escape(p)}[\"']?" for p in parts)


def _after_table(text: str, parts: tuple[str, ...], key: str | None = None) -> int:
    """Where table ``[parts]`` starts (at ``key`` in it when given); 0 when not found."""
    header = re.compile(rf"^[ \t]*\[[ \t]*{_toml_header(*parts)}[ \t]*\]", re.MULTILINE)
    found = header.search(text)
    if found is None:
        return 0
    if key is None:
        return found.end()
    at_key = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*=", re.MULTILINE)
    in_table = at_key.search(text, found.end())
    return in_table.start() if in_table else found.end()


def manifest_kind(path: str) -> str:
    name = PurePosixPath(path).name
    if name == "pyproject.toml":
        return "pyproject"
    if name == "package.json":
        return "package.json"
    if name == "go.mod":
        return "go.mod"
    if name == "Cargo.toml":
        return "cargo"
    if name == "pom.xml" or name.endswith(".pom"):
        return "pom"
    if name.endswith((".txt", ".in")):
        return "requirements"
    raise ManifestError(f"{path} is not a manifest this check reads (requirements*.txt, "
                        "pyproject.toml, package.json, go.mod, Cargo.toml, pom.xml)")


def read_manifest(tree: Tree, path: str) -> Manifest:
    kind = manifest_kind(path)
    text = tree.read_text(path).removeprefix("\ufeff")
    readers: dict[str, Callable[[str, str], Manifest]] = {
        "requirements": _requirements, "pyproject": _pyproject, "package.json": _package_json,
        "go.mod": _go_mod, "cargo": _cargo, "pom": _pom,
    }
    return readers[kind](text, path)


# requirements.txt


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if raw.lstrip().startswith("#"):
            raw = ""
        if raw.endswith("\\"):
            parts.append(raw[:-1])
            continue
        parts.append(raw)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


_INCLUDE = re.compile(r"(?:-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")
_EDITABLE = re.compile(r"(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirements(text: str, path: str) -> Manifest:
    requirement_type = _packaging_requirements()
    declarations: list[Declaration] = []
    includes: list[str] = []
    for number, line in _logical_lines(text):
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            include = _INCLUDE.match(line)
            editable = _EDITABLE.match(line)
            if include:
                includes.append(include[1])
            elif editable:
                egg = _EGG.search(editable[1])
                if egg:
                    declarations.append(Declaration(egg[1], None, "editable", number,
                                                    no_version="an editable source"))
            continue  # other options: index URLs, --pre, --require-hashes...
        line = re.split(r"\s+--?[A-Za-z]", line, maxsplit=1)[0].strip()
        named = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@", line)
        is_path = re.search(r"://|[/\\]|\.(?:whl|zip|tar\.gz|tar\.bz2|tgz)$", line)
        if is_path and not named:
            egg = _EGG.search(line)
            if egg:
                declarations.append(Declaration(egg[1], None, "requirements", number,
                                                no_version="a direct URL or path"))
            continue
        try:
            requirement = requirement_type.Requirement(line)
        except requirement_type.InvalidRequirement as exc:
            detail = str(exc).splitlines()[0]
            raise ManifestError(f"{path} line {number}: {line[:80]!r} is not a valid "
                                f"requirement: {detail}") from None
        declarations.append(_pep508_declaration(requirement, "requirements", number))
    notes = [f"-r/-c includes are not followed: {', '.join(includes)}"] if includes else []
    return Manifest("python", declarations, notes)


def _packaging_requirements() -> Any:
    _packaging()
    import packaging.requirements

    return packaging.requirements


def _pep508_declaration(requirement: Any, section: str, line: int | None) -> Declaration:
    if requirement.url:
        return Declaration(requirement.name, None, section, line,
                           no_version="a direct URL reference")
    spec = str(requirement.specifier)
    return Declaration(requirement.name, spec or None, section, line)


# pyproject.toml


def _toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path} is not valid TOML: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ManifestError(f"{path} cannot be read as TOML: {exc}") from None


def _table(data: Any, key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {}) if isinstance(data, dict) else {}
    if not isinstance(value, dict):
        raise ManifestError(f"{where}{key} is not a table")
    return value


def _strings(value: Any, where: str, *, tables: bool = False) -> list[str]:
    """The strings of a list of requirements (``tables``: skip include-group tables)."""
    if not isinstance(value, list):
        raise ManifestError(f"{where} is not a list")
    for item in value:
        if not isinstance(item, str) and not (tables and isinstance(item, dict)):
            raise ManifestError(f"{where} holds {item!r:.60}, not a requirement string")
    return [v for v in value if isinstance(v, str)]


def _pyproject(text: str, path: str) -> Manifest:
    requirement_type = _packaging_requirements()
    data = _toml(text, path)
    declarations: list[Declaration] = []
    notes: list[str] = []

    def pep508(entries: list[str], section: str, start: int) -> None:
        for entry in entries:
            try:
                requirement = requirement_type.Requirement(entry)
            except requirement_type.InvalidRequirement as exc:
                detail = str(exc).splitlines()[0]
                raise ManifestError(f"{path}: {section}: {entry[:80]!r} is not a valid "
                                    f"requirement: {detail}") from None
            line = _find_line(text, rf"[\"']\s*{re.escape(requirement.name)}(?![A-Za-z0-9._-])",
                              start)
            declarations.append(_pep508_declaration(requirement, section, line))

    project = _table(data, "project", "")
    if "dependencies" in project:
        pep508(_strings(project["dependencies"], "[project] dependencies"),
               "[project] dependencies", _after_table(text, ("project",), "dependencies"))
    for extra, entries in _table(project, "optional-dependencies", "[project] ").items():
        pep508(_strings(entries, f"optional-dependencies {extra}"),
               f"[project.optional-dependencies] {extra}",
               _after_table(text, ("project", "optional-dependencies"), extra))
    if "dependencies" in (project.get("dynamic") or []):
        notes.append("[project] dependencies are dynamic (declared outside this file)")
    for group, entries in _table(data, "dependency-groups", "").items():
        pep508(_strings(entries, f"[dependency-groups] {group}", tables=True),
               f"[dependency-groups] {group}", _after_table(text, ("dependency-groups",), group))

    poetry = _table(_table(data, "tool", ""), "poetry", "[tool] ")
    tables: list[tuple[str, tuple[str, ...], dict[str, Any]]] = [
        ("[tool.poetry.dependencies]", ("tool", "poetry", "dependencies"),
         _table(poetry, "dependencies", "[tool.poetry] ")),
        ("[tool.poetry.dev-dependencies]", ("tool", "poetry", "dev-dependencies"),
         _table(poetry, "dev-dependencies", "[tool.poetry] "))]
    for group, body in _table(poetry, "group", "[tool.poetry] ").items():
        tables.append((f"[tool.poetry.group.{group}.dependencies]",
                       ("tool", "poetry", "group", group, "dependencies"),
                       _table(body, "dependencies", f"[tool.poetry.group.{group}] ")))
    for section, parts, table in tables:
        start = _after_table(text, parts)
        for name, value in table.items():
            if name == "python":
                continue
            line = _find_line(text, rf"^[ \t]*(?:[\"']?{re.escape(name)}[\"']?[ \t]*=|\["
                              rf"{_toml_header(*parts, name)}[ \t]*\])", start)
            for spec, why in _poetry_specs(value, f"{section} {name}"):
                declarations.append(Declaration(name, spec, section, line, "poetry",
                                                no_version=why))
    return Manifest("python", declarations, notes)


def _poetry_specs(value: Any, where: str) -> list[tuple[str | None, str]]:
    if isinstance(value, str):
        return [(value, "")]
    if isinstance(value, list):
        return [spec for item in value for spec in _poetry_specs(item, where)]
    if isinstance(value, dict):
        version = value.get("version")
        if isinstance(version, str):
            return [(version, "")]
        source = next((k for k in ("git", "path", "url", "file") if k in value), None)
        return [(None, f"a {source} source" if source else "no version")]
    raise ManifestError(f"{where} is neither a version nor a table")


# package.json

NPM_SECTIONS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def _package_json(text: str, path: str) -> Manifest:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, "
                            f"column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise ManifestError(f"{path} cannot be read as JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the top level is not an object")
    declarations: list[Declaration] = []
    for section in NPM_SECTIONS:
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise ManifestError(f"{path}: {section} is not an object")
        section_at = re.search(rf"\"{re.escape(section)}\"\s*:", text)
        start = section_at.end() if section_at else 0
        for name, spec in entries.items():
            if not isinstance(spec, str):
                raise ManifestError(f"{path}: {section}.{name} is not a version string")
            line = _find_line(text, rf"\"{re.escape(name)}\"\s*:", start)
            also = None
            if spec.startswith("npm:"):  # an alias: npm:real-name@range
                body = spec[4:]
                scope = "@" if body.startswith("@") else ""
                real, _, spec = body[len(scope):].partition("@")
                also = scope + real
            declarations.append(Declaration(name, spec, section, line, "semver", also))
    return Manifest("npm", declarations)


# go.mod


def _go_mod(text: str, path: str) -> Manifest:
    declarations: list[Declaration] = []
    block: str | None = None
    block_line = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            elif block == "require":
                declarations.append(_go_require(line, number, path))
            continue
        verb, _, rest = line.partition(" ")
        rest = rest.strip()
        if verb.endswith("(") and len(verb) > 1:
            verb, rest = verb[:-1], "("
        if rest == "(":
            block, block_line = verb, number
        elif verb == "require":
            declarations.append(_go_require(rest, number, path))
    if block is not None:
        raise ManifestError(f"{path} line {block_line}: the {block} block is never closed")
    return Manifest("go", declarations)


def _go_require(entry: str, number: int, path: str) -> Declaration:
    parts = entry.split()
    if len(parts) != 2:
        raise ManifestError(f"{path} line {number}: expected 'module/path vX.Y.Z', "
                            f"found {entry[:80]!r}")
    module = parts[0].strip('"`')
    return Declaration(module, parts[1], "require", number, "go")


# Cargo.toml

CARGO_SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def _cargo(text: str, path: str) -> Manifest:
    data = _toml(text, path)
    tables: list[tuple[str, tuple[str, ...], Any]] = [(s, (s,), data.get(s))
                                                      for s in CARGO_SECTIONS]
    for target, body in _table(data, "target", "").items():
        if isinstance(body, dict):
            tables += [(f"target.{target}.{s}", ("target", target, s), body.get(s))
                       for s in CARGO_SECTIONS]
    tables.append(("workspace.dependencies", ("workspace", "dependencies"),
                   _table(data, "workspace", "").get("dependencies")))
    declarations: list[Declaration] = []
    for section, parts, table in tables:
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ManifestError(f"{path}: [{section}] is not a table")
        start = _after_table(text, parts)
        for name, value in table.items():
            line = _find_line(text, rf"^[ \t]*(?:[\"']?{re.escape(name)}[\"']?[ \t]*=|\["
                              rf"{_toml_header(*parts, name)}[ \t]*\])", start)
            if isinstance(value, str):
                declarations.append(Declaration(name, value, section, line, "cargo"))
            elif isinstance(value, dict):
                real = value.get("package")
                version = value.get("version")
                why = ("inherits its version from the workspace" if value.get("workspace")
                       else "a git or path source without a version")
                declarations.append(Declaration(
                    name, version if isinstance(version, str) else None, section, line,
                    "cargo", real if isinstance(real, str) else None, why))
            else:
                raise ManifestError(f"{path}: [{section}] {name} is neither a version nor a "
                                    "table")
    return Manifest("cargo", declarations)


# pom.xml

_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_PROPERTY = re.compile(r"\$\{([^}]*)\}")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(element: ET.Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def _pom(text: str, path: str) -> Manifest:
    if _DTD.search(text):
        raise ManifestError(f"{path} declares a DTD or entities (<!DOCTYPE/<!ENTITY); "
                            "it is refused rather than parsed")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ManifestError(f"{path} is not well-formed XML: line {line}, column "
                            f"{column + 1}") from None
    if _local(root.tag) != "project":
        raise ManifestError(f"{path} is not a Maven POM (its root is <{_local(root.tag)}>)")
    properties: dict[str, str] = {}
    parent = next((c for c in root if _local(c.tag) == "parent"), None)
    for name in ("groupId", "artifactId", "version"):
        value = _child_text(root, name)
        parent_value = _child_text(parent, name) if parent is not None else None
        if parent_value is not None:
            properties[f"project.parent.{name}"] = parent_value
        if value is None:
            value = parent_value
        if value is not None:
            properties[f"project.{name}"] = properties[f"pom.{name}"] = value
    for block in (c for c in root if _local(c.tag) == "properties"):
        for prop in block:
            properties[_local(prop.tag)] = (prop.text or "").strip()

    def resolve(value: str) -> str:
        for _ in range(10):
            if "${" not in value:
                break
            value = _PROPERTY.sub(lambda m: properties.get(m[1], m[0]), value)
        return value

    declarations: list[Declaration] = []
    searched_from: dict[str, int] = {}  # artifactId -> where its next occurrence is sought
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [(root, ())]
    while stack:
        element, ancestors = stack.pop()
        local = _local(element.tag)
        if local == "dependency":
            artifact = _child_text(element, "artifactId")
            if not artifact:
                raise ManifestError(f"{path}: a <dependency> has no <artifactId>")
            group = resolve(_child_text(element, "groupId") or "")
            artifact = resolve(artifact)
            version = _child_text(element, "version")
            section = ("dependencyManagement" if "dependencyManagement" in ancestors else
                       "plugin dependencies" if "plugin" in ancestors else "dependencies")
            at = re.compile(rf"<(?:[\w.-]+:)?artifactId>\s*{re.escape(artifact)}\s*</")
            found_at = at.search(text, searched_from.get(artifact, 0))
            line = None
            if found_at is not None:
                line = text.count("\n", 0, found_at.start()) + 1
                searched_from[artifact] = found_at.end()
            why = "no <version> here (managed by a parent POM or a BOM?)"
            spec = None
            if version:
                spec = resolve(version)
                if "${" in spec:
                    why = (f"its version {version} uses a property this POM does not "
                           "define (parent POMs are not read) or that does not resolve")
                    spec = None
            declarations.append(Declaration(f"{group}:{artifact}", spec, section, line,
                                            "maven", artifact, why))
            continue
        stack.extend((child, (*ancestors, local)) for child in reversed(list(element)))
    return Manifest("maven", declarations)


# --- matching -------------------------------------------------------------------------------


def matches(manifest: Manifest, declaration: Declaration, wanted: str) -> bool:
    names = [declaration.name] + ([declaration.also] if declaration.also else [])
    if manifest.ecosystem == "python":
        return any(canonical_python_name(n) == canonical_python_name(wanted) for n in names)
    if manifest.ecosystem == "maven":
        if ":" in wanted:
            return declaration.name == wanted
        return declaration.also == wanted
    return wanted in names


def _declarations(assertion: dict[str, Any], tree: Tree) -> tuple[Manifest, list[Declaration]]:
    manifest = read_manifest(tree, str(assertion["file"]))
    wanted = str(assertion["name"])
    return manifest, [d for d in manifest.declarations if matches(manifest, d, wanted)]


def _not_declared(manifest: Manifest, name: str, path: str) -> Verdict:
    notes = f" ({'; '.join(manifest.notes)})" if manifest.notes else ""
    return Verdict.failed(f"{name} is not declared in {path}{notes}", path)


@assertion_type("dependency_exists")
def dependency_exists(assertion: dict[str, Any], tree: Tree) -> Verdict:
    """Passes when the manifest declares the package in any section it reads."""
    path, name = str(assertion["file"]), str(assertion["name"])
    try:
        manifest, found = _declarations(assertion, tree)
    except ManifestError as exc:
        return Verdict.error(str(exc), path)
    if not found:
        return _not_declared(manifest, name, path)
    first = found[0]
    return Verdict.passed(f"{name} is declared in {path} ({first.section}: {first.shown()})",
                          path, first.line)


# --- versions ------------------------------------------------------------------------------


@dataclass
class Constraint:
    """The model's constraint, in the manifest's ecosystem."""

    text: str
    ecosystem: str
    python: Any = None
    semver: Range | None = None

    @classmethod
    def parse(cls, text: str, ecosystem: str) -> Constraint:
        if ecosystem == "python":
            specifiers = _packaging().specifiers
            version_type = _packaging().version
            try:
                return cls(text, ecosystem, python=specifiers.SpecifierSet(text))
            except specifiers.InvalidSpecifier:
                try:
                    version_type.Version(text)
                except version_type.InvalidVersion:
                    raise ManifestError(f"constraint {text!r} is not a PEP 440 version "
                                        "specifier (such as >=2.31 or ~=2.31.0)") from None
                return cls(text, ecosystem, python=specifiers.SpecifierSet(f"=={text.strip()}"))
        try:
            return cls(text, ecosystem,
                       semver=parse_range(text, bare_is_caret=ecosystem == "cargo"))
        except ValueError as exc:
            raise ManifestError(f"constraint {text!r} is not a semantic-version range: "
                                f"{exc}") from None

    def admits(self, floor: tuple[Any, bool]) -> bool:
        version, exclusive = floor
        if self.python is not None:
            if exclusive:
                return pep440_admits_above(self.python, version)
            return bool(self.python.contains(version, prereleases=True))
        assert self.semver is not None
        return range_admits(self.semver, version, exclusive=exclusive)


_NOT_A_RANGE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|\.{0,2}/|[\w.-]+/[\w.-]+|[A-Za-z][\w.-]*$")


def declared_floor(manifest: Manifest, declaration: Declaration) -> tuple[Any, bool]:
    """The declaration's floor; :class:`NoVersion` when it has none, ManifestError if bad."""
    spec = declaration.spec
    if spec is None or not spec.strip():
        raise NoVersion(f"declares no version ({declaration.no_version})"
                        if declaration.no_version else "declares no version")
    floor: tuple[Any, bool] | None
    syntax = declaration.syntax
    if syntax == "pep508":
        floor = pep440_floor(_packaging().specifiers.SpecifierSet(spec))
    elif syntax in ("poetry", "maven"):
        try:
            floor = poetry_floor(spec) if syntax == "poetry" else maven_floor(spec)
        except ManifestError as exc:
            raise ManifestError(f"{declaration.name}: {exc}") from None
    elif syntax == "go":
        try:
            floor = (SemVer.parse(spec), False)
        except ValueError as exc:
            raise ManifestError(f"{declaration.name} {spec}: {exc}") from None
    else:
        try:
            rng = parse_range(spec, bare_is_caret=syntax == "cargo")
        except ValueError as exc:
            if _NOT_A_RANGE.match(spec.strip()):
                raise NoVersion(f"declares {spec!r}, not a version range (a tag, URL, path "
                                "or git source)") from None
            raise ManifestError(f"{declaration.name} {spec!r} is not a valid range: "
                                f"{exc}") from None
        floor = range_floor(rng)
    if floor is None:
        raise NoVersion(f"declares {spec!r}, which has no lower bound")
    return floor


@assertion_type("dependency_version")
def dependency_version(assertion: dict[str, Any], tree: Tree) -> Verdict:
    """Passes when the floor of every declaration of the package satisfies ``constraint``."""
    path, name = str(assertion["file"]), str(assertion["name"])
    wanted = assertion.get("constraint")
    if not isinstance(wanted, str) or not wanted.strip():
        return Verdict.error("dependency_version needs a constraint, such as '>=2.31'", path)
    try:
        manifest, found = _declarations(assertion, tree)
        constraint = Constraint.parse(wanted, manifest.ecosystem)
        if not found:
            return _not_declared(manifest, name, path)
        if manifest.ecosystem == "maven" and any(d.spec for d in found):
            found = [d for d in found if d.spec]  # the managed version governs
        for declaration in found:
            shown = declaration.shown() if declaration.spec is not None else declaration.name
            where = f"{shown} in {path} ({declaration.section})"
            try:
                floor = declared_floor(manifest, declaration)
            except NoVersion as exc:
                return Verdict.failed(f"{where} {exc}", path, declaration.line)
            lowest = f"{'anything above ' if floor[1] else ''}{floor[0]}"
            if not constraint.admits(floor):
                return Verdict.failed(f"{where} admits {lowest}, which does not satisfy "
                                      f"{constraint.text}", path, declaration.line)
    except ManifestError as exc:
        return Verdict.error(str(exc), path)
    first = found[0]
    many = f" (all {len(found)} declarations)" if len(found) > 1 else ""
    return Verdict.passed(f"{first.shown()} in {path}: its lowest admitted version satisfies "
                          f"{constraint.text}{many}", path, first.line)
