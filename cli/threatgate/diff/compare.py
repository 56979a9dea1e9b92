"""What a change does to the threat models: ``threatgate diff BASE [HEAD]``.

The models are read at both git references straight from the object database (no
checkout), or from the working tree for the HEAD side (``worktree=True``). Only the model
files that differ between the two sides are read: ``git diff --raw`` between the trees
names them with their blob ids, and unchanged files cannot change anything.

Models are matched by their ``id``, not their path, so a model that is renamed or moved
keeps its history; inside a model every entity is matched by id (acceptances by id, else
by the threat or objective they name). The result lists, per model, the entities added,
removed and changed field by field, the status transitions and the posture before and
after, and the **security regressions**:

``control-status-regressed``
    a control that was ``implemented`` at BASE has another status at HEAD.
``control-removed``
    a control of BASE is gone at HEAD while an objective (mitigation group) or a threat
    (mitigations) that still exists at HEAD relied on it at BASE.
``assertion-removed``
    a control that exists on both sides lost an assertion (one present at BASE is not
    present, identical, at HEAD) while an objective or a threat relies on the control.
``threat-score-lowered``
    a threat's likelihood or impact is lower at HEAD, or was set at BASE and is gone, or
    its explicit severity is lower.
``threat-removed``
    a threat of BASE is gone from a model that still exists at HEAD.
``acceptance-added``
    an acceptance exists at HEAD that did not at BASE.
``acceptance-extended``
    an acceptance's ``review_by`` is later at HEAD than at BASE.
``mitigation-group-shrunk``
    an objective has, at HEAD, a mitigation group that is a strict subset of one of its
    BASE groups which no longer exists: fewer controls now satisfy the objective.
``objective-at-risk``
    an objective that exists on both sides is at risk at HEAD but was not at BASE, or was
    mitigated at BASE and is unassessed at HEAD.
``finding-dismissed``
    a finding's status becomes ``dismissed``.
``finding-removed``
    a finding that was open at BASE (discovered or acknowledged) is gone at HEAD.
``model-removed``
    a model of BASE exists nowhere at HEAD (by id).
``model-unreadable``
    a model file changed in a way that makes it unreadable at HEAD (it hides everything
    else; it cannot be acknowledged: fix the file).

Acknowledging a regression is done in the model itself, so that it is reviewed with the
change: a top-level ``x-regression-ok`` list in the model at HEAD, each item a mapping
``{kind: <regression kind>, entity: <id>, reason: <why this is fine>}``. The entity is
the id of the control, threat, objective or finding (for an acceptance: its id or the
threat or objective it names; for ``model-removed``: the removed model's id, written in
any model changed by the same change). Only items *added by the change* count: an item
already present, identical, at BASE acknowledges nothing, so an old note never silences
a new regression. An acknowledged regression is still reported, but does not fail
``--fail-on-regression``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any

from threatgate.analysis.assess import assess_model
from threatgate.analysis.assessment import ModelAssessment
from threatgate.errors import InputError
from threatgate.model.config import Config
from threatgate.model.dates import parse_date
from threatgate.model.loader import LoadedDocument, LoadError, load_bytes
from threatgate.model.vocabulary import COLLECTIONS, SEVERITY_RANK, id_list, items, text

ACK_KEY = "x-regression-ok"
MODEL_SUFFIXES = (".yaml", ".yml")
#: Entity collections compared, in the order reports list them.
ENTITY_KINDS = tuple(COLLECTIONS)
REGRESSION_KINDS = (
    "model-removed",
    "model-unreadable",
    "control-status-regressed",
    "control-removed",
    "assertion-removed",
    "threat-score-lowered",
    "threat-removed",
    "acceptance-added",
    "acceptance-extended",
    "mitigation-group-shrunk",
    "objective-at-risk",
    "finding-dismissed",
    "finding-removed",
)
#: Regressions that no note can acknowledge.
UNACKNOWLEDGEABLE = frozenset({"model-unreadable"})
OPEN_FINDINGS = frozenset({"discovered", "acknowledged"})
_ZERO_SHA = "0" * 40
_SYMLINK, _GITLINK = "120000", "160000"

Locate = Callable[[tuple[str | int, ...]], tuple[int, int]]


# --- results -------------------------------------------------------------------------------


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass
class EntityChange:
    kind: str  # collection name: "threats", "controls", ...
    entity: str
    change: str  # added | removed | changed
    title: str
    path: str
    line: int
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Transition:
    kind: str  # threat | objective | control | finding
    entity: str
    what: str  # state, severity, status, posture
    before: str
    after: str


@dataclass
class Regression:
    kind: str
    model: str
    entity: str
    message: str
    path: str
    line: int
    side: str  # "head", or "base" for what exists only at BASE
    acknowledged: bool = False
    reason: str | None = None
    aliases: frozenset[str] = frozenset()

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class ModelSide:
    """One model file at one side of the diff."""

    path: str
    document: LoadedDocument | None = None
    error: str | None = None  # "line:col: message [rule]" when it cannot be read
    assessment: ModelAssessment | None = None

    @property
    def data(self) -> dict[str, Any]:
        return self.document.data if self.document else {}

    @property
    def model_id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None

    def line(self, path: tuple[str | int, ...]) -> int:
        return self.document.locate(path)[0] if self.document else 1


@dataclass
class ModelDiff:
    model: str
    status: str  # added | removed | modified | renamed | moved | unreadable
    base_path: str | None
    head_path: str | None
    base_error: str | None = None
    head_error: str | None = None
    model_fields: list[FieldChange] = field(default_factory=list)
    entities: list[EntityChange] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    regressions: list[Regression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.head_path or self.base_path or "?"


@dataclass
class DiffResult:
    base_ref: str
    base_commit: str
    head_ref: str
    head_commit: str | None  # None for the working tree
    today: dt.date
    models: list[ModelDiff]
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Regression]:
        return [r for m in self.models for r in m.regressions]

    @property
    def failing(self) -> list[Regression]:
        return [r for r in self.regressions if not r.acknowledged]

    @property
    def summary(self) -> dict[str, int]:
        count: dict[str, int] = {
            "models_added": 0, "models_removed": 0, "models_renamed": 0,
            "models_modified": 0, "models_unreadable": 0,
            "entities_added": 0, "entities_removed": 0, "entities_changed": 0,
        }
        for model in self.models:
            key = "renamed" if model.status == "moved" else model.status
            count[f"models_{key}"] += 1
            for change in model.entities:
                count[f"entities_{change.change}"] += 1
        count["regressions"] = len(self.failing)
        count["acknowledged"] = len(self.regressions) - len(self.failing)
        return count

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        models = []
        for model in self.models:
            entry = asdict(model)
            for regression in entry["regressions"]:
                regression.pop("aliases", None)
            models.append(entry)
        regressions = []
        for r in self.regressions:
            item = {k: v for k, v in vars(r).items() if k != "aliases"}
            item["where"] = r.where
            regressions.append(item)
        return {
            "base": {"ref": self.base_ref, "commit": self.base_commit},
            "head": {"ref": self.head_ref, "commit": self.head_commit},
            "today": self.today.isoformat(),
            "summary": self.summary,
            "pass": not self.failing,
            "regressions": regressions,
            "models": models,
            "notes": list(self.notes),
        }


# --- reading the two sides -------------------------------------------------------------------


@dataclass
class _Changed:
    path: str  # relative to the repository's top folder, POSIX
    status: str  # A, D, M, T
    base_sha: str | None
    head_sha: str | None
    base_mode: str
    head_mode: str


class _Repository:
    """The git repository holding ``config.root``, opened with gitpython."""

    def __init__(self, config: Config) -> None:
        import git  # gitpython: only on the diff path, never on validate's

        self._git = git
        try:
            self.repo = git.Repo(config.root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise InputError(f"{config.root} is not inside a git repository") from None
        if self.repo.working_tree_dir is None:
            raise InputError(f"{config.root}: a bare repository has no working tree")
        self.top = Path(self.repo.working_tree_dir).resolve()
        self.config = config
        root = config.root.resolve()
        self.pathspecs: list[str] = []
        for folder in config.models:
            try:
                relative = (root / folder).resolve().relative_to(self.top).as_posix()
            except ValueError:
                continue  # a model folder outside the repository has no history here
            self.pathspecs.append(relative)

    def commit(self, ref: str) -> Any:
        git = self._git
        try:
            commit = self.repo.commit(ref)
            commit.tree  # noqa: B018 - a tag of a tree or blob fails here
        except (git.BadName, git.BadObject, ValueError, TypeError, IndexError, AttributeError):
            shallow = Path(self.repo.git_dir, "shallow").exists()
            hint = (" (this is a shallow clone: fetch more history, e.g. "
                    "`git fetch --unshallow` or actions/checkout with fetch-depth: 0)"
                    if shallow else "")
            raise InputError(f"git reference {ref!r} does not exist{hint}") from None
        return commit

    def _run(self, *args: str) -> bytes:
        git = self._git
        try:
            out: bytes = self.repo.git.execute(
                ["git", "--literal-pathspecs", *args], stdout_as_string=False
            )
        except git.GitCommandError as exc:
            detail = exc.stderr.strip() if isinstance(exc.stderr, str) else str(exc)
            raise InputError(f"git {args[0]} failed: {detail}") from None
        return out

    def changed(self, base: Any, head: Any | None) -> list[_Changed]:
        """Model files that differ between ``base`` and ``head`` (None: the working tree)."""
        if not self.pathspecs:
            return []
        args = ["diff", "--raw", "-z", "--no-renames", "--no-abbrev", "--no-ext-diff",
                "--ignore-submodules=all", base.hexsha]
        if head is not None:
            args.append(head.hexsha)
        raw = self._run(*args, "--", *self.pathspecs)
        fields = raw.split(b"\0")
        found: list[_Changed] = []
        index = 0
        while index + 1 < len(fields):
            meta = fields[index].decode("ascii", "replace")
            if not meta.startswith(":"):
                index += 1
                continue
            path = os.fsdecode(fields[index + 1])
            index += 2
            old_mode, new_mode, old_sha, new_sha, status = meta[1:].split(" ")[:5]
            found.append(_Changed(
                path, status[:1],
                None if old_sha == _ZERO_SHA else old_sha,
                None if new_sha == _ZERO_SHA else new_sha,
                old_mode, new_mode,
            ))
        if head is None:
            untracked = self._run("ls-files", "-z", "--others", "--exclude-standard", "--",
                                  *self.pathspecs)
            for item in untracked.split(b"\0"):
                if item:
                    found.append(_Changed(os.fsdecode(item), "A", None, None, "000000",
                                          "100644"))
        return [c for c in found if self._is_model_path(c.path)]

    def _is_model_path(self, path: str) -> bool:
        import fnmatch

        parts = PurePosixPath(path).parts
        if not path.endswith(MODEL_SUFFIXES) or any(p.startswith(".") for p in parts):
            return False
        if self.config.exclude:
            try:
                relative = (self.top / path).relative_to(self.config.root.resolve()).as_posix()
            except ValueError:
                relative = path
            if any(fnmatch.fnmatch(relative, pattern) for pattern in self.config.exclude):
                return False
        return True

    def blob(self, sha: str) -> bytes:
        """A blob's bytes, refused before reading when it is over ``max_file_size``."""
        binsha = bytes.fromhex(sha)
        size = self.repo.odb.info(binsha).size
        limit = self.config.max_file_size
        if size > limit:
            raise LoadError("file-too-large",
                            f"file is {size} bytes, over the limit of {limit} bytes "
                            "(setting max_file_size)")
        data: bytes = self.repo.odb.stream(binsha).read()
        return data

    def worktree_file(self, path: str) -> bytes:
        from threatgate.model.loader import read_bytes

        target = self.top / path
        real = target.resolve()
        if real != self.top and self.top not in real.parents:
            raise LoadError("symlink-escape",
                            "symbolic link points outside the repository; refusing to read it")
        try:
            return read_bytes(target, self.config.max_file_size)
        except OSError as exc:
            raise LoadError("file-unreadable",
                            f"cannot read file: {exc.strerror or exc}") from None


def _load(
    raw_of: Callable[[], bytes], path: str, mode: str, max_depth: int, today: dt.date
) -> ModelSide:
    side = ModelSide(path)
    if mode == _SYMLINK:
        side.error = "1:1: a symbolic link in git, not a model file; not read [symlink]"
        return side
    try:
        side.document = load_bytes(raw_of(), max_depth=max_depth, locate=True)
    except LoadError as exc:
        side.error = f"{exc.line}:{exc.column}: {exc.message} [{exc.rule}]"
        return side
    side.assessment = assess_model(side.data, path=path, today=today,
                                   locate=side.document.locate)
    return side


# --- the diff --------------------------------------------------------------------------------


def diff_refs(
    config: Config,
    base_ref: str,
    head_ref: str | None = "HEAD",
    *,
    worktree: bool = False,
    today: dt.date,
) -> DiffResult:
    """Compare the models at ``base_ref`` with those at ``head_ref`` (or the working tree)."""
    repo = _Repository(config)
    base = repo.commit(base_ref)
    head = None if worktree else repo.commit(head_ref or "HEAD")
    changed = repo.changed(base, head)
    base_sides: list[ModelSide] = []
    head_sides: list[ModelSide] = []
    depth = config.max_depth
    for item in changed:
        if item.base_mode == _GITLINK or item.head_mode == _GITLINK:
            continue
        if item.status != "A" and item.base_sha:
            base_sides.append(_load(partial(repo.blob, item.base_sha), item.path,
                                    item.base_mode, depth, today))
        if item.status == "D":
            continue
        if head is None:
            if (repo.top / item.path).is_file():
                head_sides.append(_load(partial(repo.worktree_file, item.path), item.path,
                                        "100644", depth, today))
        elif item.head_sha:
            head_sides.append(_load(partial(repo.blob, item.head_sha), item.path,
                                    item.head_mode, depth, today))
    models = compare_sides(base_sides, head_sides)
    return DiffResult(
        base_ref=base_ref,
        base_commit=base.hexsha,
        head_ref="working tree" if worktree else (head_ref or "HEAD"),
        head_commit=None if head is None else head.hexsha,
        today=today,
        models=models,
    )


def _pair(base: list[ModelSide], head: list[ModelSide]) -> list[tuple[ModelSide | None,
                                                                       ModelSide | None]]:
    """Match the sides by model id; a side that cannot be read pairs by path."""
    pairs: list[tuple[ModelSide | None, ModelSide | None]] = []
    head_by_id: dict[str, ModelSide] = {}
    for side in head:
        if side.model_id is not None:
            head_by_id.setdefault(side.model_id, side)
    used: set[int] = set()
    unpaired_base: list[ModelSide] = []
    for side in base:
        match = head_by_id.get(side.model_id) if side.model_id is not None else None
        if match is not None and id(match) not in used:
            used.add(id(match))
            pairs.append((side, match))
        else:
            unpaired_base.append(side)
    rest_head = [s for s in head if id(s) not in used]
    head_by_path = {s.path: s for s in rest_head}
    for side in unpaired_base:
        other = head_by_path.get(side.path)
        if other is not None and (side.model_id is None or other.model_id is None):
            del head_by_path[side.path]
            used.add(id(other))
            pairs.append((side, other))
        else:
            pairs.append((side, None))
    pairs.extend((None, s) for s in head if id(s) not in used)
    return pairs


def compare_sides(base: list[ModelSide], head: list[ModelSide]) -> list[ModelDiff]:
    """Model diffs for the changed files of each side (the core, testable without git)."""
    pairs = _pair(base, head)
    diffs = [_compare_model(b, h) for b, h in pairs]
    # Acknowledgements of removed models may sit in any model changed by the change.
    removed = [r for d in diffs for r in d.regressions if r.kind == "model-removed"]
    if removed:
        notes = [(h, b) for b, h in pairs if h is not None and h.document is not None]
        for head_side, base_side in notes:
            _acknowledge(removed, head_side, base_side, only_kind="model-removed")
    diffs.sort(key=lambda d: (d.model, d.path))
    return diffs


def _model_name(side: ModelSide) -> str:
    return side.model_id or f"({side.path})"


def _compare_model(base: ModelSide | None, head: ModelSide | None) -> ModelDiff:
    if base is None:
        assert head is not None
        diff = ModelDiff(_model_name(head), "added", None, head.path, head_error=head.error)
        diff.after = posture_of(head.assessment)
        if head.error:
            diff.status = "unreadable"
            diff.regressions.append(Regression(
                "model-unreadable", diff.model, diff.model,
                f"a new model file cannot be read ({head.error}); nothing in it is checked",
                head.path, _error_line(head.error), "head"))
        _check_acknowledgements(diff, head, None)
        return diff
    if head is None:
        diff = ModelDiff(_model_name(base), "removed", base.path, None, base_error=base.error)
        diff.before = posture_of(base.assessment)
        if base.error is None:
            threats = sum(1 for _ in items(base.data, "threats"))
            diff.regressions.append(Regression(
                "model-removed", diff.model, diff.model,
                f"the model is deleted with its {threats} threat(s) and every control claim: "
                "nothing models this part of the system any more",
                base.path, base.line(("id",)), "base"))
        return diff

    if head.path == base.path:
        status = "modified"
    elif PurePosixPath(head.path).parent == PurePosixPath(base.path).parent:
        status = "renamed"
    else:
        status = "moved"
    diff = ModelDiff(_model_name(head if head.model_id else base), status, base.path, head.path,
                     base_error=base.error, head_error=head.error)
    if head.error or base.error:
        if head.error:
            diff.status = "unreadable"
            diff.regressions.append(Regression(
                "model-unreadable", diff.model, diff.model,
                f"the model cannot be read at HEAD ({head.error}): every threat, control and "
                "objective in it is unchecked until it is fixed",
                head.path, _error_line(head.error), "head"))
        diff.before = posture_of(base.assessment)
        diff.after = posture_of(head.assessment)
        return diff

    diff.model_fields = _field_changes(
        {k: v for k, v in base.data.items() if k not in COLLECTIONS},
        {k: v for k, v in head.data.items() if k not in COLLECTIONS},
    )
    for kind in ENTITY_KINDS:
        for before, after, b_index, h_index in _match_entities(kind, base.data, head.data):
            diff.entities.extend(_entity_change(kind, before, after, b_index, h_index,
                                                base, head))
    diff.before = posture_of(base.assessment)
    diff.after = posture_of(head.assessment)
    diff.transitions = _transitions(base.assessment, head.assessment)
    diff.regressions = _regressions(diff.model, base, head)
    _check_acknowledgements(diff, head, base)
    return diff


def _error_line(error: str) -> int:
    head, _, _ = error.partition(":")
    return int(head) if head.isdigit() else 1


# --- entities --------------------------------------------------------------------------------


def _acceptance_target(entry: dict[str, Any]) -> str:
    if isinstance(entry.get("threat"), str):
        return f"threat {entry['threat']}"
    if isinstance(entry.get("objective"), str):
        return f"objective {entry['objective']}"
    return "?"


def entity_key(kind: str, entry: dict[str, Any]) -> str | None:
    """How an entity is named in reports: its id (an acceptance without one: its target)."""
    if isinstance(entry.get("id"), str):
        return str(entry["id"])
    if kind == "acceptances":
        return _acceptance_target(entry)
    return None


def _match_entities(
    kind: str, base: dict[str, Any], head: dict[str, Any]
) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None, int | None, int | None]]:
    """Pairs (before, after, base index, head index), matched by id; acceptances then by
    the threat or objective they name."""
    old = [(i, e) for i, e in items(base, kind) if entity_key(kind, e) is not None]
    new = [(i, e) for i, e in items(head, kind) if entity_key(kind, e) is not None]
    pairs: list[tuple[dict[str, Any] | None, dict[str, Any] | None, int | None, int | None]]
    pairs = []
    taken: set[int] = set()
    left: list[tuple[int, dict[str, Any]]] = []
    new_by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    for i, e in new:
        if isinstance(e.get("id"), str):
            new_by_id.setdefault(e["id"], (i, e))
    for i, e in old:
        found = new_by_id.get(e["id"]) if isinstance(e.get("id"), str) else None
        if found is not None and found[0] not in taken:
            taken.add(found[0])
            pairs.append((e, found[1], i, found[0]))
        else:
            left.append((i, e))
    if kind == "acceptances":
        still: list[tuple[int, dict[str, Any]]] = []
        for i, e in left:
            target = _acceptance_target(e)
            match = next((
                (j, f) for j, f in new
                if j not in taken and _acceptance_target(f) == target
                and not (isinstance(e.get("id"), str) and isinstance(f.get("id"), str))
            ), None)
            if match is not None:
                taken.add(match[0])
                pairs.append((e, match[1], i, match[0]))
            else:
                still.append((i, e))
        left = still
    pairs.extend((e, None, i, None) for i, e in left)
    seen_ids = {p[0]["id"] for p in pairs if p[0] is not None and isinstance(p[0].get("id"), str)}
    for j, f in new:
        if j in taken:
            continue
        if isinstance(f.get("id"), str) and f["id"] in seen_ids and kind != "acceptances":
            continue  # a duplicate id at HEAD: validate reports it
        pairs.append((None, f, None, j))
    return pairs


def _key_field(entry: dict[str, Any]) -> str:
    """The key whose line names the entity: ``id``, else what an acceptance accepts."""
    return next((k for k in ("id", "threat", "objective") if k in entry), "id")


def _title(entry: dict[str, Any]) -> str:
    for key in ("title", "name", "description", "justification"):
        value = text(entry, key)
        if value:
            return value
    return ""


def _entity_change(
    kind: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    b_index: int | None,
    h_index: int | None,
    base: ModelSide,
    head: ModelSide,
) -> list[EntityChange]:
    if before is None and after is not None and h_index is not None:
        return [EntityChange(kind, entity_key(kind, after) or "?", "added", _title(after),
                             head.path, head.line((kind, h_index, _key_field(after))))]
    if after is None and before is not None and b_index is not None:
        return [EntityChange(kind, entity_key(kind, before) or "?", "removed", _title(before),
                             base.path, base.line((kind, b_index, _key_field(before))))]
    assert before is not None and after is not None and h_index is not None
    fields = _field_changes(before, after)
    if not fields:
        return []
    first = fields[0].field
    line = head.line((kind, h_index, first if first in after else _key_field(after)))
    return [EntityChange(kind, entity_key(kind, after) or "?", "changed", _title(after),
                         head.path, line, fields)]


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    keys = list(before) + [k for k in after if k not in before]
    return [FieldChange(str(k), before.get(k), after.get(k))
            for k in keys if before.get(k) != after.get(k)]


# --- posture ---------------------------------------------------------------------------------


def posture_of(assessment: ModelAssessment | None) -> dict[str, Any] | None:
    """The numbers a reviewer compares before and after."""
    if assessment is None:
        return None
    objectives = assessment.objective_states
    return {
        "threats": len(assessment.threats),
        "by_severity": assessment.by_severity,
        "threat_states": assessment.threat_states,
        "mitigation_ratio": assessment.mitigation_ratio,
        "objectives": objectives["total"],
        "objectives_mitigated": objectives["mitigated"],
        "objectives_at_risk": objectives["at_risk"],
        "objectives_verified": objectives["verified"],
        "objectives_unassessed": objectives["unassessed"],
        "controls": len(assessment.controls),
        "controls_implemented": assessment.control_progress["implemented"],
    }


def _objective_word(posture: Any) -> str:
    if posture.status == "mitigated":
        return f"mitigated by {posture.mitigated_by}"
    if posture.status == "at_risk":
        return f"at risk ({posture.reason})"
    return str(posture.status)


def _transitions(before: ModelAssessment | None,
                 after: ModelAssessment | None) -> list[Transition]:
    if before is None or after is None:
        return []
    out: list[Transition] = []
    old_threats = {t.id: t for t in before.threats}
    for threat in after.threats:
        was = old_threats.get(threat.id)
        if was is None:
            continue
        if was.severity != threat.severity:
            out.append(Transition("threat", threat.id, "severity", was.severity, threat.severity))
        if was.state != threat.state:
            out.append(Transition("threat", threat.id, "state", was.state, threat.state))
    old_objectives = {o.id: o for o in before.objectives}
    for objective in after.objectives:
        prev = old_objectives.get(objective.id)
        if prev is None:
            continue
        old_word, new_word = _objective_word(prev.posture), _objective_word(objective.posture)
        if old_word != new_word:
            out.append(Transition("objective", objective.id, "posture", old_word, new_word))
    old_controls = {c.id: c for c in before.controls}
    for control in after.controls:
        old = old_controls.get(control.id)
        if old is not None and old.status != control.status:
            out.append(Transition("control", control.id, "status", old.status, control.status))
    old_findings = {f.id: f for f in before.findings}
    for finding in after.findings:
        prior = old_findings.get(finding.id)
        if prior is not None and prior.status != finding.status:
            out.append(Transition("finding", finding.id, "status", prior.status, finding.status))
    return out


# --- regressions -----------------------------------------------------------------------------


def _dependents(data: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """control id -> (objectives whose mitigation groups hold it, threats it mitigates)."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for _, objective in items(data, "objectives"):
        for group in objective.get("mitigated_by") or []:
            for control_id in id_list(group):
                found.setdefault(control_id, (set(), set()))[0].add(str(objective.get("id")))
    for _, threat in items(data, "threats"):
        for control_id in id_list(threat.get("mitigations")):
            found.setdefault(control_id, (set(), set()))[1].add(str(threat.get("id")))
    return found


def _names(objectives: Iterable[str], threats: Iterable[str]) -> str:
    parts = []
    if objectives:
        parts.append("objective(s) " + ", ".join(sorted(objectives)))
    if threats:
        parts.append("threat(s) " + ", ".join(sorted(threats)))
    return " and ".join(parts)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _indexed(data: dict[str, Any], kind: str) -> dict[str, tuple[int, dict[str, Any]]]:
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, entry in items(data, kind):
        if isinstance(entry.get("id"), str):
            out.setdefault(entry["id"], (index, entry))
    return out


def _regressions(model: str, base: ModelSide, head: ModelSide) -> list[Regression]:
    old, new = base.data, head.data
    found: list[Regression] = []

    def add(kind: str, entity: str, message: str, side: ModelSide,
            path: tuple[str | int, ...], aliases: Iterable[str] = ()) -> None:
        found.append(Regression(kind, model, entity, message, side.path, side.line(path),
                                "head" if side is head else "base",
                                aliases=frozenset({entity, *aliases})))

    # Controls.
    old_controls, new_controls = _indexed(old, "controls"), _indexed(new, "controls")
    old_deps, new_deps = _dependents(old), _dependents(new)
    new_objectives, new_threats = _indexed(new, "objectives"), _indexed(new, "threats")
    for control_id, (b_index, control) in old_controls.items():
        objectives, threats = old_deps.get(control_id, (set(), set()))
        if control_id not in new_controls:
            still_o = {o for o in objectives if o in new_objectives}
            still_t = {t for t in threats if t in new_threats}
            if still_o or still_t:
                add("control-removed", control_id,
                    f"control {control_id} is deleted while {_names(still_o, still_t)} relied "
                    "on it: they lose a mitigation unless another control takes its place",
                    base, ("controls", b_index, "id"))
            continue
        h_index, now = new_controls[control_id]
        if control.get("status") == "implemented" and now.get("status") != "implemented":
            add("control-status-regressed", control_id,
                f"control {control_id} moved back from implemented to {now.get('status')}: "
                "the threats and objectives it served lose that mitigation",
                head, ("controls", h_index, "status"))
        kept = {_canonical(a) for a in now.get("assertions") or []}
        lost = [a for a in control.get("assertions") or [] if _canonical(a) not in kept]
        users_o, users_t = new_deps.get(control_id, (set(), set()))
        users_o, users_t = users_o | objectives, users_t | threats
        users_o &= set(new_objectives)
        users_t &= set(new_threats)
        if lost and (users_o or users_t):
            what = ", ".join(str(a.get("type", "?")) if isinstance(a, dict) else "?"
                             for a in lost)
            where = ("controls", h_index, "assertions") if "assertions" in now else (
                "controls", h_index, "id")
            add("assertion-removed", control_id,
                f"control {control_id} lost {len(lost)} assertion(s) ({what}) while "
                f"{_names(users_o, users_t)} depend on it: less of its claim is checked "
                "against the code", head, where)

    # Threats.
    old_threats = _indexed(old, "threats")
    for threat_id, (b_index, threat) in old_threats.items():
        if threat_id not in new_threats:
            add("threat-removed", threat_id,
                f"threat {threat_id} is deleted: it no longer counts in the posture or the "
                "gate, whatever its state", base, ("threats", b_index, "id"))
            continue
        h_index, now = new_threats[threat_id]
        lowered: list[str] = []
        fields: list[str] = []
        for key in ("likelihood", "impact"):
            before, after = threat.get(key), now.get(key)
            if isinstance(before, (int, float)) and not isinstance(before, bool):
                if after is None:
                    lowered.append(f"{key} {before} removed")
                    fields.append(key)
                elif (isinstance(after, (int, float)) and not isinstance(after, bool)
                      and after < before):
                    lowered.append(f"{key} {before} to {after}")
                    fields.append(key)
        old_sev, new_sev = threat.get("severity"), now.get("severity")
        if (old_sev in SEVERITY_RANK and new_sev in SEVERITY_RANK
                and SEVERITY_RANK[str(new_sev)] > SEVERITY_RANK[str(old_sev)]):
            lowered.append(f"severity {old_sev} to {new_sev}")
            fields.append("severity")
        if lowered:
            moved = next((k for k in fields if k in now), None)
            add("threat-score-lowered", threat_id,
                f"threat {threat_id} is rated lower ({'; '.join(lowered)}): a lower score can "
                "drop it below the gate's thresholds without any control being added",
                head, ("threats", h_index, moved) if moved else ("threats", h_index, "id"))

    # Acceptances.
    for was_acc, acc, _b_index, a_index in _match_entities("acceptances", old, new):
        if acc is None or a_index is None:
            continue
        names = {entity_key("acceptances", acc) or "?"}
        for key in ("threat", "objective"):
            if isinstance(acc.get(key), str):
                names.add(acc[key])
        entity = entity_key("acceptances", acc) or "?"
        if was_acc is None:
            add("acceptance-added", entity,
                f"a risk acceptance of {_acceptance_target(acc)} is added (review by "
                f"{acc.get('review_by')}): the risk stays, and stops failing the gate",
                head, ("acceptances", a_index, _key_field(acc)), names)
            continue
        old_date = parse_date(text(was_acc, "review_by") or "")
        new_date = parse_date(text(acc, "review_by") or "")
        if old_date and new_date and new_date > old_date:
            add("acceptance-extended", entity,
                f"the acceptance of {_acceptance_target(acc)} is pushed out from "
                f"{old_date} to {new_date}: the risk stays accepted for longer",
                head, ("acceptances", a_index, "review_by"), names)

    # Objectives.
    old_objectives = _indexed(old, "objectives")
    before_posture = {o.id: o.posture for o in (base.assessment.objectives
                                                 if base.assessment else [])}
    after_posture = {o.id: o.posture for o in (head.assessment.objectives
                                                if head.assessment else [])}
    for objective_id, (h_index, now) in new_objectives.items():
        if objective_id not in old_objectives:
            continue
        _, was = old_objectives[objective_id]
        old_groups = [frozenset(id_list(g)) for g in was.get("mitigated_by") or []]
        new_groups = [frozenset(id_list(g)) for g in now.get("mitigated_by") or []]
        for position, group in enumerate(new_groups):
            if not group or group in old_groups:
                continue
            bigger = [g for g in old_groups if group < g and g not in new_groups]
            if bigger:
                dropped = sorted(bigger[0] - group)
                add("mitigation-group-shrunk", objective_id,
                    f"a mitigation group of objective {objective_id} no longer requires "
                    f"{', '.join(dropped)}: fewer controls now count as mitigating it",
                    head, ("objectives", h_index, "mitigated_by", position))
        prev, cur = before_posture.get(objective_id), after_posture.get(objective_id)
        if prev is None or cur is None:
            continue
        if (cur.status == "at_risk" and prev.status != "at_risk") or (
            prev.status == "mitigated" and cur.status == "unassessed"
        ):
            why = f"({cur.reason})" if cur.reason else "(nothing mitigates it any more)"
            add("objective-at-risk", objective_id,
                f"objective {objective_id} was {_objective_word(prev)} and is now "
                f"{cur.status.replace('_', ' ')} {why}",
                head, ("objectives", h_index, "id"))

    # Findings.
    old_findings, new_findings = _indexed(old, "findings"), _indexed(new, "findings")
    for finding_id, (b_index, finding) in old_findings.items():
        status = finding.get("status")
        if finding_id not in new_findings:
            if status in OPEN_FINDINGS:
                add("finding-removed", finding_id,
                    f"finding {finding_id} was {status} and is deleted instead of remediated "
                    "or dismissed with a reason", base, ("findings", b_index, "id"))
            continue
        h_index, now = new_findings[finding_id]
        if now.get("status") == "dismissed" and status != "dismissed":
            reason = text(now, "reason")
            add("finding-dismissed", finding_id,
                f"finding {finding_id} is dismissed (was {status}): the gap is no longer "
                f"tracked; reason given: {reason or 'none'}",
                head, ("findings", h_index, "status"))
    return found


# --- acknowledgements ------------------------------------------------------------------------


def _ack_entries(side: ModelSide | None) -> list[Any]:
    if side is None or side.document is None:
        return []
    value = side.data.get(ACK_KEY)
    return value if isinstance(value, list) else []


def _new_acks(head: ModelSide, base: ModelSide | None) -> tuple[list[dict[str, str]],
                                                                  list[str]]:
    """The well-formed notes added by the change, and complaints about the others."""
    old = {_canonical(e) for e in _ack_entries(base)}
    notes: list[dict[str, str]] = []
    problems: list[str] = []
    raw = head.data.get(ACK_KEY)
    if raw is not None and not isinstance(raw, list):
        return [], [f"{head.path}:{head.line((ACK_KEY,))}: {ACK_KEY} must be a list of "
                    "{kind, entity, reason} mappings; ignored"]
    for index, entry in enumerate(_ack_entries(head)):
        where = f"{head.path}:{head.line((ACK_KEY, index))}"
        if _canonical(entry) in old:
            continue
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) and str(entry[k]).strip()
            for k in ("kind", "entity", "reason")
        ):
            problems.append(f"{where}: {ACK_KEY} item needs kind, entity and a non-empty "
                            "reason; ignored")
            continue
        if entry["kind"] not in REGRESSION_KINDS or entry["kind"] in UNACKNOWLEDGEABLE:
            problems.append(f"{where}: {ACK_KEY}: {entry['kind']!r} is not a regression kind "
                            "that can be acknowledged; ignored")
            continue
        notes.append({"kind": entry["kind"], "entity": entry["entity"],
                      "reason": entry["reason"].strip(), "where": where})
    return notes, problems


def _acknowledge(regressions: list[Regression], head: ModelSide, base: ModelSide | None,
                 only_kind: str | None = None) -> list[str]:
    """Mark the regressions a new note names; return complaints about the notes."""
    notes, problems = _new_acks(head, base)
    used: set[int] = set()
    for regression in regressions:
        if regression.acknowledged or (only_kind and regression.kind != only_kind):
            continue
        for position, note in enumerate(notes):
            if note["kind"] == regression.kind and (
                note["entity"] == regression.entity or note["entity"] in regression.aliases
            ):
                regression.acknowledged = True
                regression.reason = note["reason"]
                used.add(position)
                break
    if only_kind is None:
        for position, note in enumerate(notes):
            if position not in used and note["kind"] != "model-removed":
                problems.append(f"{note['where']}: {ACK_KEY}: no {note['kind']} regression of "
                                f"{note['entity']} in this change; the note acknowledges "
                                "nothing")
    return problems


def _check_acknowledgements(diff: ModelDiff, head: ModelSide, base: ModelSide | None) -> None:
    if head.document is None:
        return
    diff.notes.extend(_acknowledge(diff.regressions, head, base))
