"""Validation of model files: loading, schema, semantic rules, and checks across files.

Per-file work is independent, cached by content hash and spread over processes when
there are many files; the checks that span files (model ids unique in the repository)
run afterwards on the small per-file summaries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from threatgate import __version__
from threatgate.catalogues.library import SHIPPED, CatalogueLibrary, library_for
from threatgate.diagnostics import Diagnostic, Severity
from threatgate.model import schema
from threatgate.model.config import Config
from threatgate.model.discovery import ModelFile
from threatgate.model.loader import (
    DEFAULT_MAX_NODES,
    LoadedDocument,
    LoadError,
    load_bytes,
    node_limit,
    read_bytes,
)
from threatgate.support.cache import ResultCache, code_digest
from threatgate.support.resources import PACKAGE_DIR

if TYPE_CHECKING:
    from threatgate.validate.rules import RuleProblem

#: Rules meaning the input could not be read at all (exit code 2 rather than 1).
UNREADABLE_RULES = frozenset({"file-unreadable", "symlink-escape"})
#: Below this many files, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 24

#: What the follow-up step makes of a valid model (an assessment, its gaps, ...).
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
U = TypeVar("U")
#: A follow-up step: (data, display path, locate) -> its result, computed in the worker.
FollowUp = Callable[[dict[str, Any], str, Callable[..., tuple[int, int]]], T_co]


@dataclass(frozen=True)
class ValidateOptions(Generic[T_co]):
    today: dt.date
    max_file_size: int
    max_depth: int
    rules: dict[str, str] = field(default_factory=dict)
    cache: ResultCache | None = None
    jobs: int = 0  # 0: one process per core
    #: Applied, in the worker, to each model without errors: (data, display path, locate).
    #: Its (picklable) result lands in :attr:`FileResult.followed`; assess uses this to
    #: work on the document the validation already parsed.
    follow: FollowUp[T_co] | None = None
    #: The compliance catalogues mappings are checked against.
    catalogues: CatalogueLibrary = SHIPPED


def options_for(config: Config, today: dt.date, follow: FollowUp[T] | None = None, *,
                cache: ResultCache | None = None, jobs: int = 0) -> ValidateOptions[T]:
    """The validation settings of ``config``, with ``follow`` run on each valid model."""
    return ValidateOptions(today=today, max_file_size=config.max_file_size,
                           max_depth=config.max_depth, rules=dict(config.rules), cache=cache,
                           jobs=jobs, follow=follow, catalogues=library_for(config))


@dataclass
class FileResult(Generic[T]):
    display: str
    model_id: str | None
    diagnostics: list[Diagnostic]
    id_location: tuple[int, int] = (1, 1)
    #: What :attr:`ValidateOptions.follow` made of the model; None when it has errors
    #: (or when there was no follow-up step).
    followed: T | None = None

    def first_problem(self) -> str:
        """Why the model has no follow-up result: its first error, ``line:column: message
        [rule]``."""
        first = next((d for d in self.diagnostics if d.severity is Severity.ERROR), None)
        if first is None:
            return "not a valid model"
        return f"{first.line}:{first.column}: {first.message} [{first.rule}]"


@dataclass
class ValidationReport(Generic[T]):
    files: list[FileResult[T]]

    def map(self, change: Callable[[T], U]) -> ValidationReport[U]:
        """The same report with ``change`` applied to each follow-up result."""
        return ValidationReport([
            FileResult(f.display, f.model_id, f.diagnostics, f.id_location,
                       None if f.followed is None else change(f.followed))
            for f in self.files])

    @property
    def followed(self) -> list[T]:
        """The follow-up results of the models without errors, in file order."""
        return [f.followed for f in self.files if f.followed is not None]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted((d for f in self.files for d in f.diagnostics), key=Diagnostic.sort_key)

    def count(self, severity: Severity) -> int:
        return sum(d.severity is severity for f in self.files for d in f.diagnostics)

    @property
    def unreadable(self) -> bool:
        return any(d.rule in UNREADABLE_RULES for f in self.files for d in f.diagnostics)


#: The code a validation result depends on: the layers at and below ``validate`` (the
#: architecture test keeps validate from importing anything above them).
VALIDATION_CODE = ("diagnostics.py", "errors.py", "support", "model", "catalogues", "validate")


def cache_salt(config: Config, today: dt.date) -> str:
    """Everything besides a file's bytes that its result depends on."""
    digest = hashlib.sha256(code_digest(PACKAGE_DIR, VALIDATION_CODE).encode())
    for path in schema.schema_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(library_for(config).digest().encode())
    return f"{__version__}|{digest.hexdigest()}|{config.max_file_size}|{config.max_depth}|{today}"


def _kebab(keyword: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", keyword).lower()


def check_bytes(raw: bytes, today: dt.date, max_depth: int,
                catalogues: CatalogueLibrary = SHIPPED, *,
                max_nodes: int = DEFAULT_MAX_NODES) -> dict[str, Any]:
    """Validate one file's bytes. Returns a path-independent, JSON-ready summary.

    The file is loaded recording only where its top-level keys sit (the model id's place
    is in every summary); only a file with problems is loaded again recording every
    position, to locate them."""
    try:
        document = load_bytes(raw, max_depth=max_depth, locate="top", max_nodes=max_nodes)
    except LoadError as exc:
        return _load_failure(exc)
    found = _findings(document.data, today, catalogues)
    if found:  # the same data, with every position recorded to locate the problems
        document = load_bytes(raw, max_depth=max_depth, locate=True, max_nodes=max_nodes)
    return _summarise(document, today, found)


def _load_failure(exc: LoadError) -> dict[str, Any]:
    return {"id": None, "problems": [["error", exc.rule, exc.line, exc.column, exc.message]]}


#: A problem found in a model, not yet located: (severity, rule, data path, message).
Finding = tuple[str, str, tuple[str | int, ...], str]


def _findings(data: dict[str, Any], today: dt.date,
              catalogues: CatalogueLibrary = SHIPPED) -> list[Finding]:
    found: list[Finding] = [("error", f"schema-{_kebab(problem.keyword)}", problem.path,
                             problem.message) for problem in schema.check(data)]
    found += [(rule.severity.value, rule.rule, rule.path, rule.message)
              for rule in _run_rules(data, today, catalogues)]
    return found


def _run_rules(data: dict[str, Any], today: dt.date,
               catalogues: CatalogueLibrary) -> list[RuleProblem]:
    # The rules are imported at the first file actually checked (not found in the cache).
    from threatgate.validate.rules import run_rules

    return run_rules(data, today, catalogues)


def _summarise(document: LoadedDocument, today: dt.date, found: list[Finding] | None = None,
               catalogues: CatalogueLibrary = SHIPPED) -> dict[str, Any]:
    """The summary of a loaded model, its problems (``found`` in it already, or found
    now) located in ``document``."""
    data = document.data
    if found is None:
        found = _findings(data, today, catalogues)
    problems = [[severity, rule, *document.locate(path), message]
                for severity, rule, path, message in found]
    model_id = data.get("id") if isinstance(data.get("id"), str) else None
    return {"id": model_id, "id_at": list(document.locate(("id",))), "problems": problems}


def unlocated_problems(raw: bytes, today: dt.date, max_depth: int,
                       catalogues: CatalogueLibrary = SHIPPED, *,
                       max_nodes: int = DEFAULT_MAX_NODES) -> list[tuple[str, str, str]]:
    """The (severity, rule, message) of every problem :func:`check_bytes` finds, without
    their places: what comparing two versions of a file needs, for one load of each."""
    try:
        document = load_bytes(raw, max_depth=max_depth, locate="top", max_nodes=max_nodes)
    except LoadError as exc:
        return [("error", exc.rule, exc.message)]
    return data_problems(document.data, today, catalogues)


def data_problems(data: dict[str, Any], today: dt.date,
                  catalogues: CatalogueLibrary = SHIPPED) -> list[tuple[str, str, str]]:
    """The (severity, rule, message) of every problem of a model's data, already loaded."""
    return [(severity, rule, message)
            for severity, rule, _, message in _findings(data, today, catalogues)]


def summarise_document(document: LoadedDocument, today: dt.date,
                       catalogues: CatalogueLibrary = SHIPPED) -> dict[str, Any]:
    """The summary :func:`check_bytes` gives, of a document its caller has loaded (to go on
    working with it, or loaded with every position because it has problems)."""
    return _summarise(document, today, catalogues=catalogues)


def _unreadable(rule: str, message: str) -> dict[str, Any]:
    return {"id": None, "problems": [["error", rule, 1, 1, message]]}


def _has_errors(summary: dict[str, Any], rules: dict[str, str]) -> bool:
    return any(
        (rules.get(rule) or severity) == "error" for severity, rule, *_ in summary["problems"]
    )


def _check_file(item: ModelFile, options: ValidateOptions[T]) -> tuple[dict[str, Any], T | None]:
    """Validate one file (from the cache when unchanged); follow up on a valid model."""
    if item.refused:
        return _unreadable("symlink-escape", item.refused), None
    try:
        raw = read_bytes(item.path, options.max_file_size)
    except LoadError as exc:
        return _unreadable(exc.rule, exc.message), None
    except OSError as exc:
        return _unreadable("file-unreadable", f"cannot read file: {exc.strerror or exc}"), None
    cache = options.cache
    key = cache.key(raw) if cache else ""
    summary = cache.get(key) if cache else None
    document: LoadedDocument | None = None
    if summary is None:
        if options.follow is None:
            summary = check_bytes(raw, options.today, options.max_depth, options.catalogues,
                                  max_nodes=node_limit(options.max_file_size))
        else:  # the follow-up step points into the model: every position is recorded
            try:
                document = load_bytes(raw, max_depth=options.max_depth, locate=True,
                                      max_nodes=node_limit(options.max_file_size))
            except LoadError as exc:
                summary = _load_failure(exc)
            else:
                summary = _summarise(document, options.today, catalogues=options.catalogues)
        if cache:
            cache.put(key, summary)
    followed = None
    if options.follow is not None and not _has_errors(summary, options.rules):
        if document is None:
            document = load_bytes(raw, max_depth=options.max_depth, locate=True,
                                  max_nodes=node_limit(options.max_file_size))
        followed = options.follow(document.data, item.display, document.locate)
    return summary, followed


def _check_chunk(
    chunk: list[ModelFile], options: ValidateOptions[T]
) -> list[tuple[dict[str, Any], T | None]]:
    return [_check_file(item, options) for item in chunk]


def _summaries(
    files: list[ModelFile], options: ValidateOptions[T], progress: Callable[[int], None] | None
) -> list[tuple[dict[str, Any], T | None]]:
    workers = options.jobs or os.cpu_count() or 1
    if workers == 1 or len(files) < PARALLEL_THRESHOLD:
        out = []
        for item in files:
            out.append(_check_file(item, options))
            if progress:
                progress(1)
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Fork keeps start-up cheap (the parent's imports are inherited); elsewhere spawn.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    size = max(1, min(64, len(files) // (workers * 4)))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    results: list[tuple[dict[str, Any], T | None]] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for chunk, summaries in zip(
            chunks, pool.map(_check_chunk, chunks, [options] * len(chunks)), strict=True
        ):
            results.extend(summaries)
            if progress:
                progress(len(chunk))
    return results


def _apply_rule_settings(
    problems: Iterable[list[Any]], rules: dict[str, str], display: str
) -> list[Diagnostic]:
    out = []
    for severity, rule, line, column, message in problems:
        setting = rules.get(rule)
        if setting == "off":
            continue
        level = Severity(setting) if setting else Severity(severity)
        out.append(Diagnostic(display, line, column, level, message, rule))
    return out


def validate_files(
    files: list[ModelFile],
    options: ValidateOptions[T],
    other_ids: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ValidationReport[T]:
    """Validate the files; ``other_ids`` maps ids of models not being checked to their file."""
    summaries = _summaries(files, options, progress)
    results: list[FileResult[T]] = []
    for item, (summary, followed) in zip(files, summaries, strict=True):
        results.append(
            FileResult(
                display=item.display,
                model_id=summary.get("id"),
                diagnostics=_apply_rule_settings(summary["problems"], options.rules, item.display),
                id_location=tuple(summary.get("id_at") or (1, 1)),
                followed=followed,
            )
        )
    _check_model_ids(results, other_ids or {})
    return ValidationReport(results)


def _check_model_ids(results: list[FileResult[T]], other_ids: dict[str, str]) -> None:
    first: dict[str, str] = dict(other_ids)
    for result in results:
        if result.model_id is None:
            continue
        if result.model_id in first:
            line, column = result.id_location
            result.diagnostics.append(
                Diagnostic(
                    result.display,
                    line,
                    column,
                    Severity.ERROR,
                    f"model id '{result.model_id}' is already used by {first[result.model_id]}; "
                    "model ids must be unique across the repository",
                    "duplicate-model-id",
                )
            )
        else:
            first[result.model_id] = result.display
