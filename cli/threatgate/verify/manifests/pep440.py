"""PEP 440 specifiers and Poetry constraints: the floor a Python requirement admits."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from threatgate.verify.base import EvidenceError
from threatgate.verify.manifests.base import Declaration, ManifestError, NoVersion

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version


def packaging_library() -> Any:
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
    version_type = packaging_library().version
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
    version_type = packaging_library().version
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
    packaging = packaging_library()
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


def requirements_library() -> Any:
    packaging_library()
    import packaging.requirements

    return packaging.requirements


def parse_requirement(entry: str, where: str) -> Any:
    """A PEP 508 requirement; :class:`ManifestError` saying ``where`` it is when invalid."""
    requirement_type = requirements_library()
    try:
        return requirement_type.Requirement(entry)
    except requirement_type.InvalidRequirement as exc:
        detail = str(exc).splitlines()[0]
        raise ManifestError(f"{where}: {entry[:80]!r} is not a valid requirement: "
                            f"{detail}") from None


def pep508_declaration(requirement: Any, section: str, line: int | None) -> Declaration:
    if requirement.url:
        return Declaration(requirement.name, None, section, line,
                           no_version="a direct URL reference")
    spec = str(requirement.specifier)
    return Declaration(requirement.name, spec or None, section, line)
