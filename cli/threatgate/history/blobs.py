"""A model file's content at a commit, assessed: its id and posture, or why it cannot be.

A blob's result depends only on its bytes (named by its git object id), the date it is
assessed on and the settings, so results are cached by those (:mod:`threatgate.support.cache`,
outside the repository) and a second run reads no blob at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from threatgate.analysis.assess import assess_model
from threatgate.analysis.assessment import ModelAssessment
from threatgate.history.results import Posture
from threatgate.model.config import Config
from threatgate.model.loader import LoadError, load_bytes, node_limit
from threatgate.model.vocabulary import SEVERITY_ORDER
from threatgate.support.cache import ResultCache, code_digest
from threatgate.support.resources import PACKAGE_DIR
from threatgate.validate.files import (
    PARALLEL_THRESHOLD,
    VALIDATION_CODE,
    cache_salt,
    summarise_document,
)

#: Reads blobs by object id: their bytes, or their size when over the limit (not read).
BlobReader = Callable[[list[str]], Mapping[str, bytes | int]]
#: What a cached result depends on besides the blob, the date and the settings.
HISTORY_CODE = (*VALIDATION_CODE, "analysis", "history")
#: Bumped when the shape of a cached result changes.
RESULT_VERSION = "history/1"
#: The top-level ``id:`` line of a file that does not parse (the schema's model id).
TOP_LEVEL_ID = re.compile(rb"^id:[ \t]*['\"]?([a-z0-9][a-z0-9._-]{0,63})['\"]?[ \t]*(?:#.*)?$",
                          re.MULTILINE)
#: Blobs read from git at a time (so that a long history never holds them all at once).
READ_CHUNK = 256


@dataclass(frozen=True)
class BlobResult:
    """A model file's id (None when it has none) and posture, or the problem that keeps it
    from being assessed."""

    model_id: str | None
    posture: Posture | None
    problem: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.model_id, "problem": self.problem,
                "posture": None if self.posture is None else self.posture.as_json()}

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> BlobResult | None:
        """The result :meth:`as_json` wrote, or None when ``value`` is not one."""
        model_id, problem, posture = value.get("id"), value.get("problem"), value.get("posture")
        if not (model_id is None or isinstance(model_id, str)) or not (
                problem is None or isinstance(problem, str)):
            return None
        if (posture is None) == (problem is None):
            return None
        try:
            return cls(model_id, None if posture is None else Posture.from_json(posture),
                       problem)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None


def posture_of(assessment: ModelAssessment) -> Posture:
    """The numbers of a model's assessment that the history follows."""
    still_open = Counter(t.severity for t in assessment.threats if t.state == "open")
    objectives = assessment.objective_states
    return Posture(
        threats=len(assessment.threats),
        by_severity=assessment.by_severity,
        states=assessment.threat_states,
        open_by_severity={name: still_open.get(name, 0) for name in SEVERITY_ORDER},
        objectives=objectives["total"],
        objective_states={name: objectives[name]
                          for name in ("mitigated", "at_risk", "unassessed")},
        controls=assessment.controls_by_status,
    )


def assess_blob(raw: bytes, config: Config, as_of: dt.date) -> BlobResult:
    """Validate a model file's bytes as ``threatgate validate`` would (with the settings'
    rule levels) and assess it on ``as_of``."""
    try:
        document = load_bytes(raw, max_depth=config.max_depth, locate=True,
                              max_nodes=node_limit(config.max_file_size))
    except LoadError as exc:
        # Whose gap it is: the top-level id line, if the file still has one.
        found = TOP_LEVEL_ID.search(raw)
        return BlobResult(found[1].decode() if found else None, None,
                          f"{exc.line}:{exc.column}: {exc.message} [{exc.rule}]")
    summary = summarise_document(document, as_of)
    model_id = summary.get("id")
    for severity, rule, line, column, message in summary["problems"]:
        if (config.rules.get(rule) or severity) == "error":
            return BlobResult(model_id, None, f"{line}:{column}: {message} [{rule}]")
    assessment = assess_model(document.data, path="", today=as_of, locate=document.locate)
    return BlobResult(model_id, posture_of(assessment))


def history_salt(config: Config) -> str:
    """Everything besides the blob and the date that a result depends on."""
    rules = json.dumps(sorted(config.rules.items()))
    digest = hashlib.sha256(f"{code_digest(PACKAGE_DIR, HISTORY_CODE)}|{rules}".encode())
    return f"{RESULT_VERSION}|{cache_salt(config, dt.date.min)}|{digest.hexdigest()}"


def _is_result(value: Any) -> bool:
    return BlobResult.from_json(value) is not None


class BlobResults:
    """Results of blobs at dates: from the cache when there, else read (all in one go)
    and assessed, then cached."""

    def __init__(self, config: Config, read: BlobReader, cache: ResultCache | None) -> None:
        self.config = config
        self.read = read
        self.cache = cache
        self.found: dict[tuple[str, dt.date], BlobResult] = {}
        #: How many blobs were read from git (the others came from the cache).
        self.blobs_read = 0

    def _key(self, sha: str, as_of: dt.date) -> str:
        assert self.cache is not None
        return self.cache.key(f"{sha}|{as_of.isoformat()}".encode("ascii"))

    def fetch(self, wanted: Iterable[tuple[str, dt.date]]) -> None:
        """Make the results of these (blob, date) pairs available to :meth:`get`."""
        missing: list[tuple[str, dt.date]] = []
        for item in dict.fromkeys(wanted):
            if item in self.found:
                continue
            cached = self.cache.get(self._key(*item), _is_result) if self.cache else None
            result = None if cached is None else BlobResult.from_json(cached)
            if result is None:
                missing.append(item)
            else:
                self.found[item] = result
        with _workers(len(missing)) as pool:
            for start in range(0, len(missing), READ_CHUNK):
                self._assess(missing[start:start + READ_CHUNK], pool)

    def _assess(self, missing: list[tuple[str, dt.date]], pool: Executor | None) -> None:
        blobs = self.read(sorted({sha for sha, _ in missing}))
        self.blobs_read += len(blobs)
        readable = [(blobs[sha], as_of) for sha, as_of in missing
                    if isinstance(blobs.get(sha), bytes)]
        assess = partial(_assess_pair, self.config)
        assessed = iter(pool.map(assess, readable, chunksize=8) if pool
                        else map(assess, readable))
        for sha, as_of in missing:
            raw = blobs.get(sha)
            if raw is None:
                result = BlobResult(None, None, "1:1: the blob is missing from the "
                                    "repository [file-unreadable]")
            elif isinstance(raw, int):
                result = BlobResult(None, None, f"1:1: file is {raw} bytes, over the limit "
                                    f"of {self.config.max_file_size} bytes (setting "
                                    "max_file_size) [file-too-large]")
            else:
                result = next(assessed)
            self.found[(sha, as_of)] = result
            if self.cache is not None and raw is not None:
                self.cache.put(self._key(sha, as_of), result.as_json())

    def get(self, sha: str, as_of: dt.date) -> BlobResult:
        return self.found[(sha, as_of)]


def _assess_pair(config: Config, pair: tuple[bytes, dt.date]) -> BlobResult:
    return assess_blob(pair[0], config, pair[1])


@contextmanager
def _workers(count: int) -> Iterator[Executor | None]:
    """Worker processes for ``count`` blobs to assess (one per core), or None when there
    are too few to be worth starting them, as validation decides."""
    workers = os.cpu_count() or 1
    if workers == 1 or count < PARALLEL_THRESHOLD:
        yield None
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Fork keeps start-up cheap (the parent's imports are inherited); elsewhere spawn.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool
