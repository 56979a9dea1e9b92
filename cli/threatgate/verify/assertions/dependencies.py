"""Dependency evidence: a package is declared in a manifest, at an acceptable version.

``dependency_exists`` passes when the manifest declares the package in any of the
sections its reader reads (see :mod:`threatgate.verify.manifests`). A pass shows that the
manifest names the package; it does not show that the code uses it, which version a
resolver picks, or what a lock file pins.

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

Manifests are chosen by file name and read by :mod:`threatgate.verify.manifests` (one
module per ecosystem; its documentation lists what each reads): ``requirements*.txt``,
``pyproject.toml``, ``package.json``, ``go.mod``, ``Cargo.toml``, ``pom.xml``. In a
``pom.xml``, a ``<dependency>`` without a version is ignored by ``dependency_version``
when another declaration of it has one (the managed version).

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

from typing import Any

from threatgate.verify.base import Tree, Verdict, assertion_type
from threatgate.verify.manifests import (
    Constraint,
    Declaration,
    Manifest,
    ManifestError,
    NoVersion,
    declared_floor,
    matches,
    read_manifest,
)


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
