"""The ratchet: gate only on problems that are new relative to a baseline git reference.

A team adopting the gate on a legacy model lists what fails today at the baseline and
lets it stand; anything that fails at HEAD but did not fail at the baseline fails the
gate. A failure is "the same" when its model id, check and entity are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from threatgate.analysis.assess import assess_model
from threatgate.analysis.assessment import ModelAssessment
from threatgate.gate.run import Failure, ModelGate, Thresholds, gate_model
from threatgate.model import schema
from threatgate.model.config import Config
from threatgate.model.discovery import MODEL_SUFFIXES
from threatgate.model.loader import LoadError, load_bytes

if TYPE_CHECKING:
    from threatgate.support.git import Snapshot

FailureKey = tuple[str, str, str]


def key_of(model_id: str, failure: Failure) -> FailureKey:
    return (model_id, failure.check, failure.entity or "")


def baseline_model_paths(snapshot: Snapshot, folders: Iterable[str]) -> list[str]:
    """The model files (``*.yaml``, ``*.yml``, at any depth) of the folders at a commit."""
    prefixes = set()
    for folder in folders:
        parts = PurePosixPath(folder.replace("\\", "/").strip("/")).parts
        if ".." not in parts:  # a folder outside the repository has no history here
            prefixes.add("".join(part + "/" for part in parts if part != "."))
    return sorted(path for path in snapshot.files() if path.endswith(MODEL_SUFFIXES)
                  and any(path.startswith(prefix) for prefix in prefixes))


def baseline_assessments(config: Config, ref: str, today: dt.date) -> list[ModelAssessment]:
    """Assess every valid model of the configured folders as it is at ``ref``."""
    from threatgate.support.git import Repository

    snapshot = Repository(config.root).snapshot(ref)
    assessments = []
    for path in baseline_model_paths(snapshot, config.models):
        entry = snapshot.entry(path)
        if entry is None or not entry.is_regular_file or entry.size > config.max_file_size:
            continue
        try:
            document = load_bytes(entry.read(), max_depth=config.max_depth, locate=True)
        except LoadError:
            continue
        if schema.check(document.data):
            continue
        assessments.append(assess_model(document.data, path=path, today=today,
                                        locate=document.locate,
                                        expiring_days=config.expiring_days))
    return assessments


def baseline_keys(assessments: Iterable[ModelAssessment],
                  thresholds: Thresholds) -> set[FailureKey]:
    """Keys of every failure the thresholds find at the baseline."""
    keys = set()
    for assessment in assessments:
        for failure in gate_model(assessment, thresholds).failures:
            keys.add(key_of(assessment.model_id, failure))
    return keys


def apply_baseline(result: ModelGate, known: set[FailureKey]) -> ModelGate:
    """Move the failures already present at the baseline out of ``failures``."""
    model_id = result.assessment.model_id
    new = [f for f in result.failures if key_of(model_id, f) not in known]
    old = [f for f in result.failures if key_of(model_id, f) in known]
    return ModelGate(result.assessment, new, result.warnings, old)
